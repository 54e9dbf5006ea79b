package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The examples of the documentation run as written against a fresh demo
// world: every ```sh block of README.md, docs/api.md, docs/events.md and docs/operations/*.md,
// file by file (each on a new server), block by block in document order in
// one bash shell, so a variable set by one block serves the next. The
// server's address replaces http://127.0.0.1:PORT. A block fails when a
// command in it fails (set -e, pipefail), when a request answers 5xx, when
// a status its comments or the output shown right after it announce
// (`# 204`, `# HTTP/1.1 409 Conflict`, `HTTP/1.1 201 Created`) is not among
// its answers, or when an error code or developer message they announce is
// not in its output.
//
// A block that cannot run against a fresh demo world (it starts a server,
// runs the test suite, needs Node) is marked on the line before its fence:
//
//	<!-- docs-test: skip (why) -->

// docsSkipMarker marks a block the test does not run.
const docsSkipMarker = "<!-- docs-test: skip"

// docsAdminToken is the admin token of the docs' server, in
// CASEMGR_ADMIN_TOKEN for the examples that use it.
const docsAdminToken = "docs-admin-token"

// docFiles are the documents whose examples run.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	ops, err := filepath.Glob(filepath.Join(root, "docs", "operations", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ops)
	return append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "docs", "api.md"), filepath.Join(root, "docs", "events.md")}, ops...)
}

// docBlock is one runnable example.
type docBlock struct {
	line     int // of the opening fence
	text     string
	statuses []int    // announced by its comments or the output after it
	codes    []string // error codes announced likewise
	messages []string // developer messages announced likewise
}

var (
	commentStatus = regexp.MustCompile(`^(?:HTTP(?:/[0-9.]+)? )?([1-5][0-9][0-9])\b`)
	devMessage    = regexp.MustCompile(`"developerMessage":"((?:[^"\\]|\\.)*)"|<developerMessage>([^<]*)</developerMessage>`)
	errorCode     = regexp.MustCompile(`\b([1-5][0-9][0-9]-[0-9]{3})\b`)
	localURL      = regexp.MustCompile(`http://(?:127\.0\.0\.1|localhost):[0-9]+`)
)

// parseDocBlocks reads the runnable ```sh blocks of a document.
func parseDocBlocks(doc string) []docBlock {
	lines := strings.Split(doc, "\n")
	var blocks []docBlock
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```sh" {
			continue
		}
		start := i
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		body := lines[start+1 : min(end, len(lines))]
		i = end
		prev := start - 1
		for prev >= 0 && strings.TrimSpace(lines[prev]) == "" {
			prev--
		}
		if prev >= 0 && strings.HasPrefix(strings.TrimSpace(lines[prev]), docsSkipMarker) {
			continue
		}
		b := docBlock{line: start + 1, text: strings.Join(body, "\n")}
		var said []string // comments of the block, and the output shown after it
		for _, l := range body {
			if _, c, ok := strings.Cut(l, "# "); ok && !strings.Contains(l, "'#") {
				said = append(said, strings.TrimSpace(c))
			}
		}
		// An output block right after, with no prose between.
		next := end + 1
		for next < len(lines) && strings.TrimSpace(lines[next]) == "" && next-end < 2 {
			next++
		}
		if next < len(lines) && slices.Contains([]string{"```", "```http", "```json", "```xml"}, strings.TrimSpace(lines[next])) {
			for k := next + 1; k < len(lines) && strings.TrimSpace(lines[k]) != "```"; k++ {
				said = append(said, strings.TrimSpace(lines[k]))
			}
		}
		for _, s := range said {
			if m := commentStatus.FindStringSubmatch(s); m != nil {
				n, _ := strconv.Atoi(m[1])
				b.statuses = append(b.statuses, n)
			}
			for _, m := range errorCode.FindAllStringSubmatch(s, -1) {
				b.codes = append(b.codes, m[1])
			}
			for _, m := range devMessage.FindAllStringSubmatch(s, -1) {
				if msg := m[1] + m[2]; msg != "" && !strings.Contains(msg, "...") && !strings.Contains(msg, "…") {
					b.messages = append(b.messages, msg)
				}
			}
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// docScript is the bash program of a document's blocks: each announces
// itself on stdout and stderr, and curl reports every status on stderr.
func docScript(blocks []docBlock, base string) string {
	var s strings.Builder
	s.WriteString("set -eEo pipefail\n")
	// curl reports the status of its last answer from a header dump, so an
	// example's own --write-out stays its own.
	s.WriteString(`curl() {
  local h rc=0 st
  h=$(mktemp)
  command curl -D "$h" "$@" || rc=$?
  st=$(awk '/^HTTP\//{s=$2} END{print s}' "$h")
  echo "@@STATUS ${st:-000}" >&2
  rm -f "$h"
  return $rc
}
`)
	s.WriteString("trap 'echo \"@@FAILED status $? of: $BASH_COMMAND\" >&2' ERR\n")
	for i, b := range blocks {
		fmt.Fprintf(&s, "echo '@@BLOCK %d'; echo '@@BLOCK %d' >&2\n", i, i)
		s.WriteString(localURL.ReplaceAllString(b.text, base))
		s.WriteString("\n")
	}
	fmt.Fprintf(&s, "echo '@@BLOCK %d'; echo '@@BLOCK %d' >&2\n", len(blocks), len(blocks))
	return s.String()
}

// splitBlocks cuts a stream at the @@BLOCK markers.
func splitBlocks(out string, n int) []string {
	parts := make([]string, n+1)
	cur := -1
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		l := sc.Text()
		if rest, ok := strings.CutPrefix(l, "@@BLOCK "); ok {
			if k, err := strconv.Atoi(rest); err == nil && k <= n {
				cur = k
				continue
			}
		}
		// A response without a final newline leaves the marker at a
		// line's end.
		if i := strings.Index(l, "@@BLOCK "); i > 0 {
			if k, err := strconv.Atoi(l[i+len("@@BLOCK "):]); err == nil && k <= n {
				if cur >= 0 {
					parts[cur] += l[:i] + "\n"
				}
				cur = k
				continue
			}
		}
		if cur >= 0 {
			parts[cur] += l + "\n"
		}
	}
	return parts
}

func TestDocsExamplesRunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documentation's examples against servers")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the docs' examples need %s (CI installs it)", tool)
			}
			t.Skipf("the docs' examples need %s: %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range docFiles(t, root) {
		rel, _ := filepath.Rel(root, file)
		t.Run(rel, func(t *testing.T) {
			doc, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			blocks := parseDocBlocks(string(doc))
			if len(blocks) == 0 {
				t.Skip("no runnable example")
			}
			dbURL := "sqlite://" + filepath.Join(t.TempDir(), "docs.db")
			addr, stop, _ := serveUntilReady(t, []string{"--db", dbURL, "--demo", "--admin-token", docsAdminToken}, nil)
			defer stop()

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-c", docScript(blocks, "http://"+addr))
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "CASEMGR_ADMIN_TOKEN="+docsAdminToken)
			var stdout, stderr lockedBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			runErr := cmd.Run()
			outs, errs := splitBlocks(stdout.String(), len(blocks)), splitBlocks(stderr.String(), len(blocks))

			for i, b := range blocks {
				where := fmt.Sprintf("%s:%d", rel, b.line)
				var statuses []int
				var failed string
				for _, l := range strings.Split(errs[i], "\n") {
					if s, ok := strings.CutPrefix(l, "@@STATUS "); ok {
						n, _ := strconv.Atoi(s)
						statuses = append(statuses, n)
					} else if f, ok := strings.CutPrefix(l, "@@FAILED "); ok {
						failed = f
					}
				}
				show := func(problem string) {
					t.Errorf("%s: the example %s.\n--- the example:\n%s\n--- its output:\n%s%s--- (run against a fresh demo world, "+
						"blocks of a page in order in one shell; mark a block that cannot run with %s (why) --> on the line before its fence)",
						where, problem, b.text, outs[i], strings.ReplaceAll(errs[i], "@@STATUS", "status"), docsSkipMarker)
				}
				if failed != "" {
					show("stopped: a command failed (" + failed + ")")
					break // the blocks after it did not run
				}
				if outs[i] == "" && errs[i] == "" && runErr != nil && i > 0 {
					break
				}
				for _, s := range statuses {
					if s >= 500 {
						show(fmt.Sprintf("got a %d answer", s))
					}
				}
				for _, want := range b.statuses {
					if !slices.Contains(statuses, want) {
						show(fmt.Sprintf("announces status %d, but its requests answered %v", want, statuses))
					}
				}
				for _, code := range b.codes {
					if !strings.Contains(outs[i], code) {
						show(fmt.Sprintf("announces error code %s, which its output lacks", code))
					}
				}
				for _, msg := range b.messages {
					if !strings.Contains(outs[i], msg) {
						show(fmt.Sprintf("announces the message %q, which its output lacks", msg))
					}
				}
			}
			if runErr != nil && !t.Failed() {
				t.Errorf("%s: the examples ended with %v\n%s", rel, runErr, stderr.String())
			}
		})
	}
}

// The parser finds blocks, honours the skip marker and reads what a block
// announces.
func TestDocsExamplesParser(t *testing.T) {
	doc := "text\n\n```sh\ncurl -s $B/x   # 204\n# {\"code\":\"409-101\"}\n```\n```\nHTTP/1.1 201 Created\n```\n" +
		"<!-- docs-test: skip (starts a server) -->\n```sh\ngo run ./cmd/casemgr serve\n```\n"
	blocks := parseDocBlocks(doc)
	if len(blocks) != 1 {
		t.Fatalf("%d blocks: %+v", len(blocks), blocks)
	}
	b := blocks[0]
	if b.line != 3 || !slices.Equal(b.statuses, []int{204, 201}) || !slices.Equal(b.codes, []string{"409-101"}) {
		t.Errorf("block: %+v", b)
	}
	if s := docScript(blocks, "http://127.0.0.1:1"); !strings.Contains(s, "@@BLOCK 0") || strings.Contains(s, "8080") {
		t.Errorf("script: %s", s)
	}
}
