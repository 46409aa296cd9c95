package app

import (
	"context"
	"testing"

	"samspill/models"
)

// emptyRegionPassword is the password of each user emptyRegion makes.
const emptyRegionPassword = "ny-region-passord-1"

// regionUser is a user emptyRegion makes, with one role in the region; a
// partner's contact names the partner.
type regionUser struct {
	Email, Role string
	Partner     int64
}

// emptyRegion makes a new region, "Ny region" (slug ny-region), with the
// default settings and nothing in it: no member municipalities, enquiries,
// referrals or projects. Its users log in with emptyRegionPassword.
func emptyRegion(t *testing.T, ts *testServer, users ...regionUser) *models.Region {
	t.Helper()
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "ny-region", "Ny region"
	region, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := ts.store.CreateUser(ctx, models.Actor{}, models.UserInput{Email: u.Email, Name: "Ny bruker", PartnerID: u.Partner},
			emptyRegionPassword, []models.RoleGrant{{RegionID: region.ID, Role: u.Role}}); err != nil {
			t.Fatal(err)
		}
	}
	return region
}
