package models

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// enquiryFixture is a store with the demo region (Hamar, Løten, Stange) and a
// second region that shares Stange, plus viewers for the demo roles.
type enquiryFixture struct {
	s                         *Store
	hamar, ringsaker          *Region
	adviser, board, admin     *Viewer
	otherAdviser, municipalty *Viewer
}

func newEnquiryFixture(t *testing.T) *enquiryFixture {
	t.Helper()
	s := newStore(t)
	ctx := context.Background()
	if _, err := s.loadDemoUsers(ctx); err != nil { // the demo's users, not its enquiries
		t.Fatal(err)
	}
	f := &enquiryFixture{s: s}
	var err error
	if f.hamar, err = s.RegionBySlug(ctx, DemoRegionSlug); err != nil {
		t.Fatal(err)
	}
	in := DefaultRegionInput()
	in.Slug, in.Name = "ringsaker", "Ringsaker og omegn"
	if f.ringsaker, err = s.CreateRegion(ctx, Actor{}, in); err != nil {
		t.Fatal(err)
	}
	joined := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range []string{"3411", "3413"} { // Ringsaker, and Stange shared with Hamarregionen
		if _, err := s.SaveMember(ctx, Actor{}, f.ringsaker.ID, MemberInput{Kommunenummer: k, JoinedOn: joined, Votes: 1, TakesEnquiries: k == "3411"}); err != nil {
			t.Fatal(err)
		}
	}
	viewer := func(email string, r *Region) *Viewer {
		u, err := s.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return &Viewer{User: u, Region: r}
	}
	f.adviser = viewer("radgiver@hamarregionen.example", f.hamar)
	f.board = viewer("styret@hamarregionen.example", f.hamar)
	f.admin = viewer("admin@hamarregionen.example", f.hamar)
	f.municipalty = viewer("loten@hamarregionen.example", f.hamar)
	other, err := s.CreateUser(ctx, Actor{}, UserInput{Email: "r@ringsaker.example", Name: "Randi Ringsaker"}, "passord-passord", []RoleGrant{{RegionID: f.ringsaker.ID, Role: RoleAdviser}})
	if err != nil {
		t.Fatal(err)
	}
	f.otherAdviser = &Viewer{User: other, Region: f.ringsaker}
	return f
}

// sampleInput is an enquiry from kommune. Each call's is another: its
// description is numbered, as the same enquiry sent again within the
// RepeatWindow would be taken for the first (repeatOf).
func sampleInput(kommune string) EnquiryInput {
	return EnquiryInput{Kommunenummer: kommune, EnquirerKind: "prospective_entrepreneur", Needs: []string{"financing", "network_competence"},
		Description: fmt.Sprintf("Vil starte gårdsutsalg med lokalmat (%d)", samples.Add(1)), Name: "Ola Nordmann", Email: "ola@example.org", Language: "nb"}
}

var samples atomic.Int64

// webEnquiry sends an enquiry from kommune through the one door, filled as
// sampleInput fills it.
func (f *enquiryFixture) webEnquiry(t *testing.T, kommune string) *Enquiry {
	t.Helper()
	e, err := f.s.CreateEnquiry(context.Background(), nil, Actor{}, NewEnquiry{Input: sampleInput(kommune), Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func consent() ConsentInput {
	return ConsentInput{Store: true, StoreText: "Lagre", ShareText: "Dele", Version: "2026-1", Language: "nb"}
}

func TestEnquiryRouting(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	tests := []struct {
		kommune, wantRegion, wantPrefix string
	}{
		{"3412", "hamarregionen", "HAM"}, // Løten: only Hamarregionen
		{"3411", "ringsaker", "RIN"},     // Ringsaker: only the second region
		{"3413", "hamarregionen", "HAM"}, // Stange: shared; Hamarregionen is set to take its enquiries
		{"0301", "", "SAM"},              // Oslo: no region, the admin queue
	}
	for _, tt := range tests {
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput(tt.kommune), Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatalf("%s: %v", tt.kommune, err)
		}
		got := ""
		if e.RegionID != nil {
			r, _ := f.s.Region(ctx, f.admin, *e.RegionID)
			got = r.Slug
		}
		if got != tt.wantRegion || !strings.HasPrefix(e.Reference, tt.wantPrefix+"-") {
			t.Errorf("enquiry from %s went to %q as %s; want %q, %s-…", tt.kommune, got, e.Reference, tt.wantRegion, tt.wantPrefix)
		}
	}
	// Switching which region takes Stange's enquiries moves new ones there.
	if _, err := f.s.SaveMember(ctx, Actor{}, f.ringsaker.ID, MemberInput{Kommunenummer: "3413", JoinedOn: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Votes: 1, TakesEnquiries: true, Version: 1}); err != nil {
		t.Fatal(err)
	}
	e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3413"), Consent: consent(), Channel: "web"})
	if err != nil || e.RegionID == nil || *e.RegionID != f.ringsaker.ID {
		t.Errorf("after the switch, Stange's enquiry went to region %v (%v); want %d", e.RegionID, err, f.ringsaker.ID)
	}
	// Queue: only admins see it.
	queue, total, err := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Queue: true})
	if err != nil || total != 1 || queue[0].Kommunenummer != "0301" {
		t.Errorf("admin queue = %d (%v)", total, err)
	}
	if _, total, _ := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Queue: true}); total != 0 {
		t.Errorf("an adviser sees %d queued enquiries", total)
	}
}

func TestEnquiryReferencesAreSequential(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	year := f.s.now().In(Oslo).Year()
	for i := 1; i <= 3; i++ {
		e := f.webEnquiry(t, "3403")
		want := "HAM-" + itoa(int64(year)) + "-0000" + itoa(int64(i))
		if e.Reference != want {
			t.Errorf("reference %d = %s; want %s", i, e.Reference, want)
		}
	}
}

func TestEnquiryValidation(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(*NewEnquiry)
		field string
	}{
		{"unknown municipality", func(n *NewEnquiry) { n.Input.Kommunenummer = "9999" }, "municipality"},
		{"letters as municipality", func(n *NewEnquiry) { n.Input.Kommunenummer = "abcd" }, "municipality"},
		{"no kind", func(n *NewEnquiry) { n.Input.EnquirerKind = "" }, "enquirer_kind"},
		{"bad kind", func(n *NewEnquiry) { n.Input.EnquirerKind = "alien" }, "enquirer_kind"},
		{"no needs", func(n *NewEnquiry) { n.Input.Needs = nil }, "needs"},
		{"bad need", func(n *NewEnquiry) { n.Input.Needs = []string{"money"} }, "needs"},
		{"only an empty need", func(n *NewEnquiry) { n.Input.Needs = []string{""} }, "needs"},
		{"no description", func(n *NewEnquiry) { n.Input.Description = "  " }, "description"},
		{"too long description", func(n *NewEnquiry) { n.Input.Description = strings.Repeat("å", 4001) }, "description"},
		{"no name", func(n *NewEnquiry) { n.Input.Name = "" }, "name"},
		{"no contact", func(n *NewEnquiry) { n.Input.Email, n.Input.Phone = "", "" }, "email"},
		{"bad e-mail", func(n *NewEnquiry) { n.Input.Email = "ola@" }, "email"},
		{"bad phone", func(n *NewEnquiry) { n.Input.Phone = "ring meg" }, "phone"},
		{"bad org number", func(n *NewEnquiry) { n.Input.OrgNumber = "923609017" }, "org_number"},
		{"bad language", func(n *NewEnquiry) { n.Input.Language = "xx" }, "language"},
		{"bad stage", func(n *NewEnquiry) { n.Input.Stage = "dreaming" }, "stage"},
		{"bad section", func(n *NewEnquiry) { n.Input.IndustrySection = "Z" }, "industry_section"},
		{"no consent", func(n *NewEnquiry) { n.Consent.Store = false }, "consent_store"},
		{"bad channel", func(n *NewEnquiry) { n.Channel = "pigeon" }, "channel"},
	}
	for _, tt := range tests {
		n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"}
		tt.edit(&n)
		_, err := f.s.CreateEnquiry(ctx, nil, Actor{}, n)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
			t.Errorf("%s: err = %v; want a validation error on %s", tt.name, err, tt.field)
		}
	}
	if n := count(t, f.s, "enquiries"); n != 0 {
		t.Errorf("refused enquiries were stored: %d", n)
	}
	if n := count(t, f.s, "consents"); n != 0 {
		t.Errorf("consents of refused enquiries were stored: %d", n)
	}
	// Phone alone is enough; org number with spaces is accepted.
	n := NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "phone"}
	n.Input.Email, n.Input.Phone, n.Input.OrgNumber = "", "+47 900 00 000", "923 609 016"
	e, err := f.s.CreateEnquiry(ctx, f.adviser, Actor{}, n)
	if err != nil || e.OrgNumber != "923609016" {
		t.Errorf("phone-only enquiry: %v, org %q", err, e.OrgNumber)
	}
}

func TestEnquiryScope(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	for name, v := range map[string]*Viewer{"adviser": f.adviser, "admin": f.admin} {
		if _, err := f.s.Enquiry(ctx, v, e.ID); err != nil {
			t.Errorf("%s cannot see the enquiry: %v", name, err)
		}
	}
	for name, v := range map[string]*Viewer{"board": f.board, "municipality": f.municipalty, "other region's adviser": f.otherAdviser} {
		if _, err := f.s.Enquiry(ctx, v, e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v; want ErrNotFound", name, err)
		}
		if _, total, _ := f.s.Enquiries(ctx, v, EnquiryFilter{Q: "gårdsutsalg"}); total != 0 {
			t.Errorf("%s finds %d enquiries by search", name, total)
		}
		if _, err := f.s.UpdateEnquiry(ctx, v, Actor{}, e.ID, sampleInput("3412"), 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s updates: %v; want ErrNotFound", name, err)
		}
		if _, err := f.s.AddActivity(ctx, v, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: time.Now()}); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s adds an activity: %v; want ErrNotFound", name, err)
		}
		if _, err := f.s.Activities(ctx, v, e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s reads the activities: %v; want ErrNotFound", name, err)
		}
		if _, err := f.s.StatusHistory(ctx, v, e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s reads the status history: %v; want ErrNotFound", name, err)
		}
		if _, err := f.s.Consents(ctx, v, e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s reads the consents: %v; want ErrNotFound", name, err)
		}
	}
	for name, v := range map[string]*Viewer{"adviser": f.adviser, "admin": f.admin} {
		if consents, err := f.s.Consents(ctx, v, e.ID); err != nil || len(consents) == 0 {
			t.Errorf("%s reads %d consents: %v", name, len(consents), err)
		}
		if _, err := f.s.Activities(ctx, v, e.ID); err != nil {
			t.Errorf("%s reads the activities: %v", name, err)
		}
	}
	if _, err := f.s.Consents(ctx, f.adviser, e.ID+1000); !errors.Is(err, ErrNotFound) {
		t.Errorf("consents of no enquiry: %v; want ErrNotFound", err)
	}
}

func TestEnquirySearch(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	in := sampleInput("3403")
	in.OrgNumber, in.BusinessName, in.Description = "984851006", "Ølbryggeriet Æble AS", "Ønsker hjelp med finansiering av bryggeri"
	e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	other := sampleInput("3412")
	other.Name, other.Description = "Kari Hansen", "Trenger lokaler til frisørsalong"
	if _, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: other, Consent: consent(), Channel: "web"}); err != nil {
		t.Fatal(err)
	}
	find := func(q string) []string {
		list, _, err := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, x := range list {
			refs = append(refs, x.Reference)
		}
		return refs
	}
	for _, q := range []string{"984851006", "984 851 006", " 984 851", "9848", e.Reference, strings.ToLower(e.Reference), "bryggeri", "BRYGG", "ølbryggeriet", "ØLBRYGGERIET æble", "ola nordmann", "\"bryggeri", "bryggeri*)", "bryggeri ^ - :"} {
		if got := find(q); len(got) != 1 || got[0] != e.Reference {
			t.Errorf("search %q = %v; want [%s]", q, got, e.Reference)
		}
	}
	if got := find("frisørsalong"); len(got) != 1 || got[0] == e.Reference {
		t.Errorf("search frisørsalong = %v", got)
	}
	// A search of no letters or digits finds nothing, as on PostgreSQL: it
	// listed every enquiry on SQLite, counted as that many hits.
	for _, q := range []string{"😀", "!!", " - ", "«»"} {
		if got := find(q); len(got) != 0 {
			t.Errorf("search %q = %v; want none", q, got)
		}
	}
	// After an edit the old word is gone and the new one found.
	in.Description = "Ønsker hjelp med eksport av sider"
	if _, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, in, 1); err != nil {
		t.Fatal(err)
	}
	if got := find("bryggeri"); len(got) != 0 {
		t.Errorf("the old word still finds %v", got)
	}
	if got := find("eksport"); len(got) != 1 {
		t.Errorf("the new word finds %v", got)
	}
}

func TestEnquiryStaleEdit(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	first := sampleInput("3412")
	first.Description = "Første lagring"
	if got, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, first, 1); err != nil || got.Version != 2 || got.Description != first.Description {
		t.Fatalf("update returned %+v, %v; want version 2 with its description", got, err)
	}
	second := sampleInput("3412")
	second.Description = "Andre lagring med gammel versjon"
	if _, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, second, 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale update: %v; want ErrConflict", err)
	}
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, e.ID, "waiting", 1); !errors.Is(err, ErrConflict) {
		t.Errorf("stale status change: %v; want ErrConflict", err)
	}
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.Description != "Første lagring" || got.Version != 2 || got.Status != "new" {
		t.Errorf("after stale edits: %q v%d %s", got.Description, got.Version, got.Status)
	}
}

func TestFirstResponse(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	friday := time.Date(2026, 11, 27, 9, 0, 0, 0, Oslo)
	clock := friday
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	if due := e.FirstResponseDue.In(Oslo); due.Format("2006-01-02") != "2026-12-01" {
		t.Errorf("due %s; want Tuesday 2026-12-01 (two working days)", due)
	}
	// A note is not a response.
	clock = time.Date(2026, 12, 2, 10, 0, 0, 0, Oslo)
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "note", OccurredOn: clock, Text: "Ringte, ikke svar"}); err != nil {
		t.Fatal(err)
	}
	overdue, total, _ := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Tab: "overdue"})
	if total != 1 || !overdue[0].Overdue(f.s.now()) {
		t.Errorf("overdue after the deadline: %d", total)
	}
	// A call is.
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: clock, Minutes: 15}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.FirstResponseAt == nil || got.Status != "in_progress" || got.ResponseWorkingDays() != 3 {
		t.Errorf("after the call: response %v status %s days %d; want set, in_progress, 3", got.FirstResponseAt, got.Status, got.ResponseWorkingDays())
	}
	if _, total, _ := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Overdue: true}); total != 0 {
		t.Errorf("still overdue after the response: %d", total)
	}
	sum, err := f.s.AdviserSummary(ctx, f.adviser)
	if err != nil || sum.MinutesMonth != 15 {
		t.Errorf("minutes this month = %d (%v); want 15", sum.MinutesMonth, err)
	}
	// The start page counts the region it shows: the minutes went to a Hamar case.
	elsewhere := &Viewer{User: f.adviser.User, Region: f.ringsaker}
	if sum, err := f.s.AdviserSummary(ctx, elsewhere); err != nil || sum.MinutesMonth != 0 {
		t.Errorf("minutes this month in another region = %d (%v); want 0", sum.MinutesMonth, err)
	}
}

func TestCloseAndReopen(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"})
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "established", Version: 1}); err == nil {
		t.Error("closing as established without an org number succeeded")
	}
	jobs := 2
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "established", OrgNumber: "974760673", JobsExpected: &jobs, Version: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.Status != "closed" || got.ClosedAt == nil || got.FirstResponseAt == nil || got.Outcome != "established" || *got.JobsExpected != 2 {
		t.Errorf("closed enquiry = %+v", got)
	}
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, e.ID, "in_progress", 2); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.Status != "in_progress" || got.ClosedAt != nil || got.Outcome != "" {
		t.Errorf("reopened enquiry = %s %v %q", got.Status, got.ClosedAt, got.Outcome)
	}
	history, _ := f.s.StatusHistory(ctx, f.adviser, e.ID)
	if len(history) != 2 || history[0].ToStatus != "closed" || history[1].ToStatus != "in_progress" {
		t.Errorf("history = %+v", history)
	}
}

func TestAssign(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"})
	if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.board.User.ID, 1); err == nil {
		t.Error("assigned to a board member")
	}
	if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.otherAdviser.User.ID, 1); err == nil {
		t.Error("assigned to another region's adviser")
	}
	if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.adviser.User.ID, 1); err != nil {
		t.Fatal(err)
	}
	mine, total, _ := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Tab: "mine"})
	if total != 1 || mine[0].Status != "assigned" || mine[0].FirstResponseAt != nil {
		t.Errorf("mine = %d; status %s; assignment must not count as a response", total, mine[0].Status)
	}
	// Unassigned, it is new again: among the new ones, and in its history.
	if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, 0, 2); err != nil {
		t.Fatal(err)
	}
	fresh, total, _ := f.s.Enquiries(ctx, f.adviser, EnquiryFilter{Tab: "new"})
	if total != 1 || fresh[0].ID != e.ID || fresh[0].Status != "new" || fresh[0].AssignedTo != nil {
		t.Errorf("after unassigning, the new tab holds %d: %+v", total, fresh)
	}
	history, err := f.s.StatusHistory(ctx, f.adviser, e.ID)
	if err != nil || len(history) == 0 || history[len(history)-1].ToStatus != "new" {
		t.Errorf("history after unassigning = %+v, %v; want it to end with new", history, err)
	}
	// Routed elsewhere, an assigned enquiry is new there too.
	if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.adviser.User.ID, 3); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MoveToRegion(ctx, f.admin, Actor{}, e.ID, f.ringsaker.ID, 4); err != nil {
		t.Fatal(err)
	}
	if moved, err := f.s.Enquiry(ctx, f.admin, e.ID); err != nil || moved.Status != "new" || moved.AssignedTo != nil {
		t.Errorf("after routing: %+v, %v; want new and unassigned", moved, err)
	}
}

func TestMunicipalityStatsHideSmallCounts(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		in := sampleInput("3412")
		if i == 3 {
			in.EnquirerKind, in.Needs = "community_entrepreneur", []string{"recruitment"}
		}
		if _, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := f.s.MunicipalityStats(ctx, f.municipalty)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.N != 4 || st.Total.Hidden {
		t.Errorf("total = %+v; want 4", st.Total)
	}
	for _, b := range st.PerKind {
		switch b.Key {
		case "prospective_entrepreneur":
			// Shown, it would give away the one: 4 in all less 3.
			if !b.Count.Withheld || b.Count.N != 0 {
				t.Errorf("prospective = %+v; want it withheld with no number", b.Count)
			}
		case "community_entrepreneur":
			if !b.Count.Hidden || b.Count.N != 0 {
				t.Errorf("community = %+v; want hidden with no number", b.Count)
			}
		}
	}
	if st.WithinTargetPc != nil {
		t.Error("a share is shown although nothing was answered")
	}
	// A user without a municipality has no statistics.
	if _, err := f.s.MunicipalityStats(ctx, f.board); !errors.Is(err, ErrNotFound) {
		t.Errorf("board statistics: %v", err)
	}
}

// The share answered within target is hidden whenever it, with the number
// answered, would give away a count under 3: of those answered within target,
// or of those answered late (answered 3 and 33 % is one within target).
func TestMunicipalityStatsHideSmallShares(t *testing.T) {
	t.Parallel()
	// Overdue are enquiries nobody answered by their deadline: they count
	// against the share as those answered late do. Fresh are neither answered
	// nor due yet: they are the total less the due, which the share and the
	// count in time give away, so 1 or 2 of them hide it too.
	tests := []struct {
		answered, within, overdue, fresh int
		want                             *int // nil: hidden
	}{
		{0, 0, 0, 3, nil},
		{2, 2, 0, 3, nil},
		{3, 0, 0, 3, ptr(0)},
		{3, 1, 0, 3, nil},
		{3, 2, 0, 3, nil},
		{3, 3, 0, 3, ptr(100)},
		{4, 2, 0, 3, nil},
		{5, 3, 0, 3, nil},
		{6, 3, 0, 3, ptr(50)},
		{7, 5, 0, 3, nil},
		{6, 3, 3, 3, ptr(33)},
		{3, 3, 3, 3, ptr(50)},
		{6, 6, 1, 3, nil},
		{0, 0, 3, 3, ptr(0)},
		{6, 3, 0, 0, ptr(50)},
		{6, 3, 0, 1, nil},
		{6, 3, 3, 2, nil},
		{6, 3, 3, 1, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d answered, %d within target, %d overdue, %d fresh", tt.answered, tt.within, tt.overdue, tt.fresh), func(t *testing.T) {
			t.Parallel()
			f := newEnquiryFixture(t)
			ctx := context.Background()
			for i := 0; i < tt.answered+tt.overdue+tt.fresh; i++ {
				e := f.webEnquiry(t, "3412")
				change := map[string]any{}
				switch {
				case i < tt.within:
					change["first_response_at"] = e.FirstResponseDue.Add(-time.Hour)
				case i < tt.answered:
					change["first_response_at"] = e.FirstResponseDue.Add(time.Hour)
				case i < tt.answered+tt.overdue:
					change["first_response_due"] = f.s.now().Add(-time.Hour)
				default:
					continue
				}
				if err := f.s.db.Model(&Enquiry{}).Where("id = ?", e.ID).Updates(change).Error; err != nil {
					t.Fatal(err)
				}
			}
			st, err := f.s.MunicipalityStats(ctx, f.municipalty)
			if err != nil {
				t.Fatal(err)
			}
			switch got := st.WithinTargetPc; {
			case got == nil && tt.want != nil:
				t.Errorf("share within target hidden; want %d %%", *tt.want)
			case got != nil && tt.want == nil:
				t.Errorf("share within target = %d %%; want hidden", *got)
			case got != nil && *got != *tt.want:
				t.Errorf("share within target = %d %%; want %d %%", *got, *tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// The inbox reads only the columns its table shows: the same enquiries, total
// and shown fields as Enquiries, and nothing of the rest (the description, the
// contact details) read at all.
func TestInboxReadsWhatItShows(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	for i, k := range []string{"3403", "3412", "3413", "3403"} {
		in := sampleInput(k)
		in.BusinessName = "Firma " + k
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.adviser.User.ID, e.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, filter := range []EnquiryFilter{{}, {Tab: "new"}, {Tab: "mine"}, {Municipality: "3403"}, {Q: "gårdsutsalg"}, {Sort: "municipality"},
		{Sort: "municipality", Q: "gårdsutsalg"}, {Sort: "municipality", Tab: "new"}, {Sort: "status"}} {
		want, wantTotal, err := f.s.Enquiries(ctx, f.adviser, filter)
		if err != nil {
			t.Fatal(err)
		}
		got, total, err := f.s.Inbox(ctx, f.adviser, filter)
		if err != nil {
			t.Fatal(err)
		}
		if total != wantTotal || len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%+v: inbox %d of %d; want %d of %d (and some)", filter, len(got), total, len(want), wantTotal)
		}
		for i, g := range got {
			w := want[i]
			shown := func(e Enquiry) []any {
				var assignee string
				if e.Assignee != nil {
					assignee = e.Assignee.Name
				}
				return []any{e.ID, e.Reference, *e.RegionID, e.Municipality.Name, e.Needs, e.Name, e.BusinessName, e.Status,
					assignee, e.ReceivedAt.Unix(), e.FirstResponseDue.Unix(), e.FirstResponseAt == nil, e.Overdue(time.Now())}
			}
			if gs, ws := shown(g), shown(w); fmt.Sprint(gs) != fmt.Sprint(ws) {
				t.Errorf("%+v row %d: inbox shows %v; want %v", filter, i, gs, ws)
			}
			if g.Description != "" || g.Email != "" {
				t.Errorf("%+v row %d: the inbox read the description or e-mail", filter, i)
			}
			if g.Municipality.CountyNumber != "" || g.Assignee != nil && g.Assignee.Email != "" {
				t.Errorf("%+v row %d: the inbox read more of the municipality or the adviser than their names", filter, i)
			}
		}
	}
}

// Search on SQLite reads the viewer's regions' parts of the index (migration
// 11): an adviser finds their region's enquiries, an admin every region's and
// the queue's, and an enquiry routed to another region is found there only.
func TestSearchFollowsRegion(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	create := func(kommune, name string) *Enquiry {
		in := sampleInput(kommune)
		in.Name = name
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	hamar := create("3403", "Solveig Fjellheim")
	create("3411", "Sverre Fjellheim") // Ringsaker
	queued := create("0301", "Siri Fjellheim")
	found := func(v *Viewer, q string) []string {
		t.Helper()
		list, total, err := f.s.Enquiries(ctx, v, EnquiryFilter{Q: q, Sort: "reference"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range list {
			names = append(names, strings.Fields(e.Name)[0])
		}
		if int(total) != len(names) {
			t.Errorf("total %d for %d listed", total, len(names))
		}
		return names
	}
	check := func(step string, v *Viewer, want ...string) {
		t.Helper()
		if got := found(v, "fjellheim"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: found %v; want %v", step, got, want)
		}
	}
	check("Hamarregionen's adviser", f.adviser, "Solveig")
	check("Ringsaker's adviser", f.otherAdviser, "Sverre")
	check("admin", f.admin, "Solveig", "Sverre", "Siri") // references HAM-, RIN-, SAM-
	if err := f.s.MoveToRegion(ctx, f.admin, Actor{}, queued.ID, f.ringsaker.ID, queued.Version); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MoveToRegion(ctx, f.admin, Actor{}, hamar.ID, f.ringsaker.ID, hamar.Version); err != nil {
		t.Fatal(err)
	}
	check("Hamarregionen's adviser after routing", f.adviser)
	check("Ringsaker's adviser after routing", f.otherAdviser, "Solveig", "Sverre", "Siri")
	check("admin after routing", f.admin, "Solveig", "Sverre", "Siri")
	if got := found(f.otherAdviser, "solveig fjellheim"); len(got) != 1 {
		t.Errorf("two words in the new region found %v", got)
	}
}

// The inbox's totals kept by triggers (migrations 12 and 13) equal a count of
// the enquiries after every kind of change: new enquiries in regions and in the
// admin queue, assignment, status changes, closing, reopening, routing and
// changed needs.
func TestKeptTotalsMatchCounts(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	viewers := map[string]*Viewer{"adviser": f.adviser, "other region's adviser": f.otherAdviser, "admin": f.admin, "board": f.board}
	filters := []EnquiryFilter{{}, {Tab: "new"}, {Tab: "waiting"}, {Tab: "open"}, {Status: "closed"}, {Status: "in_progress"},
		{Need: "financing"}, {Need: "recruitment"}, {Need: "other"}, {Tab: "open", Need: "financing"}, {Status: "closed", Need: "network_competence"},
		{Need: "%"}, {Need: "fin_ncing"}} // no need's code: nothing, counted or listed
	check := func(step string) {
		t.Helper()
		for name, v := range viewers {
			for _, filter := range filters {
				kept, err := f.s.enquiryTotal(ctx, v, filter)
				if err != nil {
					t.Fatalf("%s, %s, %+v: %v", step, name, filter, err)
				}
				var counted int64
				if err := f.s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), f.s.filterScope(v, filter)).Count(&counted).Error; err != nil {
					t.Fatal(err)
				}
				if kept != counted {
					t.Errorf("%s, %s, %+v: kept total %d; counted %d", step, name, filter, kept, counted)
				}
			}
		}
	}
	check("empty")
	var made []*Enquiry
	for _, k := range []string{"3403", "3412", "3411", "0301", "3413", "3403"} { // Hamar, Løten, Ringsaker, Oslo (queue), Stange
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput(k), Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, e)
	}
	check("created")
	version := func(e *Enquiry) int {
		cur, err := f.s.Enquiry(ctx, f.admin, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cur.Version
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"assigned", func() error {
			return f.s.AssignEnquiry(ctx, f.adviser, Actor{}, made[0].ID, f.adviser.User.ID, version(made[0]))
		}},
		{"unassigned", func() error {
			return f.s.AssignEnquiry(ctx, f.adviser, Actor{}, made[0].ID, 0, version(made[0]))
		}},
		{"assigned again", func() error {
			return f.s.AssignEnquiry(ctx, f.adviser, Actor{}, made[0].ID, f.adviser.User.ID, version(made[0]))
		}},
		{"assigned and routed", func() error {
			if err := f.s.AssignEnquiry(ctx, f.adviser, Actor{}, made[4].ID, f.adviser.User.ID, version(made[4])); err != nil {
				return err
			}
			return f.s.MoveToRegion(ctx, f.admin, Actor{}, made[4].ID, f.ringsaker.ID, version(made[4]))
		}},
		{"waiting", func() error {
			_, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[1].ID, "waiting", version(made[1]))
			return err
		}},
		{"in progress", func() error {
			_, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[5].ID, "in_progress", version(made[5]))
			return err
		}},
		{"closed", func() error {
			_, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, made[1].ID, CloseInput{Outcome: "guided", Version: version(made[1])})
			return err
		}},
		{"reopened", func() error {
			_, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[1].ID, "in_progress", version(made[1]))
			return err
		}},
		{"routed from the queue", func() error {
			return f.s.MoveToRegion(ctx, f.admin, Actor{}, made[3].ID, f.ringsaker.ID, version(made[3]))
		}},
		{"routed between regions", func() error {
			return f.s.MoveToRegion(ctx, f.admin, Actor{}, made[5].ID, f.ringsaker.ID, version(made[5]))
		}},
		{"needs changed", func() error {
			in := sampleInput("3403")
			in.Needs = []string{"recruitment", "financing"}
			_, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, made[0].ID, in, version(made[0]))
			return err
		}},
		{"needs and status changed", func() error {
			if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[0].ID, "waiting", version(made[0])); err != nil {
				return err
			}
			in := sampleInput("3403")
			in.Needs = []string{"other"}
			_, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, made[0].ID, in, version(made[0]))
			return err
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
	// The inbox itself shows the kept total.
	if _, total, err := f.s.Enquiries(ctx, f.otherAdviser, EnquiryFilter{Tab: "open"}); err != nil || total != 4 {
		t.Errorf("Ringsaker's open inbox: %d (%v); want 4", total, err)
	}
	// Filters the totals cannot answer are counted.
	for _, filter := range []EnquiryFilter{{Tab: "mine"}, {Tab: "overdue"}, {Municipality: "3403"}, {Q: "gårdsutsalg"}, {Queue: true}, {Tab: "new", Status: "closed"},
		{Municipality: "3403", Need: "financing"}} {
		if _, err := f.s.enquiryTotal(ctx, f.adviser, filter); !errors.Is(err, errNoTotal) {
			t.Errorf("%+v: %v; want errNoTotal", filter, err)
		}
	}
}

// TestInboxSorts: each sort of the inbox orders the same enquiries as a
// reader expects; by status means where each is in its handling (new,
// assigned, in progress, waiting, closed), as the statuses' labels read.
func TestInboxSorts(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	status := map[int64]string{}
	for _, to := range []string{"waiting", "closed", "new", "in_progress", "assigned"} {
		e := f.webEnquiry(t, "3403")
		var err error
		switch to {
		case "closed":
			_, err = f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: e.Version})
		case "assigned":
			err = f.s.AssignEnquiry(ctx, f.adviser, Actor{}, e.ID, f.adviser.User.ID, e.Version)
		case "new":
		default:
			_, err = f.s.ChangeStatus(ctx, f.adviser, Actor{}, e.ID, to, e.Version)
		}
		if err != nil {
			t.Fatalf("%s: %v", to, err)
		}
		status[e.ID] = to
	}
	for _, tt := range []struct {
		sort string
		want []string
	}{
		{"status", []string{"new", "assigned", "in_progress", "waiting", "closed"}},
		{"received_asc", []string{"waiting", "closed", "new", "in_progress", "assigned"}},
		{"received_desc", []string{"assigned", "in_progress", "new", "closed", "waiting"}},
	} {
		t.Run(tt.sort, func(t *testing.T) {
			list, _, err := f.s.Inbox(ctx, f.adviser, EnquiryFilter{Sort: tt.sort})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range list {
				if st, ok := status[e.ID]; ok {
					got = append(got, st)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sorted %v; want %v", got, tt.want)
			}
		})
	}
}

// Sorted by municipality, the inbox goes by the municipalities' names in
// Norwegian order (migration 14's rank), not by their numbers: Hamar (3403),
// Kongsvinger (3401), Åmot (3422), where the numbers put Kongsvinger first.
func TestInboxSortsByMunicipalityName(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	ours := map[int64]string{}
	for _, k := range []string{"3422", "3401", "3403"} {
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput(k), Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		ours[e.ID] = k
	}
	list, _, err := f.s.Inbox(ctx, f.admin, EnquiryFilter{Sort: "municipality", Page: Page{Size: MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list {
		if k, ok := ours[e.ID]; ok {
			got = append(got, k)
		}
	}
	if want := []string{"3403", "3401", "3422"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sorted by municipality %v; want %v (Hamar, Kongsvinger, Åmot)", got, want)
	}
}

// Every field of an enquiry that can be edited is named when it changes: the
// audit entry and the case's history say which fields an edit changed.
func TestChangedFieldsNamesEveryField(t *testing.T) {
	t.Parallel()
	var before Enquiry
	(&EnquiryInput{}).apply(&before)
	yes := true
	typ := reflect.TypeFor[EnquiryInput]()
	for i := range typ.NumField() {
		switch typ.Field(i).Name {
		case "Status":
			continue // a move, saved and audited by its own rules (recordStatus), not an edit
		case "WithdrawShare":
			continue // a withdrawal of consent, recorded and audited by its own rules (withdrawShare)
		case "Unread":
			continue // what a form could not read, refused before anything is saved
		}
		var in EnquiryInput
		f := reflect.ValueOf(&in).Elem().Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString("x")
		case []string:
			f.Set(reflect.ValueOf([]string{"x"}))
		case *bool:
			f.Set(reflect.ValueOf(&yes))
		default:
			t.Fatalf("%s: a field of a kind this test does not know", typ.Field(i).Name)
		}
		var after Enquiry
		in.apply(&after)
		if got := changedFields(&before, &after); len(got) != 1 {
			t.Errorf("%s changed: named %v; want one name", typ.Field(i).Name, got)
		}
	}
}

// An activity may be dated up to today in Norway, not tomorrow.
func TestActivityDateNotInFuture(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	cases := []struct {
		now     time.Time
		on      string
		refused bool
	}{
		{time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC), "2026-03-11", false},
		{time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC), "2026-03-12", true},
		{time.Date(2026, 3, 11, 23, 30, 0, 0, time.UTC), "2026-03-12", false}, // 00:30 on 12 March in Oslo
		{time.Date(2026, 3, 11, 23, 30, 0, 0, time.UTC), "2026-03-13", true},
		{time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC), "2026-02-01", false},
	}
	for _, c := range cases {
		f.s.SetClock(func() time.Time { return c.now })
		got := f.s.ActivityProblems(ActivityInput{Kind: "call", OccurredOn: day(c.on)})["occurred_on"] == "error.future_date"
		if got != c.refused {
			t.Errorf("at %s, an activity on %s refused = %v; want %v", c.now, c.on, got, c.refused)
		}
	}
}

// Advisers logging the first contacts of a case at the same time all succeed:
// an activity takes no version, and the first response it records is written
// under the enquiry's row lock (before, on PostgreSQL, all but one answered
// "changed meanwhile" and lost what was typed).
func TestConcurrentFirstActivities(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			_, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: f.s.Today(), Text: "Ringte"})
			errs <- err
		}()
	}
	close(start)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("AddActivity: %v", err)
		}
	}
	acts, _ := f.s.Activities(ctx, f.adviser, e.ID)
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if len(acts) != n || got.FirstResponseAt == nil || got.Status != "in_progress" {
		t.Errorf("%d activities, first response %v, status %s; want %d, set, in_progress", len(acts), got.FirstResponseAt, got.Status, n)
	}
}

// A role granted twice in one go is granted once, on either database (on
// PostgreSQL the second insert's unique violation aborted the transaction).
func TestGrantTwice(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	twice := []RoleGrant{{RegionID: f.hamar.ID, Role: RoleAdviser}, {RegionID: f.hamar.ID, Role: RoleAdviser}}
	u, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "to@ganger.example", Name: "To Ganger"}, "passord-passord", twice)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(ctx, u.ID); len(got.Roles) != 1 {
		t.Errorf("roles = %+v; want one", got.Roles)
	}
	if err := f.s.SetRegionRoles(ctx, f.admin, Actor{}, u.ID, f.hamar.ID, []string{RoleAdviser, RoleAdviser, RoleBoard}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(ctx, u.ID); len(got.Roles) != 2 {
		t.Errorf("roles = %+v; want adviser and board", got.Roles)
	}
}

// An empty need beside real ones is dropped, not stored as a need.
func TestEmptyNeedDropped(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	in := sampleInput("3412")
	in.Needs = []string{"financing", "", "financing", " recruitment "}
	e, err := f.s.CreateEnquiry(context.Background(), nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Needs != "financing,recruitment" {
		t.Errorf("needs stored as %q; want financing,recruitment", e.Needs)
	}
}

// What people type is taken as meant: a description's line breaks count once
// each, as the form's maxlength counts them (browsers send CR LF); a phone in
// other digits or with non-breaking spaces; an organisation number with dots,
// hyphens or the VAT form's NO … MVA.
func TestIntakeTakesWhatPeopleType(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("a", 399) + "\r\n"
	in := sampleInput("3412")
	in.Description = strings.Repeat(line, 10) // 4 000 characters as the browser counts them
	in.Phone = "٩٠٠\u00a0٠٠\u202f٠٠٠"
	in.OrgNumber = "NO 923.609-016 MVA"
	if fields := in.validate(); len(fields) > 0 {
		t.Errorf("refused: %v", fields)
	}
	if in.Phone != "900 00 000" || in.OrgNumber != "923609016" {
		t.Errorf("phone %q, org number %q; want 900 00 000 and 923609016", in.Phone, in.OrgNumber)
	}
	for _, org := range []string{"923 609 016", "９２３６０９０１６", "923-609-016", "no 923609016 mva"} {
		if got := NormaliseOrgNumber(plainDigits(org)); got != "923609016" {
			t.Errorf("%q normalised to %q", org, got)
		}
	}
	in.Description += "bb" // the last line break was trimmed: 3 999 + 2
	if fields := in.validate(); fields["description"] != "error.too_long#4000" {
		t.Errorf("4 001 characters: %v; want too long", fields)
	}
}

// A case's municipality can change only to one of its region's members: a case
// set to another region's municipality stayed with the region that does not
// serve it, counted in the wrong statistics. Routing it is the admins' move.
func TestEditKeepsMunicipalityInRegion(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	cases := []struct {
		kommune string
		ok      bool
	}{
		{"3411", false}, // Ringsaker: the other region's
		{"0301", false}, // Oslo: no region's here
		{"3413", true},  // Stange: a member of both
		{"3412", true},  // Løten: back to its own
	}
	version := 1
	for _, c := range cases {
		_, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, sampleInput(c.kommune), version)
		var invalid *ValidationError
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v; want saved", c.kommune, err)
		case c.ok:
			version++
		case !errors.As(err, &invalid) || invalid.Fields["municipality"] != "error.municipality_outside_region":
			t.Errorf("%s: %v; want the municipality refused as outside the region", c.kommune, err)
		}
	}
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if got.Kommunenummer != "3412" || got.Version != version {
		t.Errorf("after the edits: %s v%d; want 3412 v%d", got.Kommunenummer, got.Version, version)
	}
}

// Routing a case leaves a trace in both regions' audit: the old region's
// coordinators saw nothing of a case that left them, the entry lay in the new.
func TestRoutingAuditedInBothRegions(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	if err := f.s.MoveToRegion(ctx, f.admin, Actor{UserID: f.admin.User.ID, RegionID: f.hamar.ID}, e.ID, f.ringsaker.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	kari, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: "kari@begge.example", Name: "Kari i begge"}, "passord-passord",
		[]RoleGrant{{RegionID: f.hamar.ID, Role: RoleCoordinator}, {RegionID: f.ringsaker.ID, Role: RoleCoordinator}})
	if err != nil {
		t.Fatal(err)
	}
	if kari, err = f.s.UserByEmail(ctx, kari.Email); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Region{f.hamar, f.ringsaker} {
		entries, _, err := f.s.AuditEntries(ctx, &Viewer{User: kari, Region: r}, AuditFilter{Object: "enquiry", ObjectID: fmt.Sprint(e.ID), Action: "route", Page: Page{Size: 10}})
		if err != nil || len(entries) != 1 {
			t.Errorf("%s's audit of the routing: %d entries, %v; want 1", r.Slug, len(entries), err)
		}
	}
	// The case's own history tells the routing once, naming where it went.
	history, err := f.s.History(ctx, "enquiry", fmt.Sprint(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	var routings []string
	for _, h := range history {
		if id, ok := detailID(h.Detail, "region="); ok && h.Action == "route" {
			routings = append(routings, h.Names.Regions[id])
		}
	}
	if len(routings) != 1 || routings[0] != f.ringsaker.Name {
		t.Errorf("the case's history tells the routing as %q; want it once, to %q", routings, f.ringsaker.Name)
	}
}

// The number answered is withheld when the total less it, those not
// answered, is a count under 3: shown, "5 in all, 4 answered" gave away one.
func TestMunicipalityStatsWithholdAnsweredBesideFewUnanswered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		answered, unanswered int
		withheld             bool
	}{
		{4, 1, true},
		{4, 2, true},
		{4, 0, false},
		{4, 3, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d answered, %d not", tc.answered, tc.unanswered), func(t *testing.T) {
			t.Parallel()
			f := newEnquiryFixture(t)
			ctx := context.Background()
			for i := 0; i < tc.answered+tc.unanswered; i++ {
				e := f.webEnquiry(t, "3412")
				if i < tc.answered {
					if err := f.s.db.Model(&Enquiry{}).Where("id = ?", e.ID).Update("first_response_at", e.ReceivedAt.Add(time.Hour)).Error; err != nil {
						t.Fatal(err)
					}
				}
			}
			st, err := f.s.MunicipalityStats(ctx, f.municipalty)
			if err != nil {
				t.Fatal(err)
			}
			if st.Answered.Withheld != tc.withheld || (!tc.withheld && st.Answered.N != tc.answered) {
				t.Errorf("answered = %+v; want withheld %t", st.Answered, tc.withheld)
			}
		})
	}
}

// When a region takes on a municipality's enquiries, the open ones waiting for
// it in the admin queue go to the region with it, each routed and audited as
// an admin's move is; closed ones stay where they were handled, and so does
// everything when the membership does not take enquiries or starts later.
func TestMemberTakesQueuedEnquiries(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	queue := func() *Enquiry {
		t.Helper()
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("0301"), Consent: consent(), Channel: "web"}) // Oslo: no region
		if err != nil || e.RegionID != nil {
			t.Fatalf("an Oslo enquiry: %v, region %v; want the admin queue", err, e.RegionID)
		}
		return e
	}
	open, closed := queue(), queue()
	cur, _ := f.s.Enquiry(ctx, f.admin, closed.ID)
	if _, err := f.s.CloseEnquiry(ctx, f.admin, Actor{}, closed.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	today := f.s.Today()
	steps := []struct {
		name      string
		in        MemberInput
		wantMoved int
	}{
		{"a member that does not take enquiries", MemberInput{Kommunenummer: "0301", JoinedOn: today, Votes: 1}, 0},
		{"taking them from a later day", MemberInput{Kommunenummer: "0301", JoinedOn: today.AddDate(0, 1, 0), Votes: 1, TakesEnquiries: true, Version: 1}, 0},
		{"taking them from today", MemberInput{Kommunenummer: "0301", JoinedOn: today, Votes: 1, TakesEnquiries: true, Version: 2}, 1},
	}
	for _, st := range steps {
		moved, err := f.s.SaveMember(ctx, Actor{}, f.ringsaker.ID, st.in)
		if err != nil || moved != st.wantMoved {
			t.Errorf("%s: moved %d (%v); want %d", st.name, moved, err, st.wantMoved)
		}
	}
	got, _ := f.s.Enquiry(ctx, f.admin, open.ID)
	if got.RegionID == nil || *got.RegionID != f.ringsaker.ID || got.Version != open.Version+1 {
		t.Errorf("the open queued enquiry: region %v version %d; want region %d, version %d", got.RegionID, got.Version, f.ringsaker.ID, open.Version+1)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, closed.ID); got.RegionID != nil {
		t.Errorf("the closed queued enquiry moved to region %d; want it left in the queue", *got.RegionID)
	}
	audit, _ := f.s.AuditFor(ctx, "enquiry", fmt.Sprint(open.ID))
	if len(audit) == 0 || audit[0].Action != "route" || audit[0].Detail != "from_region=queue" || audit[0].RegionID == nil || *audit[0].RegionID != f.ringsaker.ID {
		t.Errorf("the move is not audited in the region: %+v", audit)
	}
	if _, err := f.s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// An activity is dated on or after the day the case came in (in Norway): a
// call dated before it was counted as the case's answer at its receipt, which
// flattered the first-response statistics. It is refused, naming the day the
// case came in, and nothing changes; that day itself is allowed.
func TestActivityNotBeforeReceipt(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 0, 30, 0, 0, Oslo) // Monday in Norway, still Sunday in UTC
	f.s.SetClock(func() time.Time { return clock.UTC() })
	e := f.webEnquiry(t, "3412")
	clock = time.Date(2026, 3, 5, 15, 0, 0, 0, Oslo)
	day := func(d int) time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d-1) }
	for _, on := range []time.Time{day(1), day(1).AddDate(0, 0, -20)} {
		_, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: on, Minutes: 10, Text: "Ringte"})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["occurred_on"] != "error.activity_before_received" {
			t.Errorf("an activity on %s = %v; want occurred_on refused as before the receipt", on.Format("2006-01-02"), err)
			continue
		}
		if got, _ := ve.Data["occurred_on"]["Date"].(time.Time); !got.Equal(e.ReceivedAt) {
			t.Errorf("the refusal names %v; want the receipt %v", ve.Data["occurred_on"], e.ReceivedAt)
		}
	}
	acts, _ := f.s.Activities(ctx, f.adviser, e.ID)
	got, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
	if len(acts) != 0 || got.FirstResponseAt != nil || got.Version != e.Version {
		t.Fatalf("after the refusals: %d activities, first response %v, version %d; want none, none, %d", len(acts), got.FirstResponseAt, got.Version, e.Version)
	}
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "call", OccurredOn: day(2), Minutes: 10, Text: "Ringte"}); err != nil {
		t.Errorf("an activity on the day the case came in: %v", err)
	}
}

// activitiesOutsideCase lists the activities of s dated before the day their
// case came in or after today, as "reference occurred_on (received)".
func activitiesOutsideCase(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.rdb.Raw(`SELECT enquiries.reference, activities.occurred_on, enquiries.received_at
		FROM activities JOIN enquiries ON enquiries.id = activities.enquiry_id ORDER BY activities.id`).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var bad []string
	n := 0
	for rows.Next() {
		var ref string
		var on, received time.Time
		if err := rows.Scan(&ref, &on, &received); err != nil {
			t.Fatal(err)
		}
		n++
		if dateOf(on).Before(dateOf(received)) || dateOf(on).After(s.Today()) {
			bad = append(bad, fmt.Sprintf("%s %s (received %s)", ref, on.Format("2006-01-02"), received.In(Oslo).Format("2006-01-02 15:04")))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no activities to check")
	}
	return bad
}

// The demo data and the generated data date every activity between the day
// its case came in and today, as AddActivity requires.
func TestDemoAndGeneratedActivitiesLieWithinTheirCase(t *testing.T) {
	t.Parallel()
	demo := newStore(t)
	demo.SetClock(func() time.Time { return time.Date(2026, 11, 27, 0, 20, 0, 0, Oslo).UTC() }) // just after midnight in Norway
	if err := demo.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	gen := generated(t, 3, 4000)
	gen.SetClock(func() time.Time { return genTestUntil })
	for name, s := range map[string]*Store{"demo": demo, "generated": gen} {
		if bad := activitiesOutsideCase(t, s); len(bad) > 0 {
			t.Errorf("the %s data has %d activities dated before their case came in or after today, as %v", name, len(bad), bad[:min(len(bad), 5)])
		}
	}
}
