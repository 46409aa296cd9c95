package app

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"samspill/models"
)

// An integration that GETs a project, a partner or a region (or keeps the
// answer to the POST that made it), changes one field and PATCHes the whole
// object back has the change saved, as with an enquiry: what it sends back
// as it read it is no change. A field shown as null (a project without
// dates, a region without a host municipality) sent back null is as read.
func TestRecordPatchWholeObjectSentBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord, admin := ts.token(t, models.RoleCoordinator), ts.token(t, models.RoleAdmin)
	siva := partnerID(t, ts, "Siva")
	records := []struct {
		name, token, path string
		create            string // a POST to path whose answer is sent back; "": a GET of path
		field             string
		value             any
	}{
		{"project", coord, "/api/v1/projects/" + itoa(demoProjectID(t, ts, demoShared)), "", "title", "Nytt navn fra integrasjonen"},
		{"project made without dates", coord, "/api/v1/projects", `{"title": "Uten datoer", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`,
			"summary", "Skrevet av integrasjonen"},
		{"partner", admin, "/api/v1/partners/" + siva, "", "website", "https://siva.example.no"},
		{"partner made", admin, "/api/v1/partners", `{"name": "Ny partner fra integrasjonen", "kind": "local", "services": ["advice"]}`,
			"description", "Rådgiving for nye bedrifter"},
		{"region", admin, "/api/v1/regions/" + itoa(demoRegion(t, ts).ID), "", "contact_phone", "62 00 00 00"},
		{"region made without a host", admin, "/api/v1/regions", `{"slug": "ny-region", "name": "Ny region"}`, "contact_phone", "62 11 11 11"},
	}
	for _, r := range records {
		t.Run(r.name, func(t *testing.T) {
			path, method, want := r.path, http.MethodGet, http.StatusOK
			if r.create != "" {
				method, want = http.MethodPost, http.StatusCreated
			}
			status, read := ts.api(t, r.token, method, path, r.create)
			if status != want {
				t.Fatalf("%s %s = %d %v", method, path, status, read)
			}
			if r.create != "" {
				path += "/" + strconv.FormatFloat(read["id"].(float64), 'f', 0, 64)
			}
			before := dbFingerprint(t, ts)
			body, _ := json.Marshal(read)
			if status, out := ts.api(t, r.token, http.MethodPatch, path, string(body)); status != http.StatusOK || out["version"] != read["version"] {
				t.Errorf("PATCH of the whole object as read = %d %v; want 200, the version kept", status, out)
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the whole object sent back as read changed the database")
			}
			read[r.field] = r.value
			body, _ = json.Marshal(read)
			status, out := ts.api(t, r.token, http.MethodPatch, path, string(body))
			if status != http.StatusOK || out[r.field] != r.value || out["version"] != read["version"].(float64)+1 {
				t.Errorf("PATCH of the whole object read, %s changed = %d %v; want 200, it saved, the version one up", r.field, status, out)
			}
		})
	}
}

// Each field the API shows of a project, a partner or a region and no
// request sets is taken when it holds what the record holds (nothing
// changed, the version kept) and refused when it differs (422 read_only on
// the field alone, nothing changed); a POST that sends one is refused so.
func TestRecordPatchReadOnlyFieldsAsRead(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord, admin := ts.token(t, models.RoleCoordinator), ts.token(t, models.RoleAdmin)
	project := "/api/v1/projects/" + itoa(demoProjectID(t, ts, demoHamarStange))
	partner := "/api/v1/partners/" + partnerID(t, ts, "Siva")
	region := "/api/v1/regions/" + itoa(demoRegion(t, ts).ID)
	const then = "2020-01-01T10:00:00Z"
	cases := []struct {
		record, token, path, field string
		changed                    any
	}{
		{"project", coord, project, "id", 99999},
		{"project", coord, project, "region_id", 99999},
		{"project", coord, project, "milestones", []any{}},
		{"project", coord, project, "created_at", then},
		{"project", coord, project, "updated_at", then},
		{"partner", admin, partner, "id", 99999},
		{"partner", admin, partner, "created_at", then},
		{"partner", admin, partner, "updated_at", then},
		{"region", admin, region, "id", 99999},
		{"region", admin, region, "members", []any{}},
		{"region", admin, region, "created_at", then},
		{"region", admin, region, "updated_at", then},
		// Of another type than shown: refused as a change, not read as one.
		{"project", coord, project, "id", "abc"},
		{"partner", admin, partner, "created_at", 5},
		{"region", admin, region, "members", "alle"},
	}
	for _, c := range cases {
		t.Run(c.record+" "+c.field, func(t *testing.T) {
			status, read := ts.api(t, c.token, http.MethodGet, c.path, "")
			if status != http.StatusOK {
				t.Fatalf("GET = %d", status)
			}
			if _, ok := read[c.field]; !ok {
				t.Fatalf("the %s read has no %s", c.record, c.field)
			}
			patch := func(value any) (int, map[string]any) {
				body, _ := json.Marshal(map[string]any{c.field: value, "version": read["version"]})
				return ts.api(t, c.token, http.MethodPatch, c.path, string(body))
			}
			before := dbFingerprint(t, ts)
			if status, out := patch(read[c.field]); status != http.StatusOK || out["version"] != read["version"] {
				t.Errorf("%s sent back as read = %d %v; want 200, the version kept", c.field, status, out)
			}
			status, out := patch(c.changed)
			e, _ := out["error"].(map[string]any)
			fields, _ := e["fields"].(map[string]any)
			if msg, _ := fields[c.field].(string); status != http.StatusUnprocessableEntity || len(fields) != 1 || !strings.Contains(msg, "kan ikke endres") {
				t.Errorf("%s changed to %v = %d %v; want 422 naming it alone as read-only", c.field, c.changed, status, out)
			}
			if dbFingerprint(t, ts) != before {
				t.Errorf("%s sent back, as read and changed, changed the database", c.field)
			}
		})
	}
	creates := []struct{ token, path, body, field string }{
		{coord, "/api/v1/projects", `{"title": "Kopiert", "municipalities": [{"kommunenummer": "3403", "role": "lead"}], "id": 5}`, "id"},
		{admin, "/api/v1/partners", `{"name": "Kopiert partner", "kind": "local", "created_at": "` + then + `"}`, "created_at"},
		{admin, "/api/v1/regions", `{"slug": "kopiert", "name": "Kopiert region", "members": []}`, "members"},
	}
	for _, c := range creates {
		before := dbFingerprint(t, ts)
		status, out := ts.api(t, c.token, http.MethodPost, c.path, c.body)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || len(fields) != 1 || fields[c.field] == nil {
			t.Errorf("POST %s with %s = %d %v; want 422 naming it alone", c.path, c.field, status, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("the refused POST %s changed the database", c.path)
		}
	}
}
