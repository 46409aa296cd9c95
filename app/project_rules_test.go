package app

import (
	"net/http"
	"regexp"
	"testing"

	"samspill/models"
)

// A new project starts as an idea whichever way it is made: the form
// preselected "planning" while the API, given no status, made an "idea", so
// the same project got two statuses by the way it was typed in.
func TestNewProjectStatusAgrees(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	_, page := coord.get("/projects/new")
	m := regexp.MustCompile(`(?s)<select[^>]*name="status".*?<option value="([a-z_]+)" selected>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the new project form preselects no status")
	}
	tok := ts.token(t, models.RoleCoordinator)
	code, out := ts.api(t, tok, http.MethodPost, "/api/v1/projects", `{"title": "Uten status", "municipalities": [{"kommunenummer": "3403", "role": "lead"}]}`)
	if code != http.StatusCreated {
		t.Fatalf("POST without a status = %d %v; want 201", code, out)
	}
	for _, tt := range []struct{ path, got string }{{"the form", m[1]}, {"the API", fmtAny(out["status"])}} {
		if tt.got != "idea" {
			t.Errorf("a new project by %s starts as %q; want %q", tt.path, tt.got, "idea")
		}
	}
}
