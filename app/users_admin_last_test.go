package app

import (
	"context"
	"testing"

	"samspill/models"
)

// The last active admin cannot lose the role: two admins taking it from each
// other at once must not leave the installation without one. The page never
// gets there (an admin cannot demote themselves), so the store is asked with
// a viewer loaded before the other admin's demotion.
func TestLastActiveAdminKeepsTheRole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	first := mustUser(t, ts, models.RoleAdmin)
	second, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: "admin2@example.org", Name: "Andre Admin"},
		"andre-admin-passord", []models.RoleGrant{{Role: models.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	stale := &models.Viewer{User: second}
	if _, err := ts.store.SetAdmin(ctx, &models.Viewer{User: first}, models.Actor{UserID: first.ID}, second.ID, false, second.Version); err != nil {
		t.Fatal(err)
	}
	first, _ = ts.store.UserByID(ctx, first.ID)
	before := dbFingerprint(t, ts)
	_, err = ts.store.SetAdmin(ctx, stale, models.Actor{UserID: second.ID}, first.ID, false, first.Version)
	if ve := asValidation(err); ve == nil || ve.Fields["admin"] != "error.last_admin" {
		t.Fatalf("demoting the last active admin: %v; want error.last_admin", err)
	}
	if dbFingerprint(t, ts) != before {
		t.Error("the database changed")
	}
}
