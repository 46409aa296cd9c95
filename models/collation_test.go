package models

import (
	"bytes"
	"context"
	"slices"
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
	if err := s.read(ctx).Raw(`SELECT lower('ØRLAND Æble Åfjord ABC')`).Scan(&got).Error; err != nil || got != "ørland æble åfjord abc" {
		t.Errorf("lower() = %q, %v", got, err)
	}
	var null *string
	if err := s.read(ctx).Raw(`SELECT lower(NULL)`).Scan(&null).Error; err != nil || null != nil {
		t.Errorf("lower(NULL) = %v, %v; want NULL", null, err)
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
