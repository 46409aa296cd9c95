package app

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// accessMatrix reads testdata/route_access.txt: "METHOD PATH" → who may.
func accessMatrix(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("testdata/route_access.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Fields(line)
		if len(parts) < 3 {
			t.Fatalf("route_access.txt: bad line %q", line)
		}
		key := parts[0] + " " + parts[1]
		if _, dup := m[key]; dup {
			t.Fatalf("route_access.txt: %s twice", key)
		}
		m[key] = parts[2:]
	}
	return m
}

func mayUse(who []string, role string) bool {
	for _, w := range who {
		if w == "anyone" || (w == "everyone" && role != "") || w == role {
			return true
		}
	}
	return false
}

// TestRouteAccessMatrix sends every route of the route table as every role and
// as anonymous, and checks the answer against testdata/route_access.txt.
func TestRouteAccessMatrix(t *testing.T) {
	t.Parallel()
	matrix := accessMatrix(t)
	ts := newTestServer(t)
	seen := map[string]bool{}
	for _, r := range ts.srv.routes {
		key := r.method + " " + r.path
		seen[key] = true
		if _, ok := matrix[key]; !ok {
			t.Errorf("route %s is missing from testdata/route_access.txt", key)
		}
		if r.access.kind == undeclared {
			t.Errorf("route %s declares no access", key)
		}
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("testdata/route_access.txt names %s, which the route table does not have", key)
		}
	}

	for _, role := range append([]string{""}, models.Roles...) {
		t.Run("as "+roleName(role), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t) // each role gets its own database: some routes change state
			probe := newProbe(t, ts, role)
			routes := append([]route(nil), ts.srv.routes...)
			// Log-out last, so the session lasts through the other routes.
			sort.SliceStable(routes, func(i, j int) bool { return routes[j].path == "/logout" && routes[i].path != "/logout" })
			for _, r := range routes {
				who := matrix[r.method+" "+r.path]
				res := probe.send(r.method, probe.concrete(r.path))
				allowed := mayUse(who, role)
				api := strings.HasPrefix(r.path, "/api/")
				record := strings.Contains(r.path, "/:")
				// A form for logged-in users sent anonymously is answered 401
				// with a page saying so (and giving back what was typed); a
				// page is redirected to log in. (The log-in form's own 401 is
				// a wrong password.)
				loggedOut := res.StatusCode == http.StatusUnauthorized && (api || (r.method != http.MethodGet && r.access.kind != public))
				denied := res.StatusCode == http.StatusForbidden || loggedOut ||
					(res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login?")) ||
					(record && res.StatusCode == http.StatusNotFound)
				if res.StatusCode >= 500 {
					t.Errorf("%s %s as %s = %d", r.method, r.path, roleName(role), res.StatusCode)
				}
				if allowed && r.method == http.MethodGet && res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
					t.Errorf("GET %s as %s = %d; want 200 or 303", r.path, roleName(role), res.StatusCode)
				}
				switch {
				case allowed && denied:
					t.Errorf("%s %s as %s = %d; want it allowed", r.method, r.path, roleName(role), res.StatusCode)
				// Someone logged in who may not use a record's route learns
				// nothing of the record: 404 as if it were not there. Someone
				// anonymous is asked to log in (401, or to the log-in page),
				// whichever record they asked for, which reveals nothing either.
				case !allowed && record && role != "" && res.StatusCode != http.StatusNotFound:
					t.Errorf("%s %s as %s = %d; want 404: refusing a record must not reveal it", r.method, r.path, roleName(role), res.StatusCode)
				case !allowed && !record && role != "" && res.StatusCode != http.StatusForbidden:
					t.Errorf("%s %s as %s = %d; want 403", r.method, r.path, roleName(role), res.StatusCode)
				case !allowed && role == "" && api && res.StatusCode != http.StatusUnauthorized:
					t.Errorf("%s %s anonymous = %d; want 401", r.method, r.path, res.StatusCode)
				case !allowed && role == "" && !api && !denied:
					t.Errorf("%s %s anonymous = %d; want to be asked to log in (a form 401, a page a redirect)", r.method, r.path, res.StatusCode)
				}
			}
		})
	}
}

func roleName(role string) string {
	if role == "" {
		return "anonymous"
	}
	return role
}

// probe sends requests as one demo user with real ids for the path parameters.
type probe struct {
	*client
	ids map[string]string
}

func newProbe(t *testing.T, ts *testServer, role string) *probe {
	ctx := context.Background()
	region := demoRegion(t, ts)
	// Users are probed on another user than the viewer, so that nobody locks themselves out mid-test.
	other, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleBoard))
	if role == models.RoleBoard {
		other, err = ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{client: ts.client(t), ids: map[string]string{
		"/admin/regions/:id":    itoa(region.ID),
		"/api/v1/regions/:id":   itoa(region.ID),
		"/admin/users/:id":      itoa(other.ID),
		"/admin/partners/:id":   "1",
		"/api/v1/partners/:id":  "1",
		"/profile/tokens/:id":   "0",
		"/enquiries/:id":        "1",
		"/referrals/:id":        "1",
		"/api/v1/referrals/:id": "1",
		"/api/v1/enquiries/:id": "1",
		"/api/v1/tokens/:id":    "0",
		":kommunenummer":        "3412",
		"/static/*":             "/static/css/app.css",
	}}
	adviser, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	link, err := ts.store.CreateReferralLink(ctx, &models.Viewer{User: adviser, Region: region}, models.Actor{}, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.ids[":token"] = link
	projectProbeIDs(t, ts, p.ids)
	if role != "" {
		p.login(demoEmail(role), models.DemoPassword)
		u, err := ts.store.UserByEmail(ctx, demoEmail(role))
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "probe", models.TokenDays, models.TokenWrite)
		if err != nil {
			t.Fatal(err)
		}
		_, tok2, err := ts.store.CreateToken(ctx, models.Actor{}, u.ID, "probe 2", models.TokenDays, models.TokenWrite)
		if err != nil {
			t.Fatal(err)
		}
		p.ids["/profile/tokens/:id"] = itoa(tok.ID)
		p.ids["/api/v1/tokens/:id"] = itoa(tok2.ID) // a second token: the first is revoked through the page
	} else {
		p.get("/login") // an anonymous visitor has a CSRF token too
	}
	return p
}

// concrete fills a route pattern's parameters with the probe's ids.
func (p *probe) concrete(pattern string) string {
	if v, ok := p.ids[pattern]; ok && strings.HasPrefix(v, "/") {
		return v
	}
	out := pattern
	for prefix, id := range p.ids {
		if strings.HasPrefix(prefix, "/") && strings.HasSuffix(prefix, "/:id") && strings.HasPrefix(pattern, prefix) {
			out = strings.Replace(out, ":id", id, 1)
		}
	}
	out = strings.ReplaceAll(out, ":token", p.ids[":token"])
	return strings.ReplaceAll(out, ":kommunenummer", p.ids[":kommunenummer"])
}

func (p *probe) send(method, path string) *http.Response {
	p.t.Helper()
	switch method {
	case http.MethodGet:
		res, _ := p.get(path)
		return res
	case http.MethodPost:
		res, _ := p.post(path, nil)
		return res
	}
	res, _ := p.do(method, path, strings.NewReader("{}"), http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {p.csrf}})
	return res
}

// A page number past the end of a list, however large, answers an empty page
// of it: before, a number near the largest integer overflowed the offset, a
// 500 for the municipalities and the first page's rows for the others.
func TestHugePageNumbers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdmin)
	for _, path := range []string{"/api/v1/municipalities", "/api/v1/partners", "/api/v1/enquiries", "/api/v1/projects"} {
		for _, page := range []string{"9223372036854775807", "4611686018427387904", "1000001"} {
			status, out := ts.api(t, tok, http.MethodGet, path+"?page="+page, "")
			items, _ := out["items"].([]any)
			if status != http.StatusOK || len(items) != 0 {
				t.Errorf("GET %s?page=%s = %d with %d items; want 200 and none", path, page, status, len(items))
			}
		}
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	if res, _ := c.get("/admin/municipalities?page=9223372036854775807"); res.StatusCode != http.StatusOK {
		t.Errorf("the municipalities with the largest page number = %d; want 200", res.StatusCode)
	}
}

// A list asked for a page after its last says so and links the last page,
// instead of calling itself empty; an inbox narrowed by any filter that finds
// nothing says that nothing matches, not that nothing has come.
func TestListsPastTheirEndAndFiltered(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
	for _, path := range []string{"/admin/partners", "/admin/users", "/admin/municipalities", "/projects", "/enquiries", "/referrals", "/admin/audit"} {
		res, page := c.get(path + "?page=50")
		if res.StatusCode != http.StatusOK || !strings.Contains(page, "Denne siden finnes ikke: listen har") || !strings.Contains(page, "page=") {
			t.Errorf("%s?page=50 = %d; want the page to say it is past the end, with a link back", path, res.StatusCode)
		}
	}
	_, page := c.get("/enquiries?channel=event")
	if !strings.Contains(page, "Ingen henvendelser passer utvalget.") {
		t.Error("an inbox filtered by channel that finds nothing says nothing has come")
	}
}

// Every list of the API takes q, limit and page, the short ones read whole too.
func TestShortListsArePaged(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdmin)
	for _, path := range []string{"/api/v1/factors", "/api/v1/regions", "/api/v1/tokens"} {
		_, all := ts.api(t, tok, http.MethodGet, path, "")
		total, _ := all["total"].(float64)
		if total < 1 {
			t.Fatalf("%s: total %v", path, all["total"])
		}
		status, out := ts.api(t, tok, http.MethodGet, path+"?limit=1&page=2", "")
		items, _ := out["items"].([]any)
		want := 0
		if total >= 2 {
			want = 1
		}
		if status != http.StatusOK || len(items) != want || out["total"] != total || out["limit"] != float64(1) || out["page"] != float64(2) {
			t.Errorf("GET %s?limit=1&page=2 = %d: %d items, total %v, limit %v, page %v; want %d of %v", path, status, len(items), out["total"], out["limit"], out["page"], want, total)
		}
	}
}

// The short lists take q like the others.
func TestShortListsAreSearched(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdmin)
	for _, c := range []struct {
		path, hit string
	}{{"/api/v1/factors", "cohesion"}, {"/api/v1/regions", "hamar"}, {"/api/v1/tokens", "test"}} {
		for q, want := range map[string]bool{c.hit: true, "zzzqqq": false} {
			_, out := ts.api(t, tok, http.MethodGet, c.path+"?q="+q, "")
			items, _ := out["items"].([]any)
			if (len(items) > 0) != want || out["total"] != float64(len(items)) {
				t.Errorf("GET %s?q=%s: %d items, total %v; want some: %v", c.path, q, len(items), out["total"], want)
			}
		}
	}
}
