package models

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Retention runs out N months after the enquiry closed, never before: a
// closing on 2 March with six months' retention keeps its person data until
// 2 September. now.AddDate(0, -6, 0) on 31 August is "31 February", which Go
// normalises to 3 March: the cut-off jumped three days ahead.
func TestRetentionNotBeforeTheMonthsHavePassed(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	in := DefaultRegionInput()
	in.Slug, in.Name = f.hamar.Slug, f.hamar.Name
	if f.hamar.HostMunicipality != nil {
		in.HostMunicipality = *f.hamar.HostMunicipality
	}
	in.RetentionMonths = 6
	if err := f.s.UpdateRegion(ctx, f.admin, Actor{}, f.hamar.ID, withVersion(in, f.hamar.Version)); err != nil {
		t.Fatal(err)
	}
	closedAt := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo)
	clock := closedAt
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"})
	if err != nil || e.RegionID == nil || *e.RegionID != f.hamar.ID {
		t.Fatalf("create: %v %+v", err, e)
	}
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: e.Version}); err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2026, 8, 31, 12, 0, 0, 0, Oslo) // five months and 29 days later
	due, err := f.s.RetentionDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Errorf("on 31 August an enquiry closed on 2 March with 6 months' retention is due: %+v", due)
	}
	clock = time.Date(2026, 9, 2, 12, 0, 0, 0, Oslo)
	if due, _ := f.s.RetentionDue(ctx); len(due) != 1 {
		t.Errorf("on 2 September (6 months on) due = %+v; want the enquiry", due)
	}
}

// The same with the default 36 months and a leap day: closed 1 March 2025,
// due 1 March 2028, not on 29 February 2028.
func TestRetentionLeapDay(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	clock := time.Date(2025, 3, 1, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: e.Version}); err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2028, 2, 29, 12, 0, 0, 0, Oslo)
	if due, _ := f.s.RetentionDue(ctx); len(due) != 0 {
		t.Errorf("on 29 February 2028 an enquiry closed 1 March 2025 (36 months' retention) is due: %+v", due)
	}
}

// An enquiry that arrives in the first hour(s) of a municipality's first day
// as a member (Oslo time) belongs to the region, as the portfolio and the
// project scopes, which count membership by Norway's calendar day, say.
func TestRoutingByOsloDay(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	in := DefaultRegionInput()
	in.Slug, in.Name = "elverum", "Elverumsregionen"
	region, err := f.s.CreateRegion(ctx, Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // a date, as forms and the API give it
	if _, err := f.s.SaveMember(ctx, Actor{}, region.ID, MemberInput{Kommunenummer: "3420", JoinedOn: joined, Votes: 1, TakesEnquiries: true}); err != nil {
		t.Fatal(err)
	}
	f.s.SetClock(func() time.Time { return time.Date(2026, 1, 1, 0, 30, 0, 0, Oslo).UTC() }) // 00:30 on 1 January in Norway
	e := f.webEnquiry(t, "3420")
	if e.RegionID == nil || *e.RegionID != region.ID {
		t.Errorf("enquiry from Elverum at 00:30 on its first member day went to region %v (reference %s); want %d", e.RegionID, e.Reference, region.ID)
	}
	if e.Reference != "ELV-2026-00001" {
		t.Errorf("reference %s; want ELV-2026-00001", e.Reference)
	}
	// And one that has left is no longer routed on its leaving day.
	left := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	m := memberOf(t, f.s, region.ID, "3420")
	if _, err := f.s.SaveMember(ctx, Actor{}, region.ID, MemberInput{Kommunenummer: "3420", JoinedOn: joined, LeftOn: &left, Votes: 1, TakesEnquiries: true, Version: m.Version}); err != nil {
		t.Fatal(err)
	}
	f.s.SetClock(func() time.Time { return time.Date(2026, 7, 1, 1, 0, 0, 0, Oslo).UTC() }) // 01:00 on 1 July in Norway
	e2 := f.webEnquiry(t, "3420")
	if e2.RegionID != nil {
		t.Errorf("enquiry from Elverum at 01:00 on the day it left went to region %d; want the admin queue", *e2.RegionID)
	}
}

func memberOf(t *testing.T, s *Store, regionID int64, k string) RegionMember {
	t.Helper()
	var m RegionMember
	if err := s.db.Where("region_id = ? AND kommunenummer = ?", regionID, k).First(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

// "No response" is noResponseDays after the end of the follow-up date, in
// Norway. Counted on the UTC instant, the limit moved an hour across the
// change to winter time, and the janitor closed the referral at 23:00 on the
// last day the partner still had.
func TestNoResponseAcrossDST(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 9, 24, 10, 0, 0, 0, Oslo)
	f.s.SetClock(func() time.Time { return clock.UTC() })
	r := f.refer(t, f.withConsent, f.innovation, false) // follow up by 8 October (summer time)
	if d := r.FollowUpDue.In(Oslo).Format("2006-01-02"); d != "2026-10-08" {
		t.Fatalf("due %s", d)
	}
	// 30 days (the region's setting) after 8 October is 7 November (winter time).
	clock = time.Date(2026, 11, 7, 23, 30, 0, 0, Oslo)
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 0 {
		t.Errorf("MarkNoResponse at 23:30 on 7 November = %d (%v); want 0: the partner has until the day is over", n, err)
	}
	clock = time.Date(2026, 11, 8, 0, 30, 0, 0, Oslo)
	if _, err := f.s.MarkNoResponse(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.Referral(ctx, f.adviser, r.ID); got.Status != "no_response" {
		t.Errorf("status on 8 November = %s; want no_response", got.Status)
	}
}

// Every write stamps updated_at from the store's clock: GORM's NowFunc was the
// wall clock, and the updates that do not name updated_at got that instead.
func TestUpdatedAtFollowsStoreClock(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	clock := time.Date(2031, 5, 5, 10, 0, 0, 0, Oslo).UTC()
	f.s.SetClock(func() time.Time { return clock })
	r := f.refer(t, f.withConsent, f.innovation, false)
	if err := f.s.MarkForBoard(ctx, f.board, Actor{}, r.ID, true); err != nil {
		t.Fatal(err)
	}
	var got Referral
	if err := f.s.db.First(&got, r.ID).Error; err != nil {
		t.Fatal(err)
	}
	if !got.UpdatedAt.Equal(clock) {
		t.Errorf("referral updated_at after MarkForBoard = %s; want the store's clock %s", got.UpdatedAt.UTC(), clock)
	}
	before, err := f.s.UserByEmail(ctx, f.adviser.User.Email)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetPreferences(ctx, f.adviser.User.ID, "en", 0); err != nil {
		t.Fatal(err)
	}
	u, err := f.s.UserByEmail(ctx, f.adviser.User.Email)
	if err != nil {
		t.Fatal(err)
	}
	if !u.UpdatedAt.Equal(before.UpdatedAt) && !u.UpdatedAt.Equal(clock) {
		t.Errorf("user updated_at after SetPreferences = %s; want it unchanged (%s) or the store's clock %s", u.UpdatedAt.UTC(), before.UpdatedAt.UTC(), clock)
	}
}

func withVersion(in RegionInput, v int) RegionInput {
	in.Version = v
	return in
}

// A reference carries the year the enquiry was received in Norway: the demo,
// back-dating its enquiries after creating them, showed cases received in
// December with next year's references when loaded in early January.
func TestDemoReferenceYearMatchesReceived(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	s.SetClock(func() time.Time { return time.Date(2027, 1, 5, 10, 0, 0, 0, Oslo).UTC() })
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var list []Enquiry
	if err := s.db.Order("id").Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		year := e.ReceivedAt.In(Oslo).Year()
		if !strings.Contains(e.Reference, "-"+strconv.Itoa(year)+"-") {
			t.Errorf("%s received %s", e.Reference, e.ReceivedAt.In(Oslo).Format("02.01.2006"))
		}
	}
}

// The first response is the first contact: a call made on Tuesday and logged
// on Thursday answered the enquiry on Tuesday, within its two working days.
func TestFirstResponseIsWhenTheContactHappened(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, Oslo) // Monday
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	clock = time.Date(2026, 3, 5, 15, 0, 0, 0, Oslo) // Thursday: the adviser writes up Tuesday's call
	tuesday := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: tuesday, Minutes: 15, Text: "Ringte"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.FirstResponseAt == nil || got.ResponseWorkingDays() != 1 || got.FirstResponseAt.After(got.FirstResponseDue) {
		t.Errorf("first response %v (%d working days, due %s); want on Tuesday 3 March, 1 working day, within target",
			got.FirstResponseAt, got.ResponseWorkingDays(), got.FirstResponseDue.In(Oslo))
	}
}
