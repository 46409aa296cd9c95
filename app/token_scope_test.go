package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

// scopedToken makes an API token of scope for the demo user with role and
// returns it with its id.
func (ts *testServer) scopedToken(t *testing.T, role string, scope models.TokenScope) (string, int64) {
	t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), demoEmail(role))
	if err != nil {
		t.Fatal(err)
	}
	tok, made, err := ts.store.CreateToken(context.Background(), models.Actor{}, u.ID, "test "+string(scope), models.TokenDays, scope)
	if err != nil {
		t.Fatal(err)
	}
	return tok, made.ID
}

// A read-only token reads: every request but GET and HEAD under /api/v1 is
// refused with 403 forbidden, saying in the user's language that the key may
// only read, and changes nothing, whatever the user's role may do. Its reads,
// those of person data that the audit log records among them, answer as
// before. A read-and-write token writes as every token did.
func TestReadOnlyTokenOnlyReads(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	read, _ := ts.scopedToken(t, models.RoleAdmin, models.TokenRead)
	write, _ := ts.scopedToken(t, models.RoleAdmin, models.TokenWrite)
	_, spare := ts.scopedToken(t, models.RoleAdmin, models.TokenWrite)
	status, enq := ts.api(t, write, http.MethodGet, "/api/v1/enquiries/1", "")
	if status != http.StatusOK {
		t.Fatalf("GET enquiry 1 = %d", status)
	}
	version := fmtNum(enq["version"])
	writes := []struct {
		method, path, body string
		want               int // the read-and-write token's answer; 0: any but 403
	}{
		{http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "enquirer_kind": "other", "needs": ["financing"], "description": "Ny", "name": "Ola", "email": "ola@example.org", "consent_store": true}`, http.StatusCreated},
		{http.MethodPatch, "/api/v1/enquiries/1", `{"description": "Endret av en integrasjon", "version": ` + version + `}`, http.StatusOK},
		{http.MethodPost, "/api/v1/enquiries/1/activities", `{"kind": "note", "minutes": 5, "text": "Notat"}`, 0},
		{http.MethodPost, "/api/v1/enquiries/1/referrals", `{"partner_id": 1, "reason": "financing", "status": "draft"}`, 0},
		{http.MethodPatch, "/api/v1/referrals/1", `{"status": "withdrawn", "version": 1}`, 0},
		{http.MethodDelete, "/api/v1/referrals/1?version=1", "", 0},
		{http.MethodPost, "/api/v1/partners", `{"name": "Ny partner", "kind": "local", "services": ["advice"]}`, 0},
		{http.MethodPatch, "/api/v1/partners/1", `{"description": "Endret", "version": 1}`, 0},
		{http.MethodPost, "/api/v1/regions", `{"slug": "ny", "name": "Ny region"}`, 0},
		{http.MethodPost, "/api/v1/projects", `{"title": "Nytt prosjekt", "status": "idea"}`, 0},
		{http.MethodDelete, "/api/v1/tokens/" + itoa(spare), "", http.StatusNoContent},
		{http.MethodPut, "/api/v1/enquiries/1", `{}`, 0},
		// The one door's API is open to anyone, but a read-only token sent
		// with it is held to reading as everywhere under /api/v1.
		{http.MethodPost, "/api/v1/intake", `{"municipality": "3403", "enquirer_kind": "other", "needs": ["financing"], "description": "Via integrasjonen", "name": "Kari", "email": "kari@example.org", "language": "nb", "consent_store": true}`, http.StatusCreated},
	}
	for _, w := range writes {
		before := dbFingerprint(t, ts)
		status, out := ts.api(t, read, w.method, w.path, w.body)
		e, _ := out["error"].(map[string]any)
		if status != http.StatusForbidden || e["code"] != "forbidden" || !strings.Contains(fmtAny(e["message"]), "bare lese") {
			t.Errorf("%s %s with a read-only token = %d %v; want 403 forbidden saying the key may only read", w.method, w.path, status, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("%s %s with a read-only token changed the database", w.method, w.path)
		}
	}
	viewsOf1 := func() int {
		entries, err := ts.store.AuditFor(context.Background(), "enquiry", "1")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if e.Action == "view" {
				n++
			}
		}
		return n
	}
	viewed := viewsOf1()
	for _, path := range []string{"/api/v1/me", "/api/v1/enquiries", "/api/v1/enquiries/1", "/api/v1/enquiries/1/activities",
		"/api/v1/enquiries/1/referrals", "/api/v1/referrals", "/api/v1/partners", "/api/v1/projects", "/api/v1/tokens", "/api/v1/reports/referrals"} {
		if status, out := ts.api(t, read, http.MethodGet, path, ""); status != http.StatusOK {
			t.Errorf("GET %s with a read-only token = %d %v; want 200", path, status, out)
		}
	}
	if status, _, _ := ts.rawAPI(t, read, http.MethodHead, "/api/v1/me", ""); status == http.StatusForbidden {
		t.Errorf("HEAD /api/v1/me with a read-only token = 403; a HEAD reads")
	}
	if n := viewsOf1(); n < viewed+3 {
		t.Errorf("the read-only token's three reads of enquiry 1 made %d audited views; want 3", n-viewed)
	}
	for _, w := range writes {
		status, out := ts.api(t, write, w.method, w.path, w.body)
		if w.want != 0 && status != w.want || status == http.StatusForbidden {
			t.Errorf("%s %s with a read-and-write token = %d %v; want %d", w.method, w.path, status, out, w.want)
		}
	}

	// In the user's language.
	admin, err := ts.store.UserByEmail(context.Background(), demoEmail(models.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.SetPreferences(context.Background(), admin.ID, "en", 0); err != nil {
		t.Fatal(err)
	}
	_, out := ts.api(t, read, http.MethodPost, "/api/v1/enquiries", `{}`)
	if e, _ := out["error"].(map[string]any); !strings.Contains(fmtAny(e["message"]), "only read") {
		t.Errorf("a read-only token's write for an English-speaking user = %v; want the message in English", out)
	}
}

// GET /api/v1/tokens says each token's scope, "read" or "write".
func TestAPITokenListShowsScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	read, readID := ts.scopedToken(t, models.RoleBoard, models.TokenRead)
	_, writeID := ts.scopedToken(t, models.RoleBoard, models.TokenWrite)
	status, list := ts.api(t, read, http.MethodGet, "/api/v1/tokens", "")
	if status != http.StatusOK {
		t.Fatalf("list tokens: %d", status)
	}
	got := map[string]any{}
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		got[fmtNum(m["id"])] = m["scope"]
	}
	if got[itoa(readID)] != "read" || got[itoa(writeID)] != "write" {
		t.Errorf("the tokens' scopes in the list = %v; want %d read, %d write", got, readID, writeID)
	}
}

// The profile's token form offers the two scopes in words, read-only chosen
// beforehand, and makes a key of the one chosen (of read only when none is
// sent, the safer); the list says each key's scope. A scope it does not know
// is refused beside the choice and makes no key.
func TestProfileTokenScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	c.login(u.Email, models.DemoPassword)
	_, page := c.get("/profile")
	for _, want := range []string{`name="scope" value="read" checked`, `name="scope" value="write" aria-describedby`, "Bare lese", "Lese og endre"} {
		if !strings.Contains(page, want) {
			t.Errorf("the profile's token form lacks %q", want)
		}
	}
	for _, tt := range []struct {
		sent string
		want models.TokenScope
		says string
	}{
		{"read", models.TokenRead, "Bare lese"},
		{"write", models.TokenWrite, "Lese og endre"},
		{"", models.TokenRead, "Bare lese"},
	} {
		form := url.Values{"name": {"nøkkel " + tt.sent}}
		if tt.sent != "" {
			form.Set("scope", tt.sent)
		}
		res, body := c.post("/profile/tokens", form)
		if res.StatusCode != http.StatusOK || !regexpSecret.MatchString(body) {
			t.Fatalf("making a key of scope %q = %d, no key shown", tt.sent, res.StatusCode)
		}
		tokens, err := ts.store.Tokens(ctx, &models.Viewer{User: u}, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tokens[0].Name != strings.TrimSpace("nøkkel "+tt.sent) || tokens[0].Scope != tt.want {
			t.Errorf("the key made with scope %q is %q of scope %q; want %q", tt.sent, tokens[0].Name, tokens[0].Scope, tt.want)
		}
		if !strings.Contains(body, "<td>"+tt.says+"</td>") {
			t.Errorf("the token list does not say %q for the key of scope %q", tt.says, tt.sent)
		}
	}
	before := dbFingerprint(t, ts)
	res, body := c.post("/profile/tokens", url.Values{"name": {"Rapport"}, "scope": {"admin"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Velg hva nøkkelen skal kunne gjøre") || !strings.Contains(body, `value="Rapport"`) {
		t.Errorf("a key of an unknown scope = %d; want 422 saying to choose, keeping the name\n%.2000s", res.StatusCode, body)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("a key of an unknown scope changed the database")
	}
}

// GET /api/v1/me says what the calling token may do, so that an integration
// can tell before it writes; a browser session has no token and no scope.
func TestAPIMeSaysTheTokensScope(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, scope := range models.TokenScopes {
		tok, _ := ts.scopedToken(t, models.RoleBoard, scope)
		status, me := ts.api(t, tok, http.MethodGet, "/api/v1/me", "")
		if status != http.StatusOK || me["token_scope"] != string(scope) {
			t.Errorf("GET /api/v1/me with a %s token = %d, token_scope %v; want %q", scope, status, me["token_scope"], scope)
		}
	}
	c := ts.client(t)
	c.login(demoEmail(models.RoleBoard), models.DemoPassword)
	res, body := c.get("/api/v1/me")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "token_scope") {
		t.Errorf("GET /api/v1/me in a browser session = %d %s; want 200 without token_scope", res.StatusCode, body)
	}
}
