package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/bench"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// casemgr bench runs end to end on both engines: a generated world, a
// server on it, every operation over HTTP and raw, without an error.
func TestBenchWorldRunAndRaw(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dbURL := "sqlite://" + filepath.Join(t.TempDir(), "bench.db")
			if engine == "postgres" {
				dbURL = storetest.PostgresSchema(t)
			}
			ctx := context.Background()
			var out bytes.Buffer
			if err := run(ctx, []string{"bench", "world", "--db", dbURL, "--customers", "300", "--cases", "600",
				"--activities", "2000", "--bulk-cases", "6", "--bench-users", "4"}, env(nil), &out, &out); err != nil {
				t.Fatalf("bench world: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "2000 activities") {
				t.Errorf("bench world said %q", out.String())
			}
			addr, stop, _ := serveUntilReady(t, []string{"--db", dbURL, "--webhook-allow", "127.0.0.0/8"}, nil)
			defer stop()

			out.Reset()
			var stderr bytes.Buffer
			if err := run(ctx, []string{"bench", "run", "--db", dbURL, "--url", "http://" + addr, "--clients", "2",
				"--duration", "250ms", "--warmup", "0s", "--ops", strings.Join(bench.Operations, ","), "--rate", "50%", "--json", "--webhooks"},
				env(nil), &out, &stderr); err != nil {
				t.Fatalf("bench run: %v\n%s", err, stderr.String())
			}
			// --webhooks: a receiver got verified deliveries of the run's
			// events, none refused, and its webhook is gone.
			var delivered, refused int
			if i := strings.Index(stderr.String(), "webhook deliveries during the run: "); i < 0 {
				t.Errorf("no webhook line in %s", stderr.String())
			} else if _, err := fmt.Sscanf(stderr.String()[i:], "webhook deliveries during the run: %d verified, %d refused", &delivered, &refused); err != nil ||
				delivered == 0 || refused != 0 {
				t.Errorf("webhook deliveries: %d verified, %d refused (%v)", delivered, refused, err)
			}
			if strings.Contains(stderr.String(), "deleting the webhook") {
				t.Errorf("the webhook was not deleted: %s", stderr.String())
			}
			var rep bench.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("bench run --json: %v\n%s", err, out.String())
			}
			if rep.Healthz == nil || rep.Healthz.RPS <= 0 || len(rep.Ops) != len(bench.Operations)-1 {
				t.Fatalf("report: %+v", rep)
			}
			// A request slower than the phase (a busy machine) is not
			// counted, so only the sum of requests must be positive.
			total := map[string]int{}
			for _, op := range rep.Ops {
				for kind, s := range map[string]*bench.Summary{"http": op.HTTP, "raw": op.Raw} {
					if s == nil || len(s.Errors) > 0 {
						t.Errorf("%s (%s): %+v", op.Op, kind, s)
						continue
					}
					total[kind] += s.Requests
				}
			}
			if total["http"] == 0 || total["raw"] == 0 {
				t.Errorf("requests measured: %v", total)
			}
			// Open loop at half of each operation's measured rate.
			for _, op := range rep.Ops {
				for _, ol := range op.OpenLoop {
					if ol.Rate != "50%" || ol.TargetRPS <= 0 || ol.Summary == nil || len(ol.Errors) > 0 {
						t.Errorf("%s open loop: %+v %+v", op.Op, ol, ol.Summary)
						continue
					}
					total["open"] += ol.Requests
				}
			}
			if total["open"] == 0 {
				t.Errorf("no request measured open-loop")
			}

			out.Reset()
			if err := run(ctx, []string{"bench", "raw", "--db", dbURL, "--clients", "2", "--duration", "200ms",
				"--warmup", "0s", "--ops", "create,transfer-75"}, env(nil), &out, &stderr); err != nil {
				t.Fatalf("bench raw: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(out.String(), "transfer-75") {
				t.Errorf("bench raw said %q", out.String())
			}
		})
	}
}
