package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"samspill/models"
	"samspill/models/dbtest"
	"samspill/policies"
	"samspill/views"
)

func init() {
	models.BcryptCost = bcrypt.MinCost // tests log in hundreds of times
}

// testServer is a real server over a fresh database (SQLite, or PostgreSQL when
// SAMSPILL_TEST_POSTGRES is set) with the demo data.
type testServer struct {
	*httptest.Server
	srv   *Server
	store *models.Store
}

func newTestServer(t *testing.T, mutate ...func(*Config)) *testServer {
	t.Helper()
	return newTestServerTB(t, mutate...)
}

// newTestServerTB is newTestServer for tests, benchmarks and fuzz targets alike.
func newTestServerTB(t testing.TB, mutate ...func(*Config)) *testServer {
	t.Helper()
	return newTestServerOn(t, dbtest.DSN(t, "test.db"), mutate...)
}

// newTestServerOn starts a server over the database dsn, migrating it and
// loading the demo if that has not been done: a second call with the same dsn
// is a second server instance beside the first, as on PostgreSQL in production.
func newTestServerOn(t testing.TB, dsn string, mutate ...func(*Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	store, err := models.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	releasingCleanup(t, func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return serveStore(t, store, mutate...)
}

// serveStore starts a server over store, migrated and filled as the test
// wants it (the demo, or generated data).
func serveStore(t testing.TB, store *models.Store, mutate ...func(*Config)) *testServer {
	t.Helper()
	ctx := context.Background()
	enforcer, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	set, err := sharedViews()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	// One address sends every test's submissions, and a fuzz target sends
	// thousands: no limit here. TestIntakeRateLimit sets its own.
	cfg.IntakeBurst, cfg.IntakeEvery = 10000, time.Nanosecond
	for _, m := range mutate {
		m(&cfg)
	}
	e, srv := New(cfg, store, enforcer, set, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.LoadBindings(ctx); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: httptest.NewServer(e), srv: srv, store: store}
	releasingCleanup(t, ts.Close)
	return ts
}

// sharedViews is the parsed template set every test server renders with:
// parsing it is the bulk of a server's memory (some 30 MB) and of its start,
// and it holds nothing of a server. Its helpers are package functions, its
// templates are only executed (safe at once from many goroutines), and its
// memo of messages is a sync.Map.
var sharedViews = sync.OnceValues(views.New)

// releasingCleanup is t.Cleanup(f) that lets go of f once it has run. The
// testing package keeps a parallel test's T until its parent ends (for a
// top-level test, the whole run: T.Parallel appends it to the parent's
// sub), and with it every function registered with Cleanup: runCleanup
// shortens the list after calling one, but its array still holds it. A
// closure over a server or a store kept these, with their database handles
// and (before sharedViews) their parsed templates, to the end of the run:
// 8.7 GB of live heap for the package.
func releasingCleanup(t testing.TB, f func()) {
	t.Cleanup(func() {
		defer func() { f = nil }()
		f()
	})
}

// client is a browser-like client with its own cookie jar that does not follow redirects.
type client struct {
	t    *testing.T
	ts   *testServer
	http *http.Client
	csrf string
}

func (ts *testServer) client(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, ts: ts, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request and returns the response with its body read.
func (c *client) do(method, path string, body io.Reader, header http.Header) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.ts.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	return c.do(http.MethodGet, path, nil, nil)
}

// post sends a form with the CSRF token the client last saw.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && c.csrf != "" {
		form.Set("_csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// login logs in through the form and fails the test if it does not succeed.
func (c *client) login(email, password string) {
	c.t.Helper()
	c.get("/login")
	res, body := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard" {
		c.t.Fatalf("login %s: status %d, location %q; want 303 to /dashboard\n%s", email, res.StatusCode, res.Header.Get("Location"), body)
	}
	c.get("/dashboard") // picks up the new session's CSRF token
}

// demoEmail is the demo user with role.
func demoEmail(role string) string {
	for _, d := range models.DemoLogins {
		if d.Role == role {
			return d.Email
		}
	}
	panic("no demo user " + role)
}

// api sends a JSON request with a bearer token and decodes the answer.
func (ts *testServer) api(t *testing.T, token, method, path string, body string) (int, map[string]any) {
	t.Helper()
	status, _, b := ts.rawAPI(t, token, method, path, body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, b)
		}
	}
	return status, out
}

// token makes an API token for the demo user with role.
func (ts *testServer) token(t *testing.T, role string) string {
	t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), demoEmail(role))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := ts.store.CreateToken(context.Background(), models.Actor{}, u.ID, "test", models.TokenDays, models.TokenWrite)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// regexpSecret finds a one-time secret shown on a page.
var regexpSecret = regexp.MustCompile(`class="secret">([^<]+)<`)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// demoRegion is the demo's region, Hamarregionen Utvikling.
func demoRegion(t *testing.T, ts *testServer) *models.Region {
	t.Helper()
	r, err := ts.store.RegionBySlug(context.Background(), models.DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
