package models

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestAuditAppendOnlyAndChained(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := s.VerifyAudit(ctx)
	if err != nil || n < 10 {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
	// The database refuses to change or remove entries.
	if err := s.db.Exec("UPDATE audit_log SET detail = 'changed' WHERE seq = 3").Error; err == nil {
		t.Error("an audit entry was updated")
	}
	if err := s.db.Exec("DELETE FROM audit_log WHERE seq = 3").Error; err == nil {
		t.Error("an audit entry was deleted")
	}
	// Someone who drops the trigger and edits an entry is caught by the chain.
	if err := s.db.Exec(dropAuditTrigger(s, "audit_log_no_update")).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec("UPDATE audit_log SET detail = 'changed' WHERE seq = 3").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); !errors.Is(err, ErrAuditBroken) {
		t.Errorf("VerifyAudit after tampering = %v; want ErrAuditBroken", err)
	}
}

func TestAuditDeletionDetected(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Exec(dropAuditTrigger(s, "audit_log_no_delete")).Error; err != nil {
		t.Fatal(err)
	}
	var last int64
	s.db.Raw("SELECT MAX(seq) FROM audit_log").Scan(&last)
	if err := s.db.Exec("DELETE FROM audit_log WHERE seq = ?", last).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyAudit(ctx); !errors.Is(err, ErrAuditBroken) {
		t.Errorf("VerifyAudit after removing the last entry = %v; want ErrAuditBroken", err)
	}
}

// dropAuditTrigger is the statement that drops a trigger guarding the audit log:
// SQLite has one per verb, PostgreSQL one for both.
func dropAuditTrigger(s *Store, sqliteName string) string {
	if s.Dialect() == Postgres {
		return "DROP TRIGGER audit_log_no_change ON audit_log"
	}
	return "DROP TRIGGER " + sqliteName
}

// The hash of an entry is fixed: chains written by earlier versions must
// verify. The expected value was computed with the original fmt-based code.
func TestChainHashFormat(t *testing.T) {
	t.Parallel()
	user := int64(7)
	e := AuditEntry{Seq: 42, At: time.Date(2026, 11, 27, 9, 30, 15, 123456000, time.UTC), UserID: &user, Action: "view", Object: "enquiry",
		ObjectID: "123", RequestID: "req-1", IP: "10.0.0.1", Detail: "page", PrevHash: "abc"}
	if got, want := e.chainHash(), "91cf6e50edb6b57d0002c4d61b40b396209754ccd3888b416d7b60e35b728ed6"; got != want {
		t.Errorf("chainHash = %s; want %s", got, want)
	}
}

// An entry about an enquiry or a referral lies in the record's region, not in
// the region its actor works in: an admin working in Hamarregionen who reads
// Ringsaker's enquiry leaves the entry in Ringsaker's audit, where its
// coordinators look, and the admin queue's enquiries in no region's.
func TestAuditEntryLiesInTheRecordsRegion(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	made := map[string]*Enquiry{}
	for _, k := range []string{"3403", "3411", "0301"} { // Hamar, Ringsaker, Oslo (the queue)
		e, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: sampleInput(k), Consent: consent(), Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		made[k] = e
	}
	admin := Actor{UserID: f.admin.User.ID, RegionID: f.hamar.ID} // working in Hamarregionen
	cases := []struct {
		kommune string
		want    *int64
	}{
		{"3403", &f.hamar.ID},
		{"3411", &f.ringsaker.ID},
		{"0301", nil},
	}
	for _, c := range cases {
		id := strconv.FormatInt(made[c.kommune].ID, 10)
		if err := f.s.RecordView(ctx, admin, "enquiry", id, "page"); err != nil {
			t.Fatal(err)
		}
		entries, err := f.s.AuditFor(ctx, "enquiry", id)
		if err != nil || len(entries) == 0 || entries[0].Action != "view" {
			t.Fatalf("%s: entries %v, %v", c.kommune, entries, err)
		}
		if got := entries[0].RegionID; (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s: the admin's view lies in region %v; want %v", c.kommune, deref(got), deref(c.want))
		}
	}
	// Entries about lists keep the actor's region.
	if err := f.s.RecordView(ctx, admin, "enquiry", "list", "page rows=3"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := f.s.AuditFor(ctx, "enquiry", "list"); len(entries) != 1 || entries[0].RegionID == nil || *entries[0].RegionID != f.hamar.ID {
		t.Errorf("the list's entry = %+v; want it in the actor's region", entries)
	}
	if _, err := f.s.VerifyAudit(ctx); err != nil {
		t.Errorf("the chain after entries placed by their records: %v", err)
	}
}

// Every action and object the code writes to the audit log is listed, so that
// the log's viewer names it in words and offers it as a filter.
func TestAuditCodesListed(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	// The calls that name their action; the few that choose it at run time
	// (retire or reinstate, activate or deactivate) are listed by hand.
	// The generator of national test data writes entries too.
	// Entries about a user's account (auditUser) count too.
	call := regexp.MustCompile(`(?:s\.audit\(tx|s\.auditUser\(tx|g\.audit\(\w+(?:\.\w+)?), .*?"([a-z_]+)", "([a-z_]+)", `)
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			found++
			if !slices.Contains(AuditActions, m[1]) {
				t.Errorf("%s: the action %q is not in AuditActions", name, m[1])
			}
			if !slices.Contains(AuditObjects, m[2]) {
				t.Errorf("%s: the object %q is not in AuditObjects", name, m[2])
			}
		}
	}
	if found < 30 {
		t.Errorf("found %d audit calls; the pattern no longer matches the code", found)
	}
}

// The audit viewer names what a page's details refer to by id or number: the
// user a case was assigned to, the partner of a referral, the regions of a
// user's roles and the municipality of a membership, one query for each kind.
func TestAuditEntriesNameWhatDetailsReferTo(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	region, err := s.RegionBySlug(ctx, DemoRegionSlug)
	if err != nil {
		t.Fatal(err)
	}
	v := &Viewer{User: &User{ID: 1, Roles: []UserRole{{Role: RoleAdmin}}}, Region: region}
	for _, tt := range []struct {
		action, object string
		name           func(n *AuditNames, e AuditEntry) string
	}{
		{"assign", "enquiry", func(n *AuditNames, e AuditEntry) string {
			id, _ := detailID(e.Detail, "assigned_to=")
			return n.Users[id]
		}},
		{"create", "referral", func(n *AuditNames, e AuditEntry) string {
			_, p, _ := strings.Cut(e.Detail, "partner=")
			id, _ := strconv.ParseInt(strings.Fields(p)[0], 10, 64)
			return n.Partners[id]
		}},
		{"save_member", "region", func(n *AuditNames, e AuditEntry) string { return n.Municipalities[e.Detail] }},
	} {
		lines, _, err := s.AuditEntries(ctx, v, AuditFilter{Action: tt.action, Object: tt.object, Page: Page{Number: 1, Size: 50}})
		if err != nil {
			t.Fatal(err)
		}
		if len(lines) == 0 {
			t.Fatalf("the demo has no %s %s entry", tt.action, tt.object)
		}
		for _, l := range lines {
			if l.Names == nil || tt.name(l.Names, l.AuditEntry) == "" {
				t.Errorf("%s %s %q: no name for what it refers to (%+v)", tt.action, tt.object, l.Detail, l.Names)
			}
		}
	}
	lines, _, err := s.AuditEntries(ctx, v, AuditFilter{Action: "create", Object: "user", Page: Page{Number: 1, Size: 50}})
	if err != nil {
		t.Fatal(err)
	}
	named := false
	for _, l := range lines {
		if strings.Contains(l.Detail, "@"+itoa(region.ID)) {
			named = l.Names.Regions[region.ID] == region.Name
		}
	}
	if !named {
		t.Errorf("the regions of the users' roles are not named")
	}
}

// The audit log's user filter, which finds entries made by the user or about
// the user's account, searches each side in its own index (audit_log_user,
// audit_log_object) for admins and coordinators, counting and listing, rather
// than reading the national log's 5 million entries (as TestQueryPlans).
func TestAuditUserFilterPlan(t *testing.T) {
	skipOnPostgres(t, "SQLite's query plans")
	s := newStore(t)
	region := &Region{ID: 1}
	viewers := map[string]*Viewer{
		"admin":       {User: &User{ID: 1, Roles: []UserRole{{Role: RoleAdmin}}}, Region: region},
		"coordinator": {User: &User{ID: 2, Roles: []UserRole{{RegionID: &region.ID, Role: RoleCoordinator}}}, Region: region},
	}
	for who, v := range viewers {
		both := []string{"SEARCH audit_log USING INDEX audit_log_user (user_id=?)", "SEARCH audit_log USING INDEX audit_log_object (object=? AND object_id=?)"}
		for _, c := range []struct {
			f    AuditFilter
			want []string
		}{
			{AuditFilter{User: "kari"}, both},
			{AuditFilter{UserID: 7}, both},
			{AuditFilter{User: "kari", Action: "set_roles"}, both},
			// With the object chosen, the entries about users are few enough to read.
			{AuditFilter{User: "kari", Object: "user"}, []string{"SEARCH audit_log USING INDEX audit_log_object (object=?)"}},
		} {
			f := c.f
			for _, count := range []bool{false, true} {
				plan := auditPlan(t, s, v, f, count)
				for _, want := range c.want {
					if !strings.Contains(plan, want) || strings.Contains(plan, "SCAN audit_log") {
						t.Errorf("%s, %+v, count %t: the plan does not %s:\n%s", who, f, count, want, plan)
					}
				}
			}
		}
	}
}

// TestAuditRegionPlan: a coordinator's audit page, the region's entries newest
// first and their count, reads the region's part of an index, not the whole log
// (5.9 million entries at national size, where the largest region's count took
// over a second).
func TestAuditRegionPlan(t *testing.T) {
	skipOnPostgres(t, "SQLite's query plans")
	s := newStore(t)
	region := &Region{ID: 1}
	v := &Viewer{User: &User{ID: 2, Roles: []UserRole{{RegionID: &region.ID, Role: RoleCoordinator}}}, Region: region}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, Oslo)
	for _, f := range []AuditFilter{{}, {Action: "update"}, {Object: "project"}, {From: &from}, {From: &from, To: &from}} {
		for _, count := range []bool{false, true} {
			plan := auditPlan(t, s, v, f, count)
			want := "USING INDEX audit_log_region (region_id=?)"
			if count { // the filters are checked in the index: no row is read
				want = "USING COVERING INDEX audit_log_region (region_id=?)"
			}
			if !strings.Contains(plan, want) {
				t.Errorf("%+v, count %t: the plan does not read the region's entries by index:\n%s", f, count, plan)
			}
		}
	}
}

// detailID reads the number after prefix in an audit detail such as "assigned_to=12".
func detailID(detail, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(detail, prefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// auditPlan is SQLite's plan of the audit log page's count, or of its first
// page, for v with the filter f.
func auditPlan(t *testing.T, s *Store, v *Viewer, f AuditFilter, count bool) string {
	t.Helper()
	return queryPlan(t, s, func(tx *gorm.DB) *gorm.DB {
		q, err := s.auditQuery(tx, v, f)
		if err != nil {
			t.Fatal(err)
		}
		if count {
			var n int64
			return q.Count(&n)
		}
		return q.Order("seq DESC").Limit(50).Find(&[]AuditEntry{})
	})
}
