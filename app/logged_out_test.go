package app

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// note is an activity note as an adviser writes one, with the characters
// HTML gives a meaning to: the page that gives it back must show it as text.
const note = `Ringte <b>gründeren</b> om "lån" & tilskudd; avtalte møte 'neste uke' <script>alert(1)</script>.`

// sendNote posts the activity form of case 1 with the token the client was
// given and the headers a browser adds.
func sendNote(c *client, csrf string, header http.Header) (*http.Response, string) {
	c.t.Helper()
	form := url.Values{"_csrf": {csrf}, "kind": {"note"}, "occurred_on": {"2026-11-27"}, "minutes": {"10"}, "text": {note}}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, v := range header {
		h[k] = v
	}
	return c.do(http.MethodPost, "/enquiries/1/activities", strings.NewReader(form.Encode()), h)
}

// fromCase is what a browser sends with a form posted from case 1's page.
func fromCase(ts *testServer) http.Header {
	return http.Header{"Origin": {ts.URL}, "Sec-Fetch-Site": {"same-origin"}, "Referer": {ts.URL + "/enquiries/1"}}
}

// crossSite is what a browser sends with a form another site posts to us.
var crossSite = http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Referer": {"https://evil.example/x"}}

var loginLink = regexp.MustCompile(`<a class="ds-link" href="(/login[^"]*)"`)

// loginNext is the page the refused form's log-in link returns to, and
// whether the page has the link at all.
func loginNext(t *testing.T, body string) (string, bool) {
	t.Helper()
	m := loginLink.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatalf("the log-in link %q does not parse: %v", m[1], err)
	}
	return u.Query().Get("next"), true
}

// showsNote tells whether the page gives the note back to copy, and fails
// the test if it gives it back unescaped.
func showsNote(t *testing.T, body string) bool {
	t.Helper()
	if strings.Contains(body, "<b>gründeren</b>") || strings.Contains(body, "<script>alert(1)") {
		t.Errorf("the page holds the typed text as HTML, unescaped:\n%s", body)
	}
	return strings.Contains(html.UnescapeString(body), ">"+note+"</textarea>")
}

func notesSaved(t *testing.T, ts *testServer) int {
	t.Helper()
	db, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	// Compared here, not in SQL: the placeholder is not the same on
	// SQLite and PostgreSQL.
	rows, err := db.Query(`SELECT text FROM activities`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		if text == note {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// An adviser writes a long activity note, takes a phone call and sends it
// after they were logged out: the answer stays 401, but it is a page saying
// so, with what they wrote to copy and a log-in link back to the case, not a
// redirect to the log-in page that loses the text and lands on the start page.
func TestLoggedOutFormKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		logout func(t *testing.T, ts *testServer, c *client, clk *clock) *client // the browser that sends the form
	}{
		{"idle timeout", func(_ *testing.T, _ *testServer, c *client, clk *clock) *client { clk.Add(31 * time.Minute); return c }},
		{"logged out in another tab", func(_ *testing.T, _ *testServer, c *client, _ *clock) *client { c.post("/logout", nil); return c }},
		{"session gone with its cookie", func(t *testing.T, ts *testServer, _ *client, _ *clock) *client { return ts.client(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
			clk := &clock{now: time.Now().UTC()}
			ts.store.SetClock(clk.Now)
			c := ts.client(t)
			c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
			c.get("/enquiries/1")
			csrf := c.csrf
			c = tt.logout(t, ts, c, clk)

			res, body := sendNote(c, csrf, fromCase(ts))
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Du ble logget ut før skjemaet ble lagret") {
				t.Fatalf("the note sent after being logged out = %d (Location %q); want 401 with a page saying they were logged out before it was saved\n%s",
					res.StatusCode, res.Header.Get("Location"), body)
			}
			if !showsNote(t, body) {
				t.Errorf("the page does not give back the note to copy:\n%s", body)
			}
			if next, ok := loginNext(t, body); !ok || next != "/enquiries/1" {
				t.Errorf("the log-in link returns to %q (link found: %v); want the case, /enquiries/1", next, ok)
			}
			if n := notesSaved(t, ts); n != 0 {
				t.Errorf("the note was saved %d times without a session", n)
			}

			// The log-in page the link leads to returns to the case after log-in.
			m := loginLink.FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no log-in link")
			}
			_, login := c.get(html.UnescapeString(m[1]))
			if !strings.Contains(login, `name="next" value="/enquiries/1"`) {
				t.Errorf("the log-in page does not carry the case to return to:\n%s", login)
			}
			res, _ = c.post("/login", url.Values{"email": {demoEmail(models.RoleAdviser)}, "password": {models.DemoPassword}, "next": {"/enquiries/1"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/enquiries/1" {
				t.Errorf("log-in from the link = %d to %q; want 303 to /enquiries/1", res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

// A page, not a form, keeps today's answer when the session has ended: a
// redirect to the log-in page, which returns to it.
func TestLoggedOutPageStillRedirects(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	clk.Add(31 * time.Minute)
	res, _ := c.get("/enquiries/1")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fenquiries%2F1" {
		t.Errorf("the case page after the idle timeout = %d to %q; want 303 to /login?next=%%2Fenquiries%%2F1", res.StatusCode, res.Header.Get("Location"))
	}
}

// A form another site posts in the name of a logged-out browser gets no text
// of its choosing shown on our pages, and its Referer chooses no page to go
// to after log-in: only a path on this site does.
func TestLoggedOutFormFromElsewhere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.get("/login") // a session with a CSRF token but nobody logged in

	res, body := sendNote(c, c.csrf, crossSite)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a cross-site post to a logged-out browser = %d; want 401", res.StatusCode)
	}
	if strings.Contains(html.UnescapeString(body), "gründeren") {
		t.Errorf("a cross-site post's text is shown on our page:\n%s", body)
	}
	if next, _ := loginNext(t, body); next != "" {
		t.Errorf("a cross-site post's log-in link returns to %q; want nowhere in particular", next)
	}

	host := strings.TrimPrefix(ts.URL, "http://")
	referers := []struct{ referer, want string }{
		{ts.URL + "/enquiries/1", "/enquiries/1"},
		{ts.URL + "/enquiries?q=Hamar+kafé&status=new", "/enquiries?q=Hamar+kafé&status=new"},
		{"/enquiries/1", "/enquiries/1"},
		{"https://evil.example/x", ""},
		{"https://evil.example/enquiries/1", ""},
		{"//evil.example", ""},
		{"//evil.example/enquiries/1", ""},
		{ts.URL + "//evil.example/x", ""},
		{ts.URL + `/\evil.example`, ""},
		{"/%5Cevil.example", "/%5Cevil.example"}, // kept encoded by the browser: a path here
		{"http://evil.example@" + host + "/enquiries/1", ""},
		{"http://127.0.0.1:1/enquiries/1", ""},
		{ts.URL + "0/enquiries/1", ""}, // another port that begins with ours
		{"javascript:alert(1)", ""},
		{"", ""},
	}
	for _, r := range referers {
		h := fromCase(ts)
		h.Set("Referer", r.referer)
		if r.referer == "" {
			h.Del("Referer")
		}
		res, body := sendNote(c, c.csrf, h)
		next, ok := loginNext(t, body)
		if res.StatusCode != http.StatusUnauthorized || !ok || next != r.want {
			t.Errorf("Referer %q: %d with a log-in link (%v) returning to %q; want 401 and %q", r.referer, res.StatusCode, ok, next, r.want)
		}
	}
}

// A form refused by the CSRF check while logged in (opened before a log-in in
// another tab, which gives the session a new token) gives back what was typed,
// saying to open the page again and paste it, but only to a post from our own
// pages: a forged post from another site gets no text of its choosing shown
// on our origin.
func TestCSRFRefusalKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		name   string
		header http.Header
		shown  bool
	}{
		{"same-origin", fromCase(ts), true},
		{"same-origin by Origin alone", http.Header{"Origin": {ts.URL}, "Referer": {ts.URL + "/enquiries/1"}}, true},
		{"cross-site", crossSite, false},
		{"cross-site naming no origin", http.Header{"Sec-Fetch-Site": {"cross-site"}}, false},
		{"same-site", http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://other.localhost"}}, false},
		{"sandboxed", http.Header{"Origin": {"null"}}, false},
		{"no headers", nil, false},
		{"another port", http.Header{"Origin": {"http://127.0.0.1:1"}}, false},
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/1")
	stale := c.csrf
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword) // another tab
	for _, tt := range tests {
		res, body := sendNote(c, stale, tt.header)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: the stale form = %d; want 403", tt.name, res.StatusCode)
			continue
		}
		if got := showsNote(t, body); got != tt.shown {
			t.Errorf("%s: the page gives back the text: %v; want %v\n%s", tt.name, got, tt.shown, body)
		}
		if tt.shown && !strings.Contains(body, "Åpne siden på nytt og lim inn teksten") {
			t.Errorf("%s: the page does not say to open the page again and paste the text:\n%s", tt.name, body)
		}
		if !tt.shown && strings.Contains(html.UnescapeString(body), "gründeren") {
			t.Errorf("%s: the page shows the posted text:\n%s", tt.name, body)
		}
	}
	if n := notesSaved(t, ts); n != 0 {
		t.Errorf("the note was saved %d times with a stale token", n)
	}
	// A public form refused for its token is refused as before, logged in or not.
	d := ts.client(t)
	d.get("/login")
	if res, _ := d.post("/language", url.Values{"_csrf": {"forged"}, "lang": {"en"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("the language form with a forged token = %d; want 403", res.StatusCode)
	}
}

// The API answers as before: JSON 401 when the session has ended, JSON 403
// when a live session's call lacks its token.
func TestLoggedOutAPIUnchanged(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	body := `{"kind": "note", "occurred_on": "2026-11-27", "text": "` + strings.ReplaceAll(note, `"`, `\"`) + `"}`
	send := func(token string) (*http.Response, string) {
		h := fromCase(ts)
		h.Set("Content-Type", "application/json")
		if token != "" {
			h.Set("X-CSRF-Token", token)
		}
		return c.do(http.MethodPost, "/api/v1/enquiries/1/activities", strings.NewReader(body), h)
	}
	if res, out := send(""); res.StatusCode != http.StatusForbidden || !strings.Contains(out, `"code":"csrf"`) {
		t.Errorf("an API call of a live session without its token = %d %s; want 403 JSON, code csrf", res.StatusCode, out)
	}
	token := c.csrf
	clk.Add(31 * time.Minute)
	if res, out := send(token); res.StatusCode != http.StatusUnauthorized || !strings.Contains(out, `"code":"unauthenticated"`) || strings.Contains(out, "gründeren") {
		t.Errorf("an API call after the idle timeout = %d %s; want 401 JSON, code unauthenticated", res.StatusCode, out)
	}
}

// Pressing "Logg ut" after the session has ended already has nothing to lose:
// it goes to the log-in page, not to the page about a form that was not saved.
func TestLogoutAfterSessionEndedGoesToLogin(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute })
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/1")
	clk.Add(31 * time.Minute)
	res, body := c.do(http.MethodPost, "/logout", strings.NewReader(url.Values{"_csrf": {c.csrf}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("logging out after the session ended = %d to %q; want 303 to /login\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
}

// A password is never given back on the page that refuses a form, however
// many words it has: not from the log-in form sent with the token of a page
// opened before a log-in in another tab, nor from the password form sent
// after the session ended. It is not text to paste in again, and it would
// stand on the screen and in the page's source.
func TestRefusedFormGivesBackNoPassword(t *testing.T) {
	t.Parallel()
	const secret = "korrekt hest batteri stift"
	ts := newTestServer(t)
	from := func(path string) http.Header {
		return http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Origin": {ts.URL}, "Sec-Fetch-Site": {"same-origin"}, "Referer": {ts.URL + path}}
	}
	tests := []struct {
		name   string
		status int
		send   func(c *client) (*http.Response, string)
	}{
		{"log-in form opened before a log-in in another tab", http.StatusForbidden, func(c *client) (*http.Response, string) {
			c.get("/login")
			stale := c.csrf
			c.login(demoEmail(models.RoleAdviser), models.DemoPassword) // another tab
			form := url.Values{"_csrf": {stale}, "email": {demoEmail(models.RoleAdviser)}, "password": {secret}}
			return c.do(http.MethodPost, "/login", strings.NewReader(form.Encode()), from("/login"))
		}},
		{"password form sent after logging out in another tab", http.StatusUnauthorized, func(c *client) (*http.Response, string) {
			c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
			c.get("/profile")
			csrf := c.csrf
			c.post("/logout", nil)
			form := url.Values{"_csrf": {csrf}, "current_password": {secret}, "new_password": {secret + " ny"}, "repeat_password": {secret + " ny"}}
			return c.do(http.MethodPost, "/profile/password", strings.NewReader(form.Encode()), from("/profile"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := tt.send(ts.client(t))
			if res.StatusCode != tt.status {
				t.Fatalf("= %d; want %d\n%s", res.StatusCode, tt.status, body)
			}
			if strings.Contains(html.UnescapeString(body), "batteri") {
				t.Errorf("the page gives back the password:\n%s", body)
			}
		})
	}
}

// The language switch on a page answered to a form (a refused form shown
// again) returns to a page a browser can open, the form's own page, not to
// the address the form was posted to, which only takes posts.
func TestLanguageSwitchAfterRefusedFormReturnsToAPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/enquiries/1")
	form := url.Values{"_csrf": {c.csrf}, "kind": {"note"}, "occurred_on": {"not a date"}, "minutes": {"10"}, "text": {note}}
	res, body := c.do(http.MethodPost, "/enquiries/1/activities", strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {ts.URL + "/enquiries/1"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused activity = %d; want 422", res.StatusCode)
	}
	m := regexp.MustCompile(`name="back" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no language switch on the page")
	}
	if back := html.UnescapeString(m[1]); back != "/enquiries/1" {
		t.Errorf("the language switch returns to %q; want the case, /enquiries/1", back)
	}
}
