package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as a table: per operation the HTTP figures,
// the raw transaction's rate and the ratio, then the errors.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "engine %s, %d activities, %d clients, %s per phase, %d run(s), medians; %d CPUs shared by server, database and load\n",
		r.Engine, r.Activities, r.Clients, r.Duration, r.Runs, r.CPUs)
	if r.Mix != "" {
		fmt.Fprintf(w, "mix: %s\n", r.Mix)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\terrors\traw tx/s\traw p99 ms\tratio to raw\tratio to healthz\tbatches\t")
	row := func(name string, s, raw *Summary, ratio, hratio float64, batches int) {
		cells := []string{name}
		if s != nil {
			cells = append(cells, fmt.Sprintf("%.0f", s.RPS), ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), fmt.Sprint(errorCount(s)))
		} else {
			cells = append(cells, "-", "-", "-", "-", "-", "-")
		}
		if raw != nil {
			cells = append(cells, fmt.Sprintf("%.0f", raw.RPS), ms(raw.P99))
		} else {
			cells = append(cells, "-", "-")
		}
		cells = append(cells, ratioText(ratio), ratioText(hratio))
		if batches > 0 {
			cells = append(cells, fmt.Sprint(batches))
		} else {
			cells = append(cells, "")
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if r.Healthz != nil {
		row("healthz", r.Healthz, nil, 0, 0, 0)
	}
	for _, op := range r.Ops {
		row(op.Op, op.HTTP, op.Raw, op.RawRatio, op.HealthzRatio, op.Batches)
		if op.Fetch != nil || op.RawFetch != nil {
			row("  (fetch)", op.Fetch, op.RawFetch, 0, 0, 0)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, op := range r.Ops {
		for kind, s := range map[string]*Summary{"http": op.HTTP, "raw": op.Raw, "fetch": op.Fetch, "raw fetch": op.RawFetch} {
			if s == nil || len(s.Errors) == 0 {
				continue
			}
			fmt.Fprintf(w, "errors of %s (%s, all runs): %s\n", op.Op, kind, errorList(s.Errors))
		}
	}
	for _, op := range r.Ops {
		if op.HistoryActivities > 0 {
			fmt.Fprintf(w, "history written by %s: %.0f bytes per changed activity (%d activities changed)\n",
				op.Op, op.HistoryBytesPerActivity, op.HistoryActivities)
		}
	}
	if err := r.writeOpenLoop(w); err != nil {
		return err
	}
	if r.ServerRSSMaxKB > 0 {
		fmt.Fprintf(w, "server memory: RSS at most %.1f MB while measured, peak (VmHWM) %.1f MB\n",
			float64(r.ServerRSSMaxKB)/1024, float64(r.ServerHWMKB)/1024)
	}
	return nil
}

func ms(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func ratioText(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func errorCount(s *Summary) int {
	n := 0
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// writeOpenLoop writes the open-loop phases, if any: per operation and
// rate, latencies from each request's due time.
func (r *Report) writeOpenLoop(w io.Writer) error {
	any := false
	for _, op := range r.Ops {
		any = any || len(op.OpenLoop) > 0
	}
	if !any {
		return nil
	}
	fmt.Fprintf(w, "open loop (latency from each request's due time; at most %d in flight):\n", r.Clients)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trate\tof max req/s\tsent req/s\tanswered req/s\tp50 ms\tp99 ms\tp99.9 ms\tmax ms\terrors\t")
	for _, op := range r.Ops {
		for _, ol := range op.OpenLoop {
			for _, x := range []struct {
				name string
				s    *Summary
			}{{op.Op, ol.Summary}, {"  (fetch)", ol.Fetch}} {
				if x.s == nil {
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", x.name, ol.Rate, ol.MaxRPS, ol.TargetRPS,
					x.s.RPS, ms(x.s.P50), ms(x.s.P99), ms(x.s.P999), ms(x.s.Max), errorCount(x.s))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, op := range r.Ops {
		for _, ol := range op.OpenLoop {
			if ol.Summary != nil && len(ol.Errors) > 0 {
				fmt.Fprintf(w, "errors of %s (open loop at %s): %s\n", op.Op, ol.Rate, errorList(ol.Errors))
			}
		}
	}
	return nil
}

// errorList lists errors by kind, in order: "400 400-204 ×3; …".
func errorList(errors map[string]int) string {
	keys := make([]string, 0, len(errors))
	for k := range errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, errors[k])
	}
	return strings.Join(parts, "; ")
}
