package apidocs_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReferencePageObtainsADemoTokenAndTriesAnOperation drives /docs/ in
// headless Chromium as a visitor would: the page renders the served
// document's operations, "Authorize" obtains a token for jenny with the
// OAuth2 password flow, and "Try it out" reads activity 3000 with it.
// Without Chromium the test is skipped (a failure with
// CASEMGR_REQUIRE_BROWSER=1, as in CI).
func TestReferencePageObtainsADemoTokenAndTriesAnOperation(t *testing.T) {
	path := os.Getenv("CASEMGR_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("CASEMGR_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found and CASEMGR_REQUIRE_BROWSER=1")
		}
		t.Skip("no Chromium found (install chromium or set CASEMGR_CHROMIUM)")
	}

	db := storetest.OpenSQLite(t)
	hash := func(s string) (string, error) { return auth.HashSecret(s, bcrypt.MinCost) }
	if err := fixture.Load(context.Background(), db, fixtures.Demo, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	srv := &httpapi.Server{Service: &casemgr.Service{Store: db}, Auth: auth.New(db),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 1000))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The bound only turns a hang into a failure on a loaded machine.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelTimeout()

	const op = `#operations-reads-getActivitiesByIds`
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/docs/"),
		chromedp.WaitVisible(css(op)),

		// Authorize: the OAuth2 password flow with a demo user.
		chromedp.Click(css(`.scheme-container button.authorize`)),
		chromedp.WaitVisible(css(`#oauth_username`)),
		chromedp.SendKeys(css(`#oauth_username`), "jenny"),
		chromedp.SendKeys(css(`#oauth_password`), "demo-jenny"),
		chromedp.Action[chromedp.Void](func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
				const box = document.querySelector('#oauth_username').closest('.auth-container');
				const all = [...box.querySelectorAll('a')].find(a => a.textContent.trim() === 'select all');
				if (all) all.click();
				[...box.querySelectorAll('.auth-btn-wrapper button')].find(b => b.textContent.trim() === 'Authorize').click();
				return true;
			})()`))
			return chromedp.Void{}, err
		}),
	)
	if err != nil {
		t.Fatalf("authorizing on /docs/: %v", err)
	}
	token, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const a = window.ui.authSelectors.authorized().toJS();
		return (a.oauth2 && a.oauth2.token && a.oauth2.token.access_token) || false;
	})()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		errText, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.modal-ux') ? document.querySelector('.modal-ux').innerText : ''`))
		t.Fatalf("Authorize obtained no token: %v\n%s", err, errText)
	}

	// Try it out: read activity 3000 with the token.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`.modal-ux button.btn-done`)),
		chromedp.WaitNotPresent(css(`.modal-ux`)),
		chromedp.Click(css(op+` .opblock-summary-control`)),
		chromedp.WaitVisible(css(op+` .try-out__btn`)),
		chromedp.Click(css(op+` .try-out__btn`)),
		chromedp.WaitVisible(css(op+` tr[data-param-name="ids"] input`)),
		chromedp.SendKeys(css(op+` tr[data-param-name="ids"] input`), "3000"),
		chromedp.Click(css(op+` button.execute`)),
		chromedp.WaitVisible(css(op+` .live-responses-table .response .response-col_status`)),
	)
	if err != nil {
		t.Fatalf("trying an operation on /docs/: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(css(op+` .live-responses-table .response .response-col_status`)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(css(op+` .live-responses-table .response .response-col_description`)))
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		t.Fatal("Authorize obtained no token")
	}
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, `"3000"`) {
		t.Errorf("Try it out answered %q: %s", status, body)
	}
}
