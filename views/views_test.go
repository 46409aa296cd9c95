package views

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestTemplatesParse(t *testing.T) {
	t.Parallel()
	set, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Pages()) < 10 {
		t.Errorf("only %d pages parsed", len(set.Pages()))
	}
}

// messageText is a catalogue entry's text: the text itself, or of a message
// with plural forms the form for other numbers, after checking that it has
// forms, one for other among them, their placeholders among the other's.
func messageText(t *testing.T, file, key string, raw any) string {
	t.Helper()
	switch v := raw.(type) {
	case string:
		return v
	case map[string]any:
		// CLDR's categories; a language uses those of its own (Bokmål one and
		// other, Polish one, few and many, Arabic all six).
		other, _ := v["other"].(string)
		if other == "" {
			t.Errorf("%s: %q has plural forms %v but none for other", file, key, v)
		}
		for form, text := range v {
			s, _ := text.(string)
			if !slices.Contains([]string{"zero", "one", "two", "few", "many", "other"}, form) || s == "" {
				t.Errorf("%s: %q has a plural form %q: %v", file, key, form, text)
			}
			for _, p := range placeholders.FindAllString(s, -1) { // "one" may say "ene" instead of {{.Count}}
				if !strings.Contains(other, p) {
					t.Errorf("%s: %q has %s for %s but not for other", file, key, p, form)
				}
			}
		}
		// A label written beside its number ("åpne saker" after "3") agrees
		// with it in number without printing it.
		if !strings.Contains(other, "{{.Count}}") && !strings.HasSuffix(key, "_label") {
			t.Errorf("%s: %q has plural forms but no {{.Count}}", file, key)
		}
		return other
	}
	t.Errorf("%s: %q is neither a text nor plural forms", file, key)
	return ""
}

var placeholders = regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)

// catalogue reads every locales/*.LANG.toml into one key set per language.
func catalogue(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	names, err := fs.Glob(files, "locales/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		parts := strings.Split(filepath.Base(name), ".")
		lang := parts[len(parts)-2]
		b, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for k, raw := range m {
			v := messageText(t, name, k, raw)
			if _, dup := out[lang][k]; dup {
				t.Errorf("%s: %q is defined in two files", name, k)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", name, k)
			}
			out[lang][k] = v
		}
	}
	return out
}

func TestCataloguesMatch(t *testing.T) {
	t.Parallel()
	cat := catalogue(t)
	for _, lang := range Languages {
		if cat[lang] == nil {
			t.Fatalf("no catalogue for %s", lang)
		}
	}
	for k := range cat["nb"] {
		if _, ok := cat["en"][k]; !ok {
			t.Errorf("%q is in Bokmål but not in English", k)
		}
	}
	for k := range cat["en"] {
		if _, ok := cat["nb"][k]; !ok {
			t.Errorf("%q is in English but not in Bokmål", k)
		}
	}
}

// messageID matches the message IDs the code and templates use: a known prefix,
// a dot and a lower-case name, in double quotes.
var messageID = regexp.MustCompile(`"((?:a11y|layout|nav|role|login|label|dashboard|flash|error|regions|municipalities|partners|users|profile|organisation|partner_kind|service|token|members|common|intake|enquiry|enquiries|enquirer_kind|need|stage|founder|answer|language|channel|employees|market|ownership|goods_services|outcome|activity|status|statistics|queue|sort|export|audit|referral|referrals|rstatus|routcome|reason|instrument|report|privacy|project|assessment|factor|portfolio|cooperation|load|milestone|indicator)\.[a-z0-9_.]+)"`)

// TestEveryMessageIDExists finds every message ID in the Go code and templates
// and checks that both catalogues have it, so a user never sees a raw ID.
func TestEveryMessageIDExists(t *testing.T) {
	t.Parallel()
	cat := catalogue(t)
	used := map[string]string{}
	for _, root := range []string{"../app", "../models", "templates"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".html")) {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range messageID.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], ".") && !strings.HasSuffix(m[1], ".csv") && !strings.HasSuffix(m[1], ".id") { // not file names or SQL columns
					used[m[1]] = p
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message IDs; the pattern is probably wrong", len(used))
	}
	var missing []string
	for id, where := range used {
		for _, lang := range Languages {
			if _, ok := cat[lang][id]; !ok {
				missing = append(missing, lang+": "+id+" (used in "+where+")")
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error("missing message " + m)
	}
}

// Codes shown through a computed ID ("role." + code) are checked one by one.
func TestCodesHaveMessages(t *testing.T) {
	t.Parallel()
	cat := catalogue(t)
	ids := []string{}
	for _, r := range []string{"admin", "coordinator", "adviser", "municipality", "board", "partner"} {
		ids = append(ids, "role."+r, "dashboard.can."+r)
	}
	for _, lang := range Languages {
		for _, id := range ids {
			if _, ok := cat[lang][id]; !ok {
				t.Errorf("%s: missing %s", lang, id)
			}
		}
	}
}

// TestNumbers: every number is written as the page's language writes it,
// Bokmål "1 234,5" (as every language but English), English "1,234.5";
// amounts "1 234 567 kr" and "NOK 1,234,567"; the exports' one form is
// Bokmål's whatever the language.
// Before, English pages wrote decimals with a comma ("120,5") and grouped
// thousands with spaces.
func TestNumbers(t *testing.T) {
	t.Parallel()
	const nbsp = "\u00a0"
	tests := []struct {
		lang, format string
		in           any
		want         string
	}{
		{"nb", "decimal", 120.5, "120,5"},
		{"nb", "decimal", 1234.5, "1" + nbsp + "234,5"},
		{"nb", "decimal", 1250000.25, "1" + nbsp + "250" + nbsp + "000,25"},
		{"nb", "decimal", 0.5, "0,5"},
		{"nb", "decimal", 12.0, "12"},
		{"nb", "decimal", -1234.5, "-1" + nbsp + "234,5"},
		{"nb", "whole", int64(0), "0"},
		{"nb", "whole", int64(999), "999"},
		{"nb", "whole", int64(1000), "1" + nbsp + "000"},
		{"nb", "whole", int64(-150000), "−150" + nbsp + "000"},
		{"nb", "nok", int64(1234567), "1" + nbsp + "234" + nbsp + "567" + nbsp + "kr"},
		{"nb", "nok", int64(-150000), "−150" + nbsp + "000" + nbsp + "kr"},
		{"nb", "count", 1045, "Nedlasting med 1" + nbsp + "045 rader"},
		{"en", "decimal", 120.5, "120.5"},
		{"en", "decimal", 1234.5, "1,234.5"},
		{"en", "decimal", 1250000.25, "1,250,000.25"},
		{"en", "decimal", 0.5, "0.5"},
		{"en", "decimal", -1234.5, "-1,234.5"},
		{"en", "whole", int64(999), "999"},
		{"en", "whole", int64(1000), "1,000"},
		{"en", "whole", int64(-150000), "−150,000"},
		{"en", "nok", int64(1234567), "NOK" + nbsp + "1,234,567"},
		{"en", "nok", int64(-150000), "NOK" + nbsp + "−150,000"},
		{"en", "count", 1045, "A download of 1,045 rows"},
		{"nn", "decimal", 1234.5, "1" + nbsp + "234,5"},
		{"pl", "decimal", 1234.5, "1" + nbsp + "234,5"},
		{"ar", "whole", int64(1000), "1" + nbsp + "000"},
		{"xx", "decimal", 0.5, "0,5"}, // an unknown language is Bokmål
		// The fixed form of exports, whatever the page's language.
		{"", "field", 1234.5, "1" + nbsp + "234,5"},
	}
	set, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		n := NumbersOf(tt.lang)
		var got string
		switch tt.format {
		case "decimal":
			got = n.Decimal(tt.in.(float64))
		case "whole":
			got = n.Whole(tt.in.(int64))
		case "nok":
			got = n.NOK(tt.in.(int64))
		case "count":
			got = set.Localizer(tt.lang).T("auditlog.detail.view.export", map[string]any{"Count": tt.in})
		case "field":
			got = FormatDecimal(tt.in.(float64))
		}
		if got != tt.want {
			t.Errorf("%s %s of %v = %q; want %q", tt.lang, tt.format, tt.in, got, tt.want)
		}
	}
}

// TestReadDecimal: a form field reads a decimal as its language writes it
// (what Decimal pre-filled, grouped or not), and what is unambiguous in the
// other language's writing; what is no number is refused. Before, an
// English form refused "1,250.5" and read "1,250" as 1.25.
func TestReadDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lang, in string
		want     float64
		ok       bool
	}{
		{"nb", "0,5", 0.5, true},
		{"nb", "0.5", 0.5, true},
		{"nb", "1 250 000,5", 1250000.5, true},
		{"nb", "1\u00a0250\u00a0000,5", 1250000.5, true},
		{"nb", "1\u202f250", 1250, true},
		{"nb", "1,250", 1.25, true},
		{"nb", "1.250,5", 1250.5, true},
		{"nb", "1,250.5", 1250.5, true},
		{"nb", "-2,5", -2.5, true},
		{"nb", "12", 12, true},
		{"en", "0.5", 0.5, true},
		{"en", "0,5", 0.5, true},
		{"en", "1,250,000.5", 1250000.5, true},
		{"en", "1,250", 1250, true},
		{"en", "-1,234.5", -1234.5, true},
		{"en", "1 250 000,5", 1250000.5, true},
		{"en", "12", 12, true},
		{"nb", "1,2,3", 0, false},
		{"en", "1,25.5", 0, false},
		{"nb", "1.5,5", 0, false},
		{"nb", "mange", 0, false},
		{"en", "NaN", 0, false},
		{"en", "Inf", 0, false},
		{"nb", "-Inf", 0, false},
	}
	for _, tt := range tests {
		got, ok := NumbersOf(tt.lang).ReadDecimal(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s ReadDecimal(%q) = %v, %v; want %v, %v", tt.lang, tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// What each language pre-fills, it reads back.
	for _, lang := range []string{"nb", "en"} {
		n := NumbersOf(lang)
		for _, f := range []float64{0.5, 2.25, 999.5, 1234.5, 1250000.25, -1234.5, 0, 1e9} {
			if got, ok := n.ReadDecimal(n.Decimal(f)); !ok || got != f {
				t.Errorf("%s: %q read back is %v, %v; want %v", lang, n.Decimal(f), got, ok, f)
			}
		}
	}
}

// TestPageNumbers: the templates' nok, num and decimal write a page's numbers
// in its language.
func TestPageNumbers(t *testing.T) {
	t.Parallel()
	set, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"nb": "1\u00a0234,5 1\u00a0000 1\u00a0000\u00a0kr",
		"en": "1,234.5 1,000 NOK\u00a01,000",
		"pl": "1\u00a0234,5 1\u00a0000 1\u00a0000\u00a0kr",
	} {
		page, ok := set.pages["projects/load"][NumbersOf(lang)]
		if !ok {
			t.Fatalf("no %s page", lang)
		}
		copied, err := page.Clone()
		if err != nil {
			t.Fatal(err)
		}
		probe, err := copied.New("probe").Parse(`{{decimal 1234.5}} {{num 1000}} {{nok 1000}}`)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := probe.Execute(&b, nil); err != nil {
			t.Fatal(err)
		}
		if got := b.String(); got != want {
			t.Errorf("a page in %s writes %q; want %q", lang, got, want)
		}
	}
}

// TestPublicLanguagesComplete checks that the one door is fully translated: every
// message of the Bokmål intake catalogue, and the frame and error messages a
// public page can show, exist in each of its languages.
func TestPublicLanguagesComplete(t *testing.T) {
	t.Parallel()
	cat := catalogue(t)
	b, err := fs.ReadFile(files, "locales/intake.nb.toml")
	if err != nil {
		t.Fatal(err)
	}
	var intake map[string]any
	if err := toml.Unmarshal(b, &intake); err != nil {
		t.Fatal(err)
	}
	ids := []string{"layout.skip", "layout.footer", "a11y.link", "error.required", "error.too_long", "error.choice", "error.email",
		"error.unknown_municipality", "error.invalid", "error.title", "error.status_code", "error.back_home",
		"error.too_large_body", "error.internal", "error.not_found", "error.malformed", "error.rate_limited"}
	for id := range intake {
		ids = append(ids, id)
	}
	placeholder := placeholders
	for _, lang := range PublicLanguages {
		for _, id := range ids {
			msg, ok := cat[lang][id]
			if !ok {
				t.Errorf("%s: missing %s", lang, id)
				continue
			}
			if want, got := placeholder.FindAllString(cat["nb"][id], -1), placeholder.FindAllString(msg, -1); len(want) != len(got) {
				t.Errorf("%s: %s has placeholders %v; Bokmål has %v", lang, id, got, want)
			}
		}
	}
}

// A message that counts says one thing in the singular: "1 arbeidsdag", not
// "1 arbeidsdager". A message in one form only reads the same for every count.
func TestPluralForms(t *testing.T) {
	t.Parallel()
	set, err := New()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		loc   *Localizer
		id    string
		count any
		want  string
	}{
		{set.Localizer("nb"), "enquiry.working_days", 1, "1 arbeidsdag"},
		{set.Localizer("nb"), "enquiry.working_days", 0, "0 arbeidsdager"},
		{set.Localizer("nb"), "enquiry.working_days", 3, "3 arbeidsdager"},
		{set.Localizer("en"), "enquiry.working_days", 1, "1 working day"},
		{set.Localizer("nb"), "enquiry.minutes", int64(1), "1 minutt"},
		{set.Localizer("nb"), "privacy.erased", 1, "Personopplysningene er fjernet fra 1 henvendelse."},
		{set.Localizer("en"), "privacy.erased", 2, "The personal data is removed from 2 enquiries."},
		{set.Localizer("nb"), "common.total", 1, "Antall treff: 1"},
		{set.PublicLocalizer("nn"), "intake.receipt_queue", 1, "innan 1 arbeidsdag."},
		{set.PublicLocalizer("pl"), "intake.receipt_queue", 1, "w ciągu 1 dnia roboczego."},
		{set.PublicLocalizer("pl"), "intake.receipt_queue", 3, "w ciągu 3 dni roboczych."},
		{set.PublicLocalizer("pl"), "intake.receipt_queue", 5, "w ciągu 5 dni roboczych."},
		{set.PublicLocalizer("uk"), "intake.receipt_queue", 1, "протягом 1 робочого дня."},
		{set.PublicLocalizer("uk"), "intake.receipt_queue", 2, "протягом 2 робочих днів."},
		{set.PublicLocalizer("ar"), "intake.receipt_queue", 2, "خلال يومي عمل."},
		{set.PublicLocalizer("ar"), "intake.receipt_queue", 5, "خلال 5 أيام عمل."},
		{set.PublicLocalizer("lt"), "intake.receipt_queue", 1, "per 1 darbo d."},
	}
	for _, c := range cases {
		if got := c.loc.T(c.id, map[string]any{"Count": c.count, "Region": "Hamar"}); !strings.HasSuffix(got, c.want) {
			t.Errorf("%s with %v = %q; want it to end %q", c.id, c.count, got, c.want)
		}
	}
}

// Numbers on the pages have their thousands grouped ("1 045", DESIGN): a
// table's number cell, and a message's count other than its plural Count,
// are written through num (or decimal, nok, a percentage), never raw. The
// portfolio's and load's tables and the report's "(1045 av 2300)" were raw.
func TestNumbersAreFormatted(t *testing.T) {
	t.Parallel()
	rawCell := regexp.MustCompile(`class="num"[^>]*>\{\{\s*\.[A-Za-z.]*\s*\}\}`)
	rawArg := regexp.MustCompile(`"(Referred|Received|OnTime|Decided|Limit|Memberships|Projects)" \$?\.[A-Za-z.]+`)
	rawJobs := regexp.MustCompile(`\{\{with [$.A-Za-z]*(Jobs|Minutes)[A-Za-z]*\}\}.{0,80}?\{\{\.\}\}`) // a count given as dot by with
	err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{rawCell, rawArg, rawJobs} {
			for _, m := range re.FindAllString(string(b), -1) {
				t.Errorf("%s: %q writes a number raw; want it through num", p, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
