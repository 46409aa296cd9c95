package models

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"
	"time"
)

func TestRetention(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	old, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3412"), Consent: consent(), Channel: "web"})
	open, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3403"), Consent: consent(), Channel: "web"})
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, old.ID, ActivityInput{Kind: "call", OccurredOn: start, Text: "Snakket med Ola om gården"}); err != nil {
		t.Fatal(err)
	}
	cur, _ := f.s.Enquiry(ctx, f.adviser, old.ID)
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, old.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	// 36 months (the default) later: not yet; a day after: due.
	clock = start.AddDate(0, 36, -1)
	if due, _ := f.s.RetentionDue(ctx); len(due) != 0 {
		t.Errorf("due before the period ended: %v", due)
	}
	clock = start.AddDate(0, 36, 1)
	due, err := f.s.RetentionDue(ctx)
	if err != nil || len(due) != 1 || due[0].ID != old.ID {
		t.Fatalf("due = %v (%v)", due, err)
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("ApplyRetention = %d (%v)", n, err)
	}
	if n, _ := f.s.ApplyRetention(ctx); n != 0 {
		t.Error("a second run anonymised again")
	}
	got, _ := f.s.Enquiry(ctx, f.admin, old.ID)
	if got.Name != Redacted || got.Email != "" || got.Description != Redacted || got.AnonymisedAt == nil {
		t.Errorf("after retention: %+v", got)
	}
	if got.Kommunenummer != "3412" || got.EnquirerKind == "" || got.Needs == "" || got.Outcome != "guided" {
		t.Error("retention removed what statistics need")
	}
	acts, _ := f.s.Activities(ctx, f.admin, old.ID)
	if acts[0].Text != Redacted || acts[0].Minutes != 0 && acts[0].Kind != "call" {
		t.Errorf("activity after retention: %+v", acts[0])
	}
	if list, _, _ := f.s.Enquiries(ctx, f.admin, EnquiryFilter{Q: "Nordmann"}); len(list) != 1 || list[0].ID != open.ID {
		t.Errorf("search still finds the anonymised person: %d hits", len(list))
	}
	if _, err := f.s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

func TestAccessRequestAndErasure(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	in := sampleInput("3412")
	in.Email, in.Phone = "kari@example.org", "+47 912 34 567"
	e1, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
	in.Email = ""
	e2, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "phone"})
	other, _ := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3403"), Consent: consent(), Channel: "web"})
	if _, err := f.s.ExportPerson(ctx, f.adviser, Actor{}, PersonQuery{Email: "kari@example.org"}); err == nil {
		t.Error("an adviser exported a person")
	}
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "KARI@example.org", Phone: "91234567"})
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Enquiries) != 2 || len(exp.Consents) != 4 || len(exp.Audit) < 2 {
		t.Errorf("export: %d enquiries, %d consents, %d audit entries", len(exp.Enquiries), len(exp.Consents), len(exp.Audit))
	}
	if _, err := f.s.ErasePerson(ctx, f.admin, Actor{}, PersonQuery{Phone: "912 34 567"}, ""); err == nil {
		t.Error("erasure without a reason succeeded")
	}
	n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Phone: "912 34 567"}, "Request by e-mail 2026-11-27")
	if err != nil || n != 2 {
		t.Fatalf("erase = %d (%v)", n, err)
	}
	for _, id := range []int64{e1.ID, e2.ID} {
		got, _ := f.s.Enquiry(ctx, f.admin, id)
		if got.Phone != "" || got.Name != Redacted {
			t.Errorf("enquiry %d not erased: %+v", id, got)
		}
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, other.ID); got.Name != "Ola Nordmann" {
		t.Error("erasure touched another person's enquiry")
	}
	audit, _ := f.s.AuditFor(ctx, "enquiry", itoa(e1.ID))
	if !strings.Contains(audit[0].Detail, "Request by e-mail") {
		t.Errorf("erasure reason not in the audit log: %+v", audit[0])
	}
}

// An erasure whose reason names the person being erased (their full name,
// e-mail or phone number, however the number is spaced) is refused beside the
// reason and erases nothing: the reason stays in the audit log, where nothing
// erases it. A reason that only looks alike (a date, a first name alone, a
// word the name is part of) is taken. Before, any reason was.
func TestErasureRefusesAReasonNamingThePerson(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	in := sampleInput("3412")
	in.Name, in.Email, in.Phone = "Kari Marie Nordmann", "kari.nordmann@example.org", "+47 912 34 567"
	kari, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		query  PersonQuery
		reason string
	}{
		{PersonQuery{Email: in.Email}, "Krav fra Kari Marie Nordmann per brev"},
		{PersonQuery{Email: in.Email}, "krav fra KARI  MARIE\nNORDMANN"},
		{PersonQuery{Phone: "91234567"}, "Request by e-mail from Kari.Nordmann@example.org"},
		{PersonQuery{Email: in.Email}, "Ringte fra 912 34 567 og ba om sletting"},
		{PersonQuery{Email: in.Email}, "Krav per telefon (+47) 912-34-567, 27.11.2026"},
		{PersonQuery{Email: in.Email}, "Krav per telefon 0047 91234567"},
	} {
		_, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, tt.query, tt.reason)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["reason"] != "error.reason_names_person" {
			t.Errorf("erasure with the reason %q: %v; want it refused beside the reason", tt.reason, err)
		}
		if got, _ := f.s.Enquiry(ctx, f.admin, kari.ID); got.Name != in.Name {
			t.Fatalf("the refused erasure with the reason %q erased: %q", tt.reason, got.Name)
		}
	}
	n, err := f.s.ErasePerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: in.Email},
		"Krav fra Kari per e-post 27.11.2026 kl. 09 12 34 56, jf. Nordmannsveien-saken")
	if err != nil || n != 1 {
		t.Fatalf("erasure with a reason that does not name the person = %d (%v); want 1", n, err)
	}
}

// A closed enquiry in the admin queue (from a municipality no region serves)
// has no region setting and is anonymised after DefaultRetentionMonths.
func TestRetentionOfAdminQueue(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	queued, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("0301"), Consent: consent(), Channel: "web"}) // Oslo: no region
	if err != nil {
		t.Fatal(err)
	}
	if queued.RegionID != nil {
		t.Fatalf("the Oslo enquiry went to region %d, not the admin queue", *queued.RegionID)
	}
	cur, _ := f.s.Enquiry(ctx, f.admin, queued.ID)
	if _, err := f.s.CloseEnquiry(ctx, f.admin, Actor{}, queued.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	clock = start.AddDate(0, DefaultRetentionMonths, -1)
	if due, _ := f.s.RetentionDue(ctx); len(due) != 0 {
		t.Errorf("due before the default period ended: %v", due)
	}
	clock = start.AddDate(0, DefaultRetentionMonths, 1)
	due, err := f.s.RetentionDue(ctx)
	if err != nil || len(due) != 1 || due[0].ID != queued.ID || due[0].RegionID != 0 {
		t.Fatalf("due = %+v (%v); want the queue's enquiry %d", due, err, queued.ID)
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Fatalf("ApplyRetention = %d (%v)", n, err)
	}
	got, _ := f.s.Enquiry(ctx, f.admin, queued.ID)
	if got.Name != Redacted || got.Email != "" || got.Description != Redacted || got.AnonymisedAt == nil {
		t.Errorf("after retention: %+v", got)
	}
	if _, err := f.s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// An access request or erasure by phone finds the whole number, written with
// or without +47 or 0047 for a Norwegian one, and never someone whose number
// only ends the same way; a part of a number is refused.
func TestPersonQueryMatchesWholePhoneNumber(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	create := func(name, phone string) int64 {
		t.Helper()
		in := sampleInput("3412")
		in.Name, in.Email, in.Phone = name, "", phone
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	nora := create("Nora Norsk", "941 23 456")
	noraAgain := create("Nora Norsk", "+47 94123456")
	piotr := create("Piotr Polski", "+48 594 123 456") // ends in Nora's eight digits
	sondre := create("Sondre Samme-Slutt", "912 34 456")

	tests := []struct {
		phone   string
		want    []int64
		invalid bool
	}{
		{"941 23 456", []int64{nora, noraAgain}, false},
		{"+47 941 23 456", []int64{nora, noraAgain}, false},
		{"0047 941-23-456", []int64{nora, noraAgain}, false},
		{"(+47) 94123456", []int64{nora, noraAgain}, false},
		{"+48 594 123 456", []int64{piotr}, false},
		{"0048 594 123 456", []int64{piotr}, false},
		{"912 34 456", []int64{sondre}, false},
		{"456", nil, true},
		{"941 23 45", nil, true},
		{"+47 941", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Phone: tt.phone})
			if tt.invalid {
				if ve := (*ValidationError)(nil); !errors.As(err, &ve) || ve.Fields["phone"] != "error.phone_too_short" {
					t.Errorf("export by %q: %v; want the phone refused as too short", tt.phone, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range exp.Enquiries {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("export by %q found enquiries %v; want %v", tt.phone, got, tt.want)
			}
		})
	}

	// Erasure refuses a part of a number before touching anything, and erases
	// the Polish number without the Norwegian one that ends the same way.
	if _, err := f.s.ErasePerson(ctx, f.admin, Actor{}, PersonQuery{Phone: "456"}, "Krav per telefon"); err == nil {
		t.Error("erasure by 456 succeeded")
	}
	n, err := f.s.ErasePerson(ctx, f.admin, Actor{}, PersonQuery{Phone: "+48 594 123 456"}, "Krav per telefon")
	if err != nil || n != 1 {
		t.Fatalf("erase = %d (%v); want 1", n, err)
	}
	for id, want := range map[int64]string{nora: "Nora Norsk", noraAgain: "Nora Norsk", piotr: Redacted, sondre: "Sondre Samme-Slutt"} {
		if got, _ := f.s.Enquiry(ctx, f.admin, id); got.Name != want {
			t.Errorf("enquiry %d after erasing Piotr: name %q; want %q", id, got.Name, want)
		}
	}
}

// A foreign number is found however its prefix and trunk zero are written:
// + or 00, and the "(0)" many countries write after their code ("+44 (0)20
// …", "+46 (0)70 …"), which a caller leaves out or an adviser types, on
// either side. Numbers that only look alike are not: a national number
// without its country code, another country's code, a part of the number,
// or an organisation number typed as a phone (the lookup reads the phone
// column only, never free text or other numbers, so an amount, a date or an
// organisation number in a description is never taken for one). The "(0)"
// was kept as a digit, and "+46 70 123 45 67" missed "+46 (0)70 123 45 67".
func TestPersonQueryFindsInternationalNumbers(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	create := func(name, phone, org string) int64 {
		t.Helper()
		in := sampleInput("3412")
		in.Name, in.Email, in.Phone, in.OrgNumber = name, "", phone, org
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	sven := create("Sven Svensk", "+46 (0)70 123 45 67", "")
	svenAgain := create("Sven Svensk", "0046 70-123 45 67", "")
	oliver := create("Oliver English", "+44 (0)20 7946 0958", "")
	nora := create("Nora Norsk", "912 34 567", "923609016")
	for _, tt := range []struct {
		phone string
		want  []int64
	}{
		{"+46 70 123 45 67", []int64{sven, svenAgain}},
		{"+46 (0)70 123 45 67", []int64{sven, svenAgain}},
		{"0046701234567", []int64{sven, svenAgain}},
		{"0046 (0)70 123 45 67", []int64{sven, svenAgain}},
		{"+44 20 7946 0958", []int64{oliver}},
		{"0044 (0)20 7946 0958", []int64{oliver}},
		{"+47 912 34 567", []int64{nora}},
		// Misses.
		{"070 123 45 67", nil},     // the Swedish number as dialled in Sweden: which country is unknown
		{"+47 70 123 45 67", nil},  // the same digits in Norway
		{"+46 70 123 45 6", nil},   // a part of it
		{"+45 912 34 567", nil},    // Nora's digits in Denmark
		{"20 7946 0958", nil},      // the English number without its code
		{"923 609 016", nil},       // Nora's organisation number
		{"+46 70 123 45 678", nil}, // one digit too many
	} {
		t.Run(tt.phone, func(t *testing.T) {
			exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Phone: tt.phone})
			var got []int64
			if err == nil {
				for _, e := range exp.Enquiries {
					got = append(got, e.ID)
				}
			} else if ve := (*ValidationError)(nil); !errors.As(err, &ve) || tt.want != nil {
				t.Fatalf("export by %q: %v", tt.phone, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("export by %q found enquiries %v; want %v", tt.phone, got, tt.want)
			}
		})
	}
	n, err := f.s.ErasePerson(ctx, f.admin, Actor{}, PersonQuery{Phone: "+46 70 123 45 67"}, "Krav per telefon")
	if err != nil || n != 2 {
		t.Fatalf("erase = %d (%v); want 2", n, err)
	}
	for id, want := range map[int64]string{sven: Redacted, svenAgain: Redacted, oliver: "Oliver English", nora: "Nora Norsk"} {
		if got, _ := f.s.Enquiry(ctx, f.admin, id); got.Name != want {
			t.Errorf("enquiry %d after erasing Sven: name %q; want %q", id, got.Name, want)
		}
	}
}

// A case reopened after retention found it due keeps its person data: the
// retention job anonymises only what is still closed as it was when found,
// and so does a case closed again since, whose period starts anew.
func TestRetentionSparesReopenedEnquiry(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	var made []*Enquiry
	for range 3 {
		e := f.webEnquiry(t, "3412")
		if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: 1}); err != nil {
			t.Fatal(err)
		}
		made = append(made, e)
	}
	clock = start.AddDate(0, 37, 0)
	due, err := f.s.RetentionDue(ctx)
	if err != nil || len(due) != 3 {
		t.Fatalf("due = %v, %v", due, err)
	}
	// Meanwhile the first is reopened, and the second reopened and closed again.
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[0].ID, "in_progress", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, made[1].ID, "in_progress", 2); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, made[1].ID, CloseInput{Outcome: "guided", Version: 3}); err != nil {
		t.Fatal(err)
	}
	for i, c := range due {
		done, err := f.s.anonymiseDue(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := f.s.Enquiry(ctx, f.admin, c.ID)
		if want := i == 2; done != want || (e.AnonymisedAt != nil) != want || (e.Name == Redacted) != want {
			t.Errorf("enquiry %d: anonymised %v, name %q; want anonymised %v", i, done, e.Name, want)
		}
	}
}

func TestMonthsBefore(t *testing.T) {
	t.Parallel()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, Oslo) }
	cases := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{at(2028, 2, 29), 36, at(2025, 2, 28)},
		{at(2028, 3, 1), 36, at(2025, 3, 1)},
		{at(2026, 8, 31), 6, at(2026, 2, 28)},
		{at(2026, 9, 2), 6, at(2026, 3, 2)},
		{at(2026, 1, 15), 1, at(2025, 12, 15)},
		{at(2026, 3, 31), 1, at(2026, 2, 28)},
	}
	for _, c := range cases {
		if got := monthsBefore(c.from, c.n); !got.Equal(c.want) {
			t.Errorf("monthsBefore(%s, %d) = %s; want %s", c.from.Format("2006-01-02"), c.n, got.In(Oslo).Format("2006-01-02 15:04"), c.want.Format("2006-01-02"))
		}
	}
}

// An access request's export is a read of each enquiry it holds, and each
// enquiry's audit says so: the one entry written named no record, so "who
// has read this case" missed the export.
func TestExportIsAuditedOnEachEnquiry(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e1, e2 := f.webEnquiry(t, "3412"), f.webEnquiry(t, "3403")
	if _, err := f.s.ExportPerson(ctx, f.admin, Actor{UserID: f.admin.User.ID}, PersonQuery{Email: "ola@example.org"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{e1.ID, e2.ID} {
		entries, err := f.s.AuditFor(ctx, "enquiry", itoa(id))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 || entries[0].Action != "view" || entries[0].UserID == nil || *entries[0].UserID != f.admin.User.ID || !strings.Contains(entries[0].Detail, "access request") {
			t.Errorf("enquiry %d's latest audit entry after the export: %+v; want the admin's view by access request", id, entries[0])
		}
	}
	if _, err := f.s.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}

// The access export names the partner each referral sent the person's case
// to: a person has the right to know who received their data, and the export
// gave only the partner's number.
func TestExportNamesTheRecipients(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.refer(t, f.webEnquiry(t, "3412"), f.innovation, false)
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "ola@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Referrals) != 1 || exp.Referrals[0].Partner == nil || exp.Referrals[0].Partner.Name != "Innovasjon Norge" {
		t.Errorf("export's referrals: %+v; want the one to Innovasjon Norge, by name", exp.Referrals)
	}
}

// The access export's log holds what was done with the person's referrals
// too, the partner's reading of them above all: it held the enquiries' entries
// only, so the person could not see who at the partner had read their case.
func TestExportHoldsTheReferralsLog(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	r := f.refer(t, f.webEnquiry(t, "3412"), f.innovation, false)
	if err := f.s.RecordView(ctx, Actor{UserID: f.partner.User.ID}, "referral", itoa(r.ID), "page"); err != nil {
		t.Fatal(err)
	}
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "ola@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range exp.Audit {
		if e.Object == "referral" && e.ObjectID == itoa(r.ID) {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"create", "view"}) {
		t.Errorf("export's log of the referral: %v; want [create view]", actions)
	}
}

// The access export is given to the person, and the log entries in it leave
// out the staff's IP addresses: those are the staff's personal data, not the
// person's, and the export handed them out.
func TestExportLeavesOutStaffIPAddresses(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	const ip = "192.0.2.44"
	if _, err := f.s.AddActivity(ctx, f.adviser, Actor{UserID: f.adviser.User.ID, IP: ip}, e.ID, ActivityInput{Kind: "call", OccurredOn: time.Now(), Text: "Ringte"}); err != nil {
		t.Fatal(err)
	}
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "ola@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.Audit) < 2 || strings.Contains(string(b), ip) {
		t.Errorf("export's log (%d entries) holds the adviser's IP address %s", len(exp.Audit), ip)
	}
}

// An anonymised enquiry that is reopened and written about again holds person
// data again, and retention and erasure reach it: they skipped it for good, as
// already anonymised, so a name typed in anew was kept past every period and
// an erasure by the e-mail typed in anew found nothing.
func TestAnonymisedEnquiryWrittenAgainIsReachedAgain(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	a, b := f.webEnquiry(t, "3412"), f.webEnquiry(t, "3412")
	for _, e := range []*Enquiry{a, b} {
		if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	clock = start.AddDate(0, 37, 0)
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 2 {
		t.Fatalf("retention = %d (%v)", n, err)
	}
	// Both are reopened and the person's data written in again.
	for _, e := range []*Enquiry{a, b} {
		cur, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
		if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, e.ID, "in_progress", cur.Version); err != nil {
			t.Fatal(err)
		}
		in := sampleInput("3412")
		in.Name, in.Email = "Kari Nordmann", "kari@example.org"
		if _, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, e.ID, in, cur.Version+1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddActivity(ctx, f.adviser, Actor{}, e.ID, ActivityInput{Kind: "note", OccurredOn: clock, Text: "Kari ringte igjen"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.s.ErasePerson(ctx, f.admin, Actor{}, PersonQuery{Email: "kari@example.org"}, "Krav per e-post"); err != nil || n != 2 {
		t.Errorf("erasure by the e-mail written in again = %d (%v); want both enquiries", n, err)
	}
	// a is written about again after the erasure, closed, and its period runs out.
	in := sampleInput("3412")
	in.Name = "Kari Nordmann"
	cur, _ := f.s.Enquiry(ctx, f.adviser, a.ID)
	if _, err := f.s.UpdateEnquiry(ctx, f.adviser, Actor{}, a.ID, in, cur.Version); err != nil {
		t.Fatal(err)
	}
	cur, _ = f.s.Enquiry(ctx, f.adviser, a.ID)
	if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, a.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
		t.Fatal(err)
	}
	clock = clock.AddDate(0, 37, 0)
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Errorf("retention after the period of the second closing = %d (%v); want 1", n, err)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, a.ID); got.Name != Redacted || got.Email != "" {
		t.Errorf("enquiry written about again after its retention: name %q, e-mail %q", got.Name, got.Email)
	}
}

// A referral's message or a board comment written about an anonymised enquiry
// may name the person again: the enquiry is no longer marked anonymised, so
// retention reaches the text. It stayed marked, and the text was kept for good.
func TestReferralTextsAboutAnonymisedEnquiryAreReached(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	start := time.Date(2023, 1, 10, 10, 0, 0, 0, Oslo)
	clock := start
	f.s.SetClock(func() time.Time { return clock.UTC() })
	a, b := f.webEnquiry(t, "3412"), f.webEnquiry(t, "3412")
	r, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, a.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Message: "Søker lån", Send: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []*Enquiry{a, b} {
		cur, _ := f.s.Enquiry(ctx, f.adviser, e.ID)
		if _, err := f.s.CloseEnquiry(ctx, f.adviser, Actor{}, e.ID, CloseInput{Outcome: "guided", Version: cur.Version}); err != nil {
			t.Fatal(err)
		}
	}
	clock = start.AddDate(0, 37, 0)
	// The referral nobody answered is closed as unanswered first: retention
	// waits for a case's open referrals.
	if n, err := f.s.MarkNoResponse(ctx); err != nil || n != 1 {
		t.Fatalf("MarkNoResponse = %d (%v)", n, err)
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 2 {
		t.Fatalf("retention = %d (%v)", n, err)
	}
	marked := func(e *Enquiry) bool {
		got, err := f.s.Enquiry(ctx, f.admin, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.AnonymisedAt != nil
	}
	if err := f.s.CommentOnReferral(ctx, f.board, Actor{}, r.ID, "Kari Nordmann fikk lån til slutt"); err != nil {
		t.Fatal(err)
	}
	if marked(a) {
		t.Error("an enquiry whose referral got a board comment after anonymisation is still marked anonymised")
	}
	if n, err := f.s.ApplyRetention(ctx); err != nil || n != 1 {
		t.Errorf("retention after the comment = %d (%v); want the enquiry anonymised again", n, err)
	}
	comments, err := f.s.ReferralComments(ctx, f.board, r.ID)
	if err != nil || len(comments) != 1 || strings.Contains(comments[0].Text, "Kari") {
		t.Errorf("the comment after retention: %+v (%v); want it redacted", comments, err)
	}
	// b is reopened and referred with a message naming the person.
	cur, _ := f.s.Enquiry(ctx, f.adviser, b.ID)
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, b.ID, "in_progress", cur.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, b.ID, ReferralInput{PartnerID: f.siva.ID, Reason: "financing", Message: "Kari Nordmann trenger lokaler", Send: true}); err != nil {
		t.Fatal(err)
	}
	if marked(b) {
		t.Error("an enquiry referred with a message after anonymisation is still marked anonymised")
	}
}

// The access export holds what a person needs to read their case in words:
// the municipality by name, the status histories of the enquiry and of each
// referral, and who did what by name. It held the municipality as an empty
// object, no status history, and the log's users by number only.
func TestExportHoldsHistoriesAndNames(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	e := f.webEnquiry(t, "3412")
	if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{UserID: f.adviser.User.ID}, e.ID, "in_progress", 1); err != nil {
		t.Fatal(err)
	}
	r := f.refer(t, e, f.innovation, false)
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "ola@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(exp.Enquiries, func(x Enquiry) bool { return x.ID == e.ID })
	if i < 0 || exp.Enquiries[i].Municipality.Name != "Løten" || exp.Enquiries[i].Region == nil {
		t.Fatalf("export's enquiries: %+v; want enquiry %d in Løten, with its region", exp.Enquiries, e.ID)
	}
	var steps []string
	for _, c := range exp.StatusChanges {
		if c.EnquiryID == e.ID && c.User != nil && c.User.Name != "" {
			steps = append(steps, c.FromStatus+"->"+c.ToStatus)
		}
	}
	if !slices.Contains(steps, "new->in_progress") {
		t.Errorf("export's enquiry status history by a named user: %v; want new->in_progress", steps)
	}
	var events []string
	for _, ev := range exp.ReferralEvents {
		if ev.ReferralID == r.ID {
			events = append(events, ev.ToStatus)
		}
	}
	if !slices.Contains(events, "sent") {
		t.Errorf("export's referral status history: %v; want it sent", events)
	}
	named := false
	for _, a := range exp.Audit {
		named = named || (a.Action == "status" && a.UserName == f.adviser.User.Name)
	}
	if !named {
		t.Errorf("export's log does not name the adviser who changed the status: %+v", exp.Audit)
	}
	if len(exp.Sections) == 0 {
		t.Error("export lacks the industry sections its enquiries' codes are named by")
	}
}

// An access export sorts each referral's history and comments under the
// referral: a referral made while the export reads (between its read of the
// referrals and of their histories) must not bring a history whose referral
// the export does not hold, which the document could not place (a panic, 500).
func TestExportPersonReferralsHoldTheirHistories(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.refer(t, f.withConsent, f.innovation, true)
	made := false
	err := f.s.rdb.Callback().Query().After("gorm:query").Register("test:concurrent_referral", func(db *gorm.DB) {
		if made || db.Statement.Table != "referrals" {
			return
		}
		made = true
		f.refer(t, f.withConsent, f.siva, true) // another adviser, at that moment
	})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Email: "ola@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if !made {
		t.Fatal("no referral was made during the export")
	}
	held := map[int64]bool{}
	for _, r := range exp.Referrals {
		held[r.ID] = true
	}
	for _, ev := range exp.ReferralEvents {
		if !held[ev.ReferralID] {
			t.Errorf("the export holds a status change of referral %d but not the referral (it holds %d referrals)", ev.ReferralID, len(exp.Referrals))
		}
	}
	for _, c := range exp.Comments {
		if !held[c.ReferralID] {
			t.Errorf("the export holds a comment on referral %d but not the referral", c.ReferralID)
		}
	}
}

// Asked by e-mail and phone together, access and erasure reach the enquiries
// where one of them matches and neither differs: another person's enquiry with
// the same phone (a shared switchboard) but their own e-mail is not the
// requester's. It was exported to them and erased on their request.
func TestPersonQueryLeavesOutOtherPeopleOnASharedPhone(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	create := func(name, email, phone string) int64 {
		t.Helper()
		in := sampleInput("3412")
		in.Name, in.Email, in.Phone = name, email, phone
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	kari := create("Kari Sentralbord", "kari@firma.example", "62 51 00 00")
	kariMail := create("Kari Sentralbord", "kari@firma.example", "")
	kariPhone := create("Kari Sentralbord", "", "62 51 00 00")
	per := create("Per Sentralbord", "per@firma.example", "62 51 00 00")
	q := PersonQuery{Email: "kari@firma.example", Phone: "62510000"}
	exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range exp.Enquiries {
		got = append(got, e.ID)
	}
	if want := []int64{kari, kariMail, kariPhone}; !slices.Equal(got, want) {
		t.Errorf("export by Kari's e-mail and the shared phone found %v; want %v (not Per's %d)", got, want, per)
	}
	if n, err := f.s.ErasePerson(ctx, f.admin, Actor{}, q, "Krav per e-post"); err != nil || n != 3 {
		t.Errorf("erasure = %d (%v); want Kari's 3", n, err)
	}
	if got, _ := f.s.Enquiry(ctx, f.admin, per); got.Name != "Per Sentralbord" {
		t.Errorf("Per's enquiry after erasing Kari: name %q", got.Name)
	}
}

// An area code written the old way, in parentheses with its trunk zero after
// the country code ("+49 (030) 1234567"), is the number E.164 writes without
// that zero ("+49 30 1234567"), on either side of the comparison, in an
// access request and among a case's related enquiries, and a repeat's key is
// the same. Where the zero is part of the number (Italy, "+39 (06) …") or
// there is no trunk zero (Norway), nothing is dropped; a number without its
// country code stays unmatched (which country is unknown), and a Norwegian
// eight-digit number matches what it matched before. Before,
// "+49 (030) 1234567" matched none of the others.
func TestPersonQueryDropsParenthesisedTrunkZero(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	create := func(name, phone string) *Enquiry {
		t.Helper()
		in := sampleInput("3412")
		in.Name, in.Email, in.Phone = name, "", phone
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	old := create("Greta Berlin", "+49 (030) 1234567")
	e164 := create("Greta Berlin", "+49 30 1234567")
	paren := create("Greta Berlin", "0049 (30) 123 45 67")
	rome := create("Giulia Roma", "+39 (06) 1234 5678")
	notRome := create("Gino Altrove", "+39 6 1234 5678") // another Italian number
	nora := create("Nora Norsk", "941 23 456")
	greta := []int64{old.ID, e164.ID, paren.ID}
	for _, tt := range []struct {
		phone string
		want  []int64
	}{
		{"+49 30 1234567", greta},
		{"+49 (030) 1234567", greta},
		{"0049 (030) 123 45 67", greta},
		{"+49 (0)30 1234567", greta},
		{"+49 (30) 1234567", greta},
		{"+39 (06) 1234 5678", []int64{rome.ID}},
		{"+39 06 1234 5678", []int64{rome.ID}},
		{"+39 6 1234 5678", []int64{notRome.ID}},
		{"+39 (6) 1234 5678", []int64{notRome.ID}},
		{"941 23 456", []int64{nora.ID}},
		{"+47 941 23 456", []int64{nora.ID}},
		// Misses.
		{"(030) 1234567", nil},     // no country code: Berlin's, or any other country's
		{"+47 (094) 123 456", nil}, // Norway has no trunk zero: not Nora's 941 23 456
		{"+49 (030) 123456", nil},  // a part of it
		{"+43 (030) 1234567", nil}, // another country
	} {
		t.Run(tt.phone, func(t *testing.T) {
			exp, err := f.s.ExportPerson(ctx, f.admin, Actor{}, PersonQuery{Phone: tt.phone})
			var got []int64
			if err == nil {
				for _, e := range exp.Enquiries {
					got = append(got, e.ID)
				}
			} else if ve := (*ValidationError)(nil); !errors.As(err, &ve) || tt.want != nil {
				t.Fatalf("export by %q: %v", tt.phone, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("export by %q found enquiries %v; want %v", tt.phone, got, tt.want)
			}
		})
	}
	related, _, err := f.s.RelatedEnquiries(ctx, f.admin, old, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range related {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{e164.ID, paren.ID}) {
		t.Errorf("the enquiries related to %q are %v; want %v", old.Phone, ids, []int64{e164.ID, paren.ID})
	}
	for _, pair := range [][2]string{{"+49 (030) 1234567", "+49 30 1234567"}, {"0049 (030) 1234567", "+49301234567"}} {
		a := sampleInput("3412")
		b := a
		a.Phone, b.Phone = pair[0], pair[1]
		if !reflect.DeepEqual(repeatForm(a), repeatForm(b)) {
			t.Errorf("a repeat compares %q and %q as different numbers", pair[0], pair[1])
		}
	}
}
