package models

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"

	"samspill/models/dbtest"
)

// FuzzCheckOrgNumber: any input is judged without panic, and only nine digits
// with a right check digit pass.
func FuzzCheckOrgNumber(f *testing.F) {
	for _, s := range []string{"923609016", "923609017", "", "92360901A", "٩٢٣٦٠٩٠١٦", "9236090160"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckOrgNumber(s) != "" {
			return
		}
		if len(s) != 9 || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			t.Fatalf("CheckOrgNumber accepted %q", s)
		}
	})
}

// FuzzFTSQuery: whatever is typed in the search box, the FTS query holds only
// lower-case letters, digits, spaces and prefix stars: no FTS syntax gets through.
func FuzzFTSQuery(f *testing.F) {
	for _, s := range []string{"bryggeri", `"a" OR b*`, "NEAR(a b)", "-x", "æøå ÆØÅ", "HAM-2026-00001", "a:b", "(((", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ftsQuery(s)
		for _, r := range q {
			if r != ' ' && r != '*' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("ftsQuery(%q) = %q holds %q", s, q, r)
			}
		}
		for _, w := range strings.Fields(q) {
			if w == "*" || strings.Count(w, "*") != 1 || !strings.HasSuffix(w, "*") {
				t.Fatalf("ftsQuery(%q) = %q has a bad term %q", s, q, w)
			}
		}
	})
}

// FuzzEnquiryInput: validation of any intake input never panics, and what it
// accepts has its required fields.
func FuzzEnquiryInput(f *testing.F) {
	f.Add("3412", "prospective_entrepreneur", "financing", "Beskrivelse", "Ola", "ola@example.org", "", "923609016", "nb")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("0301", "other", "other,other", "<script>", "X", "", "+47 900 00 000", " 923 609 016 ", "ar")
	f.Fuzz(func(t *testing.T, kommune, kind, needs, desc, name, email, phone, org, lang string) {
		in := EnquiryInput{Kommunenummer: kommune, EnquirerKind: kind, Needs: strings.Split(needs, ","), Description: desc, Name: name,
			Email: email, Phone: phone, OrgNumber: org, Language: lang}
		if fields := in.validate(); len(fields) == 0 {
			if in.Name == "" || in.Description == "" || (in.Email == "" && in.Phone == "") || len(in.Needs) == 0 {
				t.Fatalf("accepted an input without required fields: %+v", in)
			}
		}
	})
}

// FuzzReferralLink: no token but one that was issued finds a referral.
func FuzzReferralLink(f *testing.F) {
	s := newStoreFor(f)
	ctx := context.Background()
	for _, tok := range []string{"rl_", "rl_AAAA", "sams_x", "", "rl_" + strings.Repeat("A", 43), "rl_%00", "../r/rl_x"} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := s.ReferralByLink(ctx, token); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ReferralByLink(%q) = %v; want ErrNotFound", token, err)
		}
		if err := s.AnswerByLink(ctx, Actor{}, token, true, nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("AnswerByLink(%q) = %v; want ErrNotFound", token, err)
		}
	})
}

// newStoreFor opens a demo store for a fuzz target.
func newStoreFor(f *testing.F) *Store {
	f.Helper()
	s, err := Open(dbtest.DSN(f, "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	if err := s.LoadReferenceData(ctx); err != nil {
		f.Fatal(err)
	}
	if err := s.LoadDemo(ctx); err != nil {
		f.Fatal(err)
	}
	return s
}
