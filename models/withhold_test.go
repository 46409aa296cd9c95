package models

import (
	"context"
	"testing"
	"time"
)

// A withheld count is one that would have been shown, so at least 3: beside
// a hidden 1, a withheld 3 gave both away (the two add up to the total less
// the counts shown, 4, and only 1 + 3 makes 4). The count withheld is one that
// leaves the hidden count any of 1 or 2: 1 + 10 is 11, as 2 + 9 is.
func TestWithheldCountLeavesHiddenUnknown(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	for kind, n := range map[string]int{"community_entrepreneur": 1, "established_business": 3, "prospective_entrepreneur": 10} {
		for i := 0; i < n; i++ {
			in := sampleInput("3412")
			in.EnquirerKind = kind
			if _, err := f.s.CreateEnquiry(ctx, nil, Actor{}, NewEnquiry{Input: in, Consent: consent(), Channel: "web"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st, err := f.s.MunicipalityStats(ctx, f.municipalty)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.N != 14 || st.Total.Hidden || st.Total.Withheld {
		t.Fatalf("total = %+v; want 14 shown", st.Total)
	}
	got := map[string]Count{}
	for _, b := range st.PerKind {
		got[b.Key] = b.Count
	}
	if c := got["community_entrepreneur"]; !c.Hidden {
		t.Errorf("community = %+v; want hidden", c)
	}
	if c := got["established_business"]; c.Withheld || c.N != 3 {
		t.Errorf("established = %+v; want 3 shown: withheld beside the hidden 1, the two add up to 4 and give the 1 away", c)
	}
	if c := got["prospective_entrepreneur"]; !c.Withheld {
		t.Errorf("prospective = %+v; want withheld", c)
	}
}

// The share answered within the target is of the enquiries due (answered, or
// past their deadline), and beside the count in time it tells how many were
// due: 4 in time at 57 % is 4 of 7. With the total it gave away the
// enquiries not yet due, and so the count answered when that was withheld:
// of 8 enquiries, 7 due and all answered leaves 1 not answered.
func TestShareWithinTargetKeepsTheNotYetDueUnknown(t *testing.T) {
	t.Parallel()
	f := newEnquiryFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, Oslo)
	clock := now
	f.s.SetClock(func() time.Time { return clock.UTC() })
	for i := 0; i < 7; i++ {
		clock = now.AddDate(0, -2, i)
		e := f.webEnquiry(t, "3412")
		if i < 4 {
			clock = clock.Add(time.Hour) // in time
		} else {
			clock = clock.AddDate(0, 0, 21) // late
		}
		if _, err := f.s.ChangeStatus(ctx, f.adviser, Actor{}, e.ID, "in_progress", e.Version); err != nil {
			t.Fatal(err)
		}
	}
	clock = now
	f.webEnquiry(t, "3412") // came in this morning: neither answered nor due
	st, err := f.s.MunicipalityStats(ctx, f.municipalty)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total.N != 8 || !st.Answered.Withheld || st.WithinTarget.N != 4 {
		t.Fatalf("total %+v, answered %+v, in time %+v; want 8 shown, withheld (beside 1 not answered) and 4 shown", st.Total, st.Answered, st.WithinTarget)
	}
	if st.WithinTargetPc != nil {
		t.Errorf("the share in time is %d %%: 4 in time makes 7 due, and of 8 the 1 left is not answered; want no share", *st.WithinTargetPc)
	}
}
