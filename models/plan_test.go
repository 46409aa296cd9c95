package models

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
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
		{"case history", func(tx *gorm.DB) *gorm.DB {
			var out []HistoryEntry
			return historyQuery(tx, "enquiry", "1").Scan(&out)
		}, "audit_log_changes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if plan := queryPlan(t, s, c.build); !strings.Contains(plan, c.index) {
				t.Errorf("plan does not use %s:\n%s", c.index, plan)
			}
		})
	}
}
