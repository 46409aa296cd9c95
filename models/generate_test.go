package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// genTestUntil is the last day of the test's generated history.
var genTestUntil = time.Date(2026, 11, 26, 0, 0, 0, 0, Oslo)

func generated(t *testing.T, seed uint64, enquiries int) *Store {
	t.Helper()
	s := newStore(t)
	if _, err := s.Generate(context.Background(), GenOptions{Scale: GenRegional, Seed: seed, Until: genTestUntil, Enquiries: enquiries}); err != nil {
		t.Fatal(err)
	}
	return s
}

// fingerprint hashes every generated table, row by row in id order.
func fingerprint(t *testing.T, s *Store) string {
	t.Helper()
	h := sha256.New()
	for _, table := range append(append([]string{}, idTables...), "counters", "municipalities") {
		order := "id"
		switch table {
		case "counters":
			order = "name"
		case "municipalities":
			order = "kommunenummer"
		}
		cols := "*"
		switch table { // the reference data carries the time it was loaded
		case "partners":
			cols = "id, name, kind, services"
		case "municipalities":
			cols = "kommunenummer, organisation, business_fte, version"
		}
		rows, err := s.rdb.Raw("SELECT " + cols + " FROM " + table + " ORDER BY " + order).Rows()
		if err != nil {
			t.Fatal(err)
		}
		names, _ := rows.Columns()
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		th := sha256.New()
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if names[i] == "search" { // PostgreSQL's generated tsvector follows the row
					continue
				}
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) // PostgreSQL keeps microseconds
				}
				fmt.Fprintf(h, "%v\x1f", v)
				fmt.Fprintf(th, "%v\x1f", v)
			}
			n++
		}
		rows.Close()
		fmt.Fprintf(h, "%s:%d\n", table, n)
		if testing.Verbose() {
			t.Logf("%s %d %x", table, n, th.Sum(nil)[:4])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The same seed gives the same data; another seed other data. The audit chain
// holds, the search finds generated people, and generated users log in.
func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a := generated(t, 7, 400)
	b := generated(t, 7, 400)
	c := generated(t, 8, 400)
	fa, fb, fc := fingerprint(t, a), fingerprint(t, b), fingerprint(t, c)
	if fa != fb {
		t.Error("the same seed gave different data")
	}
	if fa == fc {
		t.Error("another seed gave the same data")
	}
	ctx := context.Background()
	n, err := a.VerifyAudit(ctx)
	if err != nil || n < 1000 {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
	r, err := a.RegionBySlug(ctx, "mjosregionen")
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Authenticate(ctx, "radgiver-1@mjosregionen.example", GenPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, _ = a.UserByID(ctx, u.ID)
	v := &Viewer{User: u, Region: r}
	list, total, err := a.Enquiries(ctx, v, EnquiryFilter{Tab: "all", Page: Page{Size: 5}})
	if err != nil || total != 400 || len(list) != 5 {
		t.Fatalf("inbox: %d of %d (%v)", len(list), total, err)
	}
	// The newest enquiry still holds person data: search finds it by name,
	// reference and e-mail.
	e := list[0]
	for _, q := range []string{strings.Fields(e.Name)[1], e.Reference, e.Email} {
		if q == "" {
			continue
		}
		found, _, err := a.Enquiries(ctx, v, EnquiryFilter{Q: q, Page: Page{Size: 200}})
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, x := range found {
			ok = ok || x.ID == e.ID
		}
		if !ok {
			t.Errorf("search %q does not find %s", q, e.Reference)
		}
	}
	// New enquiries continue the generated series of references.
	next, err := a.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput("3403"), Consent: consent(), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	var dup int64
	a.rdb.Model(&Enquiry{}).Where("reference = ?", next.Reference).Count(&dup)
	if dup != 1 {
		t.Errorf("new reference %s taken %d times", next.Reference, dup)
	}
	if _, err := a.VerifyAudit(ctx); err != nil {
		t.Errorf("the chain after a new enquiry: %v", err)
	}
	// A second run refuses: gen fills an empty database only.
	if _, err := a.Generate(ctx, GenOptions{Scale: GenRegional, Seed: 7, Until: genTestUntil, Enquiries: 10}); err == nil {
		t.Error("gen ran on a database with data")
	}
}

// The generated data holds no case with two open referrals to one partner,
// which CreateReferral refuses.
func TestGeneratorKeepsOneOpenReferralPerPartner(t *testing.T) {
	t.Parallel()
	s := generated(t, 1, 4000)
	var pairs int64
	err := s.rdb.Raw(`SELECT COUNT(*) FROM (SELECT enquiry_id, partner_id FROM referrals
		WHERE status IN ? GROUP BY enquiry_id, partner_id HAVING COUNT(*) > 1) AS x`, unclosedReferral).Scan(&pairs).Error
	if err != nil {
		t.Fatal(err)
	}
	if pairs > 0 {
		t.Errorf("the generated data has %d cases with two open referrals to one partner; CreateReferral refuses that now", pairs)
	}
}

// The generator's entries about a region lie in that region, as the store's
// own (audit reads the region of the record): its coordinators follow them in
// their log. They had none, and were seen only by admins.
func TestGeneratedRegionEntriesLieInTheirRegion(t *testing.T) {
	t.Parallel()
	s := generated(t, 3, 200)
	var entries, astray int64
	err := s.rdb.Raw(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN region_id IS NULL OR CAST(region_id AS TEXT) <> object_id THEN 1 ELSE 0 END), 0)
		FROM audit_log WHERE object = 'region'`).Row().Scan(&entries, &astray)
	if err != nil {
		t.Fatal(err)
	}
	if entries == 0 || astray > 0 {
		t.Errorf("%d of the %d generated entries about a region lie outside it", astray, entries)
	}
}

// The generated data leaves no unsent draft on a closed case: CloseEnquiry
// refuses to close a case with one (send or discard it first), and a draft of
// a closed case cannot be sent. The generator made a recent case's draft
// whether the case had closed or not.
func TestGeneratorLeavesNoDraftOnAClosedCase(t *testing.T) {
	t.Parallel()
	s := generated(t, 1, 4000)
	var drafts int64
	err := s.rdb.Raw(`SELECT COUNT(*) FROM referrals JOIN enquiries ON enquiries.id = referrals.enquiry_id
		WHERE referrals.status = 'draft' AND enquiries.status = 'closed'`).Row().Scan(&drafts)
	if err != nil {
		t.Fatal(err)
	}
	if drafts > 0 {
		t.Errorf("the generated data has %d unsent drafts on closed cases; CloseEnquiry refuses to close such a case", drafts)
	}
}

// The generator's entries about a user's account lie in the region of the
// user's role, as the store's own do (auditUser): each region's coordinators
// follow who was given access there. An admin, who holds no region role, is
// audited in none. They lay in no region, seen only by admins.
func TestGeneratedUserEntriesLieInTheUsersRegion(t *testing.T) {
	t.Parallel()
	s := generated(t, 3, 200)
	var entries, astray int64
	err := s.rdb.Raw(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN
			(SELECT COUNT(*) FROM user_roles r WHERE CAST(r.user_id AS TEXT) = audit_log.object_id AND r.region_id IS NOT DISTINCT FROM audit_log.region_id) = 0
			THEN 1 ELSE 0 END), 0)
		FROM audit_log WHERE object = 'user' AND action = 'create'`).Row().Scan(&entries, &astray)
	if err != nil {
		t.Fatal(err)
	}
	if entries == 0 || astray > 0 {
		t.Errorf("%d of the %d generated entries of a user's creation lie outside the region of the user's role", astray, entries)
	}
}

// The generated projects and milestones pass the checks a coordinator's own
// pass: amounts from 0 to a billion kroner, dates within 1970–2100, a period
// that ends after it starts, milestones due within their project's period,
// no open milestone in a completed project.
func TestGeneratedProjectsPassTheirChecks(t *testing.T) {
	t.Parallel()
	s := generated(t, 1, 200)
	ctx := context.Background()
	admin := &Viewer{User: &User{Roles: []UserRole{{Role: RoleAdmin}}}}
	var regions []Region
	if err := s.rdb.Find(&regions).Error; err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := range regions {
		admin.Region = &regions[i]
		ps, _, err := s.Projects(ctx, admin, ProjectFilter{Whole: true, Page: Page{Size: 1000}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			problems, err := s.ProjectProblems(ctx, p.RegionID, p.ID, p.Input())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems.Fields) > 0 {
				t.Errorf("generated project %d %q is refused: %v", p.ID, p.Title, problems.Fields)
			}
			open := p
			open.Status = "active"       // a closed project's milestones are refused as closed, not by their dates
			if p.Status == "completed" { // completing it, with its milestones as they are, is taken
				completing := ValidationError{Fields: map[string]string{}}
				if completionProblem(&completing, &open, p.Input()); len(completing.Fields) > 0 {
					t.Errorf("generated project %d %q is completed with %d open milestones: %v", p.ID, p.Title, len(p.OpenMilestones()), completing.Fields)
				}
			}
			for _, m := range p.Milestones {
				in := MilestoneInput{Title: m.Title, Responsible: m.Responsible, DueOn: &m.DueOn, Status: m.Status, DoneOn: m.DoneOn}
				if fields := s.MilestoneProblems(&open, 0, in); len(fields) > 0 {
					t.Errorf("generated milestone %d of project %d is refused: %v", m.ID, p.ID, fields)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no generated project was checked")
	}
}

// A generated project's audit log reads as the app writes it (UpdateProject):
// it is created with its first status, each move of status is an entry of
// its own, action "status" with "old->new", the moves chain from the first
// status to the project's status now, and an edit ("update") names the status
// the project had after it. The generator wrote every move as an edit,
// "update" with "status=new", which the app writes for no move.
func TestGeneratedProjectAuditReadsAsTheApps(t *testing.T) {
	t.Parallel()
	s := generated(t, 3, 100)
	ctx := context.Background()
	var projects []Project
	if err := s.rdb.Order("id").Find(&projects).Error; err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, p := range projects {
		entries, err := s.AuditFor(ctx, "project", fmt.Sprint(p.ID))
		if err != nil {
			t.Fatal(err)
		}
		status, saves := "", 0
		for i := len(entries) - 1; i >= 0; i-- { // AuditFor is newest first
			e := entries[i]
			switch e.Action {
			case "create":
				if status != "" || !strings.HasPrefix(e.Detail, "status=") {
					t.Errorf("project %d: create %q after %q", p.ID, e.Detail, status)
				}
				status = strings.TrimPrefix(e.Detail, "status=")
			case "status":
				old, next, ok := strings.Cut(e.Detail, "->")
				if !ok || old != status || next == old || !slices.Contains(ProjectStatuses, next) {
					t.Errorf("project %d: status move %q from %q", p.ID, e.Detail, status)
				}
				status = next
				saves++
				moved++
			case "update":
				if e.Detail != "status="+status {
					t.Errorf("project %d: update %q while %q", p.ID, e.Detail, status)
				}
				saves++
			default:
				t.Errorf("project %d: audit action %q", p.ID, e.Action)
			}
		}
		if status != p.Status {
			t.Errorf("project %d is %q; its audit log leaves it %q", p.ID, p.Status, status)
		}
		if saves > p.Version-1 {
			t.Errorf("project %d: %d saves audited, version %d", p.ID, saves, p.Version)
		}
	}
	if moved == 0 {
		t.Fatal("no generated project moved its status")
	}
}
