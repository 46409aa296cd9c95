package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

// Completing a project on its edit form with the choice to cancel the open
// milestones, the form naming others than those open (nonsense a browser
// never sends, or a milestone of another project), is refused: 422 saying
// the open milestones are not those the form listed, the form showing them
// as they are, and nothing changed (no milestone cancelled, the project not
// completed). The API's cancel_open_milestones that is no boolean is 400 in
// the JSON error shape, naming the field, and changes nothing.
func TestCompletingNamesNonsenseMilestones(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	id := demoProjectID(t, ts, demoHamarStange)
	p, err := ts.store.Project(ctx, regionAdmin(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ts.store.Project(ctx, regionAdmin(t, ts), demoProjectID(t, ts, demoShared))
	if err != nil || len(other.Milestones) == 0 {
		t.Fatalf("the other demo project: %v", err)
	}
	open := p.OpenMilestones()
	if len(open) < 2 {
		t.Fatalf("the demo project has %d open milestones; want some", len(open))
	}
	// listed is what the form sends for the open milestones but the first,
	// and extra.
	listed := func(extra ...string) []string {
		var ids []string
		for _, m := range open[1:] {
			ids = append(ids, itoa(m.ID))
		}
		return append(ids, extra...)
	}
	path := "/projects/" + itoa(id)
	tok := ts.token(t, models.RoleCoordinator)
	v := projectVersion(t, ts, tok, id)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	coord.get(path + "/edit")
	for _, tt := range []struct {
		name string
		seen []string
	}{
		{"not a number for one", listed("abc")},
		{"not a number beside those open", listed(itoa(open[0].ID), "abc")},
		{"negative for one", listed("-1")},
		{"another project's for one", listed(itoa(other.Milestones[0].ID))},
		{"empty", []string{""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"version": {v}, "title": {p.Title}, "status": {"completed"}, "visibility": {p.Visibility},
				"mun_kommunenummer": {"3403", "3413"}, "mun_role": {"lead", "participant"}, "mun_nok": {"400000", "250000"}, "mun_fte": {"0,5", "0,4"},
				"cancel_open_milestones": {"on"}, "open_milestone": tt.seen}
			before := dbFingerprint(t, ts)
			res, body := coord.post(path, form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "De åpne milepælene er endret mens du arbeidet") {
				t.Errorf("completing naming milestones %q = %d; want 422 saying the open ones are not those listed\n%s", tt.seen, res.StatusCode, errorSummary(body))
			}
			for _, m := range open {
				if !strings.Contains(body, `name="open_milestone" value="`+itoa(m.ID)+`"`) {
					t.Errorf("the refused form does not list the open milestone %d", m.ID)
				}
			}
			if dbFingerprint(t, ts) != before {
				t.Error("the refused completion changed something")
			}
		})
	}
	api := "/api/v1/projects/" + itoa(id)
	for _, value := range []string{`"yes"`, `1`, `"true"`, `[]`} {
		before := dbFingerprint(t, ts)
		code, out := ts.api(t, tok, http.MethodPatch, api, `{"status": "completed", "cancel_open_milestones": `+value+`, "version": `+v+`}`)
		e, _ := out["error"].(map[string]any)
		fields, _ := e["fields"].(map[string]any)
		if code != http.StatusBadRequest || e["code"] != "malformed" || e["message"] == "" || fields["cancel_open_milestones"] == nil || len(fields) != 1 {
			t.Errorf("cancel_open_milestones %s = %d %v; want 400 malformed naming it alone", value, code, out)
		}
		if dbFingerprint(t, ts) != before {
			t.Errorf("cancel_open_milestones %s changed something", value)
		}
	}
}
