package views

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Numbers is how a language writes numbers: the mark between thousands and
// the decimal mark. Every number a page shows is written here, in the page's
// language: the templates' nok, num and decimal, the counts of the messages
// (T's Count), and what handlers word (Localizer.Numbers).
type Numbers struct{ group, point string }

var (
	// norwegianNumbers are "1 234 567,5", the space one that does not break
	// a number across lines.
	norwegianNumbers = Numbers{group: "\u00a0", point: ","}
	// englishNumbers are "1,234,567.5".
	englishNumbers = Numbers{group: ",", point: "."}
)

// NumbersOf is how pages in lang write numbers: English "1,234.5"; Bokmål,
// and every other language of the one door, "1 234,5" (as Nynorsk, Polish,
// Ukrainian and Lithuanian write them; an Arabic page keeps the Western
// digits of the Norwegian text around it).
func NumbersOf(lang string) Numbers {
	if lang == "en" {
		return englishNumbers
	}
	return norwegianNumbers
}

// Numbers is how the localizer's language writes numbers.
func (l *Localizer) Numbers() Numbers { return NumbersOf(l.Lang) }

// Whole writes a whole number with its thousands grouped, "32 879", and a
// true minus sign.
func (n Numbers) Whole(x int64) string {
	s := strconv.FormatInt(x, 10)
	digits, neg := strings.CutPrefix(s, "-")
	out := n.grouped(digits)
	if neg {
		out = "−" + out
	}
	return out
}

// NOK writes an amount of kroner, "1 234 567 kr".
func (n Numbers) NOK(amount int64) string { return n.Whole(amount) + "\u00a0kr" }

// Decimal writes a decimal with its thousands grouped, "0,5", "1 250 000,5".
// The minus stays ASCII, as a form field is given it back.
func (n Numbers) Decimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, hasFrac := strings.Cut(s, ".")
	sign := ""
	if w, ok := strings.CutPrefix(whole, "-"); ok {
		sign, whole = "-", w
	}
	if _, err := strconv.ParseUint(whole, 10, 64); err == nil { // not "Inf" or "NaN"
		whole = n.grouped(whole)
	}
	if hasFrac {
		return sign + whole + n.point + frac
	}
	return sign + whole
}

// grouped puts the group mark between the thousands of a string of digits.
func (n Numbers) grouped(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(n.group)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wholeOf is Whole for the templates, which hold counts as int or int64, and
// optional ones (the jobs of a case) as *int.
func (n Numbers) wholeOf(x any) string {
	switch v := x.(type) {
	case int:
		return n.Whole(int64(v))
	case *int:
		if v == nil {
			return ""
		}
		return n.Whole(int64(*v))
	case int64:
		return n.Whole(v)
	}
	return fmt.Sprint(x)
}

// funcs are the template helpers that write numbers this way.
func (n Numbers) funcs() template.FuncMap {
	return template.FuncMap{"nok": n.NOK, "num": n.wholeOf, "decimal": n.Decimal}
}

// FormatDecimal writes a decimal in the one form that form fields and
// exports keep whatever the page's language, "1 250 000,5": a form reads it
// back (and takes "0.5" too), and an export's column does not change with
// who downloaded it. What a page shows as text is written by
// Localizer.Numbers.
func FormatDecimal(f float64) string { return norwegianNumbers.Decimal(f) }
