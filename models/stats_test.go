package models

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// statRow is the only data statistics read: codes and times, no person data.
type statRow struct {
	ReceivedAt       time.Time
	Needs            string
	EnquirerKind     string
	Stage            string
	FirstResponseAt  *time.Time
	FirstResponseDue time.Time
}

// municipalityStatsByRows is the first MunicipalityStats, which read the rows and counted them in Go; it
// stays as the oracle that the counting in SQL is checked against.
// It counts the enquiries from the viewer's own municipality
// received in the twelve months up to now.
func (s *Store) municipalityStatsByRows(ctx context.Context, v *Viewer) (*MunicipalityStatistics, error) {
	if v.User.Municipality == nil {
		return nil, ErrNotFound
	}
	number := *v.User.Municipality
	now := s.now().In(Oslo)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, Oslo).AddDate(0, -11, 0)
	var rows []statRow
	err := s.read(ctx).Model(&Enquiry{}).Select("received_at, needs, enquirer_kind, stage, first_response_at, first_response_due").
		Where("kommunenummer = ? AND received_at >= ?", number, from.UTC()).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("municipality statistics: %w", err)
	}
	months := map[string]int{}
	for m := from; !m.After(now); m = m.AddDate(0, 1, 0) {
		months[m.Format("2006-01")] = 0
	}
	needs, kinds, stages := map[string]int{}, map[string]int{}, map[string]int{}
	answered, within, due := 0, 0, 0
	for _, r := range rows {
		months[r.ReceivedAt.In(Oslo).Format("2006-01")]++
		for _, n := range splitCodes(r.Needs) {
			needs[n]++
		}
		kinds[r.EnquirerKind]++
		stage := r.Stage
		if stage == "" {
			stage = "unknown"
		}
		stages[stage]++
		if r.FirstResponseAt != nil {
			answered++
			if !r.FirstResponseAt.After(r.FirstResponseDue) {
				within++
			}
		}
		if r.FirstResponseAt != nil || r.FirstResponseDue.Before(s.now()) {
			due++
		}
	}
	st := &MunicipalityStatistics{
		Kommunenummer: number, From: from.Format("2006-01-02"), To: now.Format("2006-01-02"), FromDay: from, ToDay: now,
		Total: newCount(len(rows)), PerMonth: buckets(months, true), PerNeed: ordered(needs, Needs),
		PerKind: ordered(kinds, EnquirerKinds), PerStage: ordered(stages, append(append([]string{}, Stages...), "unknown")),
		Answered: newCount(answered), WithinTarget: newCount(within), WithinTargetPc: shareWithinTarget(len(rows), due, answered, within),
	}
	st.withhold(len(rows), answered, within)
	return st, nil
}

// The statistics counted in SQL equal the rows counted one by one, on
// generated data, for every municipality of the region.
func TestMunicipalityStatsInSQL(t *testing.T) {
	t.Parallel()
	s := generated(t, 3, 3000)
	s.SetClock(func() time.Time { return genTestUntil.Add(15 * time.Hour).UTC() })
	ctx := context.Background()
	r, err := s.RegionBySlug(ctx, "mjosregionen")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range genRegionalMembers {
		u, err := s.UserByEmail(ctx, fmt.Sprintf("kommune-%s-1@mjosregionen.example", k))
		if err != nil {
			t.Fatal(err)
		}
		v := &Viewer{User: u, Region: r}
		got, err := s.MunicipalityStats(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.municipalityStatsByRows(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: in SQL\n%+v\nrow by row\n%+v", k, got, want)
		}
		if k == "3403" && got.Total.N < 50 {
			t.Errorf("Hamar has only %d enquiries in the last twelve months", got.Total.N)
		}
	}
}

// A single hidden count among counts that add up to the total shown is kept
// unknown by withholding the smallest count shown beside it.
func TestWithhold(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		counts []int
		want   string // per bucket: n shown, h hidden, w withheld
	}{
		{"one hidden", []int{5, 1, 7, 4}, "nhnw"},
		{"one hidden, zeros shown as zeros", []int{0, 2, 9, 0, 6}, "nhnnw"},
		{"two hidden give away only their sum", []int{5, 1, 2, 7}, "nhhn"},
		// Hidden counts are 1 or 2: two that add up to 2 are 1 each, two
		// that add up to 4 are 2 each, unless a count beside them is withheld.
		{"two hidden ones", []int{5, 1, 1, 7}, "whhn"},
		{"two hidden twos", []int{5, 2, 2, 7}, "whhn"},
		{"three hidden ones", []int{1, 1, 9, 1, 0}, "hhwhn"},
		{"three hidden, one a two", []int{1, 2, 9, 1, 5}, "hhnhn"},
		{"none hidden", []int{5, 3, 7}, "nnn"},
		{"total hidden", []int{0, 2}, "nh"},
	}
	for _, c := range cases {
		total := 0
		bs := make([]Bucket, len(c.counts))
		for i, n := range c.counts {
			total += n
			bs[i] = Bucket{Key: strconv.Itoa(i), Count: newCount(n)}
		}
		withhold(bs, newCount(total))
		var got strings.Builder
		for _, b := range bs {
			switch {
			case b.Count.Hidden:
				got.WriteByte('h')
			case b.Count.Withheld:
				got.WriteByte('w')
			default:
				got.WriteByte('n')
			}
		}
		if got.String() != c.want {
			t.Errorf("%s %v: %s; want %s", c.name, c.counts, got.String(), c.want)
		}
	}
	if b, _ := json.Marshal(Count{Withheld: true, N: 7}); string(b) != `"withheld"` {
		t.Errorf("a withheld count marshals as %s", b)
	}
	// Answered 30, 28 in time: showing 28 would give away the 2 late.
	st := &MunicipalityStatistics{Total: newCount(40), Answered: newCount(30), WithinTarget: newCount(28)}
	if st.withhold(40, 30, 28); !st.WithinTarget.Withheld {
		t.Errorf("in time = %+v; want withheld beside 2 late", st.WithinTarget)
	}
}

// The board's share referred counts the enquiries that were referred: a case
// whose only referral was withdrawn (before the partner took it, say) or is an
// unsent draft was not referred. Withdrawn referrals were counted.
func TestShareReferredLeavesOutWithdrawnAndDrafts(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t)
	ctx := context.Background()
	f.s.SetClock(func() time.Time { return time.Date(2026, 3, 10, 10, 0, 0, 0, Oslo).UTC() })
	sent, withdrawn, draft, both := f.webEnquiry(t, "3403"), f.webEnquiry(t, "3403"), f.webEnquiry(t, "3412"), f.webEnquiry(t, "3412")
	f.s.db.Exec("UPDATE enquiries SET received_at = ?", f.s.now()) // with the fixture's two: 6 received
	f.refer(t, sent, f.innovation, false)
	for _, e := range []*Enquiry{withdrawn, both} {
		r := f.refer(t, e, f.innovation, false)
		if err := f.s.CloseReferral(ctx, f.adviser, Actor{}, r.ID, ReferralOutcome{Outcome: "withdrawn", Reason: "sent_by_mistake", Version: r.Version}); err != nil {
			t.Fatal(err)
		}
	}
	f.refer(t, both, f.siva, false) // referred again, to another partner
	if _, err := f.s.CreateReferral(ctx, f.adviser, Actor{}, draft.ID, ReferralInput{PartnerID: f.innovation.ID, Reason: "financing", Send: false}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.ReferralReport(ctx, f.board, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep.EnquiriesReceived != 6 || rep.EnquiriesReferred != 2 || rep.ReferredPercent == nil || *rep.ReferredPercent != 33 {
		t.Errorf("referred = %d of %d, %v %%; want 2 of 6 (the sent, and the one referred again), 33 %%", rep.EnquiriesReferred, rep.EnquiriesReceived, deref(rep.ReferredPercent))
	}
}
