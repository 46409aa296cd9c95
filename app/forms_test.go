package app

import (
	"testing"

	"samspill/views"
)

// Amounts in whole kroner are read as the page's language writes them, and
// what is no whole amount is refused rather than read as another number
// ("1.5" was 15). Cases without a language are read alike in Bokmål and
// English. Before, English pages refused "1,500,000".
func TestFormNOK(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lang  string // "" is both
		typed string
		want  int64
		ok    bool
	}{
		{"", "", 0, true},
		{"", "150000", 150000, true},
		{"", "150 000", 150000, true},
		{"", "150\u00a0000", 150000, true},
		{"", "150\u202f000 kr", 150000, true},
		{"", "kr 150 000", 150000, true},
		{"", "150 000,-", 150000, true},
		{"", "kr. 150 000", 150000, true},
		{"", "Kr 150 000", 150000, true},
		{"", "150 000 kr.", 150000, true},
		{"", "NOK 150 000", 150000, true},
		{"", "kr. 150 000,-", 150000, true},
		{"nb", "150.000", 150000, true},
		{"en", "150.000", 0, false}, // English 150 kroner, no whole amount
		{"", "1.500.000", 1500000, true},
		{"", "1.5", 0, false},
		{"", "1.50", 0, false},
		{"", "1500.000.00", 0, false},
		{"", "150,5", 0, false},
		{"en", "1,500,000", 1500000, true},
		{"en", "150,000", 150000, true},
		{"en", "NOK 150,000", 150000, true},
		{"en", "150,000 kr", 150000, true},
		{"en", "-150,000", -150000, true},  // refused by the model's range, with its own message
		{"nb", "1,500,000", 1500000, true}, // no Bokmål number
		{"nb", "150,000", 0, false},        // Bokmål 150 kroner, no whole amount
		{"", "1,500.000", 0, false},
		{"", "1.500,000", 0, false},
		{"", "1,50,000", 0, false},
		{"en", "1,500,000.5", 0, false},
		{"", "mye", 0, false},
	}
	for _, tc := range cases {
		for _, lang := range []string{"nb", "en"} {
			if tc.lang != "" && tc.lang != lang {
				continue
			}
			errs := map[string]string{}
			got := formNOK(views.NumbersOf(lang), errs, "amount_nok", tc.typed)
			if ok := len(errs) == 0; ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("%s: formNOK(%q) = %d, errors %v; want %d, accepted %t", lang, tc.typed, got, errs, tc.want, tc.ok)
			}
			if !tc.ok && errs["amount_nok"] != "error.amount" {
				t.Errorf("%s: formNOK(%q): error %q; want error.amount", lang, tc.typed, errs["amount_nok"])
			}
		}
	}
}
