package app

import (
	"context"
	"testing"

	"samspill/models"
)

// Demo projects the tests refer to.
const (
	demoHamarStange = "Næringspark Hamar–Stange"            // Hamar and Stange, participants only
	demoShared      = "Felles førstelinje for næringslivet" // all three, visible to all members
)

// demoProjectID finds a demo project by title.
func demoProjectID(t *testing.T, ts *testServer, title string) int64 {
	t.Helper()
	admin := adminViewer(t, ts)
	ps, _, err := ts.store.Projects(context.Background(), admin, models.ProjectFilter{Q: title})
	if err != nil || len(ps) != 1 {
		t.Fatalf("demo project %q: %d found, %v", title, len(ps), err)
	}
	return ps[0].ID
}

// adminViewer is the demo admin working in the demo region.
func adminViewer(t *testing.T, ts *testServer) *models.Viewer {
	t.Helper()
	ctx := context.Background()
	u, err := ts.store.UserByEmail(ctx, demoEmail(models.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ts.store.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
	return &models.Viewer{User: u, Region: r}
}

// projectProbeIDs gives the route access probe a project and an assessment
// that every reading role may see: the shared project, open to all members.
func projectProbeIDs(t *testing.T, ts *testServer, ids map[string]string) {
	t.Helper()
	id := demoProjectID(t, ts, demoShared)
	as, _, err := ts.store.Assessments(context.Background(), adminViewer(t, ts), models.AssessmentFilter{RegionID: adminViewer(t, ts).Region.ID, ProjectID: id})
	if err != nil || len(as) == 0 {
		t.Fatalf("assessments of the shared demo project: %d, %v", len(as), err)
	}
	ids["/projects/:id"] = itoa(id)
	ids["/api/v1/projects/:id"] = itoa(id)
	ids["/assessments/:id"] = itoa(as[0].ID)
	ids["/api/v1/assessments/:id"] = itoa(as[0].ID)
	ids["/api/v1/factors/:code"] = "/api/v1/factors/cohesion"
}
