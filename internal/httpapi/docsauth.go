package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// With a token set, a browser cannot send the bearer header, so the docs
// site has a login page: POST /login with the token sets a cookie that
// opens /docs/ only — HttpOnly (no script reads it), SameSite=Strict (no
// other site sends it), Path=/docs/, Secure behind TLS. The cookie holds
// a hash of the token, never the token, and is accepted for the docs
// alone: the API still wants the bearer header, so the cookie cannot be
// used to submit or cancel runs.

const (
	loginPath  = "/login"
	docsCookie = "fluxly_docs"
)

func isDocs(p string) bool { return p == "/docs" || strings.HasPrefix(p, "/docs/") }

// cookieValue is what the docs cookie holds: a hash of the token's hash,
// so neither the token nor what the server compares bearer tokens with
// is ever sent back.
func (s *Server) cookieValue() string {
	sum := sha256.Sum256(append([]byte("fluxly docs cookie\x00"), s.tokenSum[:]...))
	return hex.EncodeToString(sum[:])
}

func (s *Server) docsCookie(r *http.Request) bool {
	c, err := r.Cookie(docsCookie)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cookieValue())) == 1
}

// docsLogin answers a docs request without credentials: a page asks for
// the token, then returns to the page asked for.
func (s *Server) docsLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		unauthorized(w, r)
		return
	}
	http.Redirect(w, r, loginPath+"?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
}

// login serves the login page (GET) and checks the token (POST).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := r.FormValue("next")
	if !isDocs(next) || strings.Contains(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		next = "/docs/"
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		loginPage(w, next, "", http.StatusOK)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		token := strings.TrimSpace(r.PostFormValue("token"))
		sum := sha256.Sum256([]byte(token))
		if !s.auth || subtle.ConstantTimeCompare(sum[:], s.tokenSum[:]) != 1 {
			time.Sleep(200 * time.Millisecond) // slows guessing down a little
			loginPage(w, next, "That token is not the one this server was given.", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: docsCookie, Value: s.cookieValue(), Path: "/docs",
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 12 * 3600})
		http.Redirect(w, r, next, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeProblem(w, newProblem(ProblemMethodNotAllowed, http.StatusMethodNotAllowed, r,
			r.Method+" is not allowed on "+loginPath+"; allowed: GET, HEAD, POST"))
	}
}

func loginPage(w http.ResponseWriter, next, problem string, status int) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	msg := ""
	if problem != "" {
		msg = `<p role="alert">` + html.EscapeString(problem) + `</p>`
	}
	_, _ = w.Write([]byte(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to the docs</title></head>
<body><main><h1>Sign in to the docs</h1>
<p>This server wants its API token (FLUXLY_API_TOKEN) to show the docs.</p>` + msg + `
<form method="post" action="` + loginPath + `">
<input type="hidden" name="next" value="` + html.EscapeString(next) + `">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form></main></body></html>
`))
}
