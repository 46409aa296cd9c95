package app

import "testing"

// Amounts in whole kroner are read as Norwegians write them, and what is no
// whole amount is refused rather than read as another number ("1.5" was 15).
func TestFormNOK(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typed string
		want  int64
		ok    bool
	}{
		{"", 0, true},
		{"150000", 150000, true},
		{"150 000", 150000, true},
		{"150\u00a0000", 150000, true},
		{"150\u202f000 kr", 150000, true},
		{"kr 150 000", 150000, true},
		{"150 000,-", 150000, true},
		{"kr. 150 000", 150000, true},
		{"Kr 150 000", 150000, true},
		{"150 000 kr.", 150000, true},
		{"NOK 150 000", 150000, true},
		{"kr. 150 000,-", 150000, true},
		{"150.000", 150000, true},
		{"1.500.000", 1500000, true},
		{"1.5", 0, false},
		{"1.50", 0, false},
		{"1500.000.00", 0, false},
		{"150,5", 0, false},
		{"mye", 0, false},
	}
	for _, tc := range cases {
		errs := map[string]string{}
		got := formNOK(errs, "amount_nok", tc.typed)
		if ok := len(errs) == 0; ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("formNOK(%q) = %d, errors %v; want %d, accepted %t", tc.typed, got, errs, tc.want, tc.ok)
		}
		if !tc.ok && errs["amount_nok"] != "error.amount" {
			t.Errorf("formNOK(%q): error %q; want error.amount", tc.typed, errs["amount_nok"])
		}
	}
}
