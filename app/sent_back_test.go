package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// An integration that GETs a case, changes one field and PATCHes the whole
// object back has the change saved: what it sends back as it read it is no
// change, and no audit entry records it. Only the field changed is audited.
func TestEnquiryPatchWholeObjectSentBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id, _ := submitShared(t, ts, true)
	path := "/api/v1/enquiries/" + itoa(id)
	tok := ts.token(t, models.RoleAdviser)
	status, read := ts.api(t, tok, http.MethodGet, path, "")
	if status != http.StatusOK {
		t.Fatalf("GET = %d", status)
	}
	before, err := ts.store.AuditFor(ctx, "enquiry", itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	read["description"] = "Endret av integrasjonen"
	body, _ := json.Marshal(read)
	status, out := ts.api(t, tok, http.MethodPatch, path, string(body))
	if status != http.StatusOK || out["description"] != "Endret av integrasjonen" || out["version"] != float64(2) || out["consent_share"] != true {
		t.Fatalf("PATCH of the whole object read, one field changed = %d %v; want 200, the description saved, version 2, the consent kept", status, out)
	}
	after, err := ts.store.AuditFor(ctx, "enquiry", itoa(id))
	if err != nil {
		t.Fatal(err)
	}
	var edits []string
	for _, e := range after[:len(after)-len(before)] {
		if e.Action != "view" {
			edits = append(edits, e.Action+" "+e.Detail)
		}
	}
	if len(edits) != 1 || !strings.Contains(edits[0], "description") || strings.Contains(edits[0], "channel") || strings.Contains(edits[0], "consent") {
		t.Errorf("audit entries of the PATCH: %q; want one edit, of the description alone", edits)
	}

	// Closed the same way: the whole object, with the status and outcome
	// changed; the fields sent back as read are no edit beside the closing.
	// Sent back whole again it changes nothing; reopened the same way, the
	// closing's fields as read do not stop it.
	steps := []struct {
		what    string
		change  map[string]any
		status  string
		version float64
	}{
		{"closed", map[string]any{"status": "closed", "outcome": "guided"}, "closed", 3},
		{"sent back as read", nil, "closed", 3},
		{"reopened", map[string]any{"status": "in_progress"}, "in_progress", 4},
	}
	for _, st := range steps {
		status, read = ts.api(t, tok, http.MethodGet, path, "")
		if status != http.StatusOK {
			t.Fatalf("GET = %d", status)
		}
		for k, v := range st.change {
			read[k] = v
		}
		body, _ = json.Marshal(read)
		status, out = ts.api(t, tok, http.MethodPatch, path, string(body))
		if status != http.StatusOK || out["status"] != st.status || out["version"] != st.version {
			t.Errorf("%s by the whole object = %d %v; want 200, status %s, version %v", st.what, status, out, st.status, st.version)
		}
	}
}

// Each field a PATCH cannot change is taken when it holds what the case
// holds (nothing changed, the version kept, no audit entry), and refused
// when it differs, with the message a change of it always had and nothing
// changed. Overdue is worked out from the clock when read: any value of it
// is taken and changes nothing.
func TestEnquiryPatchReadOnlyFieldsAsRead(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id, _ := submitShared(t, ts, false)
	path := "/api/v1/enquiries/" + itoa(id)
	tok := ts.token(t, models.RoleAdviser)
	status, read := ts.api(t, tok, http.MethodGet, path, "")
	if status != http.StatusOK {
		t.Fatalf("GET = %d", status)
	}
	if read["channel"] != "web" || read["consent_share"] != false || read["assigned_to"] != nil || read["closed_at"] != nil {
		t.Fatalf("the case read: %v; want a new one from the web, without consent to share", read)
	}
	const readOnly, erasure, registration, atClose = "kan ikke endres", "slett", "registrer", "avsluttes"
	cases := []struct {
		field   string
		changed any    // nil: every value taken
		says    string // the refusal's message, as before
	}{
		{"id", id + 1, readOnly},
		{"reference", "HAM-2026-99999", readOnly},
		{"region_id", 99999, readOnly},
		{"channel", "phone", readOnly},
		{"consent_store", false, erasure},
		{"consent_share", true, registration},
		{"assigned_to", 1, readOnly},
		{"received_at", "2026-01-01T10:00:00Z", readOnly},
		{"first_response_due", "2026-01-01T10:00:00Z", readOnly},
		{"first_response_at", "2026-01-01T10:00:00Z", readOnly},
		{"closed_at", "2026-01-01T10:00:00Z", readOnly},
		{"overdue", nil, ""},
		{"outcome", "referred", atClose},
		{"outcome_org_number", "974760673", atClose},
		{"jobs_expected", 3, atClose},
		{"jobs_created", 2, atClose},
	}
	patch := func(field string, value any) (int, map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{field: value, "version": read["version"]})
		return ts.api(t, tok, http.MethodPatch, path, string(body))
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			if _, ok := read[c.field]; !ok {
				t.Fatalf("the case read has no %s", c.field)
			}
			before := dbFingerprint(t, ts)
			status, out := patch(c.field, read[c.field])
			if status != http.StatusOK || out["version"] != read["version"] {
				t.Errorf("%s sent back as read (%v) = %d %v; want 200, the version kept", c.field, read[c.field], status, out)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s sent back as read changed the database", c.field)
			}
			if c.changed == nil {
				if status, _ := patch(c.field, !read[c.field].(bool)); status != http.StatusOK || dbFingerprint(t, ts) != before {
					t.Errorf("%s sent otherwise than read = %d; want 200, nothing changed", c.field, status)
				}
				return
			}
			status, out = patch(c.field, c.changed)
			e, _ := out["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			msg, _ := fields[c.field].(string)
			if status != http.StatusUnprocessableEntity || len(fields) != 1 || !strings.Contains(strings.ToLower(msg), c.says) {
				t.Errorf("%s changed to %v = %d, fields %v; want 422 naming %s alone, saying %q", c.field, c.changed, status, fields, c.field, c.says)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s changed, refused, changed the database", c.field)
			}
		})
	}
}

// A registration that sends what the API only shows of a case (copied from
// another case read, say) is told which fields it cannot set, each beside
// the field, and nothing is stored.
func TestEnquiryCreateNamesShownOnlyFields(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	before := dbFingerprint(t, ts)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "enquirer_kind": "other", "needs": ["financing"],
		"description": "Kopiert", "name": "Ola", "email": "ola@example.org", "consent_store": true, "id": 5, "received_at": "2026-01-01T10:00:00Z", "overdue": false}`)
	e, _ := out["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	if status != http.StatusUnprocessableEntity || len(fields) != 3 || fields["id"] == nil || fields["received_at"] == nil || fields["overdue"] == nil {
		t.Errorf("POST with id, received_at and overdue = %d %v; want 422 naming the three", status, out)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the refused registration changed the database")
	}
}

// The answer to a registration may be sent back as read too: its times were
// taken before the database stored them (PostgreSQL keeps microseconds).
func TestEnquiryPatchRegistrationAnswerSentBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tok := ts.token(t, models.RoleAdviser)
	status, created := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries", `{"municipality": "3412", "enquirer_kind": "other", "needs": ["financing"],
		"description": "Registrert på telefon", "name": "Ola", "email": "ola.telefon@example.org", "consent_store": true}`)
	if status != http.StatusCreated {
		t.Fatalf("POST = %d %v", status, created)
	}
	created["description"] = "Registrert på telefon, rettet"
	body, _ := json.Marshal(created)
	status, out := ts.api(t, tok, http.MethodPatch, "/api/v1/enquiries/"+strconv.FormatFloat(created["id"].(float64), 'f', 0, 64), string(body))
	if status != http.StatusOK || out["description"] != "Registrert på telefon, rettet" || out["version"] != float64(2) {
		t.Errorf("PATCH of the registration's answer, one field changed = %d %v; want 200, saved, version 2", status, out)
	}
}
