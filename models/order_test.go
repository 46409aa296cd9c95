package models

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// uniqueLast is the last term of an ORDER BY that no two rows share: an
// id, the audit log's sequence number, an enquiry's reference, a factor's
// code, a municipality's number.
var uniqueLast = regexp.MustCompile(`^(?:\w+\.)?(?:id|seq|reference|code|kommunenummer)(?:\s+(?:ASC|DESC))?$`)

// orderTerms splits an ORDER BY clause into its terms, at the commas outside
// parentheses.
func orderTerms(clause string) []string {
	var terms []string
	depth, start := 0, 0
	for i, r := range clause {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				terms = append(terms, strings.TrimSpace(clause[start:i]))
				start = i + 1
			}
		}
	}
	return append(terms, strings.TrimSpace(clause[start:]))
}

// Every list orders its rows down to a unique key, so that rows sharing the
// value sorted by (projects updated in the same second, regions or users of
// the same name, enquiries received together) keep their place from one page
// to the next: PostgreSQL's top-N sort puts ties in any order, and a record
// could appear on two pages and on none. The test reads the SQL each list
// runs, its preloads too, and checks the last term of every ORDER BY.
func TestListsOrderByAUniqueKey(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	region := &Region{ID: 1}
	v := &Viewer{User: &User{ID: 1, Roles: []UserRole{{Role: RoleAdmin}}}, Region: region}
	var statements []string
	record := func(db *gorm.DB) { statements = append(statements, db.Statement.SQL.String()) }
	if err := s.rdb.Callback().Query().After("gorm:query").Register("test:statements", record); err != nil {
		t.Fatal(err)
	}
	// Lists read row by row (Raw(...).Rows()) run through GORM's row callbacks.
	if err := s.rdb.Callback().Row().After("gorm:row").Register("test:statements", record); err != nil {
		t.Fatal(err)
	}
	lists := map[string]func() error{
		"projects": func() error { _, _, err := s.Projects(ctx, v, ProjectFilter{}); return err },
		"whole projects": func() error {
			_, _, err := s.Projects(ctx, v, ProjectFilter{Whole: true})
			return err
		},
		"referrals":       func() error { _, _, err := s.ReferralList(ctx, v, ReferralFilter{}); return err },
		"referrals (API)": func() error { _, _, err := s.Referrals(ctx, v, ReferralFilter{}); return err },
		"users":           func() error { _, _, err := s.Users(ctx, v, UserFilter{}); return err },
		"partners":        func() error { _, _, err := s.Partners(ctx, PartnerFilter{}); return err },
		"partner choices": func() error { _, err := s.PartnerChoices(ctx, false, nil); return err },
		"municipalities":  func() error { _, _, err := s.Municipalities(ctx, MunicipalityFilter{}); return err },
		"assessments":     func() error { _, _, err := s.Assessments(ctx, v, AssessmentFilter{RegionID: 1}); return err },
		"audit log":       func() error { _, _, err := s.AuditEntries(ctx, v, AuditFilter{}); return err },
		"regions":         func() error { _, err := s.RegionList(ctx, v); return err },
		"region choices":  func() error { _, err := s.RegionsVisibleTo(ctx, v); return err },
		"advisers":        func() error { _, err := s.Assignees(ctx, &region.ID); return err },
		"project choices": func() error { _, err := s.ProjectChoices(ctx, v); return err },
		"factors":         func() error { _, err := s.Factors(ctx); return err },
		"tokens":          func() error { _, err := s.Tokens(ctx, v, 1); return err },
	}
	for sort := range EnquirySorts {
		lists["inbox by "+sort] = func() error { _, _, err := s.Inbox(ctx, v, EnquiryFilter{Sort: sort}); return err }
		lists["enquiries (API) by "+sort] = func() error { _, _, err := s.Enquiries(ctx, v, EnquiryFilter{Sort: sort}); return err }
	}
	for name, list := range lists {
		statements = statements[:0]
		if err := list(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ordered := 0
		for _, sql := range statements {
			i := strings.LastIndex(sql, "ORDER BY ")
			if i < 0 {
				continue
			}
			ordered++
			clause := sql[i+len("ORDER BY "):]
			if j := strings.Index(clause, " LIMIT "); j >= 0 {
				clause = clause[:j]
			}
			terms := orderTerms(clause)
			last := strings.TrimSpace(regexp.MustCompile(`\s+COLLATE\s+("[^"]+"|\w+)`).ReplaceAllString(terms[len(terms)-1], ""))
			if !uniqueLast.MatchString(last) {
				t.Errorf("%s: ORDER BY %s ends in %q, which rows can share", name, clause, last)
			}
		}
		if ordered == 0 {
			t.Errorf("%s: no statement was ordered: %q", name, statements)
		}
	}
}

// Records sharing the value a list is sorted by, across a page boundary, are
// each on exactly one page, in the order of their ids: projects updated in
// the same instant (the fixture's clock stands still) and users of the same
// name.
func TestPagesKeepTiesInPlace(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var projects []int64
	for _, title := range []string{"A", "B", "C", "D", "E"} {
		projects = append(projects, f.project(t, title, "active", "participants", lead("3403")).ID)
	}
	for i := range 4 {
		email := "samme" + string(rune('a'+i)) + "@test.example"
		if _, err := f.s.CreateUser(ctx, Actor{}, UserInput{Email: email, Name: "Kari Nordmann"}, "fixture-passord-123", []RoleGrant{{RegionID: f.region.ID, Role: RoleAdviser}}); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(name string, page func(Page) ([]int64, error)) []int64 {
		var all []int64
		for n := 1; n <= 10; n++ {
			ids, err := page(Page{Number: n, Size: 2})
			if err != nil {
				t.Fatalf("%s page %d: %v", name, n, err)
			}
			if len(ids) == 0 {
				break
			}
			all = append(all, ids...)
		}
		return all
	}
	got := walk("projects", func(pg Page) ([]int64, error) {
		ps, _, err := f.s.Projects(ctx, f.coord, ProjectFilter{Page: pg})
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		return ids, err
	})
	slices.Reverse(projects) // the newest first, and of the same instant the last made
	if !slices.Equal(got, projects) {
		t.Errorf("the projects page by page = %v; want %v", got, projects)
	}
	got = walk("users", func(pg Page) ([]int64, error) {
		us, _, err := f.s.Users(ctx, f.admin, UserFilter{Q: "Kari Nordmann", Page: pg})
		ids := make([]int64, len(us))
		for i, u := range us {
			ids[i] = u.ID
		}
		return ids, err
	})
	if len(got) != 4 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != 4 {
		t.Errorf("the users of the same name page by page = %v; want four ids, each once, ascending", got)
	}
}
