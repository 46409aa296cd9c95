package models

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SmallCount is the smallest count shown as a number; smaller counts show as
// "under 3" so that nobody can be recognised from a statistic.
const SmallCount = 3

// Count is a statistic that may be too small to show, or withheld because it
// would give away one that is.
type Count struct {
	N        int  `json:"-"`
	Hidden   bool `json:"hidden"`
	Withheld bool `json:"withheld"`
}

// MarshalJSON shows a hidden count as "under_3" and a withheld one as
// "withheld", never their values.
func (c Count) MarshalJSON() ([]byte, error) {
	switch {
	case c.Hidden:
		return []byte(`"under_3"`), nil
	case c.Withheld:
		return []byte(`"withheld"`), nil
	}
	return []byte(fmt.Sprint(c.N)), nil
}

// withhold keeps the hidden counts of a list that adds up to a total shown
// from being worked out as the total less the counts shown: where that tells
// them, it withholds the smallest count shown beside them, so that one more is
// unknown. A single hidden count is told by the rest; several give away only
// their sum, which tells each of them when it is all ones or all twos (two
// hidden counts that add up to 2 are 1 each), and where it is neither they
// stay unknown. A withheld count would have been shown, so it is known to be
// at least SmallCount: it is one above that where there is one, for a
// withheld 3 beside a hidden count that add up to 4 give away a hidden 1
// (only 1 + 3 makes 4), where 1 + 4 could be 2 + 3. (Beside counts of 3 alone
// a hidden 1 cannot be kept unknown.)
func withhold(bs []Bucket, total Count) {
	hidden, shown, smallest := 0, 0, -1
	less := func(a, b int) bool { // by size, those above SmallCount first
		if (a > SmallCount) != (b > SmallCount) {
			return a > SmallCount
		}
		return a < b
	}
	for i, b := range bs {
		switch {
		case b.Count.Hidden:
			hidden++
		case b.Count.N > 0 && (smallest < 0 || less(b.Count.N, bs[smallest].Count.N)):
			smallest = i
		}
		shown += b.Count.N
	}
	sum := total.N - shown // of the hidden counts, each 1 or 2
	told := hidden == 1 || hidden > 1 && (sum == hidden || sum == 2*hidden)
	if told && !total.Hidden && smallest >= 0 {
		bs[smallest].Count = Count{Withheld: true}
	}
}

func newCount(n int) Count {
	if n > 0 && n < SmallCount {
		return Count{Hidden: true}
	}
	return Count{N: n}
}

// Bucket is one labelled count.
type Bucket struct {
	Key   string `json:"key"`
	Count Count  `json:"count"`
	Label string `json:"-"` // the key in the reader's words, where a page names it so
}

// MunicipalityStatistics are anonymous counts of a municipality's enquiries.
// They never hold names, contact details or free text.
type MunicipalityStatistics struct {
	Kommunenummer  string   `json:"kommunenummer"`
	From           string   `json:"from"` // YYYY-MM-DD, as the API writes dates
	To             string   `json:"to"`
	Total          Count    `json:"total"`
	PerMonth       []Bucket `json:"per_month"`
	PerNeed        []Bucket `json:"per_need"`
	PerKind        []Bucket `json:"per_enquirer_kind"`
	PerStage       []Bucket `json:"per_stage"`
	Answered       Count    `json:"answered"`
	WithinTarget   Count    `json:"answered_within_target"`
	WithinTargetPc *int     `json:"share_within_target_percent"` // nil when too few to show
	// FromDay and ToDay are From and To as times in Norway, for pages, which
	// write dates as dd.mm.yyyy.
	FromDay, ToDay time.Time `json:"-"`
}

// MunicipalityStats counts the enquiries from the viewer's own municipality
// received in the twelve months up to now. The database does the counting, in
// one pass over an index that holds every column counted (migration 8), so no
// row leaves it: only codes and times are read, never person data.
func (s *Store) MunicipalityStats(ctx context.Context, v *Viewer) (*MunicipalityStatistics, error) {
	if v.User.Municipality == nil {
		return nil, ErrNotFound
	}
	number := *v.User.Municipality
	now := s.now().In(Oslo)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, Oslo).AddDate(0, -11, 0)

	// The months are summed in one pass; needs, kinds and stages are counted
	// per distinct combination (a few hundred) and split here.
	var cols []string
	var args []any
	var monthKeys []string
	for m := from; !m.After(now); m = m.AddDate(0, 1, 0) {
		monthKeys = append(monthKeys, m.Format("2006-01"))
		cols = append(cols, "SUM(CASE WHEN received_at >= ? AND received_at < ? THEN 1 ELSE 0 END)")
		args = append(args, m.UTC(), m.AddDate(0, 1, 0).UTC())
	}
	args = append(args, number, from.UTC())
	counts := make([]sql.NullInt64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range counts {
		ptrs[i] = &counts[i]
	}
	db := s.read(ctx)
	where := " FROM enquiries WHERE kommunenummer = ? AND received_at >= ?"
	if err := db.Raw("SELECT "+strings.Join(cols, ", ")+where, args...).Row().Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("municipality statistics: %w", err)
	}
	months := map[string]int{}
	for i, k := range monthKeys {
		months[k] = int(counts[i].Int64)
	}
	// Due are the enquiries answered or past their deadline: an enquiry nobody
	// answered by its deadline was not answered in time, and counts against
	// the share as much as one answered late.
	rows, err := db.Raw(`SELECT needs, enquirer_kind, stage, COUNT(*),
		SUM(CASE WHEN first_response_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN first_response_at IS NOT NULL AND first_response_at <= first_response_due THEN 1 ELSE 0 END),
		SUM(CASE WHEN first_response_at IS NOT NULL OR first_response_due < ? THEN 1 ELSE 0 END)`+where+
		` GROUP BY needs, enquirer_kind, stage`, s.now().UTC(), number, from.UTC()).Rows()
	if err != nil {
		return nil, fmt.Errorf("municipality statistics: %w", err)
	}
	defer rows.Close()
	needs, kinds, stageCounts := map[string]int{}, map[string]int{}, map[string]int{}
	total, answered, within, due := 0, 0, 0, 0
	for rows.Next() {
		var need, kind, stage string
		var n, a, w, d int
		if err := rows.Scan(&need, &kind, &stage, &n, &a, &w, &d); err != nil {
			return nil, fmt.Errorf("municipality statistics: %w", err)
		}
		for _, code := range splitCodes(need) {
			needs[code] += n
		}
		if stage == "" {
			stage = "unknown"
		}
		kinds[kind] += n
		stageCounts[stage] += n
		total, answered, within, due = total+n, answered+a, within+w, due+d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("municipality statistics: %w", err)
	}
	st := &MunicipalityStatistics{
		Kommunenummer: number, From: from.Format("2006-01-02"), To: now.Format("2006-01-02"), FromDay: from, ToDay: now,
		Total: newCount(total), PerMonth: buckets(months, true), PerNeed: ordered(needs, Needs),
		PerKind: ordered(kinds, EnquirerKinds), PerStage: ordered(stageCounts, append(append([]string{}, Stages...), "unknown")),
		Answered: newCount(answered), WithinTarget: newCount(within), WithinTargetPc: shareWithinTarget(total, due, answered, within),
	}
	st.withhold(total, answered, within)
	return st, nil
}

// withhold withholds the counts that would give away a hidden one. Months,
// kinds and stages each add up to the total (an enquiry has one of each;
// needs do not: it may have several); those answered late are the answered
// less those in time; and those not answered are the total less the answered.
func (st *MunicipalityStatistics) withhold(total, answered, within int) {
	for _, bs := range [][]Bucket{st.PerMonth, st.PerKind, st.PerStage} {
		withhold(bs, st.Total)
	}
	if !st.Answered.Hidden && newCount(answered-within).Hidden {
		st.WithinTarget = Count{Withheld: true}
	}
	if !st.Total.Hidden && !st.Answered.Hidden && newCount(total-answered).Hidden {
		st.Answered = Count{Withheld: true}
	}
}

// shareWithinTarget is the per cent of the due enquiries (answered, or past
// their deadline) answered within target, or nil when it would give away a
// count under SmallCount: with the counts shown, the share tells how many were
// answered in time, late, or not by their deadline (answered 3 and 33 % is
// one in time), so none of them may be 1 or 2. Beside the count in time it
// tells how many were due (4 in time at 57 % is 4 of 7), and so, with the
// total, how many are not yet due: that may not be 1 or 2 either, or the total
// less the due gave away what a withheld count answered keeps unknown.
func shareWithinTarget(total, due, answered, within int) *int {
	if due < SmallCount || newCount(within).Hidden || newCount(answered-within).Hidden || newCount(due-answered).Hidden || newCount(total-due).Hidden {
		return nil
	}
	pc := percent(share(float64(within), float64(due)))
	return &pc
}

func buckets(m map[string]int, keepZero bool) []Bucket {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Bucket, 0, len(keys))
	for _, k := range keys {
		if m[k] > 0 || keepZero {
			out = append(out, Bucket{Key: k, Count: newCount(m[k])})
		}
	}
	return out
}

// ordered lists counts in the order of codes, skipping codes with no count.
func ordered(m map[string]int, codes []string) []Bucket {
	out := []Bucket{}
	for _, c := range codes {
		if m[c] > 0 {
			out = append(out, Bucket{Key: c, Count: newCount(m[c])})
		}
	}
	return out
}

// AdviserSummary is what an adviser's start page shows.
type AdviserSummary struct {
	MyOpen         int64
	Overdue        int64
	NewThisWeek    int64
	MinutesMonth   int64
	UnassignedNew  int64
	ResponseTarget int
	WeekStart      time.Time // Monday of this week in Norway, as a date: NewThisWeek counts from it
}

// AdviserSummary counts the viewer's open enquiries, the region's overdue first
// responses and new enquiries this week, and the viewer's time this month on
// the region's cases.
func (s *Store) AdviserSummary(ctx context.Context, v *Viewer) (*AdviserSummary, error) {
	if v.Region == nil {
		return &AdviserSummary{}, nil
	}
	now := s.now()
	local := now.In(Oslo)
	weekday := (int(local.Weekday()) + 6) % 7 // Monday = 0
	weekStart := time.Date(local.Year(), local.Month(), local.Day()-weekday, 0, 0, 0, 0, Oslo).UTC()
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, Oslo)
	sum := &AdviserSummary{ResponseTarget: v.Region.FirstResponseDays, WeekStart: time.Date(local.Year(), local.Month(), local.Day()-weekday, 0, 0, 0, 0, time.UTC)}
	db := s.read(ctx)
	region := db.Model(&Enquiry{}).Where("region_id = ?", v.Region.ID)
	if err := region.Session(&gorm.Session{}).Where("assigned_to = ? AND status IN ?", v.User.ID, openStatuses).Count(&sum.MyOpen).Error; err != nil {
		return nil, err
	}
	if err := region.Session(&gorm.Session{}).Where("status IN ? AND first_response_due < ? AND first_response_at IS NULL", openStatuses, now).Count(&sum.Overdue).Error; err != nil {
		return nil, err
	}
	if err := region.Session(&gorm.Session{}).Where("received_at >= ?", weekStart).Count(&sum.NewThisWeek).Error; err != nil {
		return nil, err
	}
	if err := region.Session(&gorm.Session{}).Where("status = ? AND assigned_to IS NULL", "new").Count(&sum.UnassignedNew).Error; err != nil {
		return nil, err
	}
	// The minutes spent on this region's cases, as every other card counts this
	// region: an adviser in two regions sees each region's share on its page.
	err := db.Model(&Activity{}).Select("COALESCE(SUM(activities.minutes), 0)").
		Joins("JOIN enquiries ON enquiries.id = activities.enquiry_id AND enquiries.region_id = ?", v.Region.ID).
		Where("activities.user_id = ? AND activities.occurred_on >= ?", v.User.ID, monthStart.Format("2006-01-02")).Scan(&sum.MinutesMonth).Error
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// OpenAssigned counts the open enquiries assigned to user that v may see: the
// cases to give to others before, or after, the user is deactivated.
func (s *Store) OpenAssigned(ctx context.Context, v *Viewer, userID int64) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&Enquiry{}).Scopes(enquiriesVisibleTo(v)).
		Where("enquiries.assigned_to = ? AND enquiries.status IN ?", userID, openStatuses).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("open enquiries of user %d: %w", userID, err)
	}
	return n, nil
}

// QueueCount is how many enquiries wait in the admin queue.
func (s *Store) QueueCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&Enquiry{}).Where("region_id IS NULL AND status IN ?", openStatuses).Count(&n).Error
	return n, err
}
