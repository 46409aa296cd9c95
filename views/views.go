// Package views holds Samspill's templates, static files and message catalogues,
// embedded in the binary and parsed once at start-up.
package views

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // as models: the zone is in the binary

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed templates static locales
var files embed.FS

// Languages of the signed-in interface, Norwegian Bokmål first.
var Languages = []string{"nb", "en"}

// PublicLanguages are the languages of the one door: Bokmål, Nynorsk, English,
// and languages of the largest immigrant groups in Norway.
var PublicLanguages = []string{"nb", "nn", "en", "pl", "uk", "ar", "lt"}

// languageNames are each language's name in itself, for the language menu.
var languageNames = map[string]string{
	"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English", "pl": "Polski",
	"uk": "Українська", "ar": "العربية", "lt": "Lietuvių",
}

// LanguageName is a language's name in itself.
func LanguageName(code string) string { return languageNames[code] }

// Direction is the writing direction of a language: "rtl" for Arabic.
func Direction(code string) string {
	if code == "ar" {
		return "rtl"
	}
	return "ltr"
}

// Set is the parsed templates and the message bundle.
type Set struct {
	pages  map[string]map[Numbers]*template.Template // each page for each way of writing numbers
	roots  map[string]string                         // page → the layout it is drawn in
	bundle *i18n.Bundle
	texts  sync.Map // memoKey → string: messages without data, as each fallback chain renders them
}

// memoKey names one message in one fallback chain of languages.
type memoKey struct{ chain, id string }

// New parses every page with the layouts and partials and loads the message
// catalogues. A broken template or catalogue fails here, at start-up.
func New() (*Set, error) {
	bundle := i18n.NewBundle(language.Norwegian)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	locales, err := fs.Glob(files, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, name := range locales {
		if _, err := bundle.LoadMessageFileFS(files, name); err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
	}
	set := &Set{pages: map[string]map[Numbers]*template.Template{}, roots: map[string]string{}, bundle: bundle}
	// Pages are drawn in the site's layout "base"; documents, which are
	// downloaded and read away from the site (an access request's answer), in
	// the self-contained layout "document". A document is named
	// "documents/NAME".
	for _, dir := range []struct{ path, prefix, root string }{
		{"templates/pages", "templates/pages/", "base"},
		{"templates/documents", "templates/", "document"},
	} {
		err = fs.WalkDir(files, dir.path, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
				return err
			}
			t, err := template.New("").Funcs(funcs).Funcs(norwegianNumbers.funcs()).ParseFS(files, "templates/layouts/*.html", "templates/partials/*.html", p)
			if err != nil {
				return fmt.Errorf("parse %s: %w", p, err)
			}
			// English pages write numbers their way: a copy of the page,
			// parsed once, with the number helpers that do so.
			en, err := t.Clone()
			if err != nil {
				return fmt.Errorf("copy %s: %w", p, err)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(p, dir.prefix), ".html")
			set.pages[name] = map[Numbers]*template.Template{norwegianNumbers: t, englishNumbers: en.Funcs(englishNumbers.funcs())}
			set.roots[name] = dir.root
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return set, nil
}

// Execute renders page with data through its layout, with numbers written
// as lang writes them. It renders into a buffer first so that a template
// error never sends half a page.
func (s *Set) Execute(w io.Writer, lang, page string, data any) error {
	t, ok := s.pages[page][NumbersOf(lang)]
	if !ok {
		return fmt.Errorf("no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, s.roots[page], data); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Pages lists the names of all pages; tests use it.
func (s *Set) Pages() []string {
	out := make([]string, 0, len(s.pages))
	for name := range s.pages {
		out = append(out, name)
	}
	return out
}

// Static is the tree of static files (CSS, images), served under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time; this cannot fail
	}
	return sub
}

// Localizer translates message IDs into one language.
type Localizer struct {
	Lang  string
	set   *Set
	chain []string        // the languages tried, in order
	key   string          // chain, joined: the memo's name for it
	l     *i18n.Localizer // made at the first message not yet memoised
}

func (s *Set) localizer(lang string, chain ...string) *Localizer {
	return &Localizer{Lang: lang, set: s, chain: chain, key: strings.Join(chain, ",")}
}

// Localizer returns a translator for lang, falling back to Bokmål.
func (s *Set) Localizer(lang string) *Localizer {
	if !contains(Languages, lang) {
		lang = "nb"
	}
	return s.localizer(lang, lang, "nb")
}

// PublicLocalizer returns a translator for one of the one door's languages.
// Nynorsk falls back to Bokmål; the other languages to English, then Bokmål.
func (s *Set) PublicLocalizer(lang string) *Localizer {
	if !contains(PublicLanguages, lang) {
		lang = "nb"
	}
	fallback := []string{lang, "en", "nb"}
	if lang == "nn" {
		fallback = []string{lang, "nb"}
	}
	return s.localizer(lang, fallback...)
}

// T translates id; data fills {{.Name}} placeholders. A missing message shows its
// ID, which the catalogue test catches long before a user does.
//
// A message without data reads the same every time (the catalogues are embedded
// and never change while the program runs), so it is looked up once per
// fallback chain and then read from the set's memo: a page asks for hundreds.
//
// A message that counts something ("1 arbeidsdag", "2 arbeidsdager") has a
// form for one and one for other numbers, chosen by its data's Count.
func (l *Localizer) T(id string, data ...map[string]any) string {
	if base, count, ok := CountedID(id); ok {
		filled := map[string]any{"Count": count}
		if len(data) > 0 {
			maps.Copy(filled, data[0])
		}
		return l.T(base, filled)
	}
	if len(data) > 0 {
		cfg := &i18n.LocalizeConfig{MessageID: id, TemplateData: withGroupedCount(data[0], l.Numbers()), PluralCount: data[0]["Count"]}
		msg, err := l.localize(cfg)
		if err != nil && cfg.PluralCount != nil {
			// A message given in one form only (as a language without plural
			// forms written yet) has only the form for other numbers.
			cfg.PluralCount = nil
			msg, err = l.localize(cfg)
		}
		if err != nil {
			return id
		}
		return msg
	}
	key := memoKey{l.key, id}
	if msg, ok := l.set.texts.Load(key); ok {
		return msg.(string)
	}
	msg, err := l.localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return id // not memoised: the catalogue test should fail instead
	}
	l.set.texts.Store(key, msg)
	return msg
}

// CountedID splits a message ID that carries its count after "#"
// ("error.too_long#2000": a text's limit in characters). The checks that find
// a field's problem give it as a message ID alone, and many ways lead from
// there to a translation (pages, the API, the command line); the count rides
// along and T fills it in as the message's Count.
func CountedID(id string) (base string, count int, ok bool) {
	base, n, found := strings.Cut(id, "#")
	if !found {
		return id, 0, false
	}
	count, err := strconv.Atoi(n)
	if err != nil {
		return id, 0, false
	}
	return base, count, true
}

// withGroupedCount writes a whole-number Count with its thousands grouped,
// "1 045" as the pages write numbers; the plural form is chosen by the number.
func withGroupedCount(data map[string]any, numbers Numbers) map[string]any {
	var n int
	switch c := data["Count"].(type) {
	case int:
		n = c
	case int64:
		n = int(c)
	default:
		return data
	}
	if n > -1000 && n < 1000 {
		return data
	}
	out := make(map[string]any, len(data))
	maps.Copy(out, data)
	out["Count"] = numbers.Whole(int64(n))
	return out
}

func (l *Localizer) localize(cfg *i18n.LocalizeConfig) (string, error) {
	if l.l == nil {
		l.l = i18n.NewLocalizer(l.set.bundle, l.chain...)
	}
	return l.l.Localize(cfg)
}

// Has reports whether the catalogue has id in any language.
func (l *Localizer) Has(id string) bool {
	_, err := l.localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// funcs are the template helpers. They hold no per-request state: the
// helpers that write numbers (nok, num, decimal) are added for each way of
// writing them, to a copy of every page parsed once (see New, Numbers.funcs).
var funcs = template.FuncMap{
	"date":         formatDate,
	"datetime":     formatDateTime,
	"isodate":      func(t time.Time) string { return t.Format("2006-01-02") },
	"version":      formatVersion,
	"join":         strings.Join,
	"add":          func(a, b int) int { return a + b },
	"field":        newField,
	"options":      optionTags,
	"choiceInputs": choiceTags,
	"statusColor":  StatusColor,
	"list":         func(items ...string) []string { return items },
	"has":          contains,
	"base":         path.Base,
	// countOf and statTable bundle a value with the page, whose T translates.
	"countOf": func(count, page any) map[string]any { return map[string]any{"Count": count, "Page": page} },
	"statTable": func(caption, prefix string, buckets, page any) map[string]any {
		return map[string]any{"Caption": caption, "Prefix": prefix, "Buckets": buckets, "Page": page}
	},
	"tel": telURL,
	"deref64": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

// telURL is a tel: link to a phone number as people write it ("+47 62 00 00
// 00"): its digits and plus sign only, so that html/template may trust it.
func telURL(phone string) template.URL {
	return template.URL("tel:" + strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, phone))
}

// Oslo is the time zone every date is shown in (the zone's data is in the
// binary: see models.Oslo).
var Oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic("no time zone data for Europe/Oslo: " + err.Error())
	}
	return loc
}()

// StatusColor is the colour of an enquiry's status tag: new ones stand out,
// closed ones recede, the rest are in hand.
func StatusColor(status string) string {
	switch status {
	case "new":
		return "info"
	case "closed":
		return "neutral"
	}
	return "accent"
}

// FormatDate shows a date the Norwegian way, dd.mm.yyyy, for handlers.
func FormatDate(t time.Time) string { return formatDate(t) }

// formatDate shows a date the Norwegian way, dd.mm.yyyy.
func formatDate(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(Oslo).Format("02.01.2006")
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatDate(*t)
	}
	return ""
}

// formatVersion shows a consent text's version, which names the day (or
// month) its wording was set, as the pages write dates: "2026-11-27" as
// 27.11.2026, "2026-11" as 11.2026. Any other name is shown as stored.
func formatVersion(v string) string {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t.Format("02.01.2006")
	}
	if t, err := time.Parse("2006-01", v); err == nil {
		return t.Format("01.2006")
	}
	return v
}

func formatDateTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(Oslo).Format("02.01.2006 15:04")
	case *time.Time:
		if t == nil {
			return ""
		}
		return formatDateTime(*t)
	}
	return ""
}

// Field is what the form partials need to draw one labelled form field. Kind
// picks the partial: "" or "input", "textarea", "select", "radios",
// "checkboxes" or "checkbox"; "note" is an error summary's entry for what the
// page has no field for (it is not drawn as a field, nor linked to one).
type Field struct {
	Name, Label, Value, Error, Type, Hint string
	Required                              bool
	Kind                                  string
	Options                               []Option
	Checked                               bool // for a single checkbox
	Disabled                              bool
	Rows                                  int // for a textarea
	Max                                   int // maxlength, 0 for none
	Autocomplete                          string
	// LTR is for numbers and codes in a text field: written left to right
	// on a right-to-left page too, or "923 609 016" shows as "016 609 923".
	LTR bool
}

// Option is one choice of a select, radio group or checkbox group.
type Option struct {
	Value, Label string
	Selected     bool
}

// optionTags draws a select's options. One call instead of a template range:
// html/template evaluates each action of a range by reflection, about a
// microsecond each, and the case page's selects have a few hundred options
// between them. Values and labels are escaped here as the template would.
func optionTags(options []Option) template.HTML {
	var b strings.Builder
	for _, o := range options {
		b.WriteString(`<option value="`)
		b.WriteString(template.HTMLEscapeString(o.Value))
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(` selected`)
		}
		b.WriteString(`>`)
		b.WriteString(template.HTMLEscapeString(o.Label))
		b.WriteString(`</option>`)
	}
	return template.HTML(b.String())
}

// choiceTags draws the radio buttons or checkboxes of a "radios" or
// "checkboxes" field, each with its label, for the same reason as optionTags:
// a form's groups have dozens of choices of a dozen actions each. An input
// with the group's error is marked invalid and described by it.
func choiceTags(f Field) template.HTML {
	typ := "checkbox"
	if f.Kind == "radios" {
		typ = "radio"
	}
	name := template.HTMLEscapeString(f.Name)
	var b strings.Builder
	for i, o := range f.Options {
		id := "f-" + name + "-" + strconv.Itoa(i)
		b.WriteString(`<div class="ds-field">` + "\n    " + `<input class="ds-input" type="` + typ + `" id="` + id + `" name="` + name + `" value="`)
		b.WriteString(template.HTMLEscapeString(o.Value))
		b.WriteString(`"`)
		if o.Selected {
			b.WriteString(` checked`)
		}
		if f.Error != "" {
			b.WriteString(` aria-invalid="true" aria-describedby="f-` + name + `-error"`)
		}
		b.WriteString(">\n    " + `<label class="ds-label" data-weight="regular" for="` + id + `">`)
		b.WriteString(template.HTMLEscapeString(o.Label))
		b.WriteString("</label>\n  </div>")
	}
	return template.HTML(b.String())
}

// newField builds a Field: name, translated label, current value, translated error.
func newField(name, label, value, errMsg string) Field {
	return Field{Name: name, Label: label, Value: value, Error: errMsg, Type: "text"}
}

// As sets the input type (email, password, number, date…).
func (f Field) As(typ string) Field { f.Type = typ; return f }

// Req marks the field as required.
func (f Field) Req() Field { f.Required = true; return f }

// SummaryLabel is the label as the error summary puts it before its message
// and a colon: without the full stop a sentence-long label (a consent) ends in.
func (f Field) SummaryLabel() string { return strings.TrimRight(f.Label, ". ") }

// LeftToRight marks a field of numbers or codes (see Field.LTR).
func (f Field) LeftToRight() Field { f.LTR = true; return f }

// WithHint adds a description under the label.
func (f Field) WithHint(hint string) Field { f.Hint = hint; return f }
