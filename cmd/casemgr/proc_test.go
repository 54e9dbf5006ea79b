package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests that start casemgr as a real process (several servers on one
// database, kill -9) build it once per test run.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// casemgrBinary builds this command into a temporary directory, once.
func casemgrBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			binErr = fmt.Errorf("the go command is needed to build casemgr: %w", err)
			return
		}
		binDir, binErr = os.MkdirTemp("", "casemgr-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "casemgr")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a casemgr serve process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	out  *lockedBuffer
	done chan struct{}
	err  error // the exit, once done is closed
}

// startServe starts `casemgr serve` on a free address with args; the
// environment is the test's without CASEMGR_* (bar the test database
// variables), so nothing of the developer's configuration leaks in.
func startServe(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{addr: freeAddr(t), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(casemgrBinary(t), append([]string{"serve", "--addr", p.addr, "--purge-interval", "0"}, args...)...)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CASEMGR_") && !strings.HasPrefix(kv, "CASEMGR_TEST_") {
			continue
		}
		p.cmd.Env = append(p.cmd.Env, kv)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	return p
}

func (p *proc) url() string { return "http://" + p.addr }

// ready waits until the process answers /readyz with 200; it fails when the
// process ends first.
func (p *proc) ready(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(p.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("casemgr serve ended before it was ready (%v):\n%s", p.err, p.out)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("casemgr serve not ready after %v:\n%s", timeout, p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process at once (SIGKILL), as a crash would.
func (p *proc) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// stop ends the process gracefully and reports how it ended.
func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
		return errors.New("casemgr serve did not stop on SIGTERM")
	}
	return p.err
}
