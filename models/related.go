package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// RelatedLimit is how many of a case's related enquiries the case page lists.
const RelatedLimit = 10

// RelatedEnquiry is another enquiry from the same person or business as a
// case, and what the two share. It holds no person data of its own: the
// reader sees the case's, and opening the other enquiry is audited as a view
// of it.
type RelatedEnquiry struct {
	ID          int64
	Reference   string
	ReceivedAt  time.Time
	Status      string
	Needs       string // comma-separated codes
	ByEmail     bool   // the same e-mail address
	ByPhone     bool   // the same phone number, however written (see phoneForms)
	ByOrgNumber bool   // the same organisation number
}

// NeedList is the enquiry's needs as codes.
func (r *RelatedEnquiry) NeedList() []string { return splitCodes(r.Needs) }

// RelatedEnquiries lists, newest first and at most limit, the enquiries the
// viewer may see, other than e, with e's e-mail, phone number or
// organisation number, compared as an access request compares them
// (PersonQuery). Anonymised enquiries are left out. more reports that there
// are others besides. A viewer who sees no person data (board, municipality,
// partner) gets none, as the enquiry scope gives them none.
func (s *Store) RelatedEnquiries(ctx context.Context, v *Viewer, e *Enquiry, limit int) (list []RelatedEnquiry, more bool, err error) {
	q := s.relatedQuery(s.read(ctx), v, e)
	if q == nil {
		return nil, false, nil
	}
	if err := q.Limit(limit + 1).Scan(&list).Error; err != nil {
		return nil, false, fmt.Errorf("enquiries related to %d: %w", e.ID, err)
	}
	if len(list) > limit {
		return list[:limit], true, nil
	}
	return list, false, nil
}

// relatedQuery is RelatedEnquiries' query without its limit, or nil when e
// has nothing to match on or the viewer sees no enquiries. Each match is an
// equality on an index of its own (enquiries_repeat, led by the e-mail, and enquiries_phone on the
// very storedPhone expression, enquiries_org_number): a person has a handful
// of enquiries, a region tens of thousands, so the matches are found first,
// read by id, and the viewer's scope and the order checked on those. On
// SQLite, NOT INDEXED keeps the planner from walking the region's history
// newest first instead (it cannot know that the matches are few), as
// searchScope does; TestQueryPlans pins both.
func (s *Store) relatedQuery(db *gorm.DB, v *Viewer, e *Enquiry) *gorm.DB {
	if all, region := enquiryScope(v); !all && region == 0 {
		return nil
	}
	email, phones := PersonQuery{Email: e.Email, Phone: e.Phone}.forms()
	var finds []string
	var args []any // each match's, in the same order in the columns and in the condition
	match := func(cond string, arg any) string {
		finds, args = append(finds, "SELECT id FROM enquiries WHERE "+cond), append(args, arg)
		return "(" + cond + ")"
	}
	byEmail, byPhone, byOrg := "1 = 0", "1 = 0", "1 = 0"
	if email != "" {
		byEmail = match("email = ?", email)
	}
	if len(phones) > 0 {
		byPhone = match(storedPhone+" IN ?", phones)
	}
	if org := strings.TrimSpace(e.OrgNumber); org != "" {
		byOrg = match("org_number = ?", org)
	}
	if len(finds) == 0 {
		return nil
	}
	table := "enquiries"
	if s.dialect == SQLite {
		table = "enquiries NOT INDEXED"
	}
	return db.Table(table).
		Select("enquiries.id, enquiries.reference, enquiries.received_at, enquiries.status, enquiries.needs, "+
			byEmail+" AS by_email, "+byPhone+" AS by_phone, "+byOrg+" AS by_org_number", args...).
		Scopes(enquiriesVisibleTo(v)).
		Where("enquiries.id IN ("+strings.Join(finds, " UNION ALL ")+")", args...).
		Where("enquiries.id <> ? AND enquiries.anonymised_at IS NULL", e.ID).
		Order("enquiries.received_at DESC, enquiries.id DESC")
}
