package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// auditActions lists the actions of the audit entries about one record.
func auditActions(t *testing.T, s *Store, object, id string) map[string]string {
	t.Helper()
	entries, err := s.AuditFor(context.Background(), object, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		out[e.Action] = e.Detail
	}
	return out
}

// Withdrawing consent to share is recorded as a consent of its own, moves the
// version, and from then on no partner sees the person: not on the open
// referral (whose sharing ends), not on one already answered (whose history
// stays), not through a one-time link; and no new referral can share.
func TestWithdrawShareConsent(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 23, 30, 0, 0, time.UTC) // 00:30 on 21 November in Norway
	f.s.SetClock(func() time.Time { return at })
	e := f.withConsent
	open := f.refer(t, e, f.innovation, true)
	answered := f.refer(t, e, f.siva, true)
	if err := f.s.CloseReferral(ctx, f.otherPartner, Actor{}, answered.ID, ReferralOutcome{Outcome: "declined", Reason: "not_eligible", Version: answered.Version}); err != nil {
		t.Fatal(err)
	}
	token, err := f.s.CreateReferralLink(ctx, f.adviser, Actor{}, open.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Referral(ctx, f.partner, open.ID); got.Enquiry.Name != "Ola Nordmann" {
		t.Fatalf("before withdrawal the partner sees %q; want the name", got.Enquiry.Name)
	}

	// Refused, and nothing changes: a stale version, another region's
	// adviser, the board.
	for name, try := range map[string]func() error{
		"stale":        func() error { return f.s.WithdrawShareConsent(ctx, f.adviser, Actor{}, e.ID, e.Version+1) },
		"other region": func() error { return f.s.WithdrawShareConsent(ctx, f.otherAdviser, Actor{}, e.ID, e.Version) },
		"board":        func() error { return f.s.WithdrawShareConsent(ctx, f.board, Actor{}, e.ID, e.Version) },
	} {
		err := try()
		want := ErrNotFound
		if name == "stale" {
			want = ErrConflict
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: %v; want %v", name, err, want)
		}
	}
	if got, _ := f.s.Enquiry(ctx, f.adviser, e.ID); !got.ConsentShare || got.Version != e.Version {
		t.Fatalf("after refusals: consent %t, version %d; want true, %d", got.ConsentShare, got.Version, e.Version)
	}

	if err := f.s.WithdrawShareConsent(ctx, f.adviser, Actor{UserID: f.adviser.User.ID, RegionID: f.hamar.ID}, e.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Enquiry(ctx, f.adviser, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ConsentShare || got.Version != e.Version+1 {
		t.Errorf("after withdrawal: consent %t, version %d; want false, %d", got.ConsentShare, got.Version, e.Version+1)
	}
	consents, err := f.s.Consents(ctx, f.adviser, e.ID)
	if err != nil || len(consents) != 3 {
		t.Fatalf("consents = %+v (%v); want the two given and the withdrawal", consents, err)
	}
	given, w := consents[1], consents[2]
	if given.Purpose != "share" || !given.Granted {
		t.Fatalf("second consent = %+v; want the share given", given)
	}
	if w.Purpose != "share" || w.Granted || w.Text != given.Text || w.Version != given.Version || w.Language != given.Language ||
		!w.At.Equal(at) || w.RecordedBy == nil || *w.RecordedBy != f.adviser.User.ID || w.Withdraws == nil || *w.Withdraws != given.ID {
		t.Errorf("withdrawal = %+v; want share, not granted, the text given (%q), at %v, by %d, withdrawing %d", w, given.Text, at, f.adviser.User.ID, given.ID)
	}
	if !w.Withdrawal() || given.Withdrawal() {
		t.Errorf("Withdrawal() = %t, %t; want true for the withdrawal only", w.Withdrawal(), given.Withdrawal())
	}
	if w.Recorder == nil || w.Recorder.Name != f.adviser.User.Name {
		t.Errorf("withdrawal recorded by %+v; want %s", w.Recorder, f.adviser.User.Name)
	}

	// The open referral shares no more; the answered one keeps its history.
	o, _ := f.s.Referral(ctx, f.adviser, open.ID)
	if o.SharePersonalData || o.Version != open.Version+1 {
		t.Errorf("open referral: share %t, version %d; want false, %d", o.SharePersonalData, o.Version, open.Version+1)
	}
	a, _ := f.s.Referral(ctx, f.adviser, answered.ID)
	if !a.SharePersonalData || a.Status != "declined" {
		t.Errorf("answered referral: share %t, status %s; want its history kept (true, declined)", a.SharePersonalData, a.Status)
	}
	for _, c := range []struct {
		name string
		v    *Viewer
		id   int64
	}{{"open", f.partner, open.ID}, {"answered", f.otherPartner, answered.ID}} {
		r, err := f.s.Referral(ctx, c.v, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if c.v.SeesPersonData(r) || r.Enquiry.Name != "" || r.Enquiry.Email != "" || r.Enquiry.Description != "" {
			t.Errorf("%s referral: the partner sees %+v after withdrawal", c.name, r.Enquiry)
		}
		list, _, err := f.s.Referrals(ctx, c.v, ReferralFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.Enquiry.Name != "" || c.v.SeesPersonData(&r) {
				t.Errorf("%s: the partner's list shows %q after withdrawal", c.name, r.Enquiry.Name)
			}
		}
	}
	if r, err := f.s.ReferralByLink(ctx, token); err != nil || r.SharePersonalData || r.Enquiry.Name != "" || r.Enquiry.Email != "" {
		t.Errorf("one-time link after withdrawal: %+v (%v); want no person data", r, err)
	}
	// The adviser still sees the person: withdrawal is not erasure.
	if o.Enquiry.Name != "Ola Nordmann" {
		t.Errorf("the adviser sees %q; want the name kept", o.Enquiry.Name)
	}

	// New referrals cannot share.
	_, err = f.s.CreateReferral(ctx, f.adviser, Actor{}, f.noConsent.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Send: true}) // another case: allowed
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	_, err = f.s.CreateReferral(ctx, f.adviser, Actor{}, e.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "financing", SharePersonalData: true, Send: true})
	if !errors.As(err, &ve) || ve.Fields["share_personal_data"] == "" {
		t.Errorf("sharing after withdrawal: %v; want refused", err)
	}

	// Audited: on the case, and on each referral whose sharing ended.
	if d, ok := auditActions(t, f.s, "enquiry", itoa(e.ID))["withdraw_consent"]; !ok || d != "purpose=share referrals=1" {
		t.Errorf("enquiry audit withdraw_consent = %q (%t); want purpose=share referrals=1", d, ok)
	}
	if _, ok := auditActions(t, f.s, "referral", itoa(open.ID))["unshare"]; !ok {
		t.Error("the open referral's audit lacks unshare")
	}
	if _, ok := auditActions(t, f.s, "referral", itoa(answered.ID))["unshare"]; ok {
		t.Error("the answered referral was unshared: its history must stay")
	}

	// A second withdrawal (a form sent twice) changes nothing and is no error.
	if err := f.s.WithdrawShareConsent(ctx, f.adviser, Actor{}, e.ID, e.Version); err != nil {
		t.Errorf("withdrawing again: %v; want nothing done", err)
	}
	if again, _ := f.s.Consents(ctx, f.adviser, e.ID); len(again) != 3 {
		t.Errorf("withdrawing again recorded %d consents; want 3", len(again))
	}
	if got, _ := f.s.Enquiry(ctx, f.adviser, e.ID); got.Version != e.Version+1 {
		t.Errorf("withdrawing again moved the version to %d", got.Version)
	}
}

// An adviser who registers an enquiry by phone records the consent on the
// person's behalf: who recorded it is kept with it. The one door's have none.
func TestConsentRecordedBy(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	byPhone, err := f.s.CreateEnquiry(ctx, f.adviser, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	web := f.webEnquiry(t, "3412")
	for _, c := range []struct {
		e    *Enquiry
		want *int64
	}{{byPhone, &f.adviser.User.ID}, {web, nil}} {
		list, err := f.s.Consents(ctx, f.adviser, c.e.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("consents = %+v (%v)", list, err)
		}
		for _, x := range list {
			if (x.RecordedBy == nil) != (c.want == nil) || c.want != nil && *x.RecordedBy != *c.want || x.Withdrawal() {
				t.Errorf("%s consent %s recorded by %v; want %v", c.e.Channel, x.Purpose, x.RecordedBy, c.want)
			}
		}
	}
}

// An edit may withdraw consent to share in the same save (the API's PATCH).
// Sending it back when it is already withdrawn, or was never given, is no
// change; a stale version is still a conflict.
func TestUpdateEnquiryWithdrawsShare(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.withConsent, f.innovation, true)
	in := InputOf(f.withConsent)
	in.WithdrawShare = true
	in.Description = "Ny beskrivelse"
	if _, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, f.withConsent.ID, in, f.withConsent.Version+1); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale withdrawal: %v; want ErrConflict", err)
	}
	e, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, f.withConsent.ID, in, f.withConsent.Version)
	if err != nil {
		t.Fatal(err)
	}
	if e.ConsentShare || e.Description != "Ny beskrivelse" || e.Version != f.withConsent.Version+1 {
		t.Errorf("after the edit: consent %t, description %q, version %d", e.ConsentShare, e.Description, e.Version)
	}
	if got, _ := f.s.Referral(ctx, f.partner, r.ID); got.Enquiry.Name != "" {
		t.Errorf("the partner sees %q after withdrawal by edit", got.Enquiry.Name)
	}
	list, _ := f.s.Consents(ctx, f.adviser, e.ID)
	if len(list) != 3 || !list[2].Withdrawal() {
		t.Errorf("consents after the edit = %+v; want the withdrawal recorded", list)
	}
	// Sent back as it is: nothing to save.
	in = InputOf(e)
	in.WithdrawShare = true
	again, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, in, e.Version)
	if err != nil || again.Version != e.Version {
		t.Errorf("withdrawing again by edit: version %d (%v); want %d unchanged", again.Version, err, e.Version)
	}
	in = InputOf(f.noConsent)
	in.WithdrawShare = true
	never, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, f.noConsent.ID, in, f.noConsent.Version)
	if err != nil || never.Version != f.noConsent.Version {
		t.Errorf("withdrawing a consent never given: version %d (%v); want unchanged", never.Version, err)
	}
	if list, _ := f.s.Consents(ctx, f.adviser, f.noConsent.ID); len(list) != 2 {
		t.Errorf("a consent never given was withdrawn: %+v", list)
	}
}
