package views

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
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

// NOK writes an amount of kroner as the language writes it: Bokmål
// "1 234 567 kr", English "NOK 1,234,567" (as the English pages' labels name
// the currency, "Amount (NOK)").
func (n Numbers) NOK(amount int64) string {
	if n == englishNumbers {
		return "NOK\u00a0" + n.Whole(amount)
	}
	return n.Whole(amount) + "\u00a0kr"
}

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

// ReadDecimal reads a decimal as a form field in this language is typed or
// pre-filled (by Decimal): Bokmål "1 250 000,5", English "1,250,000.5". What
// is unambiguous in the other language's writing is read too, so that a form
// drawn before the language was switched still saves what it shows: a
// Bokmål page takes "0.5" and "1,250.5", an English page "0,5" and
// "1 250 000,5". On an English page a comma between groups of three digits
// and no point, "1,250", is a thousands mark, as English writes it. ok is
// false for what is no number, "NaN" and "Inf" included (every comparison
// with NaN is false, so it would slip past range checks).
func (n Numbers) ReadDecimal(v string) (f float64, ok bool) {
	v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(v))
	comma, point := strings.LastIndex(v, ","), strings.LastIndex(v, ".")
	switch {
	case comma >= 0 && point > comma: // "1,250.5": the comma groups
		if !englishGroups.MatchString(v[:point]) {
			return 0, false
		}
		v = strings.ReplaceAll(v, ",", "")
	case point >= 0 && comma > point: // "1.250,5": the point groups
		if !strings.Contains(v[:comma], ",") && norwegianDotGroups.MatchString(v[:comma]) {
			v = strings.ReplaceAll(v[:comma], ".", "") + "." + v[comma+1:]
		} else {
			return 0, false
		}
	case comma >= 0 && n == englishNumbers && englishGroups.MatchString(v): // "1,250"
		v = strings.ReplaceAll(v, ",", "")
	case comma >= 0: // "0,5"
		v = strings.Replace(v, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// ReadWhole reads a whole number as a form field in this language is typed,
// spaces between thousands ignored: Bokmål "1 500 000" and "1.500.000",
// English "1,500,000". Of the other language's writing only what cannot be
// read otherwise is taken: on a Bokmål page "1,500,000" (but not "1,500",
// which Bokmål reads as one and a half), on an English page "1.500.000" (but
// not "1.500", which English reads so). ok is false for anything else, a
// fraction included.
func (n Numbers) ReadWhole(v string) (x int64, ok bool) {
	v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.TrimSpace(v))
	switch {
	case englishGroups.MatchString(v) && (n == englishNumbers || strings.Count(v, ",") > 1):
		v = strings.ReplaceAll(v, ",", "")
	case norwegianDotGroups.MatchString(v) && (n != englishNumbers || strings.Count(v, ".") > 1):
		v = strings.ReplaceAll(v, ".", "")
	}
	x, err := strconv.ParseInt(v, 10, 64)
	return x, err == nil
}

var (
	// englishGroups is a whole number with commas between its thousands.
	englishGroups = regexp.MustCompile(`^[-+]?\d{1,3}(,\d{3})+$`)
	// norwegianDotGroups is one with points between them, "1.250".
	norwegianDotGroups = regexp.MustCompile(`^[-+]?\d{1,3}(\.\d{3})+$`)
)

// FormatDecimal writes a decimal in the one form that exports keep whatever
// the language of who downloaded them, "1 250 000,5". What a page shows, and
// what its form fields are pre-filled with, is written by Localizer.Numbers.
func FormatDecimal(f float64) string { return norwegianNumbers.Decimal(f) }
