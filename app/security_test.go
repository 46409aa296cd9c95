package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"samspill/models"
)

// clock is a movable clock for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SessionIdle = 30 * time.Minute; c.SessionLifetime = 2 * time.Hour })
	clk := &clock{now: time.Now().UTC()}
	ts.store.SetClock(clk.Now)

	idle := ts.client(t)
	idle.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	clk.Add(29 * time.Minute)
	if res, _ := idle.get("/dashboard"); res.StatusCode != http.StatusOK {
		t.Fatalf("after 29 idle minutes = %d; want 200", res.StatusCode)
	}
	clk.Add(31 * time.Minute)
	if res, _ := idle.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after 31 idle minutes = %d; want a redirect to log in", res.StatusCode)
	}

	busy := ts.client(t)
	busy.login(demoEmail(models.RoleBoard), models.DemoPassword)
	for i := 0; i < 7; i++ { // active every 20 minutes for 2 h 20 min
		clk.Add(20 * time.Minute)
		res, _ := busy.get("/dashboard")
		if want := i < 5; (res.StatusCode == http.StatusOK) != want {
			t.Errorf("after %d minutes of activity = %d", (i+1)*20, res.StatusCode)
		}
	}
}

// An admin ends one user's sessions; the user's next request is anonymous.
func TestAdminEndsSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	user := ts.client(t)
	user.login(demoEmail(models.RoleBoard), models.DemoPassword)
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	u, _ := ts.store.UserByEmail(t.Context(), demoEmail(models.RoleBoard))
	admin.get("/admin/users/" + itoa(u.ID))
	if res, _ := admin.post("/admin/users/"+itoa(u.ID)+"/sessions", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("end sessions = %d", res.StatusCode)
	}
	if res, _ := user.get("/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the ended session still works: %d", res.StatusCode)
	}
	if res, _ := admin.get("/dashboard"); res.StatusCode != http.StatusOK {
		t.Error("ending another user's sessions ended the admin's own")
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	tok := ts.token(t, models.RoleAdviser)
	paths := []string{"/login", "/dashboard", "/enquiries", "/enquiries/1", "/enquiry", "/healthz", "/does-not-exist", "/static/css/app.css"}
	for _, p := range paths {
		res, _ := c.get(p)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q, Referrer-Policy %q", p, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if !strings.HasPrefix(p, "/static/") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q; want no-store", p, h.Get("Cache-Control"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", p)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/enquiries", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API with person data: Cache-Control %q", res.Header.Get("Cache-Control"))
	}
}

// No answer shows internal error text, SQL or a stack trace.
func TestNoInternalsInErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	bad := []string{"/enquiries/99999999999999999999", "/admin/regions/abc", "/admin/users/-1", "/referrals/1%27%20OR%201=1", "/api/v1/partners/9e9"}
	for _, p := range bad {
		res, body := c.get(p)
		if res.StatusCode >= 500 {
			t.Errorf("%s = %d", p, res.StatusCode)
		}
		for _, leak := range []string{"sql", "SQL", "gorm", "goroutine", "panic", "runtime/", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s answer contains %q", p, leak)
			}
		}
	}
}

// No GET route changes state: every GET of the route table, as an admin, leaves
// the audit log with view entries only.
func TestGetChangesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	p := newProbe(t, ts, models.RoleAdmin)
	before := auditActions(t, ts)
	for _, r := range ts.srv.routes {
		if r.method == http.MethodGet {
			p.send(r.method, p.concrete(r.path))
		}
	}
	after := auditActions(t, ts)
	for action, n := range after {
		if action != "view" && n != before[action] {
			t.Errorf("GET routes wrote %d %q audit entries", n-before[action], action)
		}
	}
}

func auditActions(t *testing.T, ts *testServer) map[string]int {
	t.Helper()
	db, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT action, COUNT(*) FROM audit_log GROUP BY action`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			t.Fatal(err)
		}
		out[a] = n
	}
	return out
}

// Fields a user may not set are refused, never applied.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	before := enquiryCount(t, ts)
	for _, tc := range []struct {
		body string
		want int // 400 for a field unknown to the API, 422 for one it knows (shows, or takes in a PATCH) but a new case takes no value for
	}{
		{`{"municipality": "3412", "enquirer_kind": "other", "needs": ["other"], "description": "x", "name": "x", "phone": "99999999", "consent_store": true, "region_id": 99}`, http.StatusUnprocessableEntity},
		{`{"municipality": "3412", "enquirer_kind": "other", "needs": ["other"], "description": "x", "name": "x", "phone": "99999999", "consent_store": true, "assigned_to": 1}`, http.StatusUnprocessableEntity},
		{`{"municipality": "3412", "enquirer_kind": "other", "needs": ["other"], "description": "x", "name": "x", "phone": "99999999", "consent_store": true, "created_at": "2020-01-01T00:00:00Z"}`, http.StatusBadRequest},
		{`{"municipality": "3412", "enquirer_kind": "other", "needs": ["other"], "description": "x", "name": "x", "phone": "99999999", "consent_store": true, "status": "closed"}`, http.StatusUnprocessableEntity},
	} {
		if status, _ := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries", tc.body); status != tc.want {
			t.Errorf("POST enquiry with a forbidden field = %d; want %d: %s", status, tc.want, tc.body)
		}
	}
	if n := enquiryCount(t, ts); n != before {
		t.Errorf("forbidden fields made %d enquiries", n-before)
	}
	admin := ts.client(t)
	admin.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	admin.get("/admin/users/new")
	// A form field a user may not set is ignored: a coordinator cannot make an admin with "role".
	res, _ := admin.post("/admin/users", url.Values{"email": {"x@hamar.example"}, "name": {"X"}, "region_id": {"1"}, "roles": {"adviser"}, "role": {"admin"}, "admin": {"on"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("coordinator creating with admin flag = %d; want 422", res.StatusCode)
	}
}

// A form post too large for the body limit answers a readable 413 page in the
// user's language. Before, the error handler asked the session for the
// language although the body limit had refused the request before the session
// was loaded: scs panicked, the handler panicked again inside Recover, and the
// browser got a reset connection instead of any page.
func TestTooLargeFormPostShowsErrorPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/dashboard"}})
	c.get("/enquiries/1")
	// The same size of body to the JSON intake, which has no session, gets its 413.
	if status, _ := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{"description":"`+strings.Repeat("x", 2<<20)+`"}`); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("the control: a too-large intake = %d; want 413", status)
	}
	form := url.Values{"_csrf": {c.csrf}, "kind": {"note"}, "text": {strings.Repeat("x", 2<<20)}}
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/enquiries/1/activities", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("a too-large form post got no answer at all: %v; want a 413 page", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a too-large form post = %d; want 413", res.StatusCode)
	}
}

// The NUL character is refused wherever text comes in, as a clear 400 that
// changes nothing: PostgreSQL cannot store or compare it, and every search,
// form and JSON write holding it answered 500 there.
func TestNULRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	before := enquiryCount(t, ts)
	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	_, page := adviser.get("/enquiries/1")
	version := caseVersionField.FindStringSubmatch(page)[1]
	anon := ts.client(t)
	form := intakeForm("nb")
	form.Set("description", "Hei\x00der")
	tok := ts.token(t, models.RoleAdviser)
	pages := []struct {
		name string
		do   func() int
	}{
		{"inbox search", func() int { res, _ := adviser.get("/enquiries?q=" + url.QueryEscape("a\x00b")); return res.StatusCode }},
		{"referral search", func() int { res, _ := adviser.get("/referrals?q=" + url.QueryEscape("a\x00b")); return res.StatusCode }},
		{"one-time link", func() int { res, _ := anon.get("/r/sams%00"); return res.StatusCode }},
		{"one door form", func() int { res, _ := anon.post("/enquiry", form); return res.StatusCode }},
		{"case form", func() int {
			f := enquiryEditForm("Hei\x00der")
			f.Set("version", version)
			res, _ := adviser.post("/enquiries/1", f)
			return res.StatusCode
		}},
		{"API search", func() int { code, _ := ts.api(t, tok, http.MethodGet, "/api/v1/enquiries?q=a%00b", ""); return code }},
		{"JSON one door", func() int {
			code, _ := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{"municipality":"3412","enquirer_kind":"other","needs":["other"],"description":"Hei\u0000der","name":"Kari","email":"kari@example.org","consent_store":true}`)
			return code
		}},
		{"JSON edit", func() int {
			code, _ := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/1", `{"name":"Ka\u0000ri","version":`+version+`}`)
			return code
		}},
	}
	for _, p := range pages {
		if code := p.do(); code != http.StatusBadRequest {
			t.Errorf("%s with NUL = %d; want 400", p.name, code)
		}
	}
	// A backslash written before u0000 is text, not the character.
	code, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", `{"municipality":"3412","enquirer_kind":"other","needs":["other"],"description":"Sti C:\\u0000","name":"Kari","email":"kari@example.org","consent_store":true}`)
	if code != http.StatusCreated {
		t.Errorf(`a description holding the text \u0000 = %d %v; want 201`, code, out)
	}
	if n := enquiryCount(t, ts); n != before+1 {
		t.Errorf("%d enquiries made; want the one without NUL", n-before)
	}
	_, e := ts.api(t, tok, http.MethodGet, "/api/v1/enquiries/1", "")
	if fmt.Sprint(e["version"]) != version {
		t.Errorf("the case's version moved from %s to %v", version, e["version"])
	}
}
