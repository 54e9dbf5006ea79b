package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// benchWorld is small enough to generate for every benchmark run, with two
// batches of each 75-activity operation.
var benchWorld = WorldConfig{Customers: 300, Cases: 600, Activities: 2000, BenchUsers: 2, BulkCases: 6, Seed: 11}

// operationsEnv is a generated world opened through the store, with the
// workload found in it and a bench user as the actor.
type operationsEnv struct {
	st    store.DB
	db    *DB
	svc   *casemgr.Service
	w     *Workload
	actor casemgr.Actor
	// actors are the first two bench users: pick-75 picks a batch with
	// the one that does not hold it.
	actors [2]casemgr.Actor
}

// newOperationsEnv generates the world at url, with singles batches of each
// single-activity operation.
func newOperationsEnv(b testing.TB, url string, singles int) *operationsEnv {
	b.Helper()
	ctx := context.Background()
	if _, err := LoadWorld(ctx, url, benchWorld, LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db, err := OpenDB(ctx, url, 2)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	w, err := Discover(ctx, db, singles)
	if err != nil {
		b.Fatal(err)
	}
	var actors [2]casemgr.Actor
	for i := range actors {
		var u *casemgr.User
		if err := st.Read(ctx, func(tx casemgr.Tx) (err error) { u, err = tx.UserByName(BenchUserName(i + 1)); return err }); err != nil || u == nil {
			b.Fatalf("bench user: %v", err)
		}
		actors[i] = casemgr.UserActor(u)
	}
	return &operationsEnv{st: st, db: db, svc: &casemgr.Service{Store: st}, w: w, actor: actors[0], actors: actors}
}

// BenchmarkOperations measures the operations through the domain (every
// rule, one transaction each), without HTTP, on both engines: what a
// request costs once parsed and authenticated. sqlite-group-commit runs
// SQLite with group commit on, as casemgr serve does by default: each
// Write in a savepoint of its own.
func BenchmarkOperations(b *testing.B) {
	sqlite := func() string { return "sqlite://" + filepath.Join(b.TempDir(), "bench.db") }
	urls := map[string]func() string{
		"sqlite":              sqlite,
		"sqlite-group-commit": sqlite,
		"postgres":            func() string { return storetest.PostgresSchema(b) },
	}
	for _, engine := range []string{"sqlite", "sqlite-group-commit", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			e := newOperationsEnv(b, urls[engine](), 4)
			if engine == "sqlite-group-commit" {
				if err := e.st.(interface{ SetGroupCommit(bool) error }).SetGroupCommit(true); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			for _, name := range []string{"transfer-1", "transfer-75", "changecase-1", "changecase-75",
				"changecustomer-1", "changecustomer-75", "transfer-queue-75", "pick-75"} {
				b.Run(name, func(b *testing.B) {
					pg := e.postgresCPU(b)
					for b.Loop() {
						if err := e.run(ctx, name); err != nil {
							b.Fatal(err)
						}
					}
					pg.report(b)
				})
			}
			for _, n := range []int{1, 75} {
				b.Run(fmt.Sprintf("get-%d", n), func(b *testing.B) { benchGet(b, e, n) })
			}
			b.Run("complete-75", func(b *testing.B) { benchComplete(b, e) })
			b.Run("create-calltrack", func(b *testing.B) {
				pg := e.postgresCPU(b)
				for b.Loop() {
					if err := e.run(ctx, "create-calltrack"); err != nil {
						b.Fatal(err)
					}
				}
				pg.report(b)
			})
		})
	}
}

// BenchmarkGroupCommit measures on SQLite the creations and the
// single-activity writes sent by 32 goroutines at once (b.SetParallelism
// of 16 on two cores), with group commit off and on. Each operation
// works on its own batches, so that no two goroutines touch one activity.
// It reports the process's CPU time per operation (cpu-ns/op: the
// database is in the process), and with group commit on the Writes per
// transaction
// (writes/commit; the operations' reads before their Write are not
// Writes).
func BenchmarkGroupCommit(b *testing.B) {
	for _, mode := range []string{"off", "on"} {
		b.Run(mode, func(b *testing.B) {
			e := newOperationsEnv(b, "sqlite://"+filepath.Join(b.TempDir(), "group.db"), 32)
			if err := e.st.(interface{ SetGroupCommit(bool) error }).SetGroupCommit(mode == "on"); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for _, name := range []string{"create-calltrack", "transfer-1", "changecase-1", "changecustomer-1"} {
				b.Run(name, func(b *testing.B) {
					stats := e.st.(interface{ Stats() sqlstore.Stats })
					before, cpu := stats.Stats().GroupCommits, processCPU()
					b.SetParallelism(16)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := e.run(ctx, name); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
					if groups := stats.Stats().GroupCommits - before; groups > 0 {
						b.ReportMetric(float64(b.N)/float64(groups), "writes/commit")
					}
				})
			}
		})
	}
}

// processCPU returns the CPU time the process has used, user and system,
// in nanoseconds: the CPU an operation costs, which a loaded machine
// changes less than its rate.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// postgresCPU reads the CPU time used so far by the PostgreSQL backends of
// the benchmark's database, when PostgreSQL runs on this machine and its
// processes' /proc entries are readable (nil otherwise): report then gives
// PostgreSQL's own CPU per operation (pg-cpu-us/op), the part of a write's
// cost that the process's CPU does not show. Every backend of the database
// counts, so it is meaningful only in a database no one else uses at the
// time (CASEMGR_TEST_POSTGRES naming a database of one's own).
func (e *operationsEnv) postgresCPU(b *testing.B) *backendsCPU {
	if e.db.Engine != Postgres {
		return nil
	}
	c := &backendsCPU{db: e.db}
	if c.before = c.read(b.Context()); c.before == nil {
		return nil
	}
	return c
}

// backendsCPU is the CPU ticks of each backend of a database, by process
// ID, at the start of a benchmark.
type backendsCPU struct {
	db     *DB
	before map[int]int64
}

// read returns the CPU ticks (user and system) of each backend of the
// database, nil when any cannot be read.
func (c *backendsCPU) read(ctx context.Context) map[int]int64 {
	rows, err := c.db.Read.QueryContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend'`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th of them.
		_, after, ok := strings.Cut(string(raw), ") ")
		f := strings.Fields(after)
		if !ok || len(f) < 13 {
			return nil
		}
		utime, err1 := strconv.ParseInt(f[11], 10, 64)
		stime, err2 := strconv.ParseInt(f[12], 10, 64)
		if err1 != nil || err2 != nil {
			return nil
		}
		out[pid] = utime + stime
	}
	if rows.Err() != nil {
		return nil
	}
	return out
}

// report reports the backends' CPU per operation since postgresCPU (a
// backend begun since counts whole).
func (c *backendsCPU) report(b *testing.B) {
	if c == nil {
		return
	}
	after := c.read(context.WithoutCancel(b.Context()))
	if after == nil {
		return
	}
	var ticks int64
	for pid, t := range after {
		ticks += t - c.before[pid]
	}
	const ticksPerSecond = 100 // USER_HZ, Linux's unit of /proc/PID/stat
	b.ReportMetric(float64(ticks)*1e6/ticksPerSecond/float64(b.N), "pg-cpu-us/op")
}

// run runs one operation of the name of its bench operation, on a batch of
// its own.
func (e *operationsEnv) run(ctx context.Context, name string) error {
	if name == "create-calltrack" {
		return e.createCalltrack(ctx)
	}
	p := e.w.pools[name]
	bt, err := p.get(ctx)
	if err != nil {
		return err
	}
	defer p.put(bt)
	switch name {
	case "transfer-1", "transfer-75":
		return e.transfer(ctx, bt)
	case "transfer-queue-75", "pick-75":
		return e.route(ctx, name, bt)
	case "changecase-1", "changecase-75":
		dst := bt.other()
		if _, err := e.svc.ChangeCase(ctx, e.actor, casemgr.ChangeCaseRequest{Activities: bt.ids, TargetCase: dst}); err != nil {
			return err
		}
		bt.cur = dst
	case "changecustomer-1", "changecustomer-75":
		tg := bt.targets[bt.next]
		items := make([]casemgr.ChangeCustomerItem, len(bt.ids))
		for i, id := range bt.ids {
			items[i] = casemgr.ChangeCustomerItem{Activity: id, Points: []casemgr.PointRef{{Kind: casemgr.KindEmail, ID: tg.point}}}
		}
		if err := e.svc.ChangeCustomer(ctx, e.actor, items); err != nil {
			return err
		}
		bt.next = 1 - bt.next
	default:
		return fmt.Errorf("no operation %q", name)
	}
	return nil
}

// transfer reads the lastModified of a batch (as the client does) and
// transfers it to the other of Service and Billing.
func (e *operationsEnv) transfer(ctx context.Context, bt *batch) error {
	var items []casemgr.TransferItem
	target := e.w.service
	if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
		acts, err := tx.Activities(bt.ids, false)
		for _, a := range acts {
			items = append(items, casemgr.TransferItem{Activity: a.ID, LastModified: a.LastModified})
			if a.Department == e.w.service {
				target = e.w.billing
			}
		}
		return err
	}); err != nil {
		return err
	}
	return e.svc.Transfer(ctx, e.actor, casemgr.TransferRequest{Department: target, Items: items})
}

// route reads a batch's lastModified, department, queue and assignee (as
// the client does), then moves it to the other queue of its department
// (transfer-queue-75) or picks it as the bench user who does not hold any
// of its activities (pick-75).
func (e *operationsEnv) route(ctx context.Context, name string, bt *batch) error {
	var items []casemgr.BulkItem
	var dept casemgr.ID
	var queues []casemgr.ID
	actor := e.actors[0]
	if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
		acts, err := tx.Activities(bt.ids, false)
		for _, a := range acts {
			items = append(items, casemgr.BulkItem{Activity: a.ID, LastModified: a.LastModified})
			dept = a.Department
			if a.Queue != 0 {
				queues = append(queues, a.Queue)
			}
			if a.AssignedUser == e.actors[0].UserID() {
				actor = e.actors[1]
			}
		}
		return err
	}); err != nil {
		return err
	}
	if name == "pick-75" {
		return e.svc.Pick(ctx, actor, casemgr.PickRequest{Items: items})
	}
	return e.svc.TransferToQueue(ctx, e.actor, casemgr.TransferToQueueRequest{Queue: otherQueue(dept, queues), Items: items})
}

// createCalltrack creates a calltrack for a random customer, by its ID.
func (e *operationsEnv) createCalltrack(ctx context.Context) error {
	subject, text := "Bench call", "The caller asked about an invoice."
	cust := e.w.customers[rand.IntN(len(e.w.customers))]
	req := casemgr.CalltrackRequest{Department: e.w.deptNames[cust.dept], Type: casemgr.TypeCalltrack,
		Subtype: "General", Mode: "inbound", Subject: &subject,
		Content: &casemgr.CalltrackContent{Text: &text}, CustomerID: &cust.id}
	_, err := e.svc.CreateCalltrack(ctx, e.actor, req)
	return err
}

// benchComplete completes a batch of 75 activities as the bench user,
// after reopening it for that user and reading its lastModified (neither
// timed).
func benchComplete(b *testing.B, e *operationsEnv) {
	ctx := context.Background()
	p := e.w.pools["complete-75"]
	for b.Loop() {
		b.StopTimer()
		bt, _ := p.get(ctx)
		if err := reopenBatch(ctx, e.db, bt, e.actor.UserID()); err != nil {
			b.Fatal(err)
		}
		var items []casemgr.BulkItem
		if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
			acts, err := tx.Activities(bt.ids, false)
			for _, a := range acts {
				items = append(items, casemgr.BulkItem{Activity: a.ID, LastModified: a.LastModified})
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		done, err := e.svc.Complete(ctx, e.actor, casemgr.CompleteRequest{Items: items})
		if err != nil {
			b.Fatal(err)
		}
		if len(done) != 75 {
			b.Fatalf("completed %d activities, want 75", len(done))
		}
		p.put(bt)
	}
}

// benchGet reads n activities at random as GET /activity/{ids} reads them
// (ActivitiesToShow with their customers, the read ending with it; the
// configuration from the copy; the customers shown), and reports, besides
// PostgreSQL's CPU per read, the process's (cpu-ns/op), and the read's
// statements and round trips (statements/op, round-trips/op: Stats).
func benchGet(b *testing.B, e *operationsEnv, n int) {
	ctx := context.Background()
	stats := e.st.(interface{ Stats() sqlstore.Stats })
	ids := make([]casemgr.ID, n)
	pg := e.postgresCPU(b)
	before, cpu := stats.Stats(), processCPU()
	for b.Loop() {
		for i := range ids {
			ids[i] = casemgr.ID(1 + rand.Int64N(e.w.Activities))
		}
		if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
			_, _, err := storetest.ReadToShow(tx, ids, true)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	pg.report(b)
	after := stats.Stats()
	b.ReportMetric(float64(after.Statements-before.Statements)/float64(b.N), "statements/op")
	b.ReportMetric(float64(after.RoundTrips-before.RoundTrips)/float64(b.N), "round-trips/op")
}
