package models

// The codes and the demo of /work/shared/DESIGN.md's "Contract" section, as
// integrations and tests rely on them. A change here is a change of the
// contract: change DESIGN.md and the README with it, on purpose.

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestContractCodes pins every list of codes to the contract's, word for word
// and in the contract's order.
func TestContractCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		got  []string
		want string
	}{
		{"enquirer kind", EnquirerKinds, "prospective_entrepreneur established_business community_entrepreneur other"},
		{"needs", Needs, "basic_information financing network_competence permits_zoning premises_land " +
			"infrastructure_transport recruitment market_export innovation_rd restructuring other"},
		{"channel", Channels, "web phone email walk_in event outreach_visit referral_in"},
		{"enquiry status", EnquiryStatuses, "new assigned in_progress waiting closed"},
		{"referral status", ReferralStatuses, "draft sent acknowledged in_progress completed declined withdrawn no_response"},
		{"referral outcome", ReferralOutcomes, "supported declined withdrawn no_response"},
		{"project status", ProjectStatuses, "idea planning active paused completed stopped"},
		{"project municipality role", ProjectRoles, "lead participant"},
		{"project visibility", ProjectVisibilities, "participants members"},
		{"role (Casbin name)", Roles, "admin coordinator adviser municipality board partner"},
	} {
		if want := strings.Fields(c.want); !slices.Equal(c.got, want) {
			t.Errorf("%s codes = %v; the contract says %v", c.name, c.got, want)
		}
	}
}

// TestContractFactorCatalogue: the catalogue a new installation starts with
// holds the contract's factors under their codes and polarities, and the
// score bounds are 1–5.
func TestContractFactorCatalogue(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	fs, err := s.Factors(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range fs {
		got[f.Code] = f.Polarity
		if f.TitleNB == "" || f.TitleEN == "" {
			t.Errorf("factor %s lacks its Norwegian or English title", f.Code)
		}
	}
	for polarity, codes := range map[string]string{
		"enabling":  "cohesion equality shared_goals non_municipal_actors leadership",
		"hindering": "weak_cohesion skewed_power lacking_interest overcommitment",
	} {
		for _, code := range strings.Fields(codes) {
			if got[code] != polarity {
				t.Errorf("factor %s: polarity %q; want %q", code, got[code], polarity)
			}
		}
	}
	if MinScore != 1 || MaxScore != 5 {
		t.Errorf("scores %d–%d; the contract says 1–5", MinScore, MaxScore)
	}
}

// TestContractDemo: --demo loads the region "hamarregionen", Hamarregionen
// Utvikling, of Hamar 3403, Løten 3412 and Stange 3413, with enquiries,
// referrals, projects, assessments and one demo user for every role.
func TestContractDemo(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := s.RegionBySlug(ctx, "hamarregionen")
	if err != nil || r.Name != "Hamarregionen Utvikling" {
		t.Fatalf("the demo region: %+v, %v; want hamarregionen, Hamarregionen Utvikling", r, err)
	}
	var members []string
	if err := s.rdb.Table("region_members").Where("region_id = ?", r.ID).Order("kommunenummer").Pluck("kommunenummer", &members).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"3403", "3412", "3413"}; !slices.Equal(members, want) {
		t.Errorf("the demo region's members = %v; want %v", members, want)
	}
	for _, role := range Roles {
		if !slices.ContainsFunc(DemoLogins, func(d DemoLogin) bool { return d.Role == role }) {
			t.Errorf("no demo user with the role %s", role)
		}
	}
	for _, table := range []string{"enquiries", "referrals", "projects", "assessments"} {
		if n := count(t, s, table); n == 0 {
			t.Errorf("the demo has no %s", table)
		}
	}
}
