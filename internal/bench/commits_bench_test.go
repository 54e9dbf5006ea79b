package bench

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store/sqlstore"
)

// BenchmarkSingleWriteLatency runs the single-activity writes one after the
// other (one client, SQLite, group commit on as casemgr serve runs it) and
// reports the distribution of their times (p50-us, p99-us, max-us), how
// often the write-ahead log was started again (resets/kop: each follows a
// checkpoint that copied all of the log into the database; with SQLite's
// automatic checkpoint, one run by the commit that took the log past 1 000
// pages), the mean time of the writes right before a reset (ckpt-write-us)
// against the others (other-write-us), and the process's CPU time per
// write (cpu-us/op, the checkpoints' copying included wherever it runs);
// and the checkpoints the Store's checkpointer ran on the writer's
// connection per 1 000 writes (writer-ckpts/kop) and the time they held
// it (writer-ckpt-ms/kop): with SQLite's automatic checkpoint, none, the
// checkpoints being in the commits.
// The counts and the shape depend less on the load of the machine than
// the times do.
func BenchmarkSingleWriteLatency(b *testing.B) {
	for _, name := range []string{"transfer-1", "changecase-1", "create-calltrack"} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "lat.db")
			e := newOperationsEnv(b, "sqlite://"+path, 4)
			if err := e.st.(interface{ SetGroupCommit(bool) error }).SetGroupCommit(true); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for range 200 { // past the first checkpoints of the new world
				if err := e.run(ctx, name); err != nil {
					b.Fatal(err)
				}
			}
			var times []time.Duration
			var seqs []uint32
			stats := e.st.(interface{ Stats() sqlstore.Stats })
			before := stats.Stats()
			cpu := processCPU()
			for b.Loop() {
				start := time.Now()
				if err := e.run(ctx, name); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				seqs = append(seqs, walCheckpointSeq(path))
			}
			b.ReportMetric(float64(processCPU()-cpu)/1e3/float64(len(times)), "cpu-us/op")
			after := stats.Stats()
			kops := float64(len(times)) / 1000
			b.ReportMetric(float64(after.WriterCheckpoints-before.WriterCheckpoints)/kops, "writer-ckpts/kop")
			b.ReportMetric(float64((after.WriterCheckpointTime-before.WriterCheckpointTime).Microseconds())/1e3/kops, "writer-ckpt-ms/kop")
			// A reset is seen after the write that follows the
			// checkpoint: the checkpoint ran in write i when the
			// sequence changed between writes i and i+1.
			resets := 0
			var ckpt, other time.Duration
			nckpt := 0
			for i := range times {
				if i+1 < len(seqs) && seqs[i+1] != seqs[i] {
					resets++
					ckpt += times[i]
					nckpt++
				} else {
					other += times[i]
				}
			}
			sorted := slices.Clone(times)
			slices.Sort(sorted)
			q := func(p float64) float64 { return float64(sorted[int(p*float64(len(sorted)-1))].Microseconds()) }
			b.ReportMetric(q(0.5), "p50-us")
			b.ReportMetric(q(0.99), "p99-us")
			b.ReportMetric(q(1), "max-us")
			b.ReportMetric(float64(resets)*1000/float64(len(times)), "resets/kop")
			if nckpt > 0 {
				b.ReportMetric(float64(ckpt.Microseconds())/float64(nckpt), "ckpt-write-us")
			}
			if n := len(times) - nckpt; n > 0 {
				b.ReportMetric(float64(other.Microseconds())/float64(n), "other-write-us")
			}
		})
	}
}

// walCheckpointSeq reads the checkpoint sequence number of the write-ahead
// log's header, which SQLite increments whenever it starts the log again
// from its beginning (0 when the log cannot be read).
func walCheckpointSeq(db string) uint32 {
	f, err := os.Open(db + "-wal")
	if err != nil {
		return 0
	}
	defer f.Close()
	var h [16]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return 0
	}
	return binary.BigEndian.Uint32(h[12:16])
}
