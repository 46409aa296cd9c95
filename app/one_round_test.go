package app

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"samspill/models"
)

// TestAPIEveryErrorInOneRound sends every endpoint of the API that creates or
// changes a record a body with two or three independent mistakes, each of the
// right JSON type: the 422 names every one of them in its fields, and nothing
// is written (every change writes an audit entry in its transaction).
func TestAPIEveryErrorInOneRound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.token(t, models.RoleAdmin)
	coord := ts.token(t, models.RoleCoordinator)
	adviser := ts.token(t, models.RoleAdviser)
	enquiry := itoa(mustSubmit(t, ts))
	referral := itoa(referWithShare(t, ts, mustSubmit(t, ts), "Innovasjon Norge"))
	project := itoa(demoProjectID(t, ts, demoShared))
	drafted := itoa(draftedEnquiry(t, ts, adviser))
	// A draft's own text is what a PATCH edits; a sent one's is refused alone.
	status, out := ts.api(t, adviser, http.MethodPost, "/api/v1/enquiries/"+itoa(mustSubmit(t, ts))+"/referrals",
		`{"partner_id": `+partnerID(t, ts, "Siva")+`, "reason": "premises_land", "message": "Utkast", "status": "draft"}`)
	if status != http.StatusCreated {
		t.Fatalf("draft referral = %d %v", status, out)
	}
	draft := itoa(int64(out["id"].(float64)))
	region := itoa(demoRegion(t, ts).ID)
	siva := partnerID(t, ts, "Siva")
	other, err := ts.store.CreateRegion(context.Background(), models.Actor{}, models.RegionInput{Slug: "annen-region", Name: "Annen region",
		FirstResponseDays: 2, ReferralFollowUpDays: 14, NoResponseDays: 30, RetentionMonths: 36})
	if err != nil {
		t.Fatal(err)
	}
	otherRegion := other.Slug
	const (
		post, patch = http.MethodPost, http.MethodPatch
		// badScores is a score list whose one row has an unknown factor and a score out of 1–5.
		badScores = `"scores": [{"factor": "bogus", "score": 9}]`
	)
	tests := []struct {
		name, token, method, path, body string
		want                            []string // the fields the answer must name, every one
	}{
		{"intake", "", post, "/api/v1/intake",
			`{"municipality": "9999", "enquirer_kind": "prospective_entrepreneur", "needs": ["financing"], "description": "Idé", "name": "", "email": "x", "consent_store": true}`,
			[]string{"municipality", "name", "email"}},
		{"create enquiry", adviser, post, "/api/v1/enquiries",
			`{"municipality": "9999", "enquirer_kind": "bogus", "needs": ["financing"], "description": "", "name": "Ola", "email": "ola@example.org", "consent_store": true}`,
			[]string{"municipality", "enquirer_kind", "description"}},
		{"create enquiry with a status", adviser, post, "/api/v1/enquiries",
			`{"municipality": "9999", "enquirer_kind": "other", "needs": ["financing"], "description": "Idé", "name": "", "email": "ola@example.org", "consent_store": true, "status": "new"}`,
			[]string{"status", "municipality", "name"}},
		{"update enquiry without version", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"municipality": "9999", "email": "x"}`, []string{"version", "municipality", "email"}},
		{"update enquiry", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"municipality": "9999", "email": "x", "stage": "bogus", "version": 1}`, []string{"municipality", "email", "stage"}},
		{"update enquiry to a status it cannot take", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"status": "assigned", "email": "x", "version": 1}`, []string{"status", "email"}},
		{"update enquiry's channel", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"channel": "phone", "email": "x", "version": 1}`, []string{"channel", "email"}},
		{"close enquiry without version", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"status": "closed", "outcome": "bogus", "jobs_created": -1}`, []string{"version", "outcome", "jobs_created"}},
		{"close enquiry with an edit", adviser, patch, "/api/v1/enquiries/" + enquiry,
			`{"status": "closed", "outcome": "established", "name": "Ny", "version": 1}`, []string{"name", "outcome_org_number"}},
		{"close enquiry with a draft", adviser, patch, "/api/v1/enquiries/" + drafted,
			`{"status": "closed", "outcome": "bogus", "version": 1}`, []string{"status", "outcome"}},
		{"close enquiry with a draft without version", adviser, patch, "/api/v1/enquiries/" + drafted,
			`{"status": "closed", "outcome": "referred"}`, []string{"version", "status"}},
		{"add activity", adviser, post, "/api/v1/enquiries/" + enquiry + "/activities",
			`{"kind": "bogus", "occurred_on": "2026-02-30", "minutes": -5}`, []string{"kind", "occurred_on", "minutes"}},
		{"create referral", adviser, post, "/api/v1/enquiries/" + enquiry + "/referrals",
			`{"partner_id": 99999, "reason": "bogus", "follow_up_due": "2026-02-30"}`, []string{"partner_id", "reason", "follow_up_due"}},
		{"create referral with a bad status", adviser, post, "/api/v1/enquiries/" + enquiry + "/referrals",
			`{"partner_id": ` + siva + `, "reason": "bogus", "status": "bogus"}`, []string{"status", "reason"}},
		{"update referral without version", adviser, patch, "/api/v1/referrals/" + referral,
			`{"follow_up_due": "2026-02-30"}`, []string{"version", "follow_up_due"}},
		{"close referral without version", adviser, patch, "/api/v1/referrals/" + referral,
			`{"outcome": "bogus", "amount_nok": -5}`, []string{"version", "outcome", "amount_nok"}},
		{"move referral without version", adviser, patch, "/api/v1/referrals/" + referral,
			`{"status": "bogus"}`, []string{"version", "status"}},
		{"edit draft without version", adviser, patch, "/api/v1/referrals/" + draft,
			`{"reason": "bogus", "contact_email": "x"}`, []string{"version", "reason", "contact_email"}},
		{"close referral", adviser, patch, "/api/v1/referrals/" + referral,
			`{"outcome": "bogus", "amount_nok": -5, "version": 1}`, []string{"outcome", "amount_nok"}},
		{"create project", coord, post, "/api/v1/projects",
			`{"title": "", "status": "bogus", "starts_on": "2026-02-30", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`,
			[]string{"title", "status", "starts_on"}},
		{"update project without version", coord, patch, "/api/v1/projects/" + project,
			`{"status": "bogus", "starts_on": "2026-02-30"}`, []string{"version", "status", "starts_on"}},
		{"update project", coord, patch, "/api/v1/projects/" + project,
			`{"title": "", "status": "bogus", "starts_on": "2026-02-30", "version": 1}`, []string{"title", "status", "starts_on"}},
		{"assess project", coord, post, "/api/v1/projects/" + project + "/assessments",
			`{"assessed_at": "2026-02-30", ` + badScores + `}`, []string{"assessed_at", "scores[0].factor", "scores[0].score"}},
		{"assess region", coord, post, "/api/v1/regions/" + region + "/assessments",
			`{"assessed_at": "30.02.2026", ` + badScores + `}`, []string{"assessed_at", "scores[0].factor", "scores[0].score"}},
		{"assess region without a date", coord, post, "/api/v1/regions/" + region + "/assessments",
			`{` + badScores + `}`, []string{"assessed_at", "scores[0].factor", "scores[0].score"}},
		{"create region", admin, post, "/api/v1/regions",
			`{"name": "Ny region", "host_municipality": "9999", "first_response_days": 0}`, []string{"slug", "host_municipality", "first_response_days"}},
		{"update region without version", admin, patch, "/api/v1/regions/" + region,
			`{"slug": "Bad Slug", "first_response_days": 0}`, []string{"version", "slug", "first_response_days"}},
		{"update region", admin, patch, "/api/v1/regions/" + region,
			`{"slug": "Bad Slug", "host_municipality": "9999", "version": 1}`, []string{"slug", "host_municipality"}},
		{"create region with a slug taken", admin, post, "/api/v1/regions",
			`{"slug": "hamarregionen", "name": "", "first_response_days": 0}`, []string{"slug", "name", "first_response_days"}},
		{"update region to a slug taken", admin, patch, "/api/v1/regions/" + region,
			`{"slug": "` + otherRegion + `", "first_response_days": 0, "version": 1}`, []string{"slug", "first_response_days"}},
		{"create partner with a name taken", admin, post, "/api/v1/partners",
			`{"name": "Siva", "kind": "global"}`, []string{"name", "kind"}},
		{"update partner to a name taken", admin, patch, "/api/v1/partners/" + siva,
			`{"name": "Innovasjon Norge", "kind": "global", "version": 1}`, []string{"name", "kind"}},
		{"create factor with a code taken", admin, post, "/api/v1/factors",
			`{"code": "cohesion", "polarity": "bogus", "title_nb": "T", "title_en": "T"}`, []string{"code", "polarity"}},
		{"create partner", admin, post, "/api/v1/partners",
			`{"kind": "global", "services": ["magic"]}`, []string{"name", "kind", "services"}},
		{"update partner without version", admin, patch, "/api/v1/partners/" + siva,
			`{"kind": "global", "services": ["magic"]}`, []string{"version", "kind", "services"}},
		{"create factor", admin, post, "/api/v1/factors",
			`{"code": "", "polarity": "bogus", "title_nb": ""}`, []string{"code", "polarity", "title_nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := auditCount(t, ts)
			status, out := ts.api(t, tt.token, tt.method, tt.path, tt.body)
			e, _ := out["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			var got []string
			for f := range fields {
				got = append(got, f)
			}
			sort.Strings(got)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("%s %s = %d %v; want 422", tt.method, tt.path, status, out)
			}
			for _, f := range tt.want {
				if _, ok := fields[f]; !ok {
					t.Errorf("%s %s names %v; want %v, every one in the first answer", tt.method, tt.path, got, tt.want)
					break
				}
			}
			if after := auditCount(t, ts); after != before {
				t.Errorf("a refused %s %s wrote %d audit entries", tt.method, tt.path, after-before)
			}
		})
	}
}

// TestAPIReferralEnquiryID: the contract lists enquiry_id among a referral's
// fields, so a client may send it when it refers an enquiry. Equal to the
// path's enquiry it is taken (and changes nothing); another enquiry's is
// refused with 422 on enquiry_id, beside the body's other errors, and nothing
// is written.
func TestAPIReferralEnquiryID(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.token(t, models.RoleAdviser)
	id, other := mustSubmit(t, ts), mustSubmit(t, ts)
	path := "/api/v1/enquiries/" + itoa(id) + "/referrals"
	body := func(enquiryID int64, reason string) string {
		return `{"enquiry_id": ` + itoa(enquiryID) + `, "partner_id": ` + partnerID(t, ts, "Innovasjon Norge") + `, "reason": "` + reason + `", "message": "Trenger kapital"}`
	}

	before := auditCount(t, ts)
	status, out := ts.api(t, adviser, http.MethodPost, path, body(other, "financing"))
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if status != http.StatusUnprocessableEntity || fields["enquiry_id"] != "Henvisningen må gjelde saken i adressen: enquiry_id er en annen sak." {
		t.Errorf("POST %s with another enquiry's enquiry_id = %d %v; want 422 on enquiry_id", path, status, out)
	}
	status, out = ts.api(t, adviser, http.MethodPost, path, body(other, "bogus"))
	e, _ = out["error"].(map[string]any)
	fields, _ = e["fields"].(map[string]any)
	if _, ok := fields["reason"]; status != http.StatusUnprocessableEntity || fields["enquiry_id"] == nil || !ok {
		t.Errorf("POST %s with another enquiry's enquiry_id and a bad reason = %d %v; want 422 on both", path, status, out)
	}
	if after := auditCount(t, ts); after != before {
		t.Errorf("a refused referral wrote %d audit entries", after-before)
	}
	for _, enquiry := range []int64{id, other} {
		if rs, err := ts.store.EnquiryReferrals(context.Background(), adminViewer(t, ts), enquiry); err != nil || len(rs) != 0 {
			t.Fatalf("a refused referral was stored for enquiry %d: %v %v", enquiry, rs, err)
		}
	}

	status, out = ts.api(t, adviser, http.MethodPost, path, body(id, "financing"))
	if status != http.StatusCreated || out["enquiry_id"] != float64(id) {
		t.Errorf("POST %s with its own enquiry_id = %d %v; want 201 for enquiry %d", path, status, out, id)
	}
}

// draftedEnquiry is an enquiry with an unsent draft of a referral, which
// keeps it from being closed.
func draftedEnquiry(t *testing.T, ts *testServer, token string) int64 {
	t.Helper()
	id := mustSubmit(t, ts)
	body := `{"partner_id": ` + partnerID(t, ts, "Siva") + `, "reason": "premises_land", "message": "Utkast", "status": "draft"}`
	if status, out := ts.api(t, token, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals", body); status != http.StatusCreated {
		t.Fatalf("draft referral = %d %v", status, out)
	}
	return id
}

// TestAPIPatchEchoesIdentity: a PATCH may carry the fields that say which
// record it is, as the contract lists them (a referral's enquiry_id and
// partner_id, an enquiry's reference): sent back as read they are taken and
// change nothing; another value is refused with 422 on the field, beside the
// body's other errors, and nothing is written. A referral cannot move to
// another case or partner, nor an enquiry take another reference.
func TestAPIPatchEchoesIdentity(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	adviser := ts.token(t, models.RoleAdviser)
	id, other := mustSubmit(t, ts), mustSubmit(t, ts)
	in, siva := partnerID(t, ts, "Innovasjon Norge"), partnerID(t, ts, "Siva")
	status, out := ts.api(t, adviser, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals",
		`{"partner_id": `+in+`, "reason": "financing", "message": "Trenger kapital", "status": "draft"}`)
	if status != http.StatusCreated {
		t.Fatalf("draft referral = %d %v", status, out)
	}
	rid := itoa(int64(out["id"].(float64)))
	status, out = ts.api(t, adviser, http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	if status != http.StatusOK {
		t.Fatalf("enquiry = %d %v", status, out)
	}
	reference := out["reference"].(string)

	refused := []struct {
		name, path, body string
		want             []string
	}{
		{"referral to another case", "/api/v1/referrals/" + rid, `{"enquiry_id": ` + itoa(other) + `, "message": "Ny tekst", "version": 1}`, []string{"enquiry_id"}},
		{"referral to another case, bad reason", "/api/v1/referrals/" + rid, `{"enquiry_id": ` + itoa(other) + `, "reason": "bogus", "version": 1}`, []string{"enquiry_id", "reason"}},
		{"referral to another partner", "/api/v1/referrals/" + rid, `{"partner_id": ` + siva + `, "message": "Ny tekst", "version": 1}`, []string{"partner_id"}},
		{"enquiry with another reference", "/api/v1/enquiries/" + itoa(id), `{"reference": "HAM-1999-00001", "description": "Ny", "version": 1}`, []string{"reference"}},
		{"enquiry with another reference, no name", "/api/v1/enquiries/" + itoa(id), `{"reference": "HAM-1999-00001", "name": "", "version": 1}`, []string{"reference", "name"}},
	}
	for _, tt := range refused {
		before := auditCount(t, ts)
		status, out := ts.api(t, adviser, http.MethodPatch, tt.path, tt.body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || len(fields) != len(tt.want) {
			t.Errorf("%s: PATCH %s = %d %v; want 422 naming %v", tt.name, tt.body, status, out, tt.want)
		}
		for _, f := range tt.want {
			if s, _ := fields[f].(string); s == "" || strings.Contains(s, "error.") {
				t.Errorf("%s: fields %v; want %s said in words", tt.name, fields, f)
			}
		}
		if after := auditCount(t, ts); after != before {
			t.Errorf("%s: a refused PATCH wrote %d audit entries", tt.name, after-before)
		}
	}
	if rs, err := ts.store.EnquiryReferrals(context.Background(), adminViewer(t, ts), other); err != nil || len(rs) != 0 {
		t.Errorf("the referral moved to enquiry %d: %v %v", other, rs, err)
	}

	status, out = ts.api(t, adviser, http.MethodPatch, "/api/v1/referrals/"+rid,
		`{"enquiry_id": `+itoa(id)+`, "partner_id": `+in+`, "message": "Ny tekst", "version": 1}`)
	if status != http.StatusOK || out["enquiry_id"] != float64(id) || out["message"] != "Ny tekst" {
		t.Errorf("PATCH referral with its own enquiry_id and partner_id = %d %v; want 200 with the new text", status, out)
	}
	status, out = ts.api(t, adviser, http.MethodPatch, "/api/v1/enquiries/"+itoa(id),
		`{"reference": "`+reference+`", "description": "Ny beskrivelse", "version": 1}`)
	if status != http.StatusOK || out["reference"] != reference || out["description"] != "Ny beskrivelse" {
		t.Errorf("PATCH enquiry with its own reference = %d %v; want 200 with the new description", status, out)
	}
}
