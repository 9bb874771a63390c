package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fluxly-go/fluxly/internal/httpapi"
)

const docsPage = `<!DOCTYPE html><title>Docs</title><h1 id="h">The workflows</h1>`

func docsServer(t *testing.T, opts httpapi.Options) *httptest.Server {
	t.Helper()
	opts.Docs = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, docsPage)
	})
	opts.Logger = slog.New(slog.DiscardHandler)
	s, err := httpapi.New(appOf(newApp(nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return hs
}

// With a token, /docs/ sends a browser to a login page; the right token
// sets a cookie that opens the docs (and only the docs).
func TestDocsLogin(t *testing.T) {
	hs := docsServer(t, httpapi.Options{Token: "t0ken"})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := client.Get(hs.URL + "/docs/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `name="token"`) || resp.Request.URL.Path != "/login" {
		t.Fatalf("GET /docs/ without a token: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("login page CSP %q", csp)
	}
	// A wrong token: 401, the form again, no cookie.
	resp, err = client.PostForm(hs.URL+"/login", url.Values{"token": {"wrong"}, "next": {"/docs/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	// The right one: back to the docs, with a cookie scoped to them.
	resp, err = client.PostForm(hs.URL+"/login", url.Values{"token": {"t0ken"}, "next": {"//evil.example/docs/"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != docsPage || resp.Request.URL.Host != strings.TrimPrefix(hs.URL, "http://") {
		t.Fatalf("after login: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	u, _ := url.Parse(hs.URL + "/docs/")
	var c *http.Cookie
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "fluxly_docs" {
			c = ck
		}
	}
	if c == nil || strings.Contains(c.Value, "t0ken") {
		t.Fatalf("cookie %+v", c)
	}
	// The cookie opens no API route.
	req, _ := http.NewRequest("GET", hs.URL+"/runs", nil)
	req.AddCookie(c)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /runs with the docs cookie: %d, want 401", resp.StatusCode)
	}
	// The explicit opt-out serves the docs without a token.
	open := docsServer(t, httpapi.Options{Token: "t0ken", DocsWithoutToken: true})
	if code, body := get(t, open.URL+"/docs/", nil); code != 200 || body != docsPage {
		t.Errorf("--docs-without-token: %d %s", code, body)
	}
	if code, _ := get(t, open.URL+"/runs", nil); code != http.StatusUnauthorized {
		t.Errorf("--docs-without-token opened the API: %d", code)
	}
}

// A browser opens /docs/ of a server with a token: it signs in on the
// login page and sees the docs.
func TestDocsLoginInBrowser(t *testing.T) {
	path := ""
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("FLUXLY_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("FLUXLY_REQUIRE_CHROMIUM=1 but Chromium is not installed")
		}
		t.Skip("Chromium is not installed")
	}
	hs := docsServer(t, httpapi.Options{Token: "t0ken"})
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	err := chromedp.Do(ctx,
		chromedp.Navigate(hs.URL+"/docs/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "t0ken"),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.ID("h")),
	)
	if err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("h")))
	if err != nil {
		t.Fatal(err)
	}
	where, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if heading != "The workflows" || !strings.HasSuffix(where, "/docs/") {
		t.Errorf("after signing in: %q at %s", heading, where)
	}
}
