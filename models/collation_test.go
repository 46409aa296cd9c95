package models

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestNorwegianOrder: names sort as in a Norwegian dictionary: Æ, Ø and Å
// after Z, "aa" as Å, and neither case nor a lower-case particle moves a name
// out of its letter.
func TestNorwegianOrder(t *testing.T) {
	t.Parallel()
	want := []string{"alfa", "Bjørn", "Dahl", "de Vries", "Zulu", "Ærlig", "Øvre", "aaberg", "Åse", "Aase"}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortStableFunc(got, func(a, b string) int { return bytes.Compare(norwegianKey(a), norwegianKey(b)) })
	if !slices.Equal(got, want) {
		t.Errorf("sorted %q; want %q", got, want)
	}
}

// The municipalities offered in forms come in Norwegian order: those with Æ,
// Ø and Å last, Ø before Å (Ørland, Østre Toten, … Ålesund, Årdal), where
// they came among the A's and O's.
func TestMunicipalitiesInNorwegianOrder(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	all, err := s.AllMunicipalities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rank := func(name string) int {
		switch {
		case strings.HasPrefix(name, "Æ"):
			return 1
		case strings.HasPrefix(name, "Ø"):
			return 2
		case strings.HasPrefix(name, "Å"):
			return 3
		}
		return 0
	}
	last, seen := 0, 0
	for _, m := range all {
		r := rank(m.Name)
		if r < last {
			t.Fatalf("%s comes after a name starting with a later letter of the alphabet", m.Name)
		}
		last = r
		if r > 0 {
			seen++
		}
	}
	if seen < 10 {
		t.Errorf("only %d municipalities start with Æ, Ø or Å; the reference data has more", seen)
	}
}

// Lists sorted by name come in Norwegian order from the database too, on
// SQLite (the collation every connection registers) and on PostgreSQL (ICU's):
// a partner's list, a page of it, and the choices a form offers.
func TestNamesInNorwegianOrder(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	want := []string{"Agder Vekst", "bergen Invest", "Zeta Utvikling", "Ærlig Kapital", "Ørsta Vekst", "Ålesund Næringsråd"}
	for _, i := range []int{4, 0, 5, 2, 3, 1} {
		if _, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: want[i], Kind: PartnerKinds[0], Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	ours := func(names []string) []string {
		var out []string
		for _, n := range names {
			if slices.Contains(want, n) {
				out = append(out, n)
			}
		}
		return out
	}
	page, _, err := s.Partners(ctx, PartnerFilter{Page: Page{Size: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	choices, err := s.PartnerChoices(ctx, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, list := range map[string][]Partner{"Partners": page, "PartnerChoices": choices} {
		var names []string
		for _, p := range list {
			names = append(names, p.Name)
		}
		if got := ours(names); !slices.Equal(got, want) {
			t.Errorf("%s: %q; want %q", name, got, want)
		}
	}
}

// Searches by name find Æ, Ø and Å whatever their case, on SQLite too, whose
// own lower() knows only A to Z.
func TestSearchFindsNorwegianCapitals(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	var got string
	if err := s.read(ctx).Raw(`SELECT ` + s.fold(`'ØRLAND Æble Åfjord ABC'`)).Scan(&got).Error; err != nil || got != "ørland æble åfjord abc" {
		t.Errorf("%s = %q, %v", s.fold("…"), got, err)
	}
	var null *string
	if err := s.read(ctx).Raw(`SELECT ` + s.fold(`NULL`)).Scan(&null).Error; err != nil || null != nil {
		t.Errorf("%s = %v, %v; want NULL", s.fold("NULL"), null, err)
	}
	if s.dialect == SQLite {
		// SQLite's own lower() stays as every SQLite tool has it, so that an
		// index or trigger on lower() could never hold values that the sqlite3
		// shell computes otherwise; the searches use fold() instead.
		if err := s.read(ctx).Raw(`SELECT lower('ØRLAND ABC')`).Scan(&got).Error; err != nil || got != "Ørland abc" {
			t.Errorf("SQLite's lower() = %q, %v; want %q, SQLite's own", got, err, "Ørland abc")
		}
	}
	if _, err := s.CreatePartner(ctx, Actor{}, PartnerInput{Name: "Ørlandsøya Fond", Kind: "local", Active: true}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"Ørlandsøya", "ørlandsØYA", "ØRLANDSØYA fond"} {
		list, _, err := s.Partners(ctx, PartnerFilter{Q: q})
		if err != nil || len(list) != 1 {
			t.Errorf("partners matching %q: %d (%v); want 1", q, len(list), err)
		}
	}
}

// The user list's search and the audit log's user filter find a name with
// capital Æ, Ø or Å typed in any case, on SQLite as on PostgreSQL.
func TestUserSearchesFoldNorwegianLetters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "oystein@test.example", Name: "Øystein Ærlig Åsheim"}, "fixture-passord-123",
		[]RoleGrant{{RegionID: f.region.ID, Role: RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreatePartner(ctx, Actor{UserID: u.ID, RegionID: f.region.ID}, PartnerInput{Name: "Revisjonsfond", Kind: "local", Active: true}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"øystein", "ØYSTEIN", "Øystein", "ærlig", "åsheim", "øYsTeIn ærLIG", "oystein@"} {
		users, _, err := f.s.Users(ctx, f.admin, UserFilter{Q: q})
		if err != nil || len(users) != 1 || users[0].ID != u.ID {
			t.Errorf("users matching %q: %v (%v); want only %s", q, users, err, u.Name)
		}
		// The filter finds what the user did and what was done to the account.
		lines, _, err := f.s.AuditEntries(ctx, f.admin, AuditFilter{User: q})
		by, about := 0, 0
		for _, l := range lines {
			switch {
			case l.UserID != nil && *l.UserID == u.ID:
				by++
			case l.Object == "user" && l.ObjectID == strconv.FormatInt(u.ID, 10):
				about++
			default:
				t.Errorf("audit entry of a user matching %q: %+v; want only %s's", q, l.AuditEntry, u.Name)
			}
		}
		if err != nil || by == 0 || about == 0 {
			t.Errorf("audit entries of a user matching %q: %d by, %d about (%v); want some of each", q, by, about, err)
		}
	}
}

// Municipalities come in one Norwegian order on SQLite and PostgreSQL, in
// every list that sorts them by name: the forms' choices (sorted in Go), the
// inbox's sort by municipality (name_order, ranked in Go), and an ORDER BY
// the name in the database (byName: our "nb" on SQLite, ICU's nb-NO on
// PostgreSQL, whose own C.UTF-8 order put Å before Æ and every lower-case
// name after Z). Namesakes (Herøy 1515 and 1818, Våler 3114 and 3419) come
// by number in each, also after a municipality's row was rewritten, which
// moves it in PostgreSQL's table.
func TestMunicipalitiesInOneOrder(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if s.dialect == Postgres && s.collate == "" {
		t.Fatalf("PostgreSQL has no collation %q (ICU): names sort in the database's own order", postgresNorwegian)
	}
	added := map[string]string{"9901": "Zzz", "9902": "Ærøy Test", "9903": "Aremark Test", "9904": "Øksnes Test", "9905": "ålesund test",
		"9906": "Ålesund Test", "9907": "aaberg", "9908": "Østre Test", "9909": "Åse", "9910": "bø test"}
	for number, name := range added {
		if err := s.db.Exec(`INSERT INTO municipalities (kommunenummer, name, official_name, county_number, centrality_class, centrality_index, population)
			VALUES (?, ?, ?, '34', 1, 1, 1)`, number, name, name).Error; err != nil {
			t.Fatal(err)
		}
	}
	// A namesake's row rewritten (PostgreSQL puts the new row version at
	// the end of the table) before the ranks are set again, as at a start.
	if err := s.UpdateMunicipality(ctx, Actor{}, "1515", MunicipalityUpdate{BusinessFTE: 2, Version: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"Aremark Test", "bø test", "Herøy 1515", "Herøy 1818", "Våler 3114", "Våler 3419", "Zzz", "Ærøy Test", "Øksnes Test",
		"Østre Test", "aaberg", "ålesund test", "Ålesund Test", "Åse"}
	ours := func(number, name string) (string, bool) {
		switch {
		case added[number] != "":
			return name, true
		case name == "Herøy" || name == "Våler":
			return name + " " + number, true
		}
		return "", false
	}
	all, err := s.AllMunicipalities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var choices []string
	for _, m := range all {
		if n, ok := ours(m.Kommunenummer, m.Name); ok {
			choices = append(choices, n)
		}
	}
	for what, order := range map[string]string{
		"AllMunicipalities": "",
		"name_order":        "name_order, kommunenummer",
		"byName":            s.byName("name") + ", kommunenummer",
	} {
		got := choices
		if order != "" {
			var rows []struct{ Kommunenummer, Name string }
			if err := s.read(ctx).Table("municipalities").Select("kommunenummer, name").Order(order).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, r := range rows {
				if n, ok := ours(r.Kommunenummer, r.Name); ok {
					got = append(got, n)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s (%s): %q; want %q", what, s.dialect, got, want)
		}
	}
}
