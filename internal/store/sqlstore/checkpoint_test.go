package sqlstore_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// walState reads, from a SQLite database's shared-memory index of its
// write-ahead log, the length of the log (mxFrame, in frames) and how many
// of its frames a checkpoint has copied into the database (nBackfill), and
// from the log's header its checkpoint sequence, which SQLite increments
// whenever it starts the log again from its beginning. The index is in the
// machine's byte order (little-endian here), the header big-endian.
func walState(t testing.TB, db string) (frames, copied, seq uint32) {
	t.Helper()
	shm, err := os.ReadFile(db + "-shm")
	if err != nil || len(shm) < 100 {
		t.Fatalf("read the log's index: %v (%d bytes)", err, len(shm))
	}
	// WalIndexHdr: mxFrame at byte 16; two copies of 48 bytes, then
	// WalCkptInfo, whose first field is nBackfill.
	frames = binary.LittleEndian.Uint32(shm[16:20])
	copied = binary.LittleEndian.Uint32(shm[96:100])
	f, err := os.Open(db + "-wal")
	if err != nil {
		t.Fatalf("open the log: %v", err)
	}
	defer f.Close()
	var h [16]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		t.Fatalf("read the log's header: %v", err)
	}
	return frames, copied, binary.BigEndian.Uint32(h[12:16])
}

// openCheckpointed opens a SQLite store on a new file with a table of blobs
// (no migration: the tests write only that table), its checkpointer set
// before the first Write, with group commit as CASEMGR_TEST_GROUP_COMMIT
// says.
func openCheckpointed(t testing.TB, path string, interval time.Duration, resetFrames, forceFrames int64, resetGap time.Duration) *sqlstore.Store {
	t.Helper()
	return openCheckpointedURL(t, "sqlite://"+path, interval, resetFrames, forceFrames, resetGap)
}

// openCheckpointedURL is openCheckpointed on a database URL, which may
// carry parameters.
func openCheckpointedURL(t testing.TB, url string, interval time.Duration, resetFrames, forceFrames int64, resetGap time.Duration) *sqlstore.Store {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	s := db.(*sqlstore.Store)
	t.Cleanup(func() { s.Close() })
	sqlstore.SetCheckpointing(s, interval, resetFrames, forceFrames, resetGap)
	if os.Getenv(storetest.EnvGroupCommit) == "1" {
		if err := s.SetGroupCommit(true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(context.Background(), func(tx casemgr.Tx) error {
		return sqlstore.ExecIn(tx, "CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, b BLOB)")
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// writeBlob commits a row of size random bytes.
func writeBlob(ctx context.Context, s *sqlstore.Store, size int) error {
	return s.Write(ctx, func(tx casemgr.Tx) error {
		return sqlstore.ExecIn(tx, "INSERT INTO blobs (b) VALUES (randomblob(?))", size)
	})
}

// TestCommitsDoNotCheckpoint: the writer's commits never run a checkpoint.
// With the checkpointer held back, the log grows past SQLite's automatic
// checkpoint (1 000 pages) over many commits with none of it copied into
// the database; once the checkpointer runs, it copies the log and the log
// starts again from its beginning.
func TestCommitsDoNotCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s := openCheckpointed(t, path, time.Hour, 500, 1<<30, 0)
	ctx := context.Background()
	for range 100 { // 100 commits of 16+ pages each
		if err := writeBlob(ctx, s, 64<<10); err != nil {
			t.Fatal(err)
		}
	}
	frames, copied, seq := walState(t, path)
	if frames < 1500 || copied != 0 {
		t.Fatalf("after 100 commits of 64 KiB the log has %d frames, %d of them copied into the database: want more than 1 500 and none (a commit checkpointed)", frames, copied)
	}
	if p, w, _ := sqlstore.CheckpointCounts(s); p+w != 0 {
		t.Fatalf("the held-back checkpointer ran %d checkpoints", p+w)
	}
	// Let the checkpointer run: it copies the log and has the writer start
	// it again.
	sqlstore.SetCheckpointing(s, 5*time.Millisecond, 500, 1<<30, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := writeBlob(ctx, s, 100); err != nil {
			t.Fatal(err)
		}
		f, _, q := walState(t, path)
		if q != seq && f < 100 {
			break
		}
		if time.Now().After(deadline) {
			p, w, _ := sqlstore.CheckpointCounts(s)
			t.Fatalf("the log was not started again within 10 s: %d frames, sequence %d (was %d); %d checkpoints, %d on the writer", f, q, seq, p, w)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestAutocheckpointCanBeTurnedBackOn: a database URL with
// _pragma=wal_autocheckpoint(1000) gives the writer SQLite's automatic
// checkpoint back: with the checkpointer held back, the commits checkpoint
// and start the log again themselves.
func TestAutocheckpointCanBeTurnedBackOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s := openCheckpointedURL(t, "sqlite://"+path+"?_pragma=wal_autocheckpoint(1000)", time.Hour, 1<<30, 1<<30, 0)
	ctx := context.Background()
	_, _, seq := walState(t, path)
	for range 100 {
		if err := writeBlob(ctx, s, 64<<10); err != nil {
			t.Fatal(err)
		}
	}
	frames, _, seq2 := walState(t, path)
	if seq2 == seq || frames >= 1500 {
		t.Fatalf("after 100 commits of 64 KiB the log has %d frames and was started again %d times: want it checkpointed by the commits", frames, seq2-seq)
	}
	if p, w, _ := sqlstore.CheckpointCounts(s); p+w != 0 {
		t.Fatalf("the held-back checkpointer ran %d checkpoints", p+w)
	}
}

// TestWALStaysBounded: under writes without a pause (1 000 commits of
// about four pages) and readers reading all along, in one store and in two stores on one file (as two processes
// are), the log is started again and never grows much past the length from
// which the checkpointer forces it: the background checkpoints alone would
// seldom find all of it copied at the start of a write.
func TestWALStaysBounded(t *testing.T) {
	const reset, force = 300, 1200
	for _, stores := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d stores", stores), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.db")
			var ss []*sqlstore.Store
			for range stores {
				ss = append(ss, openCheckpointed(t, path, 2*time.Millisecond, reset, force, 0))
			}
			// Until 1 000 commits and two restarts of the log, or 20 s
			// on a busy machine.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			var commits atomic.Int64
			errs := make(chan error, 16)
			for _, s := range ss {
				for range 3 {
					wg.Go(func() {
						for ctx.Err() == nil {
							if err := writeBlob(ctx, s, 12000); err != nil {
								if ctx.Err() == nil {
									errs <- err
								}
								return
							}
							commits.Add(1)
						}
					})
				}
			}
			// Readers all along, each read a snapshot that the
			// checkpoints must wait for.
			readers, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
			if err != nil {
				t.Fatal(err)
			}
			defer readers.Close()
			for range 2 {
				wg.Go(func() {
					for ctx.Err() == nil {
						var n int64
						_ = readers.QueryRowContext(ctx, "SELECT count(*) FROM blobs WHERE length(b) > 0").Scan(&n)
					}
				})
			}
			_, _, seq0 := walState(t, path)
			var most uint32
			for ctx.Err() == nil {
				f, _, seq := walState(t, path)
				most = max(most, f)
				if commits.Load() >= 1000 && seq-seq0 >= 2 {
					cancel()
				}
				time.Sleep(time.Millisecond)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			_, _, seq := walState(t, path)
			var p, w, forced uint64
			for _, s := range ss {
				a, b, c := sqlstore.CheckpointCounts(s)
				p, w, forced = p+a, w+b, forced+c
			}
			t.Logf("%d commits; the log at most %d frames, started again %d times; %d background checkpoints, %d on the writer, %d forced",
				commits.Load(), most, seq-seq0, p, w, forced)
			if most > 2*force {
				t.Errorf("the log grew to %d frames, more than twice the forced bound of %d", most, force)
			}
			if seq == seq0 {
				t.Errorf("the log was never started again")
			}
		})
	}
}

// TestCloseCheckpointsTheLog: closing a store while its checkpointer runs
// stops it and closes its connection, so that the last connection to close
// copies the log into the database and removes it; the rows are all there
// when the file is opened again.
func TestCloseCheckpointsTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s := openCheckpointed(t, path, time.Millisecond, 1<<30, 1<<30, 0)
	ctx := context.Background()
	for range 50 {
		if err := writeBlob(ctx, s, 32<<10); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if p, _, _ := sqlstore.CheckpointCounts(s); p == 0 {
		t.Fatal("the checkpointer did not run")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the log outlived the store: %v", err)
	}
	checkBlobs(t, path, 50)
}

// checkBlobs opens the database at path on its own and checks that it is
// intact and holds at least n blobs, numbered from 1 without a gap.
func checkBlobs(t *testing.T, path string, n int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	var count, most int64
	if err := db.QueryRow("SELECT count(*), coalesce(max(id), 0) FROM blobs").Scan(&count, &most); err != nil {
		t.Fatal(err)
	}
	if count < n || count != most {
		t.Fatalf("%d blobs, the last numbered %d: want at least %d, without a gap", count, most, n)
	}
}

// TestCheckpointCrashKeepsCommits kills a process (SIGKILL) that writes
// without a pause while its checkpointer copies the log every millisecond
// and starts it again: every Write it had answered is in the database,
// which is intact.
func TestCheckpointCrashKeepsCommits(t *testing.T) {
	if os.Getenv("CASEMGR_CRASH_DB") != "" {
		crashWriter(t, os.Getenv("CASEMGR_CRASH_DB"))
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckpointCrashKeepsCommits$")
	cmd.Env = append(os.Environ(), "CASEMGR_CRASH_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed after 20 s at the latest, on a machine too busy to get as far.
	timeout := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer timeout.Stop()
	var acked, resets int64
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) == 3 && f[0] == "acked" {
			acked, _ = strconv.ParseInt(f[1], 10, 64)
			resets, _ = strconv.ParseInt(f[2], 10, 64)
			if resets >= 20 && acked >= 500 {
				break
			}
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if acked == 0 {
		t.Fatalf("the writing process answered no Write")
	}
	t.Logf("killed after %d Writes answered and %d checkpoints on the writer", acked, resets)
	checkBlobs(t, path, acked)
}

// crashWriter is the process TestCheckpointCrashKeepsCommits kills: it
// writes blobs until killed, printing after each answered Write how many
// were answered and how many checkpoints ran on the writer.
func crashWriter(t *testing.T, path string) {
	s := openCheckpointed(t, path, time.Millisecond, 64, 256, 0)
	ctx := context.Background()
	for i := 1; ; i++ {
		if err := writeBlob(ctx, s, 20000); err != nil {
			t.Fatal(err)
		}
		_, w, _ := sqlstore.CheckpointCounts(s)
		fmt.Fprintf(os.Stdout, "acked %d %d\n", i, w)
		if i > 1_000_000 {
			return
		}
	}
}

// TestCloseTwiceChangesNothing: a store closed again answers what its first
// Close answered, without a panic, on both engines and with SQLite's group
// commit on; a Write after Close is refused and writes nothing.
func TestCloseTwiceChangesNothing(t *testing.T) {
	for _, engine := range []string{"sqlite", "sqlite-group-commit", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := "sqlite://" + filepath.Join(t.TempDir(), "c.db")
			if engine == "postgres" {
				url = storetest.PostgresSchema(t)
			}
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			s := db.(*sqlstore.Store)
			if engine == "sqlite-group-commit" {
				if err := s.SetGroupCommit(true); err != nil {
					t.Fatal(err)
				}
			}
			first := s.Close()
			if first != nil {
				t.Fatalf("first Close: %v", first)
			}
			if again := s.Close(); again != first {
				t.Errorf("second Close = %v, want %v", again, first)
			}
			if err := s.Write(context.Background(), func(tx casemgr.Tx) error {
				return tx.InsertDepartment(&casemgr.Department{Name: "After Close"})
			}); err == nil {
				t.Error("a Write after Close was accepted")
			}
		})
	}
}
