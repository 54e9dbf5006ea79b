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
	writer, reader := writerAndReaderPragma(t, "temp_store")
	if writer != 2 || reader != 0 {
		t.Errorf("temp_store: writer %d, readers %d; want 2 (memory) and 0 (the default)", writer, reader)
	}
}

// TestSQLiteWriterHasALargerPageCache checks that SQLite's writer has a
// page cache of writerCacheKiB (32 MiB) and the readers SQLite's default
// (2 000 KiB): a large move dirties more pages than the default holds.
func TestSQLiteWriterHasALargerPageCache(t *testing.T) {
	writer, reader := writerAndReaderPragma(t, "cache_size")
	if writer != -32768 || reader != -2000 {
		t.Errorf("cache_size: writer %d, readers %d; want -32768 (32 MiB) and -2000 (the default)", writer, reader)
	}
}

// writerAndReaderPragma opens a SQLite Store and returns the value of the
// pragma name on its writer's connection and on a reader's.
func writerAndReaderPragma(t *testing.T, name string) (writer, reader int) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA "+name, nil, &writer)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(ctx, func(x casemgr.Tx) error {
		return x.(*tx).queryRow("PRAGMA "+name, nil, &reader)
	}); err != nil {
		t.Fatal(err)
	}
	return writer, reader
}
