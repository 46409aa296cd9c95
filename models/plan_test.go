package models

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"samspill/models/dbtest"
)

// queryPlan is SQLite's plan for the statement that build makes, one line per step.
func queryPlan(t *testing.T, s *Store, build func(tx *gorm.DB) *gorm.DB) string {
	t.Helper()
	sql := s.db.ToSQL(build)
	var steps []struct{ Detail string }
	if err := s.db.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&steps).Error; err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	var b strings.Builder
	for _, st := range steps {
		b.WriteString(st.Detail + "\n")
	}
	return b.String()
}

// TestQueryPlans pins the index each of the heavy queries is served by, on
// SQLite without statistics (as a database that grew in use has none). At
// national size the wrong plan walks a region's whole history: the overdue
// tab took 35 ms and retention 13 s before they had indexes of their own.
func TestQueryPlans(t *testing.T) {
	skipOnPostgres(t, "SQLite's query plans")
	s := newStore(t)
	region := &Region{ID: 1, RetentionMonths: 36}
	v := &Viewer{User: &User{ID: 7, Roles: []UserRole{{RegionID: &region.ID, Role: RoleAdviser}}}, Region: region}
	inboxOf := func(f EnquiryFilter) func(tx *gorm.DB) *gorm.DB {
		return func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f)).
				Order(EnquirySorts["received_desc"]).Limit(50).Find(&[]Enquiry{})
		}
	}
	countOf := func(f EnquiryFilter) func(tx *gorm.DB) *gorm.DB {
		return func(tx *gorm.DB) *gorm.DB {
			var n int64
			return tx.Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f)).Count(&n)
		}
	}
	sortedBy := func(f EnquiryFilter) func(tx *gorm.DB) *gorm.DB {
		return func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, f)).Select(inboxColumns).
				Scopes(s.sorted(f)).Limit(50).Offset(100).Find(&[]Enquiry{})
		}
	}
	admin := &Viewer{User: &User{ID: 8, Roles: []UserRole{{Role: RoleAdmin}}}, Region: region}
	related := func(v *Viewer) func(tx *gorm.DB) *gorm.DB {
		return func(tx *gorm.DB) *gorm.DB {
			e := &Enquiry{ID: 5, Email: "kari@example.org", Phone: "+47 912 34 567", OrgNumber: "923609016"}
			return s.relatedQuery(tx, v, e).Limit(RelatedLimit + 1).Scan(&[]RelatedEnquiry{})
		}
	}
	inbox := func(tab string) func(tx *gorm.DB) *gorm.DB { return inboxOf(EnquiryFilter{Tab: tab}) }
	count := func(tab string) func(tx *gorm.DB) *gorm.DB { return countOf(EnquiryFilter{Tab: tab}) }
	for _, c := range []struct {
		name  string
		build func(tx *gorm.DB) *gorm.DB
		index string
	}{
		{"inbox", inbox(""), "enquiries_region_browse"},
		{"inbox count", count(""), "COVERING INDEX"},
		{"inbox overdue", inbox("overdue"), "enquiries_unanswered"},
		{"inbox overdue count", count("overdue"), "enquiries_unanswered"},
		{"inbox mine", inbox("mine"), "enquiries_assignee_browse"},
		{"inbox of a municipality", inboxOf(EnquiryFilter{Municipality: "3412"}), "enquiries_region_municipality"},
		{"inbox of a municipality count", countOf(EnquiryFilter{Municipality: "3412"}), "COVERING INDEX enquiries_region_municipality"},
		{"inbox of a municipality, open", inboxOf(EnquiryFilter{Tab: "open", Municipality: "3412"}), "enquiries_region_municipality"},
		{"inbox mine count", count("mine"), "COVERING INDEX enquiries_assignee_browse"},
		// A search reads the enquiries the region's part of the index found, by id.
		{"search", inboxOf(EnquiryFilter{Q: "hansen"}), "INTEGER PRIMARY KEY (rowid=?)"},
		{"search count", countOf(EnquiryFilter{Q: "hansen"}), "INTEGER PRIMARY KEY (rowid=?)"},
		{"retention", func(tx *gorm.DB) *gorm.DB {
			var due []RetentionCandidate
			return s.retentionDueIn(tx, region, time.Now()).Scan(&due)
		}, "enquiries_retention"},
		// The sorts by status and by municipality walk an index in their order
		// and stop at the page, as the sort by date does, instead of sorting
		// the region's every enquiry (46 000 in the largest) for each page.
		{"inbox by status", sortedBy(EnquiryFilter{Sort: "status"}), "enquiries_region_status_order"},
		{"inbox by status, open", sortedBy(EnquiryFilter{Sort: "status", Tab: "open"}), "enquiries_region_status_order"},
		{"inbox by status, of a channel", sortedBy(EnquiryFilter{Sort: "status", Channel: "phone"}), "enquiries_region_status_order"},
		{"inbox by municipality", sortedBy(EnquiryFilter{Sort: "municipality"}), "municipalities_name_order"},
		{"inbox by municipality, open", sortedBy(EnquiryFilter{Sort: "municipality", Tab: "open"}), "municipalities_name_order"},
		{"inbox by municipality, of one", sortedBy(EnquiryFilter{Sort: "municipality", Municipality: "3412"}), "enquiries_region_municipality"},
		// An enquiry sent again is looked for among its municipality's of the
		// last minutes, on the one door's and the advisers' every registration.
		{"repeat, one door", func(tx *gorm.DB) *gorm.DB {
			return repeatCandidates(tx, nil, &NewEnquiry{Input: sampleInput("3412"), Channel: "web"}, time.Now()).Find(&[]Enquiry{})
		}, "enquiries_repeat (email=? AND kommunenummer=? AND received_at>? AND received_at<?)"},
		{"repeat, adviser", func(tx *gorm.DB) *gorm.DB {
			return repeatCandidates(tx, v, &NewEnquiry{Input: sampleInput("3412"), Channel: "phone"}, time.Now()).Find(&[]Enquiry{})
		}, "enquiries_repeat (email=? AND kommunenummer=? AND received_at>? AND received_at<?)"},
		// A case's related enquiries are found by the person's e-mail, phone
		// and organisation number, each in an index of its own, not by
		// walking the region's history (or, for an admin, the nation's) for
		// the ten newest that match.
		{"related enquiries", related(v), "INTEGER PRIMARY KEY (rowid=?)"},
		{"related enquiries by e-mail", related(v), "enquiries_repeat (email=?)"},
		{"related enquiries by phone", related(v), "enquiries_phone"},
		{"related enquiries by org number", related(v), "enquiries_org_number"},
		{"related enquiries, admin", related(admin), "INTEGER PRIMARY KEY (rowid=?)"},
		{"related enquiries by e-mail, admin", related(admin), "enquiries_repeat (email=?)"},
		{"case history", func(tx *gorm.DB) *gorm.DB {
			var out []HistoryEntry
			return historyQuery(tx, "enquiry", "1").Scan(&out)
		}, "audit_log_changes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := queryPlan(t, s, c.build)
			if !strings.Contains(plan, c.index) {
				t.Errorf("plan does not use %s:\n%s", c.index, plan)
			}
			if strings.HasPrefix(c.name, "inbox by") && strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan sorts what the index should give in order:\n%s", plan)
			}
		})
	}
}

// On PostgreSQL the inbox sorted by status reads its index in order (the
// expression in the index is the one the query spells), and sorted by
// municipality reads the municipalities in name order and sorts one
// municipality's enquiries at a time (PostgreSQL does not carry the order of
// a nested loop's inner index into the result). The planner is kept from the
// sequential scan and the whole sort that an empty table makes cheapest.
func TestQueryPlansPostgres(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL's query plans")
	}
	t.Parallel()
	s := newStore(t)
	region := &Region{ID: 1}
	v := &Viewer{User: &User{ID: 7, Roles: []UserRole{{RegionID: &region.ID, Role: RoleAdviser}}}, Region: region}
	for _, c := range []struct {
		filter EnquiryFilter
		want   []string
	}{
		{EnquiryFilter{Sort: "status"}, []string{"Index Scan using enquiries_region_status_order"}},
		{EnquiryFilter{Sort: "status", Tab: "open"}, []string{"Index Scan using enquiries_region_status_order"}},
		{EnquiryFilter{Sort: "municipality"}, []string{"municipalities_name_order", "Presorted Key: municipalities.name_order"}},
	} {
		sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return tx.Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v), s.filterScope(v, c.filter)).Select(inboxColumns).
				Scopes(s.sorted(c.filter)).Limit(50).Find(&[]Enquiry{})
		})
		plan := explainPostgres(t, s, sql, "enable_seqscan", "enable_sort")
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("sorted by %s (tab %q): the plan has no %q:\n%s", c.filter.Sort, c.filter.Tab, w, plan)
			}
		}
		if strings.Contains(plan, "\n  ->  Sort") || strings.HasPrefix(plan, "Sort") {
			t.Errorf("sorted by %s (tab %q): the plan sorts every row:\n%s", c.filter.Sort, c.filter.Tab, plan)
		}
	}
}

// On PostgreSQL a case's related enquiries are found in the e-mail's prefix
// index (migration 7), the phone's expression index (migration 25) and the
// organisation number's prefix index (migration 7; migration 27 dropped the
// second index of the number, which only equality used), as on SQLite.
func TestRelatedPlanPostgres(t *testing.T) {
	if !dbtest.Postgres() {
		t.Skip("PostgreSQL's query plans")
	}
	t.Parallel()
	s := newStore(t)
	region := &Region{ID: 1}
	v := &Viewer{User: &User{ID: 7, Roles: []UserRole{{RegionID: &region.ID, Role: RoleAdviser}}}, Region: region}
	e := &Enquiry{ID: 5, Email: "kari@example.org", Phone: "+47 912 34 567", OrgNumber: "923609016"}
	sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return s.relatedQuery(tx, v, e).Limit(RelatedLimit + 1).Scan(&[]RelatedEnquiry{})
	})
	plan := explainPostgres(t, s, sql, "enable_seqscan")
	// The e-mail is found in either index that leads with it: migration 7's
	// prefix index or migration 24's of repeated enquiries.
	for _, any := range [][]string{{"enquiries_email_prefix", "enquiries_repeat"}, {"enquiries_phone"}, {"enquiries_org_number_prefix"}} {
		if !slices.ContainsFunc(any, func(w string) bool { return strings.Contains(plan, w) }) {
			t.Errorf("the plan has none of %s:\n%s", strings.Join(any, ", "), plan)
		}
	}
}

// explainPostgres is PostgreSQL's plan of sql with the planner settings off
// (enable_seqscan, enable_sort): a test database holds too few rows for the
// planner to prefer an index by itself, so the test asks whether one can serve.
func explainPostgres(t *testing.T, s *Store, sql string, off ...string) string {
	t.Helper()
	var lines []string
	err := s.db.Transaction(func(tx *gorm.DB) error {
		for _, setting := range off {
			if err := tx.Exec("SET LOCAL " + setting + " = off").Error; err != nil {
				return err
			}
		}
		return tx.Raw("EXPLAIN " + sql).Scan(&lines).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
