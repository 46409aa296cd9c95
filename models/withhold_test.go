package models

import (
	"context"
	"testing"
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
