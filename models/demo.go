package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DemoRegionSlug is the slug of the demo region that `serve --demo` loads.
const DemoRegionSlug = "hamarregionen"

// DemoPassword is the password of every demo user. It is printed at start-up and
// is only ever set on the demo users, never on real ones.
const DemoPassword = "samspill-demo-2026"

// DemoLogin is one demo user as start-up prints it.
type DemoLogin struct {
	Role, Email, Name string
}

// DemoLogins are the demo users, one per role.
var DemoLogins = []DemoLogin{
	{RoleAdmin, "admin@hamarregionen.example", "Ada Admin"},
	{RoleCoordinator, "koordinator@hamarregionen.example", "Kari Koordinator"},
	{RoleAdviser, "radgiver@hamarregionen.example", "Rune Rådgiver"},
	{RoleMunicipality, "loten@hamarregionen.example", "Lise Løten"},
	{RoleBoard, "styret@hamarregionen.example", "Stein Styreleder"},
	{RolePartner, "innovasjon@hamarregionen.example", "Ingrid Innovasjon"},
}

// LoadDemo creates the demo region Hamarregionen Utvikling (Hamar, Løten, Stange),
// one user per role and realistic enquiries. It is idempotent: what exists is
// left as it is.
func (s *Store) LoadDemo(ctx context.Context) error {
	region, err := s.loadDemoUsers(ctx)
	if err != nil {
		return err
	}
	if err := s.loadProjectDemo(ctx, region); err != nil { // projects, milestones and factor assessments
		return err
	}
	return s.loadDemoEnquiries(ctx, region)
}

// loadDemoUsers creates the demo region and its users.
func (s *Store) loadDemoUsers(ctx context.Context) (*Region, error) {
	a := Actor{RequestID: "demo"}
	region, err := s.RegionBySlug(ctx, DemoRegionSlug)
	if errors.Is(err, ErrNotFound) {
		in := DefaultRegionInput()
		in.Slug, in.Name, in.HostMunicipality = DemoRegionSlug, "Hamarregionen Utvikling", "3403"
		in.ContactEmail = "post@hamarregionen.example" // the reserved .example domain; no phone, as a made-up one could be someone's
		region, err = s.CreateRegion(ctx, a, in)
	}
	if err != nil {
		return nil, fmt.Errorf("demo region: %w", err)
	}
	joined := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []struct {
		number string
		votes  int
		fte    float64
	}{{"3403", 1, 2.0}, {"3412", 1, 0.5}, {"3413", 1, 1.0}} {
		var n int64
		if err := s.read(ctx).Model(&RegionMember{}).Where("region_id = ? AND kommunenummer = ?", region.ID, m.number).Count(&n).Error; err != nil {
			return nil, err
		}
		if n > 0 {
			continue
		}
		if _, err := s.SaveMember(ctx, a, region.ID, MemberInput{Kommunenummer: m.number, JoinedOn: joined, Votes: m.votes, CommittedFTE: m.fte, TakesEnquiries: true}); err != nil {
			return nil, fmt.Errorf("demo member %s: %w", m.number, err)
		}
	}
	for _, d := range DemoLogins {
		if _, err := s.UserByEmail(ctx, d.Email); err == nil {
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		in := UserInput{Email: d.Email, Name: d.Name}
		grant := RoleGrant{RegionID: region.ID, Role: d.Role}
		switch d.Role {
		case RoleAdmin:
			grant.RegionID = 0
		case RoleMunicipality:
			in.Municipality = "3412"
		case RolePartner:
			// Looked up only to make the demo's partner user: the partner may
			// since have been renamed, and the catalogue is not loaded again.
			innovation, err := s.PartnerByName(ctx, "Innovasjon Norge")
			if err != nil {
				return nil, fmt.Errorf("demo partner: %w", err)
			}
			in.PartnerID = innovation.ID
		}
		if _, err := s.CreateUser(ctx, a, in, DemoPassword, []RoleGrant{grant}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", d.Email, err)
		}
	}
	return region, nil
}

// EnsureAdmin creates the first admin when the installation has no users, and
// returns the generated password to print once. It returns "" when users exist.
func (s *Store) EnsureAdmin(ctx context.Context, email string) (string, error) {
	var n int64
	if err := s.read(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	pw := GeneratePassword()
	_, err := s.CreateUser(ctx, Actor{RequestID: "setup"}, UserInput{Email: email, Name: "Administrator"}, pw, []RoleGrant{{Role: RoleAdmin}})
	if err != nil {
		return "", fmt.Errorf("first admin: %w", err)
	}
	return pw, nil
}
