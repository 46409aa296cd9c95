package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"samspill/models"
)

// The one door at 00:30 on the first day of a municipality's membership (Oslo
// time) routes the enquiry to the region, not to the admin queue.
func TestIntakeRoutesByOsloDay(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	in := models.DefaultRegionInput()
	in.Slug, in.Name = "elverum", "Elverumsregionen"
	region, err := ts.store.CreateRegion(ctx, models.Actor{}, in)
	if err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // as the member form stores 2026-01-01
	if _, err := ts.store.SaveMember(ctx, models.Actor{}, region.ID, models.MemberInput{Kommunenummer: "3420", JoinedOn: joined, Votes: 1, TakesEnquiries: true}); err != nil {
		t.Fatal(err)
	}
	ts.store.SetClock(func() time.Time { return time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC) }) // 00:30 on 1 January in Oslo
	_, ref := submit(t, ts, "3420", "Vil starte bakeri", "")
	if !strings.HasPrefix(ref, "ELV-2026-") {
		t.Errorf("intake from Elverum at 00:30 on 1 January 2026 got %s; want ELV-2026-… (the region it joined that day)", ref)
	}
}

// The janitor anonymises a closed enquiry only once its retention period is
// over: with the default 36 months, one closed on 1 March 2025 keeps its
// person data on 29 February 2028.
func TestJanitorRetentionNotEarly(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	clock := time.Date(2025, 3, 1, 10, 0, 0, 0, models.Oslo)
	ts.store.SetClock(func() time.Time { return clock.UTC() })
	id, _ := submit(t, ts, "3412", "Trenger hjelp med søknad", "")
	e, err := ts.store.Enquiry(ctx, adminViewer(t, ts), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.CloseEnquiry(ctx, adminViewer(t, ts), models.Actor{}, id, models.CloseInput{Outcome: "guided", Version: e.Version}); err != nil {
		t.Fatal(err)
	}
	clock = time.Date(2028, 2, 29, 12, 0, 0, 0, models.Oslo)
	ts.srv.janitorOnce(ctx, true)
	status, out := ts.api(t, ts.token(t, models.RoleAdviser), http.MethodGet, "/api/v1/enquiries/"+itoa(id), "")
	if status != http.StatusOK {
		t.Fatalf("GET enquiry = %d %v", status, out)
	}
	if out["name"] != "Testperson Tester" {
		t.Errorf("on 29.02.2028 the enquiry closed 01.03.2025 reads name %q; retention (36 months) ran a day early", out["name"])
	}
}

// The janitor marks a referral as unanswered only after the last of its
// no-response days is over in Norway, also across the change to winter time.
func TestJanitorNoResponseAcrossDST(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	clock := time.Date(2026, 9, 24, 10, 0, 0, 0, models.Oslo)
	ts.store.SetClock(func() time.Time { return clock.UTC() })
	id, _ := submit(t, ts, "3412", "Trenger finansiering", "")
	tok := ts.token(t, models.RoleAdviser)
	status, out := ts.api(t, tok, http.MethodPost, "/api/v1/enquiries/"+itoa(id)+"/referrals", `{"partner_id": `+partnerID(t, ts, "Innovasjon Norge")+`, "reason": "financing"}`)
	if status != http.StatusCreated || out["follow_up_due"] != "2026-10-08" {
		t.Fatalf("refer = %d %v", status, out)
	}
	rid := itoa(int64(out["id"].(float64)))
	clock = time.Date(2026, 11, 7, 23, 30, 0, 0, models.Oslo) // the 30th day after 8 October, not yet over
	ts.srv.janitorOnce(ctx, false)
	_, got := ts.api(t, tok, http.MethodGet, "/api/v1/referrals/"+rid, "")
	if got["status"] != "sent" {
		t.Errorf("at 23:30 on 07.11.2026 the referral (follow-up 08.10, 30 no-response days) is %v; want still sent", got["status"])
	}
}
