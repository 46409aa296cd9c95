package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"samspill/models"
)

func TestAPITokens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	valid := ts.token(t, models.RoleAdviser)
	revoked := ts.token(t, models.RoleAdviser)
	u, _ := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdviser))
	tokens, err := ts.store.Tokens(ctx, &models.Viewer{User: u}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.store.RevokeToken(ctx, &models.Viewer{User: u}, models.Actor{}, tokens[0].ID); err != nil { // newest first: the second token
		t.Fatal(err)
	}
	tests := []struct {
		name, header string
		want         int
	}{
		{"valid", "Bearer " + valid, http.StatusOK},
		{"revoked", "Bearer " + revoked, http.StatusUnauthorized},
		{"unknown", "Bearer sams_" + strings.Repeat("A", 43), http.StatusUnauthorized},
		{"malformed", "Bearer not-a-token", http.StatusUnauthorized},
		{"basic auth", "Basic YWRtaW46YWRtaW4=", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"missing", "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/me", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("GET /api/v1/me with %q = %d; want %d", tt.header, res.StatusCode, tt.want)
			}
			if tt.want == http.StatusUnauthorized && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("401 is not JSON: %s", res.Header.Get("Content-Type"))
			}
		})
	}
	status, me := ts.api(t, valid, http.MethodGet, "/api/v1/me", "")
	if status != http.StatusOK || me["email"] != demoEmail(models.RoleAdviser) {
		t.Errorf("me = %d %v", status, me)
	}
	if _, leaked := me["password_hash"]; leaked {
		t.Error("me shows the password hash")
	}
}

func TestAPITokenRevokedThroughAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleBoard)
	status, list := ts.api(t, tok, http.MethodGet, "/api/v1/tokens", "")
	if status != http.StatusOK {
		t.Fatalf("list tokens: %d", status)
	}
	items := list["items"].([]any)
	id := int64(items[0].(map[string]any)["id"].(float64))
	// Someone else's token is not found.
	other := ts.token(t, models.RoleAdviser)
	if status, _ := ts.api(t, other, http.MethodDelete, "/api/v1/tokens/"+itoa(id), ""); status != http.StatusNotFound {
		t.Errorf("revoking another user's token = %d; want 404", status)
	}
	if status, _ := ts.api(t, tok, http.MethodDelete, "/api/v1/tokens/"+itoa(id), ""); status != http.StatusNoContent {
		t.Fatalf("revoke own token = %d; want 204", status)
	}
	if status, _ := ts.api(t, tok, http.MethodGet, "/api/v1/me", ""); status != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", status)
	}
}

// TestAPIBadInput sends bad partner and region writes and checks both the
// answer and that the database did not change.
func TestAPIBadInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.token(t, models.RoleAdmin)
	ctx := context.Background()
	partner, err := ts.store.PartnerByName(ctx, "Siva")
	if err != nil {
		t.Fatal(err)
	}
	region := demoRegion(t, ts)
	pPath := "/api/v1/partners/" + itoa(partner.ID)
	rPath := "/api/v1/regions/" + itoa(region.ID)
	tests := []struct {
		name, method, path, body string
		want                     int
		field                    string // a field the answer must name
	}{
		{"wrong type", http.MethodPatch, pPath, `{"name": 42, "version": 1}`, http.StatusBadRequest, "name"},
		{"wrong type version", http.MethodPatch, pPath, `{"version": "1"}`, http.StatusBadRequest, "version"},
		{"unknown field", http.MethodPatch, pPath, `{"name": "Siva SF", "version": 1, "role": "admin"}`, http.StatusBadRequest, "role"},
		{"not JSON", http.MethodPatch, pPath, `name=Siva`, http.StatusBadRequest, ""},
		{"two objects", http.MethodPatch, pPath, `{"version": 1}{"version": 1}`, http.StatusBadRequest, ""},
		{"missing version", http.MethodPatch, pPath, `{"name": "Siva SF"}`, http.StatusUnprocessableEntity, "version"},
		{"empty name", http.MethodPatch, pPath, `{"name": "  ", "version": 1}`, http.StatusUnprocessableEntity, "name"},
		{"too long name", http.MethodPatch, pPath, `{"name": "` + strings.Repeat("x", 201) + `", "version": 1}`, http.StatusUnprocessableEntity, "name"},
		{"bad kind", http.MethodPatch, pPath, `{"kind": "global", "version": 1}`, http.StatusUnprocessableEntity, "kind"},
		{"bad service", http.MethodPatch, pPath, `{"services": ["magic"], "version": 1}`, http.StatusUnprocessableEntity, "services"},
		{"stale version", http.MethodPatch, pPath, `{"name": "Siva SF", "version": 99}`, http.StatusConflict, ""},
		{"create missing fields", http.MethodPost, "/api/v1/partners", `{}`, http.StatusUnprocessableEntity, "name"},
		{"create duplicate", http.MethodPost, "/api/v1/partners", `{"name": "Siva", "kind": "national"}`, http.StatusUnprocessableEntity, "name"},
		{"region unknown municipality", http.MethodPatch, rPath, `{"host_municipality": "9999", "version": 1}`, http.StatusUnprocessableEntity, "host_municipality"},
		{"region bad slug", http.MethodPatch, rPath, `{"slug": "Hamar Region", "version": 1}`, http.StatusUnprocessableEntity, "slug"},
		{"region days out of range", http.MethodPatch, rPath, `{"first_response_days": 0, "version": 1}`, http.StatusUnprocessableEntity, "first_response_days"},
		{"region days wrong type", http.MethodPatch, rPath, `{"first_response_days": "two", "version": 1}`, http.StatusBadRequest, "first_response_days"},
		{"region stale", http.MethodPatch, rPath, `{"name": "Ny", "version": 7}`, http.StatusConflict, ""},
		{"region mass assignment", http.MethodPatch, rPath, `{"id": 99, "version": 1}`, http.StatusUnprocessableEntity, "id"}, // shown only: 422 read_only, nothing changed
		{"unknown partner", http.MethodPatch, "/api/v1/partners/99999", `{"version": 1}`, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ts.api(t, admin, tt.method, tt.path, tt.body)
			if status != tt.want {
				t.Fatalf("%s %s %s = %d; want %d (%v)", tt.method, tt.path, tt.body, status, tt.want, body)
			}
			e, ok := body["error"].(map[string]any)
			if !ok || e["code"] == "" || e["message"] == "" {
				t.Fatalf("answer lacks the error shape: %v", body)
			}
			if tt.field != "" {
				fields, _ := e["fields"].(map[string]any)
				if _, ok := fields[tt.field]; !ok {
					t.Errorf("answer does not name field %q: %v", tt.field, e)
				}
			}
		})
	}
	after, err := ts.store.Partner(ctx, partner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, partner) { // NameFold is a pointer: its string is compared
		t.Errorf("bad input changed the partner:\n got %+v\nwant %+v", *after, *partner)
	}
	r2 := demoRegion(t, ts)
	if r2.Version != region.Version || r2.Name != region.Name || r2.FirstResponseDays != region.FirstResponseDays {
		t.Errorf("bad input changed the region: %+v", r2)
	}
	partners, total, err := ts.store.Partners(ctx, models.PartnerFilter{})
	if err != nil || total != 10 || len(partners) != 10 {
		t.Errorf("bad input changed the partner count: %d (%v)", total, err)
	}
	audit, err := ts.store.AuditFor(ctx, "partner", itoa(partner.ID))
	if err != nil || len(audit) != 0 {
		t.Errorf("bad input left %d audit entries (%v)", len(audit), err)
	}

	// And the good update goes through once, then is stale.
	good := `{"description": "Oppdatert", "version": 1}`
	if status, body := ts.api(t, admin, http.MethodPatch, pPath, good); status != http.StatusOK || body["version"] != float64(2) {
		t.Fatalf("good update = %d %v", status, body)
	}
	if status, _ := ts.api(t, admin, http.MethodPatch, pPath, good); status != http.StatusConflict {
		t.Errorf("repeating the update with the old version = %d; want 409", status)
	}
}

func TestAPIListsAndFilters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	tests := []struct {
		path      string
		wantTotal float64
	}{
		{"/api/v1/municipalities?limit=500", 357},
		{"/api/v1/municipalities?county=34", 46},
		{"/api/v1/municipalities?q=l%C3%98ten", 1},
		{"/api/v1/municipalities?q=3403", 1},
		{"/api/v1/municipalities?q=%25", 0},
		{"/api/v1/partners", 10},
		{"/api/v1/partners?q=innovasjon", 1},
		{"/api/v1/regions", 1},
		{"/api/v1/factors", 9},
	}
	for _, tt := range tests {
		status, body := ts.api(t, tok, http.MethodGet, tt.path, "")
		if status != http.StatusOK || body["total"] != tt.wantTotal {
			t.Errorf("GET %s = %d total %v; want 200 total %v", tt.path, status, body["total"], tt.wantTotal)
		}
	}
	status, body := ts.api(t, tok, http.MethodGet, "/api/v1/municipalities?q=3412", "")
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["kommunenummer"] != "3412" || items[0].(map[string]any)["name"] != "Løten" {
		t.Errorf("municipality 3412 = %v", body)
	}
	status, body = ts.api(t, tok, http.MethodGet, "/api/v1/municipalities?q=Oslo", "")
	items, _ = body["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["kommunenummer"] != "0301" {
		t.Errorf("Oslo keeps its leading zero: %v", body)
	}
}

// A call to the API without a token is told to authenticate, reads and
// writes, lists and records alike: not that a form expired, not that the
// record is missing.
func TestAPIWithoutTokenIs401(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	cases := []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/enquiries", `{}`},
		{http.MethodPatch, "/api/v1/referrals/1", `{"status": "sent", "version": 1}`},
		{http.MethodDelete, "/api/v1/tokens/1", ``},
		{http.MethodGet, "/api/v1/enquiries/1", ``},
		{http.MethodGet, "/api/v1/municipalities/3403", ``},
	}
	for _, c := range cases {
		status, out := ts.api(t, "", c.method, c.path, c.body)
		e, _ := out["error"].(map[string]any)
		if status != http.StatusUnauthorized || e["code"] != "unauthenticated" {
			t.Errorf("%s %s without a token = %d %v; want 401 unauthenticated", c.method, c.path, status, e["code"])
		}
	}
}

// A region's members' days are dates, as every date of the API.
func TestRegionMemberDatesInAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	r := demoRegion(t, ts)
	_, out := ts.api(t, ts.token(t, models.RoleAdmin), http.MethodGet, "/api/v1/regions/"+itoa(r.ID), "")
	members, _ := out["members"].([]any)
	if len(members) == 0 {
		t.Fatal("no members")
	}
	m := members[0].(map[string]any)
	if d, _ := m["joined_on"].(string); len(d) != 10 || m["left_on"] != nil || m["kommunenummer"] == nil || m["version"] == nil {
		t.Errorf("member = %v; want joined_on as YYYY-MM-DD and the other fields", m)
	}
}

// The list of regions holds each region's members, as the README says.
func TestRegionListHasMembers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	_, out := ts.api(t, ts.token(t, models.RoleAdmin), http.MethodGet, "/api/v1/regions", "")
	items, _ := out["items"].([]any)
	if len(items) == 0 {
		t.Fatal("no regions")
	}
	if members, _ := items[0].(map[string]any)["members"].([]any); len(members) == 0 {
		t.Errorf("the first region of the list has no members: %v", items[0])
	}
}

// A wrong type in a list's row is named as the validation errors name rows.
func TestJSONTypeErrorsNameRows(t *testing.T) {
	t.Parallel()
	for field, want := range map[string]string{
		"municipalities.0.kommunenummer": "municipalities[0].kommunenummer",
		"scores.12.score":                "scores[12].score",
		"title":                          "title",
		"a.1":                            "a[1]",
	} {
		if got := jsonPath(field); got != want {
			t.Errorf("jsonPath(%q) = %q; want %q", field, got, want)
		}
	}
	ts := newTestServer(t)
	status, out := ts.api(t, ts.token(t, models.RoleCoordinator), http.MethodPost, "/api/v1/projects",
		`{"title": "T", "municipalities": [{"kommunenummer": 3403, "role": "lead"}]}`)
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if status != http.StatusBadRequest || fields["municipalities[0].kommunenummer"] == nil {
		t.Errorf("a number for a kommunenummer = %d %v; want 400 naming municipalities[0].kommunenummer", status, fields)
	}
}

// An enquiry in the API carries every field DESIGN.md's contract names for it.
func TestEnquiryJSONHasContractFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	code, e := ts.api(t, ts.token(t, models.RoleAdviser), http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	if code != http.StatusOK {
		t.Fatalf("enquiry = %d %v", code, e)
	}
	for _, field := range []string{"municipality", "enquirer_kind", "needs", "description", "name", "email", "phone", "language",
		"org_number", "business_name", "stage", "consent_store", "consent_share", "channel", "status", "reference", "version"} {
		if _, ok := e[field]; !ok {
			t.Errorf("the enquiry's JSON has no %q", field)
		}
	}
	if e["consent_store"] != true {
		t.Errorf("consent_store = %v; want true (stored only with it)", e["consent_store"])
	}
}

func TestTokenNameLimitInCharacters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.client(t)
	c.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	c.get("/profile")
	res, body := c.post("/profile/tokens", url.Values{"name": {strings.Repeat("å", 60)}})
	if res.StatusCode != http.StatusOK || !regexpSecret.MatchString(body) {
		t.Errorf("token named 60 × å = %d\n%s", res.StatusCode, errorSummary(body))
	}
	if res, _ := c.post("/profile/tokens", url.Values{"name": {strings.Repeat("å", 101)}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("token named 101 × å = %d; want 422", res.StatusCode)
	}
}

func TestPatchNullRequiredFieldIsRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	eid, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	region, pid := regionAdmin(t, ts).Region.ID, demoProjectID(t, ts, demoShared)
	adviser, coord, admin := ts.token(t, models.RoleAdviser), ts.token(t, models.RoleCoordinator), ts.token(t, models.RoleAdmin)
	for _, p := range []struct{ token, path, field string }{
		{adviser, "/api/v1/enquiries/" + itoa(eid), "name"},
		{adviser, "/api/v1/enquiries/" + itoa(eid), "needs"},
		{adviser, "/api/v1/enquiries/" + itoa(eid), "phone"}, // optional: "" empties it
		{coord, "/api/v1/projects/" + itoa(pid), "title"},
		{coord, "/api/v1/projects/" + itoa(pid), "municipalities"},
		{coord, "/api/v1/regions/" + itoa(region), "name"},
		{admin, "/api/v1/partners/1", "name"},
	} {
		_, rec := ts.api(t, p.token, http.MethodGet, p.path, "")
		before := dbFingerprint(t, ts)
		status, out := ts.api(t, p.token, http.MethodPatch, p.path, fmt.Sprintf(`{%q: null, "version": %v}`, p.field, rec["version"]))
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || fields[p.field] == nil {
			t.Errorf("PATCH %s {%q: null} = %d %v; want 422 naming the field", p.path, p.field, status, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("PATCH %s {%q: null} changed the database", p.path, p.field)
		}
	}
}

// TestPatchNothingKeepsVersion sends an enquiry's PATCH that changes nothing:
// it answers 200 with the version it had, writes nothing and logs no edit, so
// that another client's read stays current. A stale version is still a conflict.
func TestPatchNothingKeepsVersion(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	eid, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	adviser := ts.token(t, models.RoleAdviser)
	path := "/api/v1/enquiries/" + itoa(eid)
	_, rec := ts.api(t, adviser, http.MethodGet, path, "")
	before := dbFingerprint(t, ts)
	for _, body := range []string{fmt.Sprintf(`{"version": %v}`, rec["version"]), fmt.Sprintf(`{"name": %q, "version": %v}`, rec["name"], rec["version"])} {
		status, out := ts.api(t, adviser, http.MethodPatch, path, body)
		if status != http.StatusOK || out["version"] != rec["version"] {
			t.Errorf("PATCH %s %s = %d, version %v; want 200, version %v", path, body, status, out["version"], rec["version"])
		}
	}
	if dbFingerprint(t, ts) != before {
		t.Errorf("a PATCH that changes nothing changed the database")
	}
	if status, _ := ts.api(t, adviser, http.MethodPatch, path, `{"version": 0}`); status != http.StatusConflict {
		t.Errorf("PATCH %s at a stale version = %d; want 409", path, status)
	}
}

// The API moves a case between its working statuses with PATCH, as the case
// page does, in one save with any field edits; closing takes an outcome, and
// a status outside the list changes nothing.
func TestPatchEnquiryStatus(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	token := ts.token(t, models.RoleAdviser)
	path := "/api/v1/enquiries/" + itoa(id)
	cases := []struct {
		body       string
		code       int
		status     string
		version    float64
		badField   string
		wantAnswer bool // the first response is recorded
	}{
		{`{"status": "in_progress", "business_name": "Gårdsutsalg AS", "version": 1}`, http.StatusOK, "in_progress", 2, "", true},
		{`{"status": "in_progress", "version": 2}`, http.StatusOK, "in_progress", 2, "", true},                    // no change, no new version
		{`{"status": "closed", "version": 2}`, http.StatusUnprocessableEntity, "in_progress", 2, "outcome", true}, // closing takes an outcome
		{`{"status": "done", "version": 2}`, http.StatusUnprocessableEntity, "in_progress", 2, "status", true},
		{`{"status": "waiting", "version": 1}`, http.StatusConflict, "in_progress", 2, "", true},
		{`{"status": "waiting", "version": 2}`, http.StatusOK, "waiting", 3, "", true},
	}
	for _, tc := range cases {
		code, out := ts.api(t, token, http.MethodPatch, path, tc.body)
		if code != tc.code {
			t.Errorf("PATCH %s = %d %v; want %d", tc.body, code, out, tc.code)
		}
		if tc.badField != "" {
			if e, _ := out["error"].(map[string]any); e == nil || e["fields"].(map[string]any)[tc.badField] == nil {
				t.Errorf("PATCH %s: %v; want an error for %s", tc.body, out, tc.badField)
			}
		}
		_, e := ts.api(t, token, http.MethodGet, path, "")
		if e["status"] != tc.status || e["version"] != tc.version || (e["first_response_at"] != nil) != tc.wantAnswer {
			t.Errorf("after PATCH %s: status %v, version %v, first response %v; want %s, %v", tc.body, e["status"], e["version"], e["first_response_at"], tc.status, tc.version)
		}
	}
	history, err := ts.store.StatusHistory(context.Background(), adminViewer(t, ts), id)
	if err != nil || len(history) != 2 {
		t.Errorf("the status history has %d changes, %v; want 2", len(history), err)
	}
	// A closed case's status sent back as it was read is no move (an edit
	// with it is refused: a closed case is reopened first, see
	// TestClosedCaseIsReopenedBeforeEditOrRouting).
	if _, err := ts.store.CloseEnquiry(context.Background(), adminViewer(t, ts), models.Actor{}, id, models.CloseInput{Outcome: "guided", Version: 3}); err != nil {
		t.Fatal(err)
	}
	if code, out := ts.api(t, token, http.MethodPatch, path, `{"status": "closed", "business_name": "Gårdsutsalg AS", "version": 4}`); code != http.StatusOK || out["version"] != float64(4) {
		t.Errorf("PATCH of a closed case with its own status = %d %v; want 200 at version 4", code, out)
	}
	if code, _ := ts.api(t, token, http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "status": "waiting"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("a new case with a status = %d; want 422 (every case starts new)", code)
	}
}
