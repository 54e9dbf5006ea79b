package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// TestSQLiteWriterKeepsItsSubJournalInMemory checks that SQLite's writer
// keeps its temporary files, among them the sub-journal of the savepoints
// group commit runs every Write in, in memory (temp_store 2): on a file,
// each page a Write changes past the first 64 KiB of a transaction is
// written to it with a pwrite of its own. The readers keep the default.
func TestSQLiteWriterKeepsItsSubJournalInMemory(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var writer, reader int
	if err := s.Write(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA temp_store", nil, &writer)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA temp_store", nil, &reader)
	}); err != nil {
		t.Fatal(err)
	}
	if writer != 2 || reader != 0 {
		t.Errorf("temp_store: writer %d, readers %d; want 2 (memory) and 0 (the default)", writer, reader)
	}
}

// TestSQLiteWriterHasALargerPageCache checks that SQLite's writer has a
// page cache of writerCacheKiB (32 MiB) and the readers SQLite's default
// (2 000 KiB): a large move dirties more pages than the default holds.
func TestSQLiteWriterHasALargerPageCache(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var writer, reader int
	if err := s.Write(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA cache_size", nil, &writer)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA cache_size", nil, &reader)
	}); err != nil {
		t.Fatal(err)
	}
	if writer != -32768 || reader != -2000 {
		t.Errorf("cache_size: writer %d, readers %d; want -32768 (32 MiB) and -2000 (the default)", writer, reader)
	}
}
