package app

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"samspill/models"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		name, email, password string
		want                  int
	}{
		{"right password", demoEmail("adviser"), models.DemoPassword, http.StatusSeeOther},
		{"e-mail in capitals", strings.ToUpper(demoEmail("adviser")), models.DemoPassword, http.StatusSeeOther},
		{"wrong password", demoEmail("adviser"), "not-the-password", http.StatusUnauthorized},
		{"unknown e-mail", "nobody@example.org", models.DemoPassword, http.StatusUnauthorized},
		{"empty", "", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.get("/login")
			res, body := c.post("/login", url.Values{"email": {tt.email}, "password": {tt.password}})
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d; want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusUnauthorized && !strings.Contains(body, "Feil e-postadresse eller passord.") {
				t.Errorf("failure page lacks the generic message:\n%s", body)
			}
		})
	}
}

// from sends requests as if from addr, through the trusted proxy on loopback.
func from(addr string) http.Header {
	return http.Header{"X-Forwarded-For": {addr}, "Content-Type": {"application/x-www-form-urlencoded"}}
}

func (c *client) postFrom(addr, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	form.Set("_csrf", c.csrf)
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), from(addr))
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	loopback, _ := ParseCIDRs("127.0.0.1")
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies = loopback })
	wrong := func(i int) url.Values {
		return url.Values{"email": {demoEmail("board")}, "password": {"wrong password " + strconv.Itoa(i)}}
	}

	// Five failures for one account from one address lock that pair: the
	// sixth attempt from there is refused even with the right password.
	c := ts.client(t)
	c.get("/login")
	for i := 0; i < 5; i++ {
		res, _ := c.postFrom("192.0.2.1", "/login", wrong(i))
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d; want 401", i+1, res.StatusCode)
		}
	}
	res, body := c.postFrom("192.0.2.1", "/login", url.Values{"email": {demoEmail("board")}, "password": {models.DemoPassword}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d; want 429", res.StatusCode)
	}
	if !strings.Contains(body, "For mange mislykkede forsøk") || !strings.Contains(body, "Prøv igjen etter klokka") {
		t.Errorf("429 page does not say when to try again:\n%s", body)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// The account's owner, at their own address, is not locked out by them
	// (at five failures anyone anywhere could lock any account), and their
	// log-in does not clear the other address's failures.
	owner := ts.client(t)
	owner.get("/login")
	if res, body := owner.postFrom("198.51.100.1", "/login", url.Values{"email": {demoEmail("board")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the account's owner from their own address: %d; want 303\n%.300s", res.StatusCode, body)
	}
	if res, _ := c.postFrom("192.0.2.1", "/login", url.Values{"email": {demoEmail("board")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the guessing address after the owner's log-in: %d; want 429 still", res.StatusCode)
	}
	// Another account from another address is not affected.
	other := ts.client(t)
	other.get("/login")
	if res, _ := other.postFrom("198.51.100.2", "/login", url.Values{"email": {demoEmail("adviser")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another account from another address: %d; want 303", res.StatusCode)
	}

	// The account alone is locked after LoginMaxAccountFailures failures,
	// from many addresses: then from any address, its owner's too.
	for i := 0; i < models.LoginMaxAccountFailures-models.LoginMaxFailures; i++ {
		addr := "192.0.2." + strconv.Itoa(10+i/models.LoginMaxFailures)
		if res, _ := c.postFrom(addr, "/login", wrong(i)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d from %s: status %d; want 401", models.LoginMaxFailures+i+1, addr, res.StatusCode)
		}
	}
	again := ts.client(t)
	again.get("/login")
	if res, _ := again.postFrom("198.51.100.1", "/login", url.Values{"email": {demoEmail("board")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures from many addresses: status %d; want 429", models.LoginMaxAccountFailures, res.StatusCode)
	}

	// LoginMaxAddressFailures failures from one address, on as many
	// accounts, block that address.
	guesser := ts.client(t)
	guesser.get("/login")
	for i := 0; i < models.LoginMaxAddressFailures; i++ {
		guesser.postFrom("203.0.113.7", "/login", url.Values{"email": {"guess" + strconv.Itoa(i) + "@example.org"}, "password": {"whatever-password"}})
	}
	if res, _ := guesser.postFrom("203.0.113.7", "/login", url.Values{"email": {demoEmail("coordinator")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the next attempt from a guessing address: %d; want 429", res.StatusCode)
	}
}

// Without a trusted proxy, X-Forwarded-For is ignored, so it cannot be used to
// dodge the throttle by inventing addresses.
func TestForwardedForIgnoredWithoutTrustedProxy(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.get("/login")
	for i := 0; i < models.LoginMaxAddressFailures; i++ {
		c.postFrom("192.0.2."+strconv.Itoa(i+1), "/login", url.Values{"email": {"x" + strconv.Itoa(i) + "@example.org"}, "password": {"whatever-password"}})
	}
	if res, _ := c.postFrom("192.0.2.50", "/login", url.Values{"email": {"y@example.org"}, "password": {"whatever-password"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For dodged the address throttle: %d; want 429", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail("admin"), models.DemoPassword)
	before, _, err := ts.store.Partners(context.Background(), models.PartnerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Ny partner"}, "kind": {"local"}}
	tests := []struct {
		name   string
		token  string
		header http.Header
	}{
		{"no token", "", nil},
		{"wrong token", "forged", nil},
		{"forged Sec-Fetch-Site and no token", "", http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"cross-site", "", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}},
	}
	for _, tt := range tests {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("_csrf", tt.token)
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		for k, v := range tt.header {
			h[k] = v
		}
		res, _ := c.do(http.MethodPost, "/admin/partners", strings.NewReader(f.Encode()), h)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d; want 403", tt.name, res.StatusCode)
		}
	}
	after, _, err := ts.store.Partners(context.Background(), models.PartnerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("a refused post created a partner: %d partners, had %d", len(after), len(before))
	}
	// With the token the same post goes through.
	if res, body := c.post("/admin/partners", form); res.StatusCode != http.StatusSeeOther {
		t.Errorf("post with token: status %d; want 303\n%s", res.StatusCode, body)
	}
}

func sessionCookie(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, ck := range res.Cookies() {
		if ck.Name == SessionCookie(false) || ck.Name == SessionCookie(true) {
			return ck
		}
	}
	return nil
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		ts := newTestServer(t, func(c *Config) { c.SecureCookies = secure })
		c := ts.client(t)
		res, _ := c.get("/login")
		ck := sessionCookie(t, res)
		if ck == nil {
			t.Fatal("no session cookie on the login page")
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != secure || ck.Path != "/" {
			t.Errorf("secure=%t: cookie HttpOnly=%t SameSite=%v Secure=%t Path=%q; want HttpOnly, Lax, Secure=%t, /", secure, ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path, secure)
		}
		if wantName := map[bool]string{true: "__Host-samspill", false: "samspill_session"}[secure]; ck.Name != wantName {
			t.Errorf("cookie name %q; want %q", ck.Name, wantName)
		}
		if len(ck.Value) < 32 {
			t.Errorf("session id %q is too short to hold 128 bits", ck.Value)
		}
		if secure && !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age") {
			t.Error("secure mode without HSTS")
		}
	}
}

func TestSessionFixationAndLogout(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	res, _ := c.get("/login")
	before := sessionCookie(t, res)
	res, _ = c.post("/login", url.Values{"email": {demoEmail("coordinator")}, "password": {models.DemoPassword}})
	after := sessionCookie(t, res)
	if before == nil || after == nil {
		t.Fatal("missing session cookie before or after log-in")
	}
	if before.Value == after.Value {
		t.Fatal("the session id did not change at log-in")
	}
	ctx := context.Background()
	if ok, _ := ts.store.Sessions().Exists(ctx, before.Value); ok {
		t.Error("the pre-login session still exists on the server")
	}

	// A planted pre-login id is worthless: it does not reach the dashboard.
	attacker := ts.client(t)
	res, _ = attacker.do(http.MethodGet, "/dashboard", nil, http.Header{"Cookie": {"samspill_session=" + before.Value}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("dashboard with the pre-login id: status %d; want 303 to log-in", res.StatusCode)
	}

	if res, _ := c.get("/dashboard"); res.StatusCode != http.StatusOK {
		t.Fatalf("dashboard after log-in: %d", res.StatusCode)
	}
	c.get("/dashboard")
	if res, _ := c.post("/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d", res.StatusCode)
	}
	if ok, _ := ts.store.Sessions().Exists(ctx, after.Value); ok {
		t.Error("log-out left the session on the server")
	}
	// Replaying the old cookie after log-out gets nowhere.
	replay := ts.client(t)
	res, _ = replay.do(http.MethodGet, "/dashboard", nil, http.Header{"Cookie": {"samspill_session=" + after.Value}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("dashboard with a logged-out cookie: %d %q; want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestDeactivationEndsSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	board := ts.client(t)
	board.login(demoEmail("board"), models.DemoPassword)
	admin := ts.client(t)
	admin.login(demoEmail("admin"), models.DemoPassword)
	u, err := ts.store.UserByEmail(context.Background(), demoEmail("board"))
	if err != nil {
		t.Fatal(err)
	}
	if res, body := admin.post("/admin/users/"+itoa(u.ID)+"/active", url.Values{"active": {"false"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate: %d\n%s", res.StatusCode, body)
	}
	if res, _ := board.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a deactivated user's session still works: %d", res.StatusCode)
	}
	again := ts.client(t)
	again.get("/login")
	if res, _ := again.post("/login", url.Values{"email": {demoEmail("board")}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a deactivated user logged in: %d", res.StatusCode)
	}
}

// Reading pages writes nothing: the session is written back only when its
// data changes (or its expiry must move on), else every page view would be a
// write and a disk sync through the one writer.
func TestReadingPagesLeavesSessionUnwritten(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.get("/login")
	res, _ := c.post("/login", url.Values{"email": {demoEmail("coordinator")}, "password": {models.DemoPassword}})
	ck := sessionCookie(t, res)
	if ck == nil {
		t.Fatal("no session cookie at log-in")
	}
	c.get("/dashboard") // makes the CSRF token: a change, written once
	ctx := context.Background()
	stored, _, err := ts.store.Sessions().FindCtx(ctx, ck.Value)
	if err != nil {
		t.Fatal(err)
	}
	for i, path := range []string{"/dashboard", "/enquiries", "/dashboard", "/referrals", "/projects", "/enquiries", "/dashboard", "/profile"} {
		if res, _ := c.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		now, _, err := ts.store.Sessions().FindCtx(ctx, ck.Value)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(now, stored) {
			t.Fatalf("request %d (GET %s) wrote the session back though nothing in it changed", i+1, path)
		}
	}
}

// After log-in and a language switch the browser goes back only to a path on
// this site. Browsers drop tabs and line breaks from a URL and read a
// backslash as a slash, so each of the refused values below would reach them
// as "//evil.example/…", another host.
func TestRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		name, next string
		kept       bool
	}{
		{"path with query", "/enquiries?tab=mine", true},
		{"path with fragment", "/referrals#overdue", true},
		{"encoded tab stays a path", "/%09/evil.example/phish", true},
		{"encoded slashes stay a path", "/%2F%2Fevil.example/phish", true},
		{"protocol-relative", "//evil.example/phish", false},
		{"backslash", "/\\evil.example/phish", false},
		{"backslash later", "/x/..\\\\evil.example", false},
		{"tab", "/\t/evil.example/phish", false},
		{"line feed", "/\n/evil.example/phish", false},
		{"carriage return", "/\r/evil.example/phish", false},
		{"C1 control", "/\u0085/evil.example/phish", false},
		{"absolute URL", "http://evil.example/phish", false},
		{"scheme without slashes", "javascript:alert(1)", false},
		{"leading space", " //evil.example/phish", false},
		{"bare host", "evil.example", false},
	}
	// A NUL is refused before any redirect is made (TestNULRefused).
	nul := ts.client(t)
	nul.get("/login")
	if res, _ := nul.post("/language", url.Values{"lang": {"nb"}, "back": {"/\x00/evil.example/phish"}}); res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
		t.Errorf("language switch with a NUL in back: %d to %q; want 400 and no redirect", res.StatusCode, res.Header.Get("Location"))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.get("/login")
			res, _ := c.post("/language", url.Values{"lang": {"nb"}, "back": {tt.next}})
			want := "/"
			if tt.kept {
				want = tt.next
			}
			if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("language switch with back=%q: %d to %q; want 303 to %q", tt.next, res.StatusCode, got, want)
			}
			res, _ = c.post("/login", url.Values{"email": {demoEmail(models.RoleAdviser)}, "password": {models.DemoPassword}, "next": {tt.next}})
			if !tt.kept {
				want = "/dashboard"
			}
			if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("log-in with next=%q: %d to %q; want 303 to %q", tt.next, res.StatusCode, got, want)
			}
		})
	}
}

// The janitor's round deletes the log-in attempts throttling no longer reads,
// and keeps the recent ones that still throttle.
func TestJanitorDeletesOldLoginAttempts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := start
	ts.store.SetClock(func() time.Time { return clock })
	fail := func(email string) {
		t.Helper()
		c := ts.client(t)
		c.get("/login")
		if res, _ := c.post("/login", url.Values{"email": {email}, "password": {"feil-passord"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed log-in = %d; want 401", res.StatusCode)
		}
	}
	fail("gammel@example.org")
	clock = start.Add(models.LoginWindow + time.Second)
	for range models.LoginMaxFailures {
		fail("ny@example.org")
	}
	ts.srv.janitorOnce(ctx, false)
	if n, err := ts.store.DeleteOldLoginAttempts(ctx); err != nil || n != 0 {
		t.Errorf("after the janitor's round, %d old attempts were left (%v); want 0", n, err)
	}
	if _, blocked, err := ts.store.LoginBlockedUntil(ctx, "ny@example.org", "127.0.0.1"); err != nil || !blocked {
		t.Errorf("the janitor deleted recent failures: blocked %v (%v)", blocked, err)
	}
}

// An API token is for the API: it cannot make tokens or change the password
// through the pages' forms (a leaked token could make more that outlive its
// revocation), nor read the pages (a case, the inbox's export: they read them
// before), and deactivating a user ends their tokens for good.
func TestTokensStayTokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	tok := ts.token(t, models.RoleAdviser)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/profile/tokens"}, {http.MethodPost, "/profile/password"}, {http.MethodPost, "/profile"},
		{http.MethodGet, "/enquiries/export.csv"}, {http.MethodGet, "/enquiries"}, {http.MethodGet, "/profile"},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(url.Values{"name": {"ny"}}.Encode()))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "API-nøkkel gjelder bare") || strings.Contains(string(body), "HAM-") {
			t.Errorf("%s %s with a token = %d; want 403 saying a token is for the API:\n%.300s", c.method, c.path, res.StatusCode, body)
		}
	}
	adviser, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	admin := adminViewer(t, ts)
	if list, _ := ts.store.Tokens(ctx, admin, adviser.ID); len(list) != 1 {
		t.Errorf("the adviser has %d tokens; want the one", len(list))
	}
	if _, err := ts.store.SetActive(ctx, admin, models.Actor{}, adviser.ID, false, models.KeepOpenCases); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.SetActive(ctx, admin, models.Actor{}, adviser.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("the token from before the deactivation = %d after reactivation; want 401", status)
	}
}

// Someone who works in English keeps English when their session ends: the
// form they post after the idle timeout and the log-in page it leads to
// speak English, not Bokmål.
func TestEndedSessionKeepsLanguage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/enquiries/1"}})
	if _, page := c.get("/enquiries/1"); !strings.Contains(page, `<html lang="en"`) {
		t.Fatal("the case page is not in English after switching")
	}
	clk.Add(31 * time.Minute)
	res, page := c.post("/enquiries/1/activities", url.Values{"kind": {"call"}, "minutes": {"10"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `<html lang="en"`) || !strings.Contains(page, "You were logged out before the form was saved") {
		t.Errorf("a form posted after the session ended = %d in %q; want 401, the English page \"You were logged out before the form was saved…\"", res.StatusCode, htmlLang(page))
	}
	res, _ = c.get("/enquiries/1")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the case page after the session ended = %d; want a redirect to log in", res.StatusCode)
	}
	if _, page := c.get(res.Header.Get("Location")); !strings.Contains(page, `<html lang="en"`) {
		t.Errorf("the log-in page after the session ended is in %q; want English", htmlLang(page))
	}

	// Logging out is the same: the log-in page it leads to keeps the language.
	d := ts.client(t)
	d.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	d.post("/language", url.Values{"lang": {"en"}, "back": {"/dashboard"}})
	d.get("/dashboard")
	res, _ = d.post("/logout", nil)
	if _, page := d.get(res.Header.Get("Location")); !strings.Contains(page, `<html lang="en"`) {
		t.Errorf("the log-in page after logging out is in %q; want English", htmlLang(page))
	}
}

func htmlLang(page string) string {
	if m := regexp.MustCompile(`<html lang="([^"]*)"`).FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// The language kept for the log-in page after a logout is not the next
// user's: whoever logs in on the same browser works in their own profile's.
func TestLogoutLanguageNotTheNextUsers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/dashboard"}}) // the adviser works in English
	c.get("/dashboard")
	c.post("/logout", nil)

	// The coordinator never chose English: their profile is Bokmål.
	c.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, page := c.get("/dashboard"); htmlLang(page) != "nb" {
		t.Errorf("the coordinator, logging in after the adviser logged out on the same browser, gets pages in %q; want their own Bokmål", htmlLang(page))
	}
}

// Someone who chooses English on the log-in page (before they have a session
// user, so the choice is not saved in a profile) and then logs in keeps
// English: a new user's profile is Bokmål by default, and the login handler
// now drops the session's language.
func TestLoginKeepsLanguageChosenOnLoginPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.get("/login")
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/login"}})
	if _, page := c.get("/login"); htmlLang(page) != "en" {
		t.Fatalf("the log-in page is in %q after choosing English", htmlLang(page))
	}
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	if _, page := c.get("/dashboard"); htmlLang(page) != "en" {
		t.Errorf("after choosing English on the log-in page and logging in, the dashboard is in %q; want English", htmlLang(page))
	}
}

// The idle timeout on the real clock keeps the language too: scs's own expiry
// (the same idle time on the wall clock) dropped the session before the server
// ended it, and the language kept for the log-in page with it.
func TestIdleTimeoutKeepsLanguageOnWallClock(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 2 * time.Second })
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/dashboard"}})
	if _, page := c.get("/dashboard"); htmlLang(page) != "en" {
		t.Fatal("the dashboard is not in English after switching")
	}
	time.Sleep(3 * time.Second)
	res, _ := c.get("/enquiries")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the inbox after the idle timeout = %d; want a redirect to log in", res.StatusCode)
	}
	if _, page := c.get(res.Header.Get("Location")); htmlLang(page) != "en" {
		t.Errorf("the log-in page after a real idle timeout is in %q; want English (as after a timeout on the store's clock)", htmlLang(page))
	}
}

// The current password asked for by the password change is guessed no more
// often than at log-in: someone at an unattended, logged-in browser could
// otherwise try password after password until they had it for good.
func TestPasswordChangeThrottled(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail("board"), models.DemoPassword)
	change := func(current string) (*http.Response, string) {
		c.get("/profile")
		return c.post("/profile/password", url.Values{"current_password": {current},
			"new_password": {"et helt nytt passord 42"}, "repeat_password": {"et helt nytt passord 42"}})
	}
	for i := range models.LoginMaxFailures {
		if res, _ := change("gjetning " + strconv.Itoa(i)); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: status %d; want 422", i+1, res.StatusCode)
		}
	}
	res, body := change(models.DemoPassword)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password after %d wrong ones: status %d; want 429", models.LoginMaxFailures, res.StatusCode)
	}
	if !strings.Contains(body, "Prøv igjen etter klokka") {
		t.Errorf("the 429 page does not say when to try again:\n%s", body)
	}
	if _, err := ts.store.Authenticate(context.Background(), demoEmail("board"), models.DemoPassword); err != nil {
		t.Errorf("the password was changed while throttled: %v", err)
	}
}

// Guesses sent all at once are throttled like guesses sent one by one: each
// was checked against the failures already recorded while the others were
// still hashing, so a burst of any size passed the limit of five.
// Not parallel: it makes its user's hash at a real cost (BcryptCost is shared),
// and parallel tests start only after this one has ended.
func TestLoginThrottleHoldsForConcurrentGuesses(t *testing.T) {
	loopback, _ := ParseCIDRs("127.0.0.1")
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies = loopback })
	userAtRealCost(t, ts, nil)
	clients := make([]*client, guessBurst)
	for i := range clients {
		clients[i] = ts.client(t)
		clients[i].get("/login")
	}
	checked := guessAtOnce(t, http.StatusUnauthorized, func(i int) (*client, *http.Request) {
		// All from one address: the limit of one account from one address
		// applies (the account's own is ten times higher).
		form := url.Values{"email": {"maal@example.org"}, "password": {"gjetning " + strconv.Itoa(i)}, "_csrf": {clients[i].csrf}}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header = from("192.0.2.1")
		return clients[i], req
	})
	if checked > models.LoginMaxFailures {
		t.Errorf("%d of %d simultaneous guesses were checked; want at most %d", checked, guessBurst, models.LoginMaxFailures)
	}
}

// Guesses at the current password sent all at once to the password change are
// throttled like log-in guesses (TestLoginThrottleHoldsForConcurrentGuesses).
// Not parallel, for the same reason.
func TestPasswordChangeThrottleHoldsForConcurrentGuesses(t *testing.T) {
	ts := newTestServer(t)
	userAtRealCost(t, ts, []models.RoleGrant{{RegionID: 1, Role: models.RoleBoard}})
	c := ts.client(t)
	c.login("maal@example.org", "riktig passord 123")
	checked := guessAtOnce(t, http.StatusUnprocessableEntity, func(i int) (*client, *http.Request) {
		form := url.Values{"current_password": {"gjetning " + strconv.Itoa(i)}, "new_password": {"et helt nytt passord 42"},
			"repeat_password": {"et helt nytt passord 42"}, "_csrf": {c.csrf}}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/profile/password", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return c, req
	})
	if checked > models.LoginMaxFailures {
		t.Errorf("%d of %d simultaneous guesses were checked; want at most %d", checked, guessBurst, models.LoginMaxFailures)
	}
}

// guessBurst is how many guesses the throttle tests send at once: three times
// the limit.
const guessBurst = 3 * models.LoginMaxFailures

// userAtRealCost makes the user maal@example.org, password "riktig passord
// 123", with its hash at a real cost (a few tens of milliseconds a check, as
// in production), so that simultaneous guesses overlap while hashing.
func userAtRealCost(t *testing.T, ts *testServer, grants []models.RoleGrant) {
	t.Helper()
	cost := models.BcryptCost
	models.BcryptCost = 10
	_, err := ts.store.CreateUser(context.Background(), models.Actor{}, models.UserInput{Email: "maal@example.org", Name: "Mål"}, "riktig passord 123", grants)
	models.BcryptCost = cost
	if err != nil {
		t.Fatal(err)
	}
}

// guessAtOnce sends guessBurst guesses at the same time, guess i as request
// i makes it, and counts those answered checked: the status of a wrong guess
// looked at, not refused by the throttle.
func guessAtOnce(t *testing.T, checked int, request func(i int) (*client, *http.Request)) int {
	t.Helper()
	codes := make([]int, guessBurst)
	var wg sync.WaitGroup
	for i := range guessBurst {
		c, req := request(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.http.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			codes[i] = res.StatusCode
		}()
	}
	wg.Wait()
	n := 0
	for _, code := range codes {
		if code == checked {
			n++
		}
	}
	t.Logf("statuses: %v", codes)
	return n
}

// The health check is public: a monitor that sends the integration's token
// on every request, as API clients do, still learns that the server is up.
func TestHealthzWithToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	for _, path := range []string{"/healthz", "/static/css/app.css"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a token = %d; want 200", path, res.StatusCode)
		}
	}
}

// An admin's password reset and "log out everywhere" lock the user out now,
// and so end the user's API tokens as well, each revocation audited: a token
// made by whoever had the password outlived both. The user's own password
// change keeps them (models.ChangePassword says why) and says so.
func TestLockoutEndsTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name, path string // the admin's form on the user's page
	}{
		{"reset_password", "/password"},
		{"end_sessions", "/sessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
			if err != nil {
				t.Fatal(err)
			}
			tok, made, err := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "rapport", models.TokenDays, models.TokenWrite)
			if err != nil {
				t.Fatal(err)
			}
			other := ts.token(t, models.RoleAdviser)
			admin := ts.client(t)
			admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			res, body := admin.post("/admin/users/"+itoa(u.ID)+tt.path, nil)
			if res.StatusCode >= 400 {
				t.Fatalf("POST %s = %d\n%.500s", tt.path, res.StatusCode, body)
			}
			if res.StatusCode == http.StatusSeeOther {
				_, body = admin.get(res.Header.Get("Location"))
			}
			if !strings.Contains(body, "API-nøklene til brukeren er trukket tilbake") {
				t.Errorf("the admin is not told that %s revoked the user's API keys", tt.name)
			}
			if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusUnauthorized {
				t.Errorf("the user's token after %s = %d; want 401", tt.name, status)
			}
			if status, _ := ts.api(t, other, http.MethodGet, "/api/v1/me", ""); status != http.StatusOK {
				t.Errorf("another user's token after %s = %d; want 200", tt.name, status)
			}
			entries, err := ts.store.AuditFor(ctx, "api_token", itoa(made.ID))
			if err != nil {
				t.Fatal(err)
			}
			var revoked bool
			for _, e := range entries {
				if e.Action == "revoke" && e.UserID != nil && strings.Contains(e.Detail, tt.name) {
					revoked = true
				}
			}
			if !revoked {
				t.Errorf("no audited revoke of token %d by the admin's %s: %+v", made.ID, tt.name, entries)
			}
		})
	}

	t.Run("own password change", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t)
		tok := ts.token(t, models.RoleBoard)
		c := ts.client(t)
		c.login(demoEmail(models.RoleBoard), models.DemoPassword)
		c.get("/profile")
		res, body := c.post("/profile/password", url.Values{"current_password": {models.DemoPassword},
			"new_password": {"et helt nytt passord 42"}, "repeat_password": {"et helt nytt passord 42"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("password change = %d\n%.500s", res.StatusCode, body)
		}
		if _, page := c.get("/profile"); !strings.Contains(page, "API-nøkkelen din virker fortsatt") {
			t.Errorf("the confirmation does not say the API key still works:\n%s", page)
		}
		if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusOK {
			t.Errorf("the user's token after their own password change = %d; want 200", status)
		}
	})
}

// A token stops working when it expires, answered as an unknown token is,
// and the admin's page about its owner says when each token expires.
func TestTokenExpires(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ts.store.SetClock(clk.Now)
	u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "rapport", 30, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(30*24*time.Hour - time.Second)
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusOK {
		t.Errorf("the token a second before it expires = %d; want 200", status)
	}
	clk.Add(time.Second)
	status, body := ts.api(t, tok, http.MethodGet, "/api/v1/me", "")
	unknownStatus, unknown := ts.api(t, "sams_"+strings.Repeat("x", 43), http.MethodGet, "/api/v1/me", "")
	if status != http.StatusUnauthorized || mustJSON(t, body) != mustJSON(t, unknown) {
		t.Errorf("the expired token = %d %v; want %d %v, as an unknown token", status, body, unknownStatus, unknown)
	}

	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	_, page := admin.get("/admin/users/" + itoa(u.ID))
	if !strings.Contains(page, "Virker til") || !strings.Contains(page, "<td>01.04.2026") {
		t.Errorf("the user's page does not say the token works until 01.04.2026:\n%s", page)
	}
}

// A user makes their own API key for as many days as it is needed (1 to
// 365; the profile gave every key 90). A number of days that cannot be used
// is refused beside the field, keeping the name typed, and makes no key. An
// expired key says so in the list and offers no revoking.
func TestProfileTokenDays(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	c.login(demoEmail(models.RoleBoard), models.DemoPassword)
	if _, page := c.get("/profile"); !strings.Contains(page, `name="days"`) || !strings.Contains(page, `value="90"`) {
		t.Fatal("the profile's key form does not ask for how many days, 90 offered")
	}
	u, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	count := func() int {
		t.Helper()
		tokens, err := ts.store.Tokens(ctx, adminViewer(t, ts), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(tokens)
	}
	for _, days := range []string{"0", "366", "-5", "mange", "1,5"} {
		res, body := c.post("/profile/tokens", url.Values{"name": {"Rapportuttrekk"}, "days": {days}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-days-error"`) || !strings.Contains(body, `value="Rapportuttrekk"`) ||
			!strings.Contains(body, `href="#f-days"`) {
			t.Errorf("a key for %q days = %d; want 422 beside the days and in the summary, keeping the name", days, res.StatusCode)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("refused keys made %d keys", n)
	}
	if res, body := c.post("/profile/tokens", url.Values{"name": {"Kortvarig"}, "days": {"7"}}); res.StatusCode != http.StatusOK || !strings.Contains(body, "<td>09.03.2026</td>") {
		t.Errorf("a key for 7 days = %d; want it made, working until 09.03.2026", res.StatusCode)
	}
	clk.Add(8 * 24 * time.Hour)
	c = ts.client(t) // a week on: a new session
	c.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, page := c.get("/profile")
	if !strings.Contains(page, "Utløpt") || strings.Contains(page, "/revoke") {
		t.Errorf("the expired key is not marked expired, or offers to be revoked:\n%s", page)
	}
}

// A town hall's staff log in from one address: a few of them mistyping a
// password on a Monday morning does not lock the rest of the office out,
// while one address guessing at many accounts is still stopped.
func TestOfficeBehindOneAddressNotLockedByTypos(t *testing.T) {
	t.Parallel()
	loopback, _ := ParseCIDRs("127.0.0.1")
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies = loopback })
	const office = "198.51.100.7"
	typo := func(email string) *http.Response {
		t.Helper()
		c := ts.client(t)
		c.get("/login")
		res, _ := c.postFrom(office, "/login", url.Values{"email": {email}, "password": {"feil passord"}})
		return res
	}
	for _, role := range []string{models.RoleAdviser, models.RoleCoordinator, models.RoleBoard, models.RoleMunicipality, models.RolePartner} {
		if res := typo(demoEmail(role)); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%s's typo = %d; want 401", role, res.StatusCode)
		}
	}
	colleague := ts.client(t)
	colleague.get("/login")
	if res, _ := colleague.postFrom(office, "/login", url.Values{"email": {demoEmail(models.RoleAdmin)}, "password": {models.DemoPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a colleague's log-in after five typos at the office = %d; want 303", res.StatusCode)
	}
	for i := 0; i < models.LoginMaxAddressFailures; i++ {
		typo("gjett" + strconv.Itoa(i) + "@example.org")
	}
	if res := typo(demoEmail(models.RoleAdviser)); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a log-in from an address that failed on %d accounts = %d; want 429", models.LoginMaxAddressFailures, res.StatusCode)
	}
}

// Wrong passwords for an account sent from another address do not lock its
// owner's password change, which counts against the same throttle: five from
// anywhere locked both for a quarter of an hour.
func TestPasswordChangeNotLockedFromElsewhere(t *testing.T) {
	t.Parallel()
	loopback, _ := ParseCIDRs("127.0.0.1")
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies = loopback })
	guesser := ts.client(t)
	guesser.get("/login")
	for i := range models.LoginMaxFailures {
		guesser.postFrom("192.0.2.1", "/login", url.Values{"email": {demoEmail("board")}, "password": {"gjetning " + strconv.Itoa(i)}})
	}
	owner := ts.client(t)
	owner.login(demoEmail("board"), models.DemoPassword)
	owner.get("/profile")
	res, body := owner.post("/profile/password", url.Values{"current_password": {models.DemoPassword},
		"new_password": {"et helt nytt passord 42"}, "repeat_password": {"et helt nytt passord 42"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("the owner's password change after another address's %d failures = %d; want 303\n%.300s", models.LoginMaxFailures, res.StatusCode, body)
	}
}

// The profile's introduction to API keys agrees with the form below it, which
// asks how many days a key works: it said every new key works for 90 days.
func TestProfileKeyIntroLetsTheDaysBeChosen(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleBoard), models.DemoPassword)
	for _, tt := range []struct{ lang, fixed, chosen string }{
		{"nb", "En ny nøkkel virker i 90 dager", "så mange dager du velger"},
		{"en", "A new key works for 90 days", "for as many days as you choose"},
	} {
		c.post("/language", url.Values{"lang": {tt.lang}, "back": {"/profile"}})
		_, page := c.get("/profile")
		if page = html.UnescapeString(page); strings.Contains(page, tt.fixed) || !strings.Contains(page, tt.chosen) {
			t.Errorf("%s: the API keys' introduction does not say a key works for the days chosen", tt.lang)
		}
	}
}

// The log-in page, where the site's address leads, tells a user who has
// forgotten the password whom to ask (there is no reset by e-mail), and an
// entrepreneur who came to the wrong door where the one door is, in both
// languages; after a failed log-in too.
func TestLoginPageHelpsTheLost(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	for lang, want := range map[string][]string{
		"nb": {"Glemt passordet?", `href="/enquiry"`},
		"en": {"Forgotten your password?", `href="/enquiry?lang=en"`},
	} {
		c.get("/login")
		c.post("/language", url.Values{"lang": {lang}, "back": {"/login"}})
		_, page := c.get("/login")
		_, failed := c.post("/login", url.Values{"email": {demoEmail(models.RoleAdviser)}, "password": {"feil-passord"}})
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the log-in page lacks %q", lang, w)
			}
			if !strings.Contains(failed, w) {
				t.Errorf("%s: the log-in page after a failed log-in lacks %q", lang, w)
			}
		}
	}
}
