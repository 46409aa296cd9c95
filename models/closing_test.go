package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Retention leaves a closed case's person data while one of its referrals is
// still open (sent, acknowledged or in progress): the partner may still
// answer, and reads the person's details meanwhile. Once the referral is
// closed (here as unanswered, by the daily job), the case is anonymised.
// It anonymised the case, and the partner's open referral lost its message
// and contact.
func TestRetentionWaitsForOpenReferrals(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	referred, plain := f.webEnquiry(t, "3412"), f.webEnquiry(t, "3412")
	r := f.refer(t, referred, f.innovation, false)
	// Followed up late in the year: an open referral holds retention back
	// for the retention period after its follow-up date, no longer
	// (TestRetentionWaitsForAnOpenReferralNotForever).
	if err := f.s.SetReferralFollowUp(ctx, f.adviser, Actor{}, r.ID, time.Date(2023, 12, 20, 0, 0, 0, 0, time.UTC), 1); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*Enquiry{referred, plain} {
		cur, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
		if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "referred", Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
	}
	clock = start.AddDate(0, 37, 0)
	due, err := f.s.RetentionDue(ctx)
	if err != nil || len(due) != 1 || due[0].ID != plain.ID {
		t.Fatalf("due = %v (%v); want only the case without an open referral", due, err)
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("retention = %d (%v); want 1", n, err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Message == Redacted || got.Status != "sent" {
		t.Errorf("the open referral after retention: status %s, message %q", got.Status, got.Message)
	}
	// A case found due whose referral is opened again before it is
	// anonymised (a draft of a case closed before drafts were refused, sent)
	// keeps its data too: the condition is checked again in the update.
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 1 {
		t.Fatalf("MarkNoResponse = %d (%v)", n, err)
	}
	due, err = f.s.RetentionDue(ctx)
	if err != nil || len(due) != 1 || due[0].ID != referred.ID {
		t.Fatalf("due once the referral closed = %v (%v)", due, err)
	}
	if err := f.s.db.Model(&Referral{}).Where("id = ?", r.ID).Update("status", "acknowledged").Error; err != nil {
		t.Fatal(err)
	}
	if done, err := f.s.anonymiseDue(ctx, due[0]); err != nil || done {
		t.Errorf("anonymiseDue with the referral open again = %v (%v); want it spared", done, err)
	}
	if err := f.s.db.Model(&Referral{}).Where("id = ?", r.ID).Update("status", "no_response").Error; err != nil {
		t.Fatal(err)
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("retention once the referral closed = %d (%v); want 1", n, err)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, referred.ID); got.AnonymisedAt == nil || got.Name != Redacted {
		t.Errorf("the case whose referral closed is not anonymised: %q", got.Name)
	}
}

// An open referral holds a closed case's retention back for the retention
// period after the referral's follow-up date, no longer: a partner who has
// neither answered nor been chased for that long will not report back, and
// the person's data were kept for good (acknowledged and in-progress
// referrals are never closed by themselves).
func TestRetentionWaitsForAnOpenReferralNotForever(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	r := f.refer(t, e, f.innovation, false)
	if err := f.s.SetReferralStatus(ctx, f.partner, Actor{}, r.ID, "acknowledged", 1); err != nil {
		t.Fatal(err)
	}
	cur, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "referred", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Referral(ctx, f.adviser, r.ID)
	followUp := got.FollowUpDue.In(Oslo)
	months := f.hamar.RetentionMonths
	clock = followUp.AddDate(0, months, -1)
	if due, err := f.s.RetentionDue(ctx); err != nil || len(due) != 0 {
		t.Fatalf("due a day before the period after the follow-up ended = %v (%v); want none", due, err)
	}
	clock = followUp.AddDate(0, months, 1)
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("retention a day after the period after the follow-up = %d (%v); want 1", n, err)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, e.ID); got.AnonymisedAt == nil || got.Name != Redacted {
		t.Errorf("the case is not anonymised: %q", got.Name)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Status != "acknowledged" || got.Message != Redacted {
		t.Errorf("the referral after retention: %s %q; want it left open, its text redacted", got.Status, got.Message)
	}
}

// A case with an unsent draft of a referral is not closed: the adviser sends
// or discards the draft first, and nothing changes. (A draft of a closed case
// is work nobody will finish; discarding it unasked would lose what the
// adviser wrote.) Sent referrals still open do not stop the closing.
func TestCloseRefusesDrafts(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	f.refer(t, e, f.innovation, false)
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "premises_land", Message: "Utkast"})
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	_, err = f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "referred", Version: cur.Version})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["status"] != "error.close_with_drafts" {
		t.Fatalf("closing with a draft = %v; want refused on status", err)
	}
	if got, _ := f.s.Enquiry(ctx, f.adviser, e.ID); got.Status == "closed" || got.Version != cur.Version {
		t.Errorf("the refused closing changed the case: status %s, version %d", got.Status, got.Version)
	}
	if _, err := f.s.DiscardReferral(ctx, f.adviser, Actor{}, draft.ID, draft.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "referred", Version: cur.Version}); err != nil {
		t.Errorf("closing with the draft discarded and a sent referral open = %v", err)
	}
}

// A draft left on a case closed before drafts were refused at closing is not
// sent while the case is closed (a closed case takes no referrals: reopen it
// first), and it does not hold retention back: nothing closes a draft by
// itself, and the person's data would be kept for good.
func TestDraftOfClosedCase(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	draft, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "premises_land", Message: "Utkast"})
	if err != nil {
		t.Fatal(err)
	}
	// Closed as CloseEnquiry did before it refused drafts.
	if err := f.s.db.Model(&Enquiry{}).Where("id = ?", e.ID).Updates(map[string]any{"status": "closed", "outcome": "guided", "closed_at": clock.UTC()}).Error; err != nil {
		t.Fatal(err)
	}
	err = f.s.SetReferralStatus(ctx, f.adviser, Actor{}, draft.ID, "sent", draft.Version)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["status"] != "error.closed_reopen_to_refer" {
		t.Errorf("sending the closed case's draft = %v; want refused on status", err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, draft.ID); got.Status != "draft" {
		t.Errorf("the refused sending left the draft %s", got.Status)
	}
	clock = start.AddDate(0, 37, 0)
	if due, err := f.s.RetentionDue(ctx); err != nil || len(due) != 1 || due[0].ID != e.ID {
		t.Errorf("due = %v (%v); want the closed case with only a draft", due, err)
	}
}
