package app

// Tests of /work/shared/DESIGN.md's "Contract" section as an integration sees
// it: the JSON error shape with its code per HTTP status, the field names and
// date formats of the records, and the list parameters. What other tests
// already prove is not repeated here.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// rawAPI sends a request with a bearer token (none when "") and returns the
// status and the body undecoded, so that the shape itself can be checked.
func (ts *testServer) rawAPI(t *testing.T, token, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// checkErrorShape checks that body is exactly the contract's error:
// {"error": {"code": "...", "message": "...", "fields": {"name": "why"}}},
// with fields optional, and returns the code and fields.
func checkErrorShape(t *testing.T, what string, body []byte) (code string, fields map[string]string) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Errorf("%s: the answer is not a JSON object: %s", what, body)
		return "", nil
	}
	if len(top) != 1 || top["error"] == nil {
		t.Errorf("%s: the answer has keys other than just \"error\": %s", what, body)
	}
	var e map[string]json.RawMessage
	if err := json.Unmarshal(top["error"], &e); err != nil {
		t.Errorf("%s: \"error\" is not an object: %s", what, body)
		return "", nil
	}
	for k := range e {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("%s: \"error\" has the key %q, which the contract does not name: %s", what, k, body)
		}
	}
	var message string
	if err := json.Unmarshal(e["code"], &code); err != nil || code == "" || code != strings.ToLower(code) || strings.ContainsAny(code, " -") {
		t.Errorf("%s: code %s is not a lower-case word: %s", what, e["code"], body)
	}
	if err := json.Unmarshal(e["message"], &message); err != nil || strings.TrimSpace(message) == "" || message == "error.internal" {
		t.Errorf("%s: message %s is no readable text: %s", what, e["message"], body)
	}
	if raw, ok := e["fields"]; ok {
		if err := json.Unmarshal(raw, &fields); err != nil || len(fields) == 0 {
			t.Errorf("%s: fields %s is not a non-empty object of field → why: %s", what, raw, body)
		}
		for name, why := range fields {
			if strings.TrimSpace(why) == "" || strings.HasPrefix(why, "error.") {
				t.Errorf("%s: field %q has no readable reason: %q", what, name, why)
			}
		}
	}
	return code, fields
}

// TestContractErrors sends one request for every status the contract names
// and checks the status, the JSON shape and its code: 400 malformed, 401 not
// authenticated, 403 not allowed, 404 not found or out of scope, 409 stale
// version, 413 too large, 422 validation (naming the fields), 429 rate limited.
func TestContractErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.IntakeBurst, c.IntakeEvery = 2, time.Hour }) // submit below and one intake
	adviser, board := ts.token(t, models.RoleAdviser), ts.token(t, models.RoleBoard)
	id, _ := submit(t, ts, "3412", "Trenger hjelp med finansiering", "")
	enquiry := "/api/v1/enquiries/" + itoa(id)
	_, e := ts.api(t, adviser, http.MethodGet, enquiry, "")
	version := mustJSON(t, e["version"])
	if status, out := ts.api(t, adviser, http.MethodPatch, enquiry, `{"description": "Første endring", "version": `+version+`}`); status != http.StatusOK {
		t.Fatalf("PATCH %s = %d %v", enquiry, status, out)
	}
	intake := `{"municipality": "3403", "enquirer_kind": "established_business", "needs": ["financing"], "description": "Lån",
		"name": "Kari", "phone": "900 00 000", "consent_store": true}`
	if status, _, body := ts.rawAPI(t, "", http.MethodPost, "/api/v1/intake", intake); status != http.StatusCreated {
		t.Fatalf("the first intake = %d %s", status, body)
	}

	for _, c := range []struct {
		name, token, method, path, body string
		status                          int
		code                            string
		field                           string // a field the error must name
	}{
		{"malformed JSON", adviser, http.MethodPost, "/api/v1/enquiries", `{"description": `, http.StatusBadRequest, "malformed", ""},
		{"no token", "", http.MethodGet, "/api/v1/me", "", http.StatusUnauthorized, "unauthenticated", ""},
		{"unknown token", "sams_nosuchtoken", http.MethodGet, "/api/v1/enquiries", "", http.StatusUnauthorized, "unauthenticated", ""},
		{"role may not", board, http.MethodPost, "/api/v1/enquiries", `{}`, http.StatusForbidden, "forbidden", ""},
		{"no such record", adviser, http.MethodGet, "/api/v1/enquiries/99999999", "", http.StatusNotFound, "not_found", ""},
		{"record out of the role's scope", board, http.MethodGet, enquiry, "", http.StatusNotFound, "not_found", ""},
		{"no such route", adviser, http.MethodGet, "/api/v1/nothing-here", "", http.StatusNotFound, "not_found", ""},
		{"stale version", adviser, http.MethodPatch, enquiry, `{"description": "Andre endring", "version": ` + version + `}`, http.StatusConflict, "conflict", ""},
		{"too large", adviser, http.MethodPost, "/api/v1/enquiries", `{"description": "` + strings.Repeat("x", 2<<20) + `"}`, http.StatusRequestEntityTooLarge, "too_large", ""},
		{"invalid", adviser, http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "enquirer_kind": "alien"}`, http.StatusUnprocessableEntity, "invalid", "enquirer_kind"},
		{"rate limited", "", http.MethodPost, "/api/v1/intake", intake, http.StatusTooManyRequests, "rate_limited", ""},
	} {
		what := c.name + ": " + c.method + " " + c.path
		before := dbFingerprint(t, ts)
		status, header, body := ts.rawAPI(t, c.token, c.method, c.path, c.body)
		if status != c.status {
			t.Errorf("%s = %d; want %d\n%.300s", what, status, c.status, body)
			continue
		}
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: the error is %q, not JSON", what, ct)
		}
		code, fields := checkErrorShape(t, what, body)
		if code != c.code {
			t.Errorf("%s: code %q; want %q", what, code, c.code)
		}
		if c.field != "" && fields[c.field] == "" {
			t.Errorf("%s: the error does not name the field %q: %s", what, c.field, body)
		}
		if c.status == http.StatusUnprocessableEntity && len(fields) == 0 {
			t.Errorf("%s: a validation error names no field: %s", what, body)
		}
		if c.status != http.StatusUnauthorized && dbFingerprint(t, ts) != before {
			t.Errorf("%s changed the database", what)
		}
	}
}

var (
	dateOnly      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	kommunenummer = regexp.MustCompile(`^\d{4}$`)
)

// contractRecord checks one record of the API against the contract: it has
// every field named, each code field holds one of its codes, the dates are
// YYYY-MM-DD and the timestamps RFC 3339.
type contractRecord struct {
	what       string
	fields     []string            // must be present
	codes      map[string][]string // field → the codes it may hold ("" allowed where optional)
	dates      []string            // YYYY-MM-DD, or null
	timestamps []string            // RFC 3339, or null
	municipal  []string            // a kommunenummer as a string of four digits
}

func (c contractRecord) check(t *testing.T, rec map[string]any) {
	t.Helper()
	for _, f := range c.fields {
		if _, ok := rec[f]; !ok {
			t.Errorf("%s: no field %q in %v", c.what, f, rec)
		}
	}
	for f, codes := range c.codes {
		if v, _ := rec[f].(string); !slices.Contains(codes, v) {
			t.Errorf("%s: %s = %#v; want one of %v", c.what, f, rec[f], codes)
		}
	}
	for _, f := range c.dates {
		if v, ok := rec[f].(string); rec[f] != nil && (!ok || !dateOnly.MatchString(v)) {
			t.Errorf("%s: %s = %#v; want a date YYYY-MM-DD", c.what, f, rec[f])
		}
	}
	for _, f := range c.timestamps {
		v, ok := rec[f].(string)
		if rec[f] == nil {
			continue
		}
		if _, err := time.Parse(time.RFC3339, v); !ok || err != nil {
			t.Errorf("%s: %s = %#v; want an RFC 3339 timestamp", c.what, f, rec[f])
		}
	}
	for _, f := range c.municipal {
		if v, ok := rec[f].(string); !ok || !kommunenummer.MatchString(v) {
			t.Errorf("%s: %s = %#v; want a kommunenummer string", c.what, f, rec[f])
		}
	}
}

// firstItem is the first item of a list answer.
func firstItem(t *testing.T, ts *testServer, token, path string) map[string]any {
	t.Helper()
	status, out := ts.api(t, token, http.MethodGet, path, "")
	items, _ := out["items"].([]any)
	if status != http.StatusOK || len(items) == 0 {
		t.Fatalf("GET %s = %d with %d items: %v", path, status, len(items), out)
	}
	return items[0].(map[string]any)
}

// TestContractRecordFields reads an enquiry, a referral, a project and an
// assessment of the demo through the API and checks their field names, codes
// and date formats against the contract's lists.
func TestContractRecordFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, coord := ts.token(t, models.RoleAdviser), ts.token(t, models.RoleCoordinator)
	optional := func(codes []string) []string { return append([]string{""}, codes...) }

	id, _ := submit(t, ts, "3412", "Trenger hjelp med lokaler", "")
	_, enquiry := ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	contractRecord{what: "enquiry",
		codes: map[string][]string{"status": models.EnquiryStatuses, "channel": models.Channels,
			"enquirer_kind": models.EnquirerKinds},
		timestamps: []string{"received_at", "first_response_due", "first_response_at", "closed_at"},
		municipal:  []string{"municipality"},
	}.check(t, enquiry)
	for _, n := range enquiry["needs"].([]any) {
		if !slices.Contains(models.Needs, n.(string)) {
			t.Errorf("enquiry: need %v is no code of the contract", n)
		}
	}
	_, activities := ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(id)+"/activities", "")
	if _, ok := activities["items"].([]any); !ok {
		t.Errorf("GET /api/v1/enquiries/%d/activities is no list: %v", id, activities)
	}

	referral := firstItem(t, ts, adviser, "/api/v1/referrals?status=sent")
	contractRecord{what: "referral",
		fields: []string{"enquiry_id", "partner_id", "reason", "message", "share_personal_data", "follow_up_due", "status", "outcome",
			"outcome_reason", "instrument", "amount_nok", "version"},
		codes: map[string][]string{"status": models.ReferralStatuses, "outcome": optional(models.ReferralOutcomes),
			"reason": models.Needs},
		dates:      []string{"follow_up_due"},
		timestamps: []string{"sent_at", "acknowledged_at", "closed_at"},
	}.check(t, referral)
	if _, ok := referral["amount_nok"].(float64); !ok {
		t.Errorf("referral: amount_nok = %#v; want a number", referral["amount_nok"])
	}
	// A referral sent without a message has the field too, empty: every field
	// of the contract's list is there whatever it holds.
	status, bare := ts.api(t, adviser, http.MethodPost, "/api/v1/enquiries/"+itoa(mustSubmit(t, ts))+"/referrals",
		`{"partner_id": `+partnerID(t, ts, "Siva")+`, "reason": "financing"}`)
	if message, ok := bare["message"]; status != http.StatusCreated || !ok || message != "" {
		t.Errorf("a referral sent without a message = %d, message %#v (present: %v); want \"\"", status, message, ok)
	}

	pid := demoProjectID(t, ts, demoShared)
	_, project := ts.api(t, coord, http.MethodGet, "/api/v1/projects/"+itoa(pid), "")
	contractRecord{what: "project",
		fields:     []string{"title", "summary", "status", "municipalities", "partners", "visibility", "version"},
		codes:      map[string][]string{"status": models.ProjectStatuses, "visibility": models.ProjectVisibilities},
		dates:      []string{"starts_on", "ends_on"},
		timestamps: []string{"created_at", "updated_at"},
	}.check(t, project)
	ms, _ := project["municipalities"].([]any)
	if len(ms) == 0 {
		t.Fatalf("project: no municipalities: %v", project)
	}
	for _, m := range ms {
		contractRecord{what: "project municipality", codes: map[string][]string{"role": models.ProjectRoles},
			municipal: []string{"kommunenummer"}}.check(t, m.(map[string]any))
	}
	if _, ok := project["partners"].([]any); !ok {
		t.Errorf("project: partners = %#v; want a list", project["partners"])
	}

	factorCodes := []string{"cohesion", "equality", "shared_goals", "non_municipal_actors", "leadership",
		"weak_cohesion", "skewed_power", "lacking_interest", "overcommitment"}
	assessment := firstItem(t, ts, coord, "/api/v1/projects/"+itoa(pid)+"/assessments")
	contractRecord{what: "assessment", fields: []string{"assessed_at", "scores"}, dates: []string{"assessed_at"},
		timestamps: []string{"created_at"}}.check(t, assessment)
	scores, _ := assessment["scores"].([]any)
	if len(scores) == 0 {
		t.Fatalf("assessment: no scores: %v", assessment)
	}
	for _, s := range scores {
		s := s.(map[string]any)
		contractRecord{what: "score", fields: []string{"factor", "score", "comment"},
			codes: map[string][]string{"factor": factorCodes}}.check(t, s)
		if v, _ := s["score"].(float64); v < 1 || v > 5 || v != float64(int(v)) {
			t.Errorf("score: %v; want a whole number 1–5", s["score"])
		}
	}
}

// TestContractListParameters: every list of the API named in the contract
// takes q, limit and page, and answers them in one shape.
func TestContractListParameters(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.token(t, models.RoleAdmin)
	id, _ := submit(t, ts, "3412", "Trenger hjelp", "")
	region, pid := demoRegion(t, ts).ID, demoProjectID(t, ts, demoShared)
	for _, path := range []string{
		"/api/v1/regions", "/api/v1/municipalities", "/api/v1/partners", "/api/v1/enquiries",
		"/api/v1/enquiries/" + itoa(id) + "/activities", "/api/v1/referrals", "/api/v1/projects",
		"/api/v1/projects/" + itoa(pid) + "/assessments", "/api/v1/regions/" + itoa(region) + "/assessments",
		"/api/v1/factors", "/api/v1/tokens",
	} {
		status, out := ts.api(t, admin, http.MethodGet, path+"?q=a&limit=2&page=1", "")
		_, isList := out["items"].([]any)
		_, hasTotal := out["total"].(float64)
		if status != http.StatusOK || !isList || !hasTotal || out["limit"] != float64(2) || out["page"] != float64(1) {
			t.Errorf("GET %s?q=a&limit=2&page=1 = %d %v; want 200 with items, total, limit 2 and page 1", path, status, out)
		}
	}
}

// TestContractEnquiryReferrals: the contract names /{id}/referrals under an
// enquiry; besides referring (POST) it lists the enquiry's referrals (GET), in
// the viewer's scope: an enquiry the viewer may not see answers 404.
func TestContractEnquiryReferrals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.token(t, models.RoleAdviser)
	referred := mustSubmit(t, ts)
	rid := referWithShare(t, ts, referred, "Innovasjon Norge")
	referWithShare(t, ts, mustSubmit(t, ts), "Siva") // another enquiry's, not listed
	unreferred := mustSubmit(t, ts)
	osloID, _ := submit(t, ts, "0301", "Oslo er ikke i regionen", "") // the admin queue: not the adviser's

	status, out := ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(referred)+"/referrals", "")
	items, _ := out["items"].([]any)
	if status != http.StatusOK || len(items) != 1 || out["total"] != float64(1) {
		t.Fatalf("GET the referred enquiry's referrals = %d %v; want its one referral", status, out)
	}
	r := items[0].(map[string]any)
	if r["id"] != float64(rid) || r["enquiry_id"] != float64(referred) {
		t.Errorf("the enquiry's referral is %v; want referral %d of enquiry %d", r, rid, referred)
	}
	// Reading them reads the person's data, as the case does: audited on the enquiry.
	if views, err := ts.store.AuditFor(context.Background(), "enquiry", itoa(referred)); err != nil || len(views) == 0 ||
		views[0].Action != "view" || views[0].Detail != "api referrals rows=1" {
		t.Errorf("the read of the enquiry's referrals is not audited on the enquiry: %v %+v", err, views)
	}
	status, out = ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(unreferred)+"/referrals", "")
	if items, ok := out["items"].([]any); status != http.StatusOK || !ok || len(items) != 0 {
		t.Errorf("GET an unreferred enquiry's referrals = %d %v; want 200 with an empty list", status, out)
	}
	for _, id := range []int64{osloID, 99999999} {
		status, body := func() (int, []byte) {
			s, _, b := ts.rawAPI(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(id)+"/referrals", "")
			return s, b
		}()
		if code, _ := checkErrorShape(t, "enquiry out of scope", body); status != http.StatusNotFound || code != "not_found" {
			t.Errorf("GET /api/v1/enquiries/%d/referrals as the adviser = %d %s; want 404", id, status, body)
		}
	}
	if status, _ := ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(referred)+"/referrals?bogus=1", ""); status != http.StatusBadRequest {
		t.Errorf("an unknown parameter = %d; want 400", status)
	}
}

// TestContractVersions: every record the API updates carries version, and an
// update must send the version it read: without one it is refused (422 on
// version), with an older one it is stale (409), and neither changes anything;
// with the one it read it is taken and the version moves on.
func TestContractVersions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser, coord, admin := ts.token(t, models.RoleAdviser), ts.token(t, models.RoleCoordinator), ts.token(t, models.RoleAdmin)
	enquiry := mustSubmit(t, ts)
	referral := referWithShare(t, ts, mustSubmit(t, ts), "Innovasjon Norge")
	due := ts.store.Today().AddDate(0, 0, 10).Format("2006-01-02")
	for _, c := range []struct {
		token, path, change string
	}{
		{adviser, "/api/v1/enquiries/" + itoa(enquiry), `"description": "Endret beskrivelse"`},
		{adviser, "/api/v1/referrals/" + itoa(referral), `"follow_up_due": "` + due + `"`},
		{coord, "/api/v1/projects/" + itoa(demoProjectID(t, ts, demoShared)), `"summary": "Endret sammendrag"`},
		{coord, "/api/v1/regions/" + itoa(demoRegion(t, ts).ID), `"retention_months": 24`},
		{admin, "/api/v1/partners/1", `"description": "Endret omtale"`},
	} {
		status, rec := ts.api(t, c.token, http.MethodGet, c.path, "")
		version, ok := rec["version"].(float64)
		if status != http.StatusOK || !ok || version < 1 {
			t.Errorf("GET %s = %d, version %#v; want a version", c.path, status, rec["version"])
			continue
		}
		v := strconv.Itoa(int(version))
		before := dbFingerprint(t, ts)
		status, out := ts.api(t, c.token, http.MethodPatch, c.path, "{"+c.change+"}")
		if e, _ := out["error"].(map[string]any); status != http.StatusUnprocessableEntity || e["fields"].(map[string]any)["version"] == nil {
			t.Errorf("PATCH %s without version = %d %v; want 422 on version", c.path, status, out)
		}
		stale := strconv.Itoa(int(version) - 1)
		if status, out := ts.api(t, c.token, http.MethodPatch, c.path, "{"+c.change+`, "version": `+stale+"}"); status != http.StatusConflict {
			t.Errorf("PATCH %s with version %s of %s = %d %v; want 409", c.path, stale, v, status, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("a refused PATCH %s changed the database", c.path)
		}
		status, out = ts.api(t, c.token, http.MethodPatch, c.path, "{"+c.change+`, "version": `+v+"}")
		if status != http.StatusOK || out["version"] != version+1 {
			t.Errorf("PATCH %s with version %s = %d, version %v; want 200 and version %v", c.path, v, status, out["version"], version+1)
		}
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// jsonKeys collects the object keys of v at any depth that are not snake_case,
// with where they were found.
func jsonKeys(v any, at string, bad map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snakeCase.MatchString(k) {
				bad[at+"."+k] = k
			}
			jsonKeys(x, at+"."+k, bad)
		}
	case []any:
		for _, x := range v {
			jsonKeys(x, at+"[]", bad)
		}
	}
}

// TestContractSnakeCase reads every GET of the API as the roles that may and
// checks that every field name in the answers is snake_case.
func TestContractSnakeCase(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	enquiry := mustSubmit(t, ts)
	referWithShare(t, ts, enquiry, "Innovasjon Norge")
	pid := demoProjectID(t, ts, demoShared)
	assessment := latestAssessment(t, ts, pid)
	region := demoRegion(t, ts).ID
	paths := map[string][]string{
		models.RoleAdmin: {"/api/v1/me", "/api/v1/regions", "/api/v1/regions/" + itoa(region), "/api/v1/municipalities",
			"/api/v1/municipalities/3412", "/api/v1/partners", "/api/v1/partners/1", "/api/v1/factors", "/api/v1/factors/cohesion",
			"/api/v1/tokens", "/api/v1/intake/consent", "/api/v1/enquiries", "/api/v1/enquiries/" + itoa(enquiry),
			"/api/v1/enquiries/" + itoa(enquiry) + "/activities", "/api/v1/enquiries/" + itoa(enquiry) + "/referrals",
			"/api/v1/referrals", "/api/v1/projects", "/api/v1/projects/" + itoa(pid), "/api/v1/projects/" + itoa(pid) + "/assessments",
			"/api/v1/regions/" + itoa(region) + "/assessments", "/api/v1/assessments/" + itoa(assessment.ID), "/api/v1/reports/referrals"},
		models.RoleMunicipality: {"/api/v1/me", "/api/v1/reports/municipality"},
		models.RolePartner:      {"/api/v1/referrals"},
	}
	for role, list := range paths {
		tok := ts.token(t, role)
		for _, path := range list {
			status, _, body := ts.rawAPI(t, tok, http.MethodGet, path, "")
			var v any
			if err := json.Unmarshal(body, &v); status != http.StatusOK || err != nil {
				t.Errorf("GET %s as %s = %d %v", path, role, status, err)
				continue
			}
			bad := map[string]string{}
			jsonKeys(v, "", bad)
			for where := range bad {
				t.Errorf("GET %s as %s: the field %s is not snake_case", path, role, where)
			}
		}
	}
}

// TestContractIntakeAnswer: the one door as JSON answers 201 with the
// reference alone, like HAM-2026-00042: the region's code, the year, a number.
func TestContractIntakeAnswer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	body := `{"municipality": "3403", "enquirer_kind": "prospective_entrepreneur", "needs": ["basic_information"],
		"description": "Vil starte kafé", "name": "Kari", "email": "kari@example.org", "consent_store": true}`
	status, _, raw := ts.rawAPI(t, "", http.MethodPost, "/api/v1/intake", body)
	var out map[string]string
	if err := json.Unmarshal(raw, &out); status != http.StatusCreated || err != nil || len(out) != 1 {
		t.Fatalf("POST /api/v1/intake = %d %s; want 201 {\"reference\": ...}", status, raw)
	}
	year := strconv.Itoa(ts.store.Today().Year())
	if !regexp.MustCompile(`^HAM-` + year + `-\d{5}$`).MatchString(out["reference"]) {
		t.Errorf("reference %q; want HAM-%s-NNNNN", out["reference"], year)
	}
}

// TestContractHealthz: GET /healthz answers 200 with JSON, without log-in,
// while the database answers.
func TestContractHealthz(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	status, header, body := ts.rawAPI(t, "", http.MethodGet, "/healthz", "")
	var out map[string]string
	if err := json.Unmarshal(body, &out); status != http.StatusOK || err != nil || out["status"] != "ok" ||
		!strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /healthz = %d %q %s; want 200 with JSON {\"status\": \"ok\"}", status, header.Get("Content-Type"), body)
	}
}

// TestContractBearerScheme: the API takes Authorization: Bearer TOKEN, the
// scheme's name in any case as HTTP has it (RFC 9110, 11.1), and refuses
// anything else with 401.
func TestContractBearerScheme(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	for _, c := range []struct {
		header string
		want   int
	}{
		{"Bearer " + tok, http.StatusOK},
		{"bearer " + tok, http.StatusOK},
		{"BEARER " + tok, http.StatusOK},
		{"Bearer  " + tok, http.StatusOK},
		{"Basic " + tok, http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"Bearer " + tok + "x", http.StatusUnauthorized},
		{tok, http.StatusUnauthorized},
	} {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", c.header)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("Authorization: %q = %d; want %d", strings.Replace(c.header, tok, "TOKEN", 1), res.StatusCode, c.want)
		}
	}
}
