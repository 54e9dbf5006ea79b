package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The browser tests drive the console in headless Chromium through the
// DevTools protocol (chromedp), and find every control the way a person
// with a screen reader does: by its role and exact accessible name, as
// Chromium computes them (Accessibility.queryAXTree). A name that matches
// two visible controls fails the test, so the names stay unambiguous.

const (
	// envRequireBrowser=1 turns a missing Chromium into a failure (CI).
	envRequireBrowser = "CASEMGR_REQUIRE_BROWSER"
	// envChromium names the browser binary (default: chromium on PATH).
	envChromium = "CASEMGR_CHROMIUM"
	// envScreenshots names a directory the tests write a PNG of each view to.
	envScreenshots = "CASEMGR_CONSOLE_SCREENSHOTS"
)

// waitFor bounds every wait for the page; the pages answer in milliseconds,
// the bound only turns a hang into a failure on a loaded machine.
const waitFor = 45 * time.Second

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
)

// chromiumPath finds the browser, or "" when there is none.
func chromiumPath() string {
	if p := os.Getenv(envChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestMain closes the shared browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if browserCtx != nil {
		_ = chromedp.Cancel(browserCtx)
	}
	os.Exit(code)
}

// browser starts one headless Chromium for all tests of the package, with a
// fresh profile; it skips the test when there is no Chromium (fails with
// CASEMGR_REQUIRE_BROWSER=1).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv(envRequireBrowser) == "1" {
			t.Fatalf("no Chromium found (set %s or install chromium) and %s=1", envChromium, envRequireBrowser)
		}
		t.Skipf("no Chromium found; install chromium or set %s (%s=1 makes this a failure)", envChromium, envRequireBrowser)
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "casemgr-console-profile-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1280, 900),
		}
		actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, _ = chromedp.NewContext(actx)
		// The first Run starts the browser; it must not carry a timeout.
		_, browserErr = chromedp.Run(browserCtx, chromedp.Evaluate[int]("1"))
	})
	if browserErr != nil {
		t.Fatalf("starting Chromium: %v", browserErr)
	}
	return browserCtx
}

// world is a casemgr server with the demo world on a fresh SQLite store,
// listening on 127.0.0.1.
type world struct {
	t    *testing.T
	URL  string
	http *http.Client
}

func fastHash(s string) (string, error) { return auth.HashSecret(s, bcrypt.MinCost) }

func newWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.OpenSQLite(t)
	if err := fixture.Load(context.Background(), db, fixtures.Demo, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: fastHash}); err != nil {
		t.Fatalf("loading the demo world: %v", err)
	}
	srv := &httpapi.Server{
		Service:    &casemgr.Service{Store: db},
		Auth:       auth.New(db),
		HashSecret: fastHash,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &world{t: t, URL: ts.URL, http: ts.Client()}
}

// token signs a demo user in through the API (password demo-<name>).
func (w *world) token(name string) string {
	w.t.Helper()
	res, err := w.http.PostForm(w.URL+"/core/authmgr/v3/oauth2/token", url.Values{
		"grant_type": {"password"}, "username": {name}, "password": {"demo-" + name}})
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		w.t.Fatalf("signing %s in: %d %v", name, res.StatusCode, err)
	}
	return tok.AccessToken
}

// api calls the API as a user and decodes the JSON answer (nil for none).
func (w *world) api(method, path, token, body string, header ...string) (int, map[string]any) {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, w.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := w.http.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// activity reads one activity as a user.
func (w *world) activity(token, id string) map[string]any {
	w.t.Helper()
	status, m := w.api("GET", "/core/casemgr/v3/activity/"+id, token, "")
	if status != 200 {
		w.t.Fatalf("activity %s: %d %v", id, status, m)
	}
	return m["activity"].([]any)[0].(map[string]any)
}

// at walks a decoded JSON value along a dotted path ("department.name",
// "history.0.action"); "" where it leads nowhere.
func at(v any, path string) string {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i < 0 || i >= len(x) {
				return ""
			}
			v = x[i]
		default:
			return ""
		}
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// tab is one browser tab on a world; each has its own sessionStorage, so
// its own signed-in user.
type tab struct {
	t   *testing.T
	ctx context.Context
	w   *world
}

func newTab(t *testing.T, w *world) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser(t))
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, w: w}
	// The first Run opens the tab, which lives as long as that call's
	// context: it must carry no timeout.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1200, Height: 800, DeviceScaleFactor: 1})
		return err
	})
	return tb
}

// do runs a step on the tab, failing the test on error.
func (tb *tab) do(step func(ctx context.Context, tg *chromedp.Target) error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 2*waitFor)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		return chromedp.Void{}, step(ctx, tg)
	}))
	if err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// open loads a console path in the tab.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.Navigate, page.NavigateParams{URL: tb.w.URL + path})
		if err == nil && res.ErrorText != "" {
			err = fmt.Errorf("navigate %s: %s", path, res.ErrorText)
		}
		return err
	})
	deadline := time.Now().Add(waitFor)
	for tb.eval(`location.pathname + "|" + document.readyState`) != strings.SplitN(path, "?", 2)[0]+"|complete" {
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s did not load", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// query lists the visible (not ignored) nodes of a role and exact accessible
// name.
func query(ctx context.Context, tg *chromedp.Target, role, name string) ([]cdp.BackendNodeID, error) {
	depth := int64(0)
	doc, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{Depth: &depth})
	if err != nil {
		return nil, err
	}
	res, err := cdp.Call(ctx, tg, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
		BackendNodeID: doc.Root.BackendNodeID, AccessibleName: name, Role: role})
	if err != nil {
		return nil, err
	}
	var ids []cdp.BackendNodeID
	for _, n := range res.Nodes {
		if !n.Ignored && n.BackendDOMNodeID != 0 {
			ids = append(ids, n.BackendDOMNodeID)
		}
	}
	return ids, nil
}

// count is the number of visible nodes of a role and name now.
func (tb *tab) count(role, name string) int {
	tb.t.Helper()
	var n int
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		ids, err := query(ctx, tg, role, name)
		n = len(ids)
		return err
	})
	return n
}

// find waits for exactly one visible node of a role and exact accessible
// name and returns it; two are a failure (an ambiguous name).
func (tb *tab) find(role, name string) cdp.BackendNodeID {
	tb.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		var ids []cdp.BackendNodeID
		tb.do(func(ctx context.Context, tg *chromedp.Target) (err error) {
			ids, err = query(ctx, tg, role, name)
			return err
		})
		switch {
		case len(ids) == 1:
			return ids[0]
		case len(ids) > 1:
			tb.t.Fatalf("%d visible %s elements named %q: the name must be unambiguous", len(ids), role, name)
		case time.Now().After(deadline):
			tb.shot("failure-" + strings.ReplaceAll(tb.t.Name(), "/", "-"))
			tb.t.Fatalf("no %s named %q after %v; the page says: %s", role, name, waitFor, tb.eval("document.body.innerText"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// gone waits until no visible node of a role and name is left.
func (tb *tab) gone(role, name string) {
	tb.t.Helper()
	deadline := time.Now().Add(waitFor)
	for tb.count(role, name) > 0 {
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s %q still shown after %v", role, name, waitFor)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// call runs a JavaScript function with this bound to the node of a role
// and name, and returns its JSON result.
func (tb *tab) call(role, name, fn string, args ...any) string {
	tb.t.Helper()
	id := tb.find(role, name)
	var out string
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		obj, err := cdp.Call(ctx, tg, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: id})
		if err != nil {
			return err
		}
		var cargs []*runtime.CallArgument
		for _, a := range args {
			b, _ := json.Marshal(a)
			cargs = append(cargs, &runtime.CallArgument{Value: b})
		}
		byValue := true
		res, err := cdp.Call(ctx, tg, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: fn, ObjectID: obj.Object.ObjectID, Arguments: cargs, ReturnByValue: &byValue})
		if err != nil {
			return err
		}
		if res.ExceptionDetails != nil {
			return fmt.Errorf("%s %q: %s", role, name, res.ExceptionDetails.Text)
		}
		out = string(res.Result.Value)
		return nil
	})
	return out
}

// click activates a control as a click does.
func (tb *tab) click(role, name string) {
	tb.t.Helper()
	tb.call(role, name, `function() { this.scrollIntoView({block: "center"}); this.click(); }`)
}

// fill types a value into a text field.
func (tb *tab) fill(name, value string) {
	tb.t.Helper()
	tb.call("textbox", name, `function(v) { this.focus(); this.value = v; this.dispatchEvent(new Event("input", {bubbles: true})); }`, value)
}

// choose picks the option of a select by its text.
func (tb *tab) choose(name, option string) {
	tb.t.Helper()
	got := tb.call("combobox", name, `function(label) {
		const o = [...this.options].find(o => o.text === label);
		if (!o) return false;
		this.value = o.value;
		this.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	}`, option)
	if got != "true" {
		tb.t.Fatalf("select %q has no option %q (options: %s)", name, option, tb.options(name))
	}
}

// options lists the texts of a select's options.
func (tb *tab) options(name string) string {
	tb.t.Helper()
	var s string
	_ = json.Unmarshal([]byte(tb.call("combobox", name, `function() { return [...this.options].map(o => o.text).join(","); }`)), &s)
	return s
}

// text is the visible text of the node of a role and name.
func (tb *tab) text(role, name string) string {
	tb.t.Helper()
	var s string
	_ = json.Unmarshal([]byte(tb.call(role, name, `function() { return this.innerText; }`)), &s)
	return s
}

// message waits for a non-empty alert or status element and returns its
// text.
func (tb *tab) message(role string) string {
	tb.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		if s := strings.TrimSpace(tb.eval(`(document.querySelector('[role="` + role + `"]') || {}).innerText || ""`)); s != "" {
			return s
		}
		if time.Now().After(deadline) {
			tb.shot("failure-" + strings.ReplaceAll(tb.t.Name(), "/", "-"))
			tb.t.Fatalf("no %s message after %v; the page says: %s", role, waitFor, tb.eval("document.body.innerText"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval evaluates a JavaScript expression returning a string.
func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// signIn fills the sign-in form by its accessible names.
func (tb *tab) signIn(name string) {
	tb.t.Helper()
	tb.fill("Username", name)
	tb.fill("Password", "demo-"+name)
	tb.click("button", "Sign in")
	tb.find("button", "Sign out")
}

// shot writes a PNG of the viewport to $CASEMGR_CONSOLE_SCREENSHOTS/name.png
// when the variable is set.
func (tb *tab) shot(name string) { tb.screenshot(name, false) }

// shotPage is shot of the whole page, beyond the viewport.
func (tb *tab) shotPage(name string) { tb.screenshot(name, true) }

func (tb *tab) screenshot(name string, full bool) {
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		return
	}
	tb.t.Helper()
	tb.eval(`document.activeElement && document.activeElement.blur && document.activeElement.blur(), ""`)
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: &full})
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		small, err := paletted(res.Data)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), small, 0o644)
	})
}

// paletted re-encodes a screenshot with its 256 most frequent colours (each
// other colour mapped to the nearest of them), which keeps the PNGs of the
// documentation about three times smaller with no visible loss on flat UI
// colours.
func paletted(data []byte) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	counts := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)]++
		}
	}
	colours := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colours = append(colours, c)
	}
	sort.Slice(colours, func(i, j int) bool {
		if counts[colours[i]] != counts[colours[j]] {
			return counts[colours[i]] > counts[colours[j]]
		}
		return fmt.Sprint(colours[i]) < fmt.Sprint(colours[j])
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colours[:min(256, len(colours))] {
		pal = append(pal, c)
	}
	dst := image.NewPaletted(b, pal)
	index := map[color.RGBA]uint8{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			dst.SetColorIndex(x, y, i)
		}
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, dst); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// keys of the keyboard the tests press: DOM key, code, Windows key code and
// the text it types.
var keys = map[string]struct {
	key, code, text string
	vk              int64
}{
	"Tab":   {"Tab", "Tab", "", 9},
	"Enter": {"Enter", "Enter", "\r", 13},
	"Space": {" ", "Space", " ", 32},
}

// press sends a key press as the keyboard does (shift for Shift+key).
func (tb *tab) press(name string, shift bool) {
	tb.t.Helper()
	k := keys[name]
	var mods int64
	if shift {
		mods = 8
	}
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: k.key, Code: k.code, Text: k.text,
			UnmodifiedText: k.text, WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk, Modifiers: mods}
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: k.key, Code: k.code,
			WindowsVirtualKeyCode: k.vk, NativeVirtualKeyCode: k.vk, Modifiers: mods}
		_, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, up)
		return err
	})
}

// typeText types text into the focused control.
func (tb *tab) typeText(text string) {
	tb.t.Helper()
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
		return err
	})
}

// focused describes the focused element: its accessible label or text.
func (tb *tab) focused() string {
	tb.t.Helper()
	return tb.eval(`(() => { const e = document.activeElement; if (!e) return "";
		const l = e.labels && e.labels[0] ? e.labels[0].innerText : "";
		return e.getAttribute("aria-label") || l || e.innerText || e.id; })()`)
}

// tabTo presses Tab (or Shift+Tab) until the focused element is described
// as want, at most limit times.
func (tb *tab) tabTo(want string, back bool, limit int) {
	tb.t.Helper()
	for i := 0; i < limit; i++ {
		if tb.focused() == want {
			return
		}
		tb.press("Tab", back)
	}
	tb.t.Fatalf("%q not reached with the keyboard in %d presses (focus on %q)", want, limit, tb.focused())
}

// attach sets the file of the file input with an accessible name, as a
// person choosing a file does.
func (tb *tab) attach(name, path string) {
	tb.t.Helper()
	// A file input's accessible name carries the chosen file's name too,
	// so it is found by its label.
	tb.do(func(ctx context.Context, tg *chromedp.Target) error {
		expr, _ := json.Marshal(name)
		res, err := cdp.Call(ctx, tg, runtime.Evaluate, runtime.EvaluateParams{Expression: `[...document.querySelectorAll("input[type=file]")]
			.find(i => i.labels.length && i.labels[0].innerText.trim() === ` + string(expr) + `)`})
		if err != nil {
			return err
		}
		if res.Result == nil || res.Result.ObjectID == "" {
			return fmt.Errorf("no file input labelled %q", name)
		}
		_, err = cdp.Call(ctx, tg, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{path}, ObjectID: res.Result.ObjectID})
		return err
	})
}
