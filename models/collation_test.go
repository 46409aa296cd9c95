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
