package models

import (
	"context"
	"testing"
	"time"
)

// A share of exactly a half per cent is rounded up, as people round: 23 of 40
// is 57.5 %, shown as 58 %. (Dividing first and multiplying by 100 after gave
// 57.49999… and 57 %.)
func TestPercentsRoundHalfUp(t *testing.T) {
	t.Parallel()
	if got := shareWithinTarget(40, 40, 40, 23); got == nil || *got != 58 {
		t.Errorf("23 of 40 answered within target = %v %%; want 58 %%", deref(got))
	}
	p := buildPortfolio([]projectGroup{{Status: "active", N: 40}}, milestoneCounts{Total: 40, Done: 40, OnTime: 23},
		[]municipalityPart{{Kommunenummer: "3403", Projects: 23, Leads: 23, NOK: 23, FTE: 23}, {Kommunenummer: "3412", Projects: 17, Leads: 17, NOK: 17, FTE: 17}},
		[]Municipality{{Kommunenummer: "3403", Name: "Hamar"}, {Kommunenummer: "3412", Name: "Løten"}}, nil)
	if got := p.Milestones.Percent(); got != 58 {
		t.Errorf("23 of 40 milestones on time = %d %%; want 58 %%", got)
	}
	for _, sh := range p.Shares {
		if sh.Municipality.Kommunenummer != "3403" {
			continue
		}
		if sh.ProjectPercent() != 58 || sh.LeadPercent() != 58 || sh.NOKPercent() != 58 || sh.FTEPercent() != 58 {
			t.Errorf("Hamar's part of 23 in 40 = %d, %d, %d, %d %%; want 58 %% each", sh.ProjectPercent(), sh.LeadPercent(), sh.NOKPercent(), sh.FTEPercent())
		}
	}

	// The board's share referred: 23 of 40 enquiries received.
	f := newReferralFixture(t)
	ctx := context.Background()
	f.s.SetClock(func() time.Time { return time.Date(2026, 3, 10, 10, 0, 0, 0, Oslo).UTC() })
	var made []*Enquiry
	for len(made) < 38 {
		made = append(made, f.webEnquiry(t, "3403"))
	}
	made = append(made, f.withConsent, f.noConsent)
	f.s.db.Exec("UPDATE enquiries SET received_at = ?", f.s.now())
	for _, e := range made[:23] {
		f.refer(t, e, f.innovation, false)
	}
	rep, err := f.s.ReferralReport(ctx, f.board, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep.EnquiriesReceived != 40 || rep.EnquiriesReferred != 23 || rep.ReferredPercent == nil || *rep.ReferredPercent != 58 {
		t.Errorf("referred = %d of %d, %v %%; want 23 of 40, 58 %%", rep.EnquiriesReferred, rep.EnquiriesReceived, deref(rep.ReferredPercent))
	}
}

// A cooperation load of exactly a half per cent is rounded up too: 2.3 FTE
// committed of 4 is 57.5 %, shown as 58 %.
func TestLoadPercentRoundsHalfUp(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	in := DefaultRegionInput()
	in.Slug, in.Name = "hamar", "Hamar"
	r, err := s.CreateRegion(ctx, Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveMember(ctx, Actor{}, r.ID, MemberInput{Kommunenummer: "3403", JoinedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Votes: 1, CommittedFTE: 2.3}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Model(&Municipality{}).Where("kommunenummer = ?", "3403").Update("business_fte", 4).Error; err != nil {
		t.Fatal(err)
	}
	loads, err := s.MunicipalityLoads(ctx, []string{"3403"}, DefaultLoadThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if l := loads[0]; l.CommittedFTE != 2.3 || l.CapacityFTE != 4 || l.Percent() != 58 {
		t.Errorf("load = %v FTE of %v, %d %%; want 2.3 of 4, 58 %%", l.CommittedFTE, l.CapacityFTE, l.Percent())
	}
}
