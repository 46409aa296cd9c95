package models

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// stampede runs save(i) for i in 0..n-1 at once, each on a goroutine of its
// own released together, and returns their errors by i: two admins saving at
// the same moment, many times over.
func stampede(n int, save func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = save(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// caseVariant is name with the letters whose place in it is a set bit of mask
// in capitals and the others in lower case: names alike by foldName, each
// different from the others byte for byte (which the unique index on
// partners.name alone tells apart).
func caseVariant(name string, mask int) string {
	var b strings.Builder
	bit := 0
	for _, r := range name {
		if unicode.IsLetter(r) {
			if mask&(1<<bit) != 0 {
				r = unicode.ToUpper(r)
			} else {
				r = unicode.ToLower(r)
			}
			bit++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Admins creating, or renaming to, partners with names alike by foldName at
// the same moment: exactly one is saved, and each of the others is refused
// as when they come one after another, with the clash naming the one saved.
// On PostgreSQL both transactions found no clash before either had written
// (SQLite has one writer at a time) and all were saved.
func TestPartnerNameClashAtOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	const n = 12
	for round, rename := range []bool{false, true, false, true} {
		base := []string{"Kappløp Vekst AS", "Samtidig Fond AS", "Ørlandsløpet AS", "Åpne Løp SA"}[round]
		var ids [n]int64
		if rename {
			for i := range ids {
				p, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: base + " gammel " + string(rune('a'+i)), Kind: "local", Active: true})
				if err != nil {
					t.Fatal(err)
				}
				ids[i] = p.ID
			}
		}
		errs := stampede(n, func(i int) error {
			in := PartnerInput{Name: caseVariant(base, i+1), Kind: "local", Active: true}
			if rename {
				in.Version = 1
				return s.UpdatePartner(ctx, Actor{}, ids[i], in)
			}
			_, err := s.CreatePartner(ctx, Actor{}, in)
			return err
		})
		var saved []string
		for i, err := range errs {
			if err == nil {
				saved = append(saved, caseVariant(base, i+1))
			}
		}
		if len(saved) != 1 {
			t.Errorf("%q (rename %t): %d saved, %q; want exactly one", base, rename, len(saved), saved)
			continue
		}
		for i, err := range errs {
			if err == nil {
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields["name"] != "error.name_clash" || ve.Data["name"]["Name"] != saved[0] {
				t.Errorf("%q (rename %t) saving %q: %v (%+v); want error.name_clash naming %q", base, rename, caseVariant(base, i+1), err, ve, saved[0])
			}
		}
	}
}

// A database holding partners alike by foldName (stored before names were
// compared so) is upgraded: the folded names' index starts empty and refuses
// none of them. Each can still be edited under its own name, a new partner
// alike is refused for the clash, and renaming one away gives it its key.
func TestPartnerNameFoldUpgrade(t *testing.T) {
	t.Parallel()
	s, db := storeBefore(t, "partners ADD COLUMN name_fold")
	ctx := context.Background()
	for _, name := range []string{"Gammel Vekst", "GAMMEL  VEKST", "gammel vekst"} {
		if err := db.Exec("INSERT INTO partners (name, kind, active, version, created_at, updated_at) VALUES (?, 'local', ?, 1, ?, ?)",
			name, true, s.now(), s.now()).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate with near-duplicates stored: %v", err)
	}
	for _, name := range []string{"Gammel Vekst", "GAMMEL  VEKST", "gammel vekst"} {
		p, err := s.PartnerByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: name, Kind: "national", Active: true, Version: p.Version}); err != nil {
			t.Errorf("edit %q under its own name: %v", name, err)
		}
	}
	var ve *ValidationError
	if _, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: "Gammel VEKST", Kind: "local"}); !errors.As(err, &ve) || ve.Fields["name"] != "error.name_clash" {
		t.Errorf("create Gammel VEKST = %v; want error.name_clash", err)
	}
	p, err := s.PartnerByName(ctx, "gammel vekst")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePartner(ctx, Actor{}, p.ID, PartnerInput{Name: "Ny Vekst", Kind: "national", Active: true, Version: p.Version}); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Partner(ctx, p.ID); p.NameFold == nil || *p.NameFold != "ny vekst" {
		t.Errorf("name_fold after the rename = %v; want \"ny vekst\"", p.NameFold)
	}
}

// Every partner a new installation holds has its folded name, so that the
// index keeps each one single against a near-duplicate saved at the same
// moment: the catalogue's (LoadReferenceData), the demo's and the
// generator's (written in bulk). Before, they were all NULL until saved.
func TestPartnersWrittenHaveTheirNameFold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	demo := newStore(t)
	if err := demo.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	stores := []struct {
		name string
		s    *Store
	}{{"demo", demo}, {"generated", generated(t, 3, 50)}}
	for _, st := range stores {
		var partners []Partner
		if err := st.s.rdb.Order("id").Find(&partners).Error; err != nil {
			t.Fatal(err)
		}
		if len(partners) < 5 {
			t.Fatalf("%s: %d partners", st.name, len(partners))
		}
		for _, p := range partners {
			if p.NameFold == nil || *p.NameFold != foldName(p.Name) {
				t.Errorf("%s: %q has name_fold %v; want %q", st.name, p.Name, p.NameFold, foldName(p.Name))
			}
		}
	}
}

// Admins adding a municipality to a region at the same moment: one adds it,
// the others hear that it is a member already, as a moment later (on
// PostgreSQL the unique index refused the others' insert, unanswered: a
// server error). And admins of several regions each making their region the
// one that takes a shared municipality's enquiries at the same moment: in the
// end exactly one region takes them, as when they come one after another
// (on PostgreSQL each one's clearing of the others missed the others' rows
// not yet committed, and several took them).
func TestMembershipAtOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	const n = 8
	var regions [n]*Region
	for i := range regions {
		in := DefaultRegionInput()
		in.Slug, in.Name = "samtidig-"+string(rune('a'+i)), "Samtidig "+string(rune('A'+i))
		r, err := s.CreateRegion(ctx, Actor{}, in)
		if err != nil {
			t.Fatal(err)
		}
		regions[i] = r
	}
	joined := *date(2020, 1, 1)
	errs := stampede(n, func(int) error {
		_, err := s.SaveMember(ctx, Actor{}, regions[0].ID, MemberInput{Kommunenummer: "3403", JoinedOn: joined, Votes: 1})
		return err
	})
	added := 0
	for _, err := range errs {
		var ve *ValidationError
		switch {
		case err == nil:
			added++
		case !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields["kommunenummer"] != "error.already_member":
			t.Errorf("adding a member at the same moment: %v; want error.already_member", err)
		}
	}
	if added != 1 {
		t.Errorf("%d added; want 1", added)
	}

	for round := range 3 {
		errs = stampede(n, func(i int) error {
			version := 0
			if round > 0 {
				version = round // each round's save changes the membership once
			}
			_, err := s.SaveMember(ctx, Actor{}, regions[i].ID, MemberInput{Kommunenummer: "3411", JoinedOn: joined, Votes: 1 + round, TakesEnquiries: true, Version: version})
			return err
		})
		for i, err := range errs {
			if err != nil && !errors.Is(err, ErrConflict) {
				t.Errorf("round %d, region %d taking enquiries: %v", round, i, err)
			}
		}
		var taking int64
		if err := s.read(ctx).Model(&RegionMember{}).Where("kommunenummer = ? AND takes_enquiries = ?", "3411", true).Count(&taking).Error; err != nil {
			t.Fatal(err)
		}
		if taking != 1 {
			t.Errorf("round %d: %d regions take the enquiries of 3411; want 1", round, taking)
		}
	}
}

// Two coordinators (here an admin twice) each taking a user's roles in their
// own region at the same moment, the user having roles in those two regions
// only: one is saved, the other is refused as the user's last roles, as a
// moment later. On PostgreSQL each counted the other region's roles before
// the other's removal was committed, and the user was left with none.
func TestLastRolesAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	regions := []int64{f.region.ID, f.other.ID}
	for round := range 4 {
		u, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "to-regioner-" + string(rune('a'+round)) + "@test.example", Name: "To Regioner"},
			GeneratePassword(), []RoleGrant{{RegionID: regions[0], Role: RoleAdviser}, {RegionID: regions[1], Role: RoleAdviser}})
		if err != nil {
			t.Fatal(err)
		}
		errs := stampede(2, func(i int) error {
			return f.s.SetRegionRoles(ctx, f.admin, Actor{}, u.ID, regions[i], nil)
		})
		saved := 0
		for _, err := range errs {
			var ve *ValidationError
			switch {
			case err == nil:
				saved++
			case !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields["role"] != "error.last_role":
				t.Errorf("round %d: taking the roles at the same moment: %v; want role error.last_role", round, err)
			}
		}
		var left int64
		if err := f.s.read(ctx).Model(&UserRole{}).Where("user_id = ?", u.ID).Count(&left).Error; err != nil {
			t.Fatal(err)
		}
		if saved != 1 || left != 1 {
			t.Errorf("round %d: %d saved, %d roles left; want 1 and 1", round, saved, left)
		}
	}
}

// The other values a unique index keeps single, saved by several admins at
// the same moment (e-mail addresses in letters of each case, which are
// stored in lower case): one is saved, the others are refused with the
// kind's message, as a moment later, not with a server error.
func TestTakenAtOnce(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	values := map[string]string{"region slug": "samtidig", "factor code": "samtidig", "user e-mail": "samtidig@test.example"}
	for _, k := range takenKinds {
		value, ok := values[k.name]
		if !ok {
			continue // partner names: TestPartnerNameClashAtOnce
		}
		const n = 8
		errs := stampede(n, func(i int) error {
			v := value
			if k.name == "user e-mail" {
				v = caseVariant(value, i)
			}
			return k.save(ctx, s, v, false)
		})
		saved := 0
		for _, err := range errs {
			var ve *ValidationError
			switch {
			case err == nil:
				saved++
			case !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[k.field] != k.msg:
				t.Errorf("%s saved at the same moment: %v; want %s %s", k.name, err, k.field, k.msg)
			}
		}
		if saved != 1 {
			t.Errorf("%s: %d saved; want 1", k.name, saved)
		}
	}
}

// The last two active admins deactivating each other at the same moment:
// one is deactivated, the other keeps the administration and is refused as
// the last active admin. Each found the other's account to deactivate, and
// on PostgreSQL both were saved: nobody was left to administer anything but
// through the database. One after another, the second had been logged out.
func TestLastAdminsDeactivatingEachOther(t *testing.T) {
	t.Parallel()
	for round := range 2 {
		s := newStore(t)
		ctx := context.Background()
		var admins [2]*Viewer
		for i := range admins {
			u, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "admin-" + string(rune('a'+i)) + "@test.example", Name: "Admin"},
				GeneratePassword(), []RoleGrant{{Role: RoleAdmin}})
			if err != nil {
				t.Fatal(err)
			}
			admins[i] = &Viewer{User: u}
		}
		errs := stampede(2, func(i int) error {
			_, err := s.SetActive(ctx, admins[i], Actor{UserID: admins[i].User.ID}, admins[1-i].User.ID, false, "")
			return err
		})
		saved := 0
		for _, err := range errs {
			var ve *ValidationError
			switch {
			case err == nil:
				saved++
			case !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields["active"] != "error.last_admin":
				t.Errorf("round %d: deactivating the other admin at the same moment: %v; want active error.last_admin", round, err)
			}
		}
		var active int64
		if err := s.read(ctx).Model(&User{}).Where("active = ?", true).Count(&active).Error; err != nil {
			t.Fatal(err)
		}
		if saved != 1 || active != 1 {
			t.Errorf("round %d: %d deactivated, %d admins active; want 1 and 1", round, saved, active)
		}
	}
}
