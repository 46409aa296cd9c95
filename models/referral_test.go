package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

type referralFixture struct {
	*enquiryFixture
	innovation, siva       *Partner
	partner, otherPartner  *Viewer
	withConsent, noConsent *Enquiry
}

func newReferralFixture(t *testing.T) *referralFixture {
	t.Helper()
	f := &referralFixture{enquiryFixture: newEnquiryFixture(t)}
	ctx := context.Background()
	var err error
	if f.innovation, err = f.s.PartnerByName(ctx, "Innovasjon Norge"); err != nil {
		t.Fatal(err)
	}
	if f.siva, err = f.s.PartnerByName(ctx, "Siva"); err != nil {
		t.Fatal(err)
	}
	u, err := f.s.UserByEmail(ctx, "innovasjon@hamarregionen.example")
	if err != nil {
		t.Fatal(err)
	}
	f.partner = &Viewer{User: u, Region: f.hamar}
	other, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "siva@example.org", Name: "Siri Siva", PartnerID: f.siva.ID}, "siva-passord-123", []RoleGrant{{RegionID: f.hamar.ID, Role: RolePartner}})
	if err != nil {
		t.Fatal(err)
	}
	f.otherPartner = &Viewer{User: other, Region: f.hamar}
	c := consent()
	c.Share = true
	if f.withConsent, err = f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: c, Channel: "web"}); err != nil {
		t.Fatal(err)
	}
	if f.noConsent, err = f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3403"), Consent: consent(), Channel: "web"}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *referralFixture) refer(t *testing.T, e *Enquiry, partner *Partner, share bool) *Referral {
	t.Helper()
	r, err := f.s.CreateReferral(context.Background(), f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: partner.ID, Reason: "financing",
		Message: "Trenger oppstartstilskudd", SharePersonalData: share, Send: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReferralConsentGating(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	_, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.noConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", SharePersonalData: true, Send: true})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["share_personal_data"] == "" {
		t.Fatalf("sharing without consent: %v; want refused", err)
	}
	if n := count(t, f.s, "referrals"); n != 0 {
		t.Errorf("a refused referral was stored")
	}
	// Without sharing, the partner sees the summary but no person data.
	r := f.refer(t, f.noConsent, f.innovation, false)
	got, err := f.s.Referral(ctx, f.partner, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := got.Enquiry
	if e.Name != "" || e.Email != "" || e.Phone != "" || e.Description != "" || e.OrgNumber != "" {
		t.Errorf("partner sees person data without consent: %+v", e)
	}
	if e.Kommunenummer != "3403" || e.NeedList()[0] != "financing" || got.Message == "" {
		t.Errorf("partner lacks the summary: %+v", got)
	}
	// With consent and sharing, the partner sees the contact details.
	r2 := f.refer(t, f.withConsent, f.innovation, true)
	got, _ = f.s.Referral(ctx, f.partner, r2.ID)
	if got.Enquiry.Name != "Ola Nordmann" || got.Enquiry.Email == "" {
		t.Errorf("partner does not see shared person data: %+v", got.Enquiry)
	}
	// The one-time link shows the same as the partner.
	token, err := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, r.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	byLink, err := f.s.ReferralByLink(ctx, token)
	if err != nil || byLink.Enquiry.Name != "" || byLink.Enquiry.Description != "" {
		t.Errorf("link shows person data without consent: %+v (%v)", byLink, err)
	}
}

func TestReferralPartnerScope(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	if _, err := f.s.Referral(ctx, f.otherPartner, r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another partner's contact: %v; want ErrNotFound", err)
	}
	if _, total, _ := f.s.Referrals(ctx, f.otherPartner, ReferralFilter{}); total != 0 {
		t.Errorf("another partner lists %d referrals", total)
	}
	if err := f.s.SetReferralStatus(ctx, f.otherPartner, Actor{}, r.ID, "acknowledged", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("another partner acknowledges: %v", err)
	}
	if err := f.s.CloseReferral(ctx, f.otherPartner, Actor{}, r.ID, ReferralOutcome{Outcome: "declined", Reason: "other", Version: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("another partner closes: %v", err)
	}
	// Drafts are not the partner's to see.
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.noConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Referral(ctx, f.partner, draft.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("partner sees a draft: %v", err)
	}
}

// CountReferrals counts what Referrals totals, for each viewer and filter
// the start page counts with: a draft is counted for nobody but the region's
// staff, another partner's referral not for a partner.
func TestCountReferralsAgreesWithReferrals(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.refer(t, f.withConsent, f.innovation, true)
	f.refer(t, f.noConsent, f.siva, false)
	if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.noConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "network_competence"}); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*Viewer{"adviser": f.adviser, "board": f.board, "partner": f.partner, "other partner": f.otherPartner} {
		for _, rf := range []ReferralFilter{{Open: true}, {Overdue: true}, {Open: true, PartnerID: f.innovation.ID}, {Status: "draft"}} {
			rf.RegionID = f.hamar.ID
			_, want, err := f.s.Referrals(ctx, v, rf)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := f.s.CountReferrals(ctx, v, rf); err != nil || got != want {
				t.Errorf("%s, %+v: CountReferrals = %d, %v; Referrals totals %d", name, rf, got, err, want)
			}
		}
	}
}

func TestReferralBoardSeesNoPersonData(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.refer(t, f.withConsent, f.innovation, true)
	list, total, err := f.s.Referrals(ctx, f.board, ReferralFilter{})
	if err != nil || total != 1 {
		t.Fatalf("board lists %d (%v)", total, err)
	}
	e := list[0].Enquiry
	if e.Name != "" || e.Email != "" || e.Phone != "" || e.Description != "" || list[0].Message != "" || list[0].ContactName != "" {
		t.Errorf("board sees person data or free text: %+v %+v", e, list[0])
	}
	if err := f.s.SetReferralStatus(ctx, f.board, Actor{}, list[0].ID, "acknowledged", 1); err == nil {
		t.Error("the board changed a referral's status")
	}
	if err := f.s.CommentOnReferral(ctx, f.board, Actor{}, list[0].ID, "Følg opp på neste møte"); err != nil {
		t.Errorf("board comment: %v", err)
	}
}

func TestReferralOverdueAndNoResponse(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	r := f.refer(t, f.withConsent, f.innovation, false) // due 14 days later, end of 16 March
	if due := r.FollowUpDue.In(Oslo); due.Format("2006-01-02") != "2026-03-16" {
		t.Fatalf("due %s; want 2026-03-16", due)
	}
	overdue := func() int64 {
		_, n, err := f.s.Referrals(ctx, f.adviser, ReferralFilter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	clock = time.Date(2026, 3, 16, 23, 0, 0, 0, Oslo)
	if overdue() != 0 {
		t.Error("overdue on its due date")
	}
	clock = time.Date(2026, 3, 17, 0, 30, 0, 0, Oslo)
	if overdue() != 1 {
		t.Error("not overdue the day after its due date")
	}
	// No response is 30 days (the region's setting) after the due date.
	clock = time.Date(2026, 4, 15, 23, 0, 0, 0, Oslo)
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 0 {
		t.Errorf("MarkNoResponse before the limit = %d (%v)", n, err)
	}
	clock = time.Date(2026, 4, 16, 1, 0, 0, 0, Oslo)
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 1 {
		t.Fatalf("MarkNoResponse after the limit = %d (%v)", n, err)
	}
	if n, _ := f.s.MarkNoResponse(ctx); n != 0 {
		t.Error("MarkNoResponse closed the same referral twice")
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	if got.Status != "no_response" || got.Outcome != "no_response" || got.Overdue(f.s.now()) {
		t.Errorf("after MarkNoResponse: %s %s", got.Status, got.Outcome)
	}
	history, _ := f.s.ReferralHistory(ctx, f.adviser, r.ID)
	if last := history[len(history)-1]; last.Via != "system" || last.ToStatus != "no_response" || last.Note == "" {
		t.Errorf("history lacks the automatic entry: %+v", last)
	}
	// An acknowledged referral never becomes no_response.
	r2 := f.refer(t, f.withConsent, f.siva, false)
	if err := f.s.SetReferralStatus(ctx, f.otherPartner, Actor{}, r2.ID, "acknowledged", 1); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 3, 0)
	if n, _ := f.s.MarkNoResponse(ctx); n != 0 {
		t.Error("an acknowledged referral became no_response")
	}
}

// A follow-up date is refused when it is before today in Norway, not before
// today in UTC: just after midnight in Oslo, yesterday's date would make the
// referral overdue at once.
func TestReferralFollowUpNotInThePast(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		now      time.Time
		due      string
		accepted bool
	}{
		{"yesterday in Oslo, today in UTC", time.Date(2026, 6, 9, 22, 30, 0, 0, time.UTC), "2026-06-09", false},
		{"today in Oslo, tomorrow in UTC", time.Date(2026, 6, 9, 22, 30, 0, 0, time.UTC), "2026-06-10", true},
		{"the day before", time.Date(2026, 6, 9, 22, 30, 0, 0, time.UTC), "2026-06-08", false},
		{"today in Oslo before midnight", time.Date(2026, 6, 9, 21, 30, 0, 0, time.UTC), "2026-06-09", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.s.SetClock(func() time.Time { return tt.now })
			due, err := time.Parse("2006-01-02", tt.due) // as forms and the API give dates: midnight UTC
			if err != nil {
				t.Fatal(err)
			}
			e := f.webEnquiry(t, "3412")
			r, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing",
				FollowUpDue: &due, Send: true})
			var ve *ValidationError
			switch {
			case !tt.accepted && (!errors.As(err, &ve) || ve.Fields["follow_up_due"] != "error.past_date"):
				t.Errorf("follow-up %s at %s: err = %v; want follow_up_due error.past_date", tt.due, tt.now, err)
			case tt.accepted && err != nil:
				t.Errorf("follow-up %s at %s: %v; want it accepted", tt.due, tt.now, err)
			case tt.accepted && r.Overdue(tt.now):
				t.Errorf("follow-up %s at %s: overdue at once", tt.due, tt.now)
			}
		})
	}
}

func TestReferralClosing(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	bad := []ReferralOutcome{
		{Outcome: "", Version: 1},
		{Outcome: "supported", Version: 1},
		{Outcome: "supported", Reason: "granted", Version: 1},
		{Outcome: "supported", Reason: "granted", Instrument: "magic", Version: 1},
		{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: -5, Version: 1},
		{Outcome: "declined", Reason: "granted", Version: 1},
		{Outcome: "declined", Reason: "not_eligible", Instrument: "loan", Version: 1},
		{Outcome: "withdrawn", Reason: "enquirer_withdrew", Version: 1}, // a partner may not withdraw
	}
	for _, o := range bad {
		if err := f.s.CloseReferral(ctx, f.partner, Actor{}, r.ID, o); err == nil {
			t.Errorf("closing with %+v succeeded", o)
		}
	}
	if err := f.s.CloseReferral(ctx, f.partner, Actor{}, r.ID, ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "start_up_grant", AmountNOK: 150000, Version: 7}); !errors.Is(err, ErrConflict) {
		t.Errorf("stale close: %v; want ErrConflict", err)
	}
	if err := f.s.CloseReferral(ctx, f.partner, Actor{}, r.ID, ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "start_up_grant", AmountNOK: 150000, Version: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	if got.Status != "completed" || got.AmountNOK != 150000 || got.AcknowledgedAt == nil || got.ClosedAt == nil {
		t.Errorf("closed referral = %+v", got)
	}
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, r.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "other", Version: 2}); err == nil {
		t.Error("a closed referral was closed again")
	}
}

func TestReferralLink(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	other := f.refer(t, f.noConsent, f.siva, false)
	token, err := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, r.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.ReferralByLink(ctx, token); err != nil || got.ID != r.ID {
		t.Fatalf("link = %v %v", got, err)
	}
	altered := token[:len(token)-1] + string("AB"[0]+byte(token[len(token)-1]%2))
	for _, bad := range []string{altered, token + "x", "rl_", "", "sams_" + token[3:]} {
		if _, err := f.s.ReferralByLink(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("altered link %q: %v", bad, err)
		}
		if err := f.s.AnswerByLink(ctx, Actor{}, bad, true, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("answer through altered link %q: %v", bad, err)
		}
	}
	if err := f.s.AnswerByLink(ctx, Actor{}, token, true, nil); err != nil {
		t.Fatal(err)
	}
	o := &ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "start_up_grant", AmountNOK: 150000}
	if err := f.s.AnswerByLink(ctx, Actor{}, token, false, o); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	if got.Status != "completed" || got.AmountNOK != 150000 || got.AcknowledgedAt == nil {
		t.Errorf("after the link: %+v", got)
	}
	// Used up.
	if _, err := f.s.ReferralByLink(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("a used link still works: %v", err)
	}
	if err := f.s.AnswerByLink(ctx, Actor{}, token, false, o); !errors.Is(err, ErrNotFound) {
		t.Errorf("a used link answers again: %v", err)
	}
	// The other referral is untouched, and an expired link is refused.
	if got, _ := f.s.Referral(ctx, f.adviser, other.ID); got.Status != "sent" {
		t.Errorf("the other referral changed: %s", got.Status)
	}
	expired, _ := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, other.ID, time.Minute)
	f.s.SetClock(func() time.Time { return time.Now().UTC().Add(2 * time.Minute) })
	if _, err := f.s.ReferralByLink(ctx, expired); !errors.Is(err, ErrNotFound) {
		t.Errorf("an expired link works: %v", err)
	}
	// A partner may not make links; nor may anyone for a closed referral.
	if _, err := f.s.CreateReferralLink(ctx, f.partner, Actor{}, r.ID, time.Hour); err == nil {
		t.Error("a partner made a link")
	}
}

// TestReferralReport checks the board's figures against numbers computed by hand.
func TestReferralReport(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	day := func(d int, h int) time.Time { return time.Date(2026, 1, d, h, 0, 0, 0, Oslo) }
	clock := day(5, 9)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	// Two more enquiries so that 3 of 4 are referred. All received 5 January.
	e3, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3413"), Consent: consent(), Channel: "web"})
	e4, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3413"), Consent: consent(), Channel: "web"})
	_ = e4
	// The fixture's two enquiries were made on the real clock; move them into the period.
	f.s.db.Exec("UPDATE enquiries SET received_at = ?", clock.UTC())

	close := func(r *Referral, v *Viewer, o ReferralOutcome) {
		cur, _ := f.s.Referral(ctx, f.adviser, r.ID)
		o.Version = cur.Version
		if err := f.s.CloseReferral(ctx, v, Actor{}, r.ID, o); err != nil {
			t.Fatal(err)
		}
	}
	ack := func(r *Referral, v *Viewer) {
		cur, _ := f.s.Referral(ctx, f.adviser, r.ID)
		if err := f.s.SetReferralStatus(ctx, v, Actor{}, r.ID, "acknowledged", cur.Version); err != nil {
			t.Fatal(err)
		}
	}
	// Innovasjon Norge: a sent 5 Jan 09:00, acknowledged after 1 day, supported 100 000 after 4 days (Løten);
	// b sent 5 Jan, acknowledged after 3 days, supported 50 000 after 10 days (Stange).
	a := f.refer(t, f.withConsent, f.innovation, false)
	b := f.refer(t, e3, f.innovation, false)
	// Siva: c sent 5 Jan, never answered (open, overdue on 25 Jan); d sent 5 Jan, declined after 2 days.
	c := f.refer(t, f.noConsent, f.siva, false)
	d := f.refer(t, e3, f.siva, false)
	_ = c
	clock = day(6, 9)
	ack(a, f.partner)
	clock = day(7, 9)
	close(d, f.otherPartner, ReferralOutcome{Outcome: "declined", Reason: "not_eligible"})
	clock = day(8, 9)
	ack(b, f.partner)
	clock = day(9, 9)
	close(a, f.partner, ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "start_up_grant", AmountNOK: 100000})
	clock = day(15, 9)
	close(b, f.partner, ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: 50000})
	clock = day(25, 9)

	rep, err := f.s.ReferralReport(ctx, f.board, day(1, 0), day(31, 0))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 4 || rep.Supported != 2 || rep.GrantedNOK != 150000 || rep.Open != 1 || rep.Overdue != 1 {
		t.Errorf("totals = sent %d supported %d nok %d open %d overdue %d; want 4 2 150000 1 1", rep.Sent, rep.Supported, rep.GrantedNOK, rep.Open, rep.Overdue)
	}
	// Acknowledged: a after 1 day, b after 3, d after 2 (declining acknowledges) → median 2.
	if rep.MedianAckDays == nil || *rep.MedianAckDays != 2 {
		t.Errorf("median days to acknowledgement = %v; want 2", deref(rep.MedianAckDays))
	}
	// Outcomes: a 4 days, b 10, d 2 → median 4.
	if rep.MedianOutcomeDays == nil || *rep.MedianOutcomeDays != 4 {
		t.Errorf("median days to outcome = %v; want 4", deref(rep.MedianOutcomeDays))
	}
	if rep.EnquiriesReceived != 4 || rep.EnquiriesReferred != 3 || rep.ReferredPercent == nil || *rep.ReferredPercent != 75 {
		t.Errorf("referred share = %d of %d (%v); want 3 of 4, 75 %%", rep.EnquiriesReferred, rep.EnquiriesReceived, deref(rep.ReferredPercent))
	}
	want := map[string]PartnerFigures{
		"Innovasjon Norge": {Sent: 2, Acknowledged: 2, Completed: 2, Supported: 2, GrantedNOK: 150000},
		"Siva":             {Sent: 2, Acknowledged: 1, Declined: 1, Open: 1, Overdue: 1},
	}
	for _, p := range rep.Partners {
		w := want[p.Name]
		if p.Sent != w.Sent || p.Acknowledged != w.Acknowledged || p.Completed != w.Completed || p.Supported != w.Supported ||
			p.Declined != w.Declined || p.Open != w.Open || p.Overdue != w.Overdue || p.GrantedNOK != w.GrantedNOK {
			t.Errorf("%s = %+v; want %+v", p.Name, p, w)
		}
	}
	if got := rep.Partners[0].MedianOutcomeDays; got == nil || *got != 7 { // Innovasjon Norge: 4 and 10 → 7
		t.Errorf("Innovasjon Norge median outcome = %v; want 7", deref(got))
	}
	mun := map[string]int64{}
	for _, m := range rep.ByMunicipality {
		mun[m.Label] = m.NOK
	}
	if mun["Løten"] != 100000 || mun["Stange"] != 50000 || len(mun) != 2 {
		t.Errorf("NOK per municipality = %v", mun)
	}
	if len(rep.ByQuarter) != 1 || rep.ByQuarter[0].Key != "2026-Q1" || rep.ByQuarter[0].NOK != 150000 {
		t.Errorf("NOK per quarter = %+v", rep.ByQuarter)
	}
	if len(rep.Advisers) != 1 || rep.Advisers[0].Sent != 4 || rep.Advisers[0].Open != 1 || rep.Advisers[0].Overdue != 1 {
		t.Errorf("advisers = %+v", rep.Advisers)
	}
	// A period without referrals gives zeros, not errors.
	empty, err := f.s.ReferralReport(ctx, f.board, day(1, 0).AddDate(-1, 0, 0), day(31, 0).AddDate(-1, 0, 0))
	if err != nil || empty.Sent != 0 || empty.MedianAckDays != nil {
		t.Errorf("empty period = %+v (%v)", empty, err)
	}
}

// An enquiry's referrals, as its case page lists them: its own only, most
// urgent first, with their partners, and only to who may see the enquiry.
func TestEnquiryReferrals(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	siva := f.refer(t, f.withConsent, f.siva, false)
	innovation := f.refer(t, f.withConsent, f.innovation, true)
	f.refer(t, f.noConsent, f.innovation, false) // another enquiry's
	got, err := f.s.EnquiryReferrals(ctx, f.adviser, f.withConsent.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range got {
		if r.EnquiryID != f.withConsent.ID || r.Partner == nil {
			t.Fatalf("referral %d: enquiry %d, partner %v", r.ID, r.EnquiryID, r.Partner)
		}
		names = append(names, r.Partner.Name)
	}
	if len(got) != 2 || got[0].ID != siva.ID || got[1].ID != innovation.ID {
		t.Errorf("the enquiry's referrals %v; want Siva's, then Innovasjon Norge's (the same follow-up date, in the order sent)", names)
	}
	for name, v := range map[string]*Viewer{"another region's adviser": f.otherAdviser, "the board": f.board, "a partner": f.partner} {
		if _, err := f.s.EnquiryReferrals(ctx, v, f.withConsent.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", name, err)
		}
	}
}

// The list of referrals reads of each enquiry only what the list shows: its
// reference and municipality, not its description or contact details.
func TestReferralListReadsLittle(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.refer(t, f.withConsent, f.innovation, true)
	for name, v := range map[string]*Viewer{"adviser": f.adviser, "partner": f.partner} {
		list, total, err := f.s.ReferralList(ctx, v, ReferralFilter{})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("%s: %d of %d referrals, %v", name, len(list), total, err)
		}
		r := list[0]
		if e := r.Enquiry; e == nil || e.Reference != f.withConsent.Reference || e.Municipality.Name != "Løten" || r.Partner == nil || r.Partner.Name != "Innovasjon Norge" {
			t.Fatalf("%s: the list lacks the reference, municipality or partner: %+v", name, r)
		}
		if e := r.Enquiry; e.Name != "" || e.Email != "" || e.Description != "" || r.Adviser != nil {
			t.Errorf("%s: the list read the person (%q, %q), the description (%q) or the adviser (%v)", name, e.Name, e.Email, e.Description, r.Adviser)
		}
	}
	// Referrals, for the API, reads the whole enquiry for who may see it.
	full, _, err := f.s.Referrals(ctx, f.adviser, ReferralFilter{})
	if err != nil || len(full) != 1 || full[0].Enquiry.Name != "Ola Nordmann" || full[0].Adviser == nil {
		t.Errorf("Referrals for the adviser: %+v, %v; want the whole enquiry and the adviser", full, err)
	}
}

// Each side may move a referral only along the way it goes: an adviser sends a
// draft and may record the partner's answer (given by phone, say) on a sent
// referral; a draft the partner never received cannot be acknowledged or in
// progress, or it would escape the board's count of what was sent.
func TestAllowedTransition(t *testing.T) {
	t.Parallel()
	region := int64(1)
	as := func(role string) *Viewer {
		return &Viewer{User: &User{Roles: []UserRole{{RegionID: &region, Role: role}}}, Region: &Region{ID: region}}
	}
	adviser, partner := as(RoleAdviser), as(RolePartner)
	cases := []struct {
		v        *Viewer
		from, to string
		want     bool
	}{
		{adviser, "draft", "sent", true},
		{adviser, "draft", "acknowledged", false},
		{adviser, "draft", "in_progress", false},
		{adviser, "sent", "acknowledged", true},
		{adviser, "sent", "in_progress", true},
		{adviser, "acknowledged", "in_progress", true},
		{adviser, "in_progress", "acknowledged", false},
		{adviser, "acknowledged", "sent", false},
		{adviser, "completed", "in_progress", false},
		{partner, "draft", "acknowledged", false},
		{partner, "draft", "sent", false},
		{partner, "sent", "acknowledged", true},
		{partner, "sent", "in_progress", true},
		{partner, "acknowledged", "in_progress", true},
		{partner, "in_progress", "acknowledged", false},
		{partner, "no_response", "in_progress", false},
	}
	for _, c := range cases {
		if got := allowedTransition(c.v, c.from, c.to); got != c.want {
			t.Errorf("%s: %s → %s allowed = %v; want %v", c.v.User.Roles[0].Role, c.from, c.to, got, c.want)
		}
	}
}

// The referral list is searched by the enquiry's reference, whole or its
// start, in any case; and by nothing a partner or the board may not see.
func TestReferralSearchByReference(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	a := f.refer(t, f.withConsent, f.innovation, true)
	b := f.refer(t, f.noConsent, f.innovation, false)
	refs := map[int64]string{a.ID: f.withConsent.Reference, b.ID: f.noConsent.Reference}
	prefix := f.withConsent.Reference[:len(f.withConsent.Reference)-1] // both, as the two are numbered 1 and 2
	cases := []struct {
		v    *Viewer
		q    string
		want []int64
	}{
		{f.adviser, f.withConsent.Reference, []int64{a.ID}},
		{f.adviser, strings.ToLower(f.noConsent.Reference), []int64{b.ID}},
		{f.adviser, prefix, []int64{a.ID, b.ID}},
		{f.adviser, " " + prefix[:4] + " ", []int64{a.ID, b.ID}},
		{f.adviser, "Ola Nordmann", nil}, // a name is not searched
		{f.adviser, prefix[:4] + "%", nil},
		{f.partner, f.noConsent.Reference, []int64{b.ID}},
		{f.otherPartner, f.noConsent.Reference, nil},
	}
	for _, c := range cases {
		list, total, err := f.s.Referrals(ctx, c.v, ReferralFilter{Q: c.q})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range list {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) || total != int64(len(c.want)) {
			t.Errorf("%s searching %q: %v (total %d); want %v (of %v)", c.v.User.Name, c.q, got, total, c.want, refs)
		}
	}
}

// An enquiry routed to another region takes its referrals along: the old
// region's adviser no longer reads the person through them, and the new
// region's case page lists them.
func TestMovedEnquiryTakesItsReferrals(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	e, err := f.s.Enquiry(ctx, f.admin, f.withConsent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.MoveToRegion(ctx, f.admin, Actor{}, e.ID, f.ringsaker.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Referral(ctx, f.adviser, r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old region's adviser reads the moved referral: %v", err)
	}
	if list, err := f.s.EnquiryReferrals(ctx, f.otherAdviser, e.ID); err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("the new region's case page lists %v (%v); want the referral", list, err)
	}
	if got, err := f.s.Referral(ctx, f.otherAdviser, r.ID); err != nil || got.RegionID != f.ringsaker.ID {
		t.Errorf("the new region's adviser reads %+v (%v)", got, err)
	}
}

// A draft sent after its follow-up date gets a new one, counted from the day
// it is sent: else it is overdue at once and closed as unanswered on the next
// round, before the partner has seen it.
func TestDraftSentLateGetsNewFollowUp(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	r, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Message: "Utkast"})
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 0, 50)
	if err := f.s.SetReferralStatus(ctx, f.adviser, Actor{}, r.ID, "sent", r.Version); err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 0 {
		t.Errorf("MarkNoResponse right after sending = %d, %v; want 0", n, err)
	}
	got, err := f.s.Referral(ctx, f.adviser, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 4, 21+f.hamar.ReferralFollowUpDays, 23, 59, 59, 0, Oslo)
	if got.Status != "sent" || !got.FollowUpDue.Equal(want) || got.Overdue(clock) {
		t.Errorf("sent draft: %s, due %s, overdue %v; want sent, due %s", got.Status, got.FollowUpDue.In(Oslo), got.Overdue(clock), want)
	}
}

// A one-time link shows nothing once its referral is closed by anyone: an
// adviser's withdrawal ends it as the partner's outcome through it does.
func TestReferralLinkEndsWithTheReferral(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	token, err := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, r.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, r.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "enquirer_withdrew", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.ReferralByLink(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("the link of a withdrawn referral shows %+v, %v; want ErrNotFound", got, err)
	}
}

// The median days to outcome count the partner's outcomes only: a withdrawal
// is the adviser's, and "no response" is dated by the janitor's round.
func TestReferralReportOutcomeDays(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 1, 5, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	granted := f.refer(t, f.withConsent, f.innovation, true)
	withdrawn := f.refer(t, f.noConsent, f.innovation, false)
	f.refer(t, f.noConsent, f.siva, false) // never answered
	clock = clock.AddDate(0, 0, 2)
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, withdrawn.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "enquirer_withdrew", Version: 1}); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 0, 2)
	if err := f.s.CloseReferral(ctx, f.partner, Actor{}, granted.ID, ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: 1000, Version: 1}); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 2, 0)
	if _, err := f.s.MarkNoResponse(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.ReferralReport(ctx, f.adviser, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep.MedianOutcomeDays == nil || *rep.MedianOutcomeDays != 4 {
		t.Errorf("median days to outcome = %v; want 4, the one outcome a partner gave", deref(rep.MedianOutcomeDays))
	}
	for _, p := range rep.Partners {
		if p.Name == "Siva" && p.MedianOutcomeDays != nil {
			t.Errorf("Siva, who never answered, has a median of %v days to outcome", *p.MedianOutcomeDays)
		}
	}
}

// A referral form sent twice (a double click, a reload) does not send the
// partner the case twice: one open referral per partner and case. Another
// partner, or the same once the first is closed, may be referred to.
func TestOneOpenReferralPerPartner(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	first := f.refer(t, f.withConsent, f.innovation, true)
	send := func(p *Partner) error {
		_, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: p.ID, Reason: "financing", Send: true})
		return err
	}
	var ve *ValidationError
	if err := send(f.innovation); !errors.As(err, &ve) || ve.Fields["partner_id"] != "error.referral_open_to_partner" {
		t.Errorf("a second referral to the same partner: %v; want partner_id error.referral_open_to_partner", err)
	}
	if err := send(f.siva); err != nil {
		t.Errorf("a referral to another partner: %v", err)
	}
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, first.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "enquirer_withdrew", Version: first.Version}); err != nil {
		t.Fatal(err)
	}
	if err := send(f.innovation); err != nil {
		t.Errorf("a new referral once the first was withdrawn: %v", err)
	}
	if list, err := f.s.EnquiryReferrals(ctx, f.adviser, f.withConsent.ID); err != nil || len(list) != 3 {
		t.Errorf("the case has %d referrals, %v; want 3", len(list), err)
	}
}

// An outcome's refusal names the field that is wrong: an amount typed for an
// outcome that takes none is marked on the amount, not on the instrument
// left empty beside it; an amount out of range says the range.
func TestOutcomeRefusalNamesTheField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		o           ReferralOutcome
		field, code string
	}{
		{ReferralOutcome{Outcome: "declined", Reason: "not_ready", AmountNOK: 5000}, "amount_nok", "error.instrument_only_supported"},
		{ReferralOutcome{Outcome: "withdrawn", Reason: "other", Instrument: "loan"}, "instrument", "error.instrument_only_supported"},
		{ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: -1}, "amount_nok", "error.amount_range"},
		{ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: 2_000_000_000}, "amount_nok", "error.amount_range"},
	}
	for _, c := range cases {
		var ve *ValidationError
		if err := c.o.validate(); !errors.As(err, &ve) || ve.Fields[c.field] != c.code {
			t.Errorf("%+v: %v; want %s %s", c.o, err, c.field, c.code)
		}
	}
	if ve := (&ReferralOutcome{Outcome: "declined", Reason: "not_ready", AmountNOK: 5000}).validate(); ve != nil && ve.(*ValidationError).Fields["instrument"] != "" {
		t.Errorf("an amount alone marks the empty instrument: %v", ve)
	}
}

// A draft saved without a follow-up date is due the region's number of days
// after it is sent, as the form's hint says: counted from the day it was
// saved, a draft sent ten days later was due within days. A date the adviser
// chose stays.
func TestDraftFollowUpCountsFromSending(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	chosen := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	byDefault, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing"})
	if err != nil {
		t.Fatal(err)
	}
	byChoice, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "financing", FollowUpDue: &chosen})
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 0, 10) // 12 March
	for _, r := range []*Referral{byDefault, byChoice} {
		if err := f.s.SetReferralStatus(ctx, f.adviser, Actor{}, r.ID, "sent", r.Version); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.s.Referral(ctx, f.adviser, byDefault.ID)
	if want := time.Date(2026, 3, 12+f.hamar.ReferralFollowUpDays, 23, 59, 59, 0, Oslo); !got.FollowUpDue.Equal(want) {
		t.Errorf("a draft without a date, sent on 12 March, is due %s; want %s", got.FollowUpDue.In(Oslo), want)
	}
	got, _ = f.s.Referral(ctx, f.adviser, byChoice.ID)
	if want := time.Date(2026, 3, 20, 23, 59, 59, 0, Oslo); !got.FollowUpDue.Equal(want) {
		t.Errorf("a draft due 20 March by choice is due %s once sent; want %s", got.FollowUpDue.In(Oslo), want)
	}
}

// A draft to a partner that has since been deactivated is not sent: a new
// referral to it is refused, and so is sending one saved before.
func TestDraftNotSentToInactivePartner(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "financing"})
	if err != nil {
		t.Fatal(err)
	}
	in := PartnerInput{Name: f.siva.Name, Kind: f.siva.Kind, Services: f.siva.ServiceList(), Description: f.siva.Description, Website: f.siva.Website, Active: false, Version: f.siva.Version}
	if err := f.s.UpdatePartner(ctx, Actor{}, f.siva.ID, in); err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if err := f.s.SetReferralStatus(ctx, f.adviser, Actor{}, r.ID, "sent", r.Version); !errors.As(err, &ve) || ve.Fields["status"] != "error.partner_inactive" {
		t.Errorf("sending a draft to a deactivated partner: %v; want status error.partner_inactive", err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Status != "draft" {
		t.Errorf("the draft is %s; want draft", got.Status)
	}
}

// A follow-up date or status a referral already has, sent from a version read
// before a change, is stale as any other save from it: elsewhere a save that
// changes nothing needs the current version too (unchanged), and a form sent
// twice is told so rather than taken.
func TestReferralNoOpFromStaleVersion(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, false)
	due := r.FollowUpDue.In(Oslo)
	day := time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC) // as forms give dates
	if err := f.s.SetReferralStatus(ctx, f.partner, Actor{}, r.ID, "acknowledged", 1); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func(version int) error
		version int
		want    error
	}{
		{"the same status from a stale version", func(v int) error { return f.s.SetReferralStatus(ctx, f.partner, Actor{}, r.ID, "acknowledged", v) }, 1, ErrConflict},
		{"the same status from the current version", func(v int) error { return f.s.SetReferralStatus(ctx, f.partner, Actor{}, r.ID, "acknowledged", v) }, 2, nil},
		{"the same date from a stale version", func(v int) error { return f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day, v) }, 1, ErrConflict},
		{"the same date from the current version", func(v int) error { return f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day, v) }, 2, nil},
	}
	for _, st := range steps {
		if err := st.do(st.version); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Errorf("%s: %v; want %v", st.name, err, st.want)
		}
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Version != 2 || got.Status != "acknowledged" {
		t.Errorf("after the no-ops: %s version %d; want acknowledged version 2", got.Status, got.Version)
	}
}

// The adviser moves an open referral's follow-up date: a date from today in
// Norway to a year ahead; the overdue marking and the closing as unanswered
// follow the new date. A date a year and more ahead (a typo, 2062) is refused
// when referring too.
func TestReferralFollowUpChange(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s) // as forms and the API give dates
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	fieldErr := func(err error) string {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			return ""
		}
		return ve.Fields["follow_up_due"]
	}
	far := day("2062-03-16")
	if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", FollowUpDue: &far, Send: true}); fieldErr(err) != "error.follow_up_too_far" {
		t.Errorf("referring with a follow-up in 2062: %v; want follow_up_due error.follow_up_too_far", err)
	}
	r := f.refer(t, f.withConsent, f.innovation, false) // due 16 March
	refusals := []struct {
		name    string
		v       *Viewer
		due     string
		version int
		want    string
	}{
		{"yesterday", f.adviser, "2026-03-01", 1, "error.past_date"},
		{"more than a year ahead", f.adviser, "2027-03-03", 1, "error.follow_up_too_far"},
		{"by the partner", f.partner, "2026-04-30", 1, "error.follow_up_adviser"},
	}
	for _, tt := range refusals {
		if err := f.s.SetReferralFollowUp(ctx, tt.v, Actor{}, r.ID, day(tt.due), tt.version); fieldErr(err) != tt.want {
			t.Errorf("%s: %v; want follow_up_due %s", tt.name, err, tt.want)
		}
	}
	if err := f.s.SetReferralFollowUp(ctx, f.board, Actor{}, r.ID, day("2026-04-30"), 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("by the board: %v; want ErrNotFound", err)
	}
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day("2026-04-30"), 7); !errors.Is(err, ErrConflict) {
		t.Errorf("with a stale version: %v; want ErrConflict", err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Version != 1 || got.FollowUpDue.In(Oslo).Format("2006-01-02") != "2026-03-16" {
		t.Fatalf("refused changes changed the referral: version %d, due %s", got.Version, got.FollowUpDue)
	}
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day("2027-03-02"), 1); err != nil {
		t.Errorf("a year ahead to the day: %v; want it accepted", err)
	}
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day("2026-04-30"), 2); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	if got.Version != 3 || got.FollowUpDue.In(Oslo).Format("2006-01-02") != "2026-04-30" {
		t.Errorf("after the change: version %d, due %s; want 3 and 2026-04-30", got.Version, got.FollowUpDue.In(Oslo))
	}
	audit, _ := f.s.AuditFor(ctx, "referral", fmt.Sprint(r.ID))
	if len(audit) == 0 || audit[0].Action != "follow_up" || !strings.Contains(audit[0].Detail, "2026-04-30") {
		t.Errorf("the change is not audited: %+v", audit)
	}
	// Overdue and no answer follow the new date: not overdue after the old one,
	// not closed 30 days after it; closed 30 days after the new one.
	clock = time.Date(2026, 4, 20, 10, 0, 0, 0, Oslo)
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Overdue(f.s.now()) {
		t.Error("overdue after the old date, before the new")
	}
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 0 {
		t.Errorf("MarkNoResponse 30 days after the old date = %d (%v); want 0", n, err)
	}
	clock = time.Date(2026, 5, 31, 1, 0, 0, 0, Oslo)
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 1 {
		t.Errorf("MarkNoResponse 30 days after the new date = %d (%v); want 1", n, err)
	}
	// Keeping a past date is no change; a closed referral's date stays.
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, day("2026-06-30"), 4); fieldErr(err) != "error.referral_not_open" {
		t.Errorf("changing a closed referral's date: %v; want follow_up_due error.referral_not_open", err)
	}
	r2 := f.refer(t, f.withConsent, f.siva, false) // due 14 days after 31 May
	clock = clock.AddDate(0, 1, 0)
	due := r2.FollowUpDue.In(Oslo)
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r2.ID, time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC), 1); err != nil {
		t.Errorf("keeping a past follow-up date: %v; want no change", err)
	}
}

// A referral closed as unanswered takes the partner's late answer, from the
// partner or the adviser: it becomes what really came of it, with a history
// entry and an audit entry, dated when the answer came, and the board's
// figures count it so. No other closed referral reopens.
func TestLateAnswerAfterNoResponse(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	r := f.refer(t, f.withConsent, f.innovation, false) // due 16 March, unanswered after 15 April
	other := f.refer(t, f.withConsent, f.siva, false)
	clock = time.Date(2026, 4, 16, 1, 0, 0, 0, Oslo)
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 2 {
		t.Fatalf("MarkNoResponse = %d (%v); want 2", n, err)
	}
	clock = time.Date(2026, 5, 4, 12, 0, 0, 0, Oslo)
	supported := ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: 200000, Version: 2}
	if err := f.s.CloseReferral(ctx, f.partner, Actor{}, r.ID, ReferralOutcome{Outcome: "no_response", Reason: "partner_silent", Version: 2}); err == nil {
		t.Error("the partner recorded no response on an unanswered referral")
	}
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, r.ID, ReferralOutcome{Outcome: "no_response", Reason: "enquirer_silent", Version: 2}); err == nil {
		t.Error("an unanswered referral was closed as unanswered again")
	}
	if err := f.s.CloseReferral(ctx, f.otherPartner, Actor{}, r.ID, supported); !errors.Is(err, ErrNotFound) {
		t.Errorf("another partner's late answer: %v; want ErrNotFound", err)
	}
	if err := f.s.CloseReferral(ctx, f.partner, Actor{}, r.ID, supported); err != nil {
		t.Fatalf("the partner's late answer: %v", err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	if got.Status != "completed" || got.Outcome != "supported" || got.OutcomeReason != "granted" || got.AmountNOK != 200000 || got.Version != 3 {
		t.Errorf("after the late answer: %s %s %s %d version %d", got.Status, got.Outcome, got.OutcomeReason, got.AmountNOK, got.Version)
	}
	if got.ClosedAt == nil || !got.ClosedAt.Equal(clock.UTC()) || got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(clock.UTC()) {
		t.Errorf("the late answer is dated closed %v, acknowledged %v; want both %v", got.ClosedAt, got.AcknowledgedAt, clock.UTC())
	}
	history, _ := f.s.ReferralHistory(ctx, f.adviser, r.ID)
	if last := history[len(history)-1]; last.FromStatus != "no_response" || last.ToStatus != "completed" || last.Via != "user" {
		t.Errorf("history lacks the late answer: %+v", last)
	}
	audit, _ := f.s.AuditFor(ctx, "referral", fmt.Sprint(r.ID))
	if len(audit) == 0 || audit[0].Action != "close" || !strings.Contains(audit[0].Detail, "outcome=supported") {
		t.Errorf("the late answer is not audited: %+v", audit)
	}
	// The adviser records the other partner's late answer, heard by phone.
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, other.ID, ReferralOutcome{Outcome: "declined", Reason: "not_ready", Version: 2}); err != nil {
		t.Fatalf("the adviser's late answer: %v", err)
	}
	rep, err := f.s.ReferralReport(ctx, f.board, time.Date(2026, 3, 1, 0, 0, 0, 0, Oslo), time.Date(2026, 5, 31, 0, 0, 0, 0, Oslo))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Partners {
		if p.NoResponse != 0 || p.Supported+p.Declined != 1 {
			t.Errorf("%s in the report: no response %d, supported %d, declined %d; want the late answers", p.Name, p.NoResponse, p.Supported, p.Declined)
		}
	}
	if rep.Supported != 1 || rep.GrantedNOK != 200000 {
		t.Errorf("report: supported %d, %d kr; want 1, 200000", rep.Supported, rep.GrantedNOK)
	}
	// A referral closed otherwise stays closed.
	for _, o := range []ReferralOutcome{{Outcome: "declined", Reason: "not_ready", Version: 3}, {Outcome: "withdrawn", Reason: "other", Version: 3}} {
		if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, r.ID, o); err == nil {
			t.Errorf("a completed referral was closed again as %s", o.Outcome)
		}
	}
}

// The adviser discards a draft that was never sent: it is gone, with its
// history, audited, and no longer blocks a new referral to the partner; the
// figures do not change. A sent referral is withdrawn, not discarded, and
// nobody but the adviser's side discards.
func TestDiscardDraft(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	sent := f.refer(t, f.noConsent, f.siva, false)
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Message: "Utkast"})
	if err != nil {
		t.Fatal(err)
	}
	day := dateOf(f.s.now())
	before, err := f.s.ReferralReport(ctx, f.board, day, day)
	if err != nil {
		t.Fatal(err)
	}
	discard := func(v *Viewer, id int64, version int) error {
		_, err := f.s.DiscardReferral(ctx, v, Actor{}, id, version)
		return err
	}
	if err := discard(f.board, draft.ID, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("the board discards: %v; want ErrNotFound", err)
	}
	if err := discard(f.partner, draft.ID, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("the partner discards: %v; want ErrNotFound", err)
	}
	if err := discard(f.otherAdviser, draft.ID, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("another region's adviser discards: %v; want ErrNotFound", err)
	}
	var ve *ValidationError
	if err := discard(f.adviser, sent.ID, 1); !errors.As(err, &ve) || ve.Fields["status"] != "error.discard_only_draft" {
		t.Errorf("discarding a sent referral: %v; want status error.discard_only_draft", err)
	}
	if err := discard(f.adviser, draft.ID, 2); !errors.Is(err, ErrConflict) {
		t.Errorf("discarding with a stale version: %v; want ErrConflict", err)
	}
	enquiryID, err := f.s.DiscardReferral(ctx, f.adviser, Actor{}, draft.ID, 1)
	if err != nil || enquiryID != f.withConsent.ID {
		t.Fatalf("discarding the draft: enquiry %d, %v; want enquiry %d", enquiryID, err, f.withConsent.ID)
	}
	if _, err := f.s.Referral(ctx, f.adviser, draft.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the discarded draft: %v; want ErrNotFound", err)
	}
	if _, err := f.s.Referral(ctx, f.adviser, sent.ID); err != nil {
		t.Errorf("the sent referral is gone too: %v", err)
	}
	var events int64
	f.s.db.Model(&ReferralEvent{}).Where("referral_id = ?", draft.ID).Count(&events)
	if events != 0 {
		t.Errorf("the discarded draft left %d history entries", events)
	}
	audit, _ := f.s.AuditFor(ctx, "referral", fmt.Sprint(draft.ID))
	if len(audit) == 0 || audit[0].Action != "discard" || !strings.Contains(audit[0].Detail, fmt.Sprint("enquiry=", f.withConsent.ID)) {
		t.Errorf("the discard is not audited: %+v", audit)
	}
	after, err := f.s.ReferralReport(ctx, f.board, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if after.Sent != before.Sent || after.Open != before.Open || after.Sent != 1 {
		t.Errorf("the report changed: sent %d open %d; before sent %d open %d", after.Sent, after.Open, before.Sent, before.Open)
	}
	if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Send: true}); err != nil {
		t.Errorf("a new referral to the partner once the draft was discarded: %v", err)
	}
}

// The adviser edits a draft before sending it: contact, reason, message and
// sharing, validated as when referring; audited, moving the version. A sent
// referral's text is what the partner got, and is not edited.
func TestEditDraft(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.noConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Message: "Utkast"})
	if err != nil {
		t.Fatal(err)
	}
	in := DraftInput{ContactName: "Kari Kontakt", ContactEmail: "Kari@IN.example", Reason: "market_export", Message: "Eksport til Sverige", Version: 1}
	bad := []struct {
		name, field string
		edit        func(*DraftInput)
	}{
		{"no reason", "reason", func(d *DraftInput) { d.Reason = "" }},
		{"a reason that is none", "reason", func(d *DraftInput) { d.Reason = "magic" }},
		{"a message too long", "message", func(d *DraftInput) { d.Message = strings.Repeat("x", 4001) }},
		{"no e-mail address", "contact_email", func(d *DraftInput) { d.ContactEmail = "kari" }},
		{"sharing without consent", "share_personal_data", func(d *DraftInput) { d.SharePersonalData = true }},
	}
	for _, tt := range bad {
		d := in
		tt.edit(&d)
		var ve *ValidationError
		if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, d); !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
			t.Errorf("%s: %v; want an error on %s", tt.name, err, tt.field)
		}
	}
	if err := f.s.UpdateDraftReferral(ctx, f.partner, Actor{}, draft.ID, in); !errors.Is(err, ErrNotFound) {
		t.Errorf("the partner edits a draft: %v; want ErrNotFound", err)
	}
	stale := in
	stale.Version = 5
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, stale); !errors.Is(err, ErrConflict) {
		t.Errorf("a stale edit: %v; want ErrConflict", err)
	}
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, in); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, draft.ID)
	if got.Reason != "market_export" || got.Message != "Eksport til Sverige" || got.ContactName != "Kari Kontakt" || got.ContactEmail != "kari@in.example" || got.Version != 2 || got.Status != "draft" {
		t.Errorf("the edited draft = %+v", got)
	}
	audit, _ := f.s.AuditFor(ctx, "referral", fmt.Sprint(draft.ID))
	if len(audit) == 0 || audit[0].Action != "update" {
		t.Errorf("the edit is not audited: %+v", audit)
	}
	sent := f.refer(t, f.withConsent, f.siva, false)
	in.Version = 1
	var ve *ValidationError
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, sent.ID, in); !errors.As(err, &ve) || ve.Fields["status"] != "error.edit_only_draft" {
		t.Errorf("editing a sent referral: %v; want status error.edit_only_draft", err)
	}
}

// A draft saved as it is (its page's form sent unchanged) is no edit: as for
// every other record, its version stays, so another's open form does not turn
// stale, and the audit log records no edit; from a stale version it is still a
// conflict.
func TestEditDraftUnchanged(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing",
		Message: "Utkast", ContactName: "Kari Kontakt", ContactEmail: "kari@in.example", SharePersonalData: true})
	if err != nil {
		t.Fatal(err)
	}
	same := DraftInput{ContactName: "Kari Kontakt", ContactEmail: "Kari@IN.example", Reason: "financing", Message: " Utkast ", SharePersonalData: true, Version: draft.Version}
	audits := count(t, f.s, "audit_log")
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, same); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, draft.ID)
	if got.Version != draft.Version || count(t, f.s, "audit_log") != audits {
		t.Errorf("a draft saved unchanged: version %d, %d audit entries added; want version %d, none", got.Version, count(t, f.s, "audit_log")-audits, draft.Version)
	}
	stale := same
	stale.Version = draft.Version - 1
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, stale); !errors.Is(err, ErrConflict) {
		t.Errorf("a draft saved unchanged from a stale version: %v; want ErrConflict", err)
	}
	changed := same
	changed.SharePersonalData = false
	if err := f.s.UpdateDraftReferral(ctx, f.adviser, Actor{}, draft.ID, changed); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, draft.ID); got.Version != draft.Version+1 || got.SharePersonalData {
		t.Errorf("the changed draft: version %d, sharing %t; want version %d, not sharing", got.Version, got.SharePersonalData, draft.Version+1)
	}
}

// The discard of a draft lies in the draft's region, as every entry about a
// referral does: an admin working in another region who discards it leaves
// the entry where the region's coordinators follow their audit.
func TestDiscardAuditLiesInTheDraftsRegion(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, f.withConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing"})
	if err != nil {
		t.Fatal(err)
	}
	admin := Actor{UserID: f.admin.User.ID, RegionID: f.ringsaker.ID} // working in another region
	if _, err := f.s.DiscardReferral(ctx, f.admin, admin, draft.ID, draft.Version); err != nil {
		t.Fatal(err)
	}
	entries, err := f.s.AuditFor(ctx, "referral", fmt.Sprint(draft.ID))
	if err != nil || len(entries) == 0 || entries[0].Action != "discard" {
		t.Fatalf("the discard's entries: %+v, %v", entries, err)
	}
	if got := entries[0].RegionID; got == nil || *got != draft.RegionID {
		t.Errorf("the discard lies in region %v; want the draft's, %d", deref(got), draft.RegionID)
	}
}

// Erasing a person's data keeps the partner's contact on their referrals: the
// contact is the partner's employee, who handled the case, not the person.
// The message (which may name the person) is still removed, and so is a
// contact that is the person after all (an adviser who typed the enquirer's
// name, e-mail or phone in the contact fields): erasure left nothing of them.
func TestErasureKeepsThePartnersContact(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	c := consent()
	c.Share = true
	for _, tc := range []struct {
		name, email string
		kept        bool
	}{
		{"Per Partner", "per@innovasjonnorge.no", true},
		{"", "per@innovasjonnorge.no", true},
		{"Kari Nordmann", "", false},
		{"kari nordmann (gründeren)", "per@innovasjonnorge.no", false},
		{"Per", "KARI.N@example.org", false},
		{"Ring 912 34 567", "", false},
	} {
		in := sampleInput("3412")
		in.Name, in.Email, in.Phone = "Kari Nordmann", "kari.n@example.org", "+47 912 34 567"
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: c, Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing",
			ContactName: tc.name, ContactEmail: tc.email, Message: "Kari Nordmann (912 34 567) trenger lån", SharePersonalData: true, Send: true})
		if err != nil {
			t.Fatalf("%q %q: %v", tc.name, tc.email, err)
		}
		if n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: "kari.n@example.org"}, "Request by e-mail"); err != nil || n != 1 {
			t.Fatalf("erase = %d (%v)", n, err)
		}
		got, err := f.s.Referral(ctx, f.admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Message != Redacted {
			t.Errorf("%q %q: the message after erasure = %q; want it removed", tc.name, tc.email, got.Message)
		}
		want := [2]string{}
		if tc.kept {
			want = [2]string{tc.name, tc.email}
		}
		if have := [2]string{got.ContactName, got.ContactEmail}; have != want {
			t.Errorf("the contact %q %q after erasure = %q; want %q", tc.name, tc.email, have, want)
		}
	}
}

// The referrals a partner's deactivation leaves behind are counted as sent
// and open, and as drafts, apart: neither closed ones nor another partner's.
func TestPendingReferralsOfPartner(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	before, err := f.s.PendingReferrals(ctx, f.siva.ID)
	if err != nil {
		t.Fatal(err)
	}
	third, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3413"), Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	f.refer(t, f.withConsent, f.siva, false)
	f.refer(t, f.noConsent, f.siva, false)
	closed := f.refer(t, third, f.siva, false)
	if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, closed.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "other", Version: closed.Version}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []ReferralInput{{PartnerID: f.siva.ID, Reason: "financing"}, {PartnerID: f.innovation.ID, Reason: "financing"}} {
		if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, third.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.s.PendingReferrals(ctx, f.siva.ID)
	if want := (PendingReferrals{Sent: before.Sent + 2, Drafts: before.Drafts + 1}); err != nil || got != want {
		t.Errorf("PendingReferrals = %+v, %v; want %+v", got, err, want)
	}
}

// A one-time link's answer sent many times at once (a double click, a
// browser that sends again) is taken once: every acknowledgement succeeds and
// one is recorded; one outcome is recorded and uses the link up, and the
// others find it used (ErrLinkEnded, which the page answers as the same
// answer sent again), never a conflict. On PostgreSQL two transactions read
// the link and the referral side by side, and the later one's write met a
// changed version: ErrConflict, a stale form's answer.
func TestAnswerByLinkAtOnce(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	token, err := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, r.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const at = 16
	answerAtOnce := func(acknowledge bool, o *ReferralOutcome) []error {
		errs := make([]error, at)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range at {
			wg.Go(func() {
				<-start
				var mine *ReferralOutcome
				if o != nil {
					c := *o
					mine = &c
				}
				errs[i] = f.s.AnswerByLink(ctx, Actor{}, token, acknowledge, mine)
			})
		}
		close(start)
		wg.Wait()
		return errs
	}
	steps := func(to string) int {
		var n int64
		if err := f.s.db.Model(&ReferralEvent{}).Where("referral_id = ? AND to_status = ?", r.ID, to).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	for i, err := range answerAtOnce(true, nil) {
		if err != nil {
			t.Errorf("acknowledgement %d of %d at once: %v; want it taken", i+1, at, err)
		}
	}
	if n := steps("acknowledged"); n != 1 {
		t.Errorf("%d acknowledgements at once recorded %d times; want once", at, n)
	}
	taken := 0
	for i, err := range answerAtOnce(false, &ReferralOutcome{Outcome: "supported", Reason: "granted", Instrument: "loan", AmountNOK: 100000}) {
		switch {
		case err == nil:
			taken++
		case !errors.Is(err, ErrLinkEnded):
			t.Errorf("outcome %d of %d at once: %v; want it taken, or the link found used", i+1, at, err)
		}
	}
	if n := steps("completed"); taken != 1 || n != 1 {
		t.Errorf("%d outcomes at once: %d taken, %d recorded; want 1 and 1", at, taken, n)
	}
}
