package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress reports how far a long job is: on a terminal a bar redrawn in
// place with the rate and the time left; otherwise plain lines, at most one
// every few seconds, that logs keep readable.
type Progress struct {
	w        io.Writer
	terminal bool
	interval time.Duration

	mu       sync.Mutex
	phase    string
	total    int64
	done     int64
	start    time.Time
	lastDraw time.Time
}

// NewProgress reports to w; it draws a bar when w is a terminal.
func NewProgress(w io.Writer) *Progress {
	p := &Progress{w: w, interval: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal, p.interval = true, 200*time.Millisecond
		}
	}
	return p
}

// Start begins a phase of total units.
func (p *Progress) Start(phase string, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.done = phase, total, 0
	p.start = time.Now()
	p.lastDraw = p.start
}

// Add counts n more units done.
func (p *Progress) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if now := time.Now(); now.Sub(p.lastDraw) >= p.interval {
		p.lastDraw = now
		p.draw(false)
	}
}

// Done ends the phase with a final line.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
}

// Printf writes a line of its own.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *Progress) draw(final bool) {
	el := time.Since(p.start)
	rate := 0.0
	if s := el.Seconds(); s > 0 {
		rate = float64(p.done) / s
	}
	frac := 0.0
	if p.total > 0 {
		frac = min(float64(p.done)/float64(p.total), 1)
	}
	eta := "?"
	if rate > 0 && p.total > 0 {
		eta = time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	if final {
		eta = "done in " + el.Round(100*time.Millisecond).String()
	} else {
		eta = "ETA " + eta
	}
	if p.terminal {
		const width = 30
		n := int(frac * width)
		bar := strings.Repeat("#", n) + strings.Repeat(".", width-n)
		fmt.Fprintf(p.w, "\r%-15s [%s] %5.1f%% %10d/%-10d %9s/s  %-20s", p.phase, bar, 100*frac, p.done, p.total, human(rate), eta)
		if final {
			fmt.Fprintln(p.w)
		}
		return
	}
	fmt.Fprintf(p.w, "%-15s %5.1f%% %10d/%-10d %9s/s  %s\n", p.phase, 100*frac, p.done, p.total, human(rate), eta)
}

// human renders a rate with a k or M suffix.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
