package models

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestRelatedEnquiries finds a case's other enquiries from the same person or
// business: the same e-mail (typed in any case), the same phone number (as
// the access request compares them: +47, 0047 and spaces make no
// difference) or the same organisation number; never the case itself, an
// anonymised enquiry or another region's (for its adviser), newest first.
func TestRelatedEnquiries(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	made := map[string]*Enquiry{}
	create := func(key, kommune, email, phone, org string) {
		t.Helper()
		clock = clock.Add(24 * time.Hour) // each newer than the one before
		in := sampleInput(kommune)
		in.Name, in.Email, in.Phone, in.OrgNumber = key, email, phone, org
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		made[key] = e
	}
	create("case", "3403", "Kari.Hansen@Example.org", "+47 912 34 567", "923609016")
	create("email upper", "3412", "KARI.HANSEN@EXAMPLE.ORG", "", "")
	create("phone bare", "3413", "", "91234567", "")
	create("phone 0047", "3403", "kari@hjemme.example", "0047 91 23 45 67", "")
	create("org", "3403", "per@firma.example", "", "923 609 016")
	create("unrelated", "3403", "ola@example.org", "+47 987 65 432", "")
	create("other region", "3411", "kari.hansen@example.org", "+47 912 34 567", "923609016") // Ringsaker
	create("anonymised", "3403", "kari.hansen@example.org", "", "")
	if _, err := f.s.anonymise(f.s.db, made["anonymised"].ID); err != nil {
		t.Fatal(err)
	}

	related := func(v *Viewer, key string, limit int) (string, bool) {
		t.Helper()
		list, more, err := f.s.RelatedEnquiries(ctx, v, made[key], limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range list {
			var by []string
			for _, m := range []struct {
				on   bool
				word string
			}{{r.ByEmail, "email"}, {r.ByPhone, "phone"}, {r.ByOrgNumber, "org"}} {
				if m.on {
					by = append(by, m.word)
				}
			}
			for k, e := range made {
				if e.ID == r.ID {
					got = append(got, k+":"+strings.Join(by, "+"))
				}
			}
		}
		return strings.Join(got, ", "), more
	}
	for _, c := range []struct {
		name  string
		v     *Viewer
		of    string
		limit int
		want  string
		more  bool
	}{
		{"the case, newest first", f.adviser, "case", 10, "org:org, phone 0047:phone, phone bare:phone, email upper:email", false},
		{"cut at the limit", f.adviser, "case", 2, "org:org, phone 0047:phone", true},
		{"exactly the limit", f.adviser, "case", 4, "org:org, phone 0047:phone, phone bare:phone, email upper:email", false},
		// An empty e-mail or organisation number matches nothing: the phone
		// enquiries have neither, nor has the unrelated one an org number.
		{"by phone alone", f.adviser, "phone bare", 10, "phone 0047:phone, case:phone", false},
		{"nothing shared", f.adviser, "unrelated", 10, "", false},
		// The admin sees every region's, the other region's adviser theirs.
		{"admin", f.admin, "case", 10, "other region:email+phone+org, org:org, phone 0047:phone, phone bare:phone, email upper:email", false},
		{"other region's adviser", f.otherAdviser, "other region", 10, "", false},
		{"board", f.board, "case", 10, "", false},
		{"municipality", f.municipalty, "case", 10, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, more := related(c.v, c.of, c.limit)
			if got != c.want || more != c.more {
				t.Errorf("related to %s = %q (more %v); want %q (more %v)", c.of, got, more, c.want, c.more)
			}
		})
	}
}
