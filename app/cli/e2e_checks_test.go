package cli

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"samspill/views"
)

// wcagTags select the axe-core rules of WCAG 2.0 and 2.1 at levels A and AA,
// what the Norwegian regulation on universal design of ICT requires.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// narrowWidth is the width a page must fit without horizontal scrolling
// (WCAG 1.4.10 Reflow: 1280 px at 400 % zoom).
const narrowWidth = 320

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

func (a axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "axe %s (%s): %s <%s>", a.ID, a.Impact, a.Help, a.URL)
	for _, n := range a.Nodes {
		fmt.Fprintf(&b, "\n      %s  %s", n.Target, n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&b, "\n        %s", strings.ReplaceAll(n.Summary, "\n", "\n        "))
		}
	}
	return b.String()
}

// axeJS runs axe-core with the WCAG A and AA rules and returns the violations.
const axeJS = `(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}).then(r =>
	r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: String(n.target), html: n.html, summary: n.failureSummary || ''}))})))`

// axe injects axe-core into the page, unless it is there, and runs it.
func (v *visitor) axe() []axeViolation {
	v.t.Helper()
	if !eval[bool](v, `typeof axe === 'object'`) {
		v.do("inject axe-core", chromedp.Evaluate[chromedp.Void](v.e.axe))
	}
	return call[[]axeViolation](v, axeJS, wcagTags)
}

// describeJS names an element in a failure message.
const describeJS = `const describe = el => {
	const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 40);
	return '<' + el.tagName.toLowerCase() + (el.id ? ' id="' + el.id + '"' : '') +
		(el.getAttribute('class') ? ' class="' + el.getAttribute('class') + '"' : '') +
		(el.getAttribute('href') ? ' href="' + el.getAttribute('href') + '"' : '') + '>' + (text ? ' "' + text + '"' : '');
};`

// structureJS checks what the markup must have beyond axe: the language, one
// main landmark, the footer's link to the accessibility statement, one h1 first
// and no skipped heading levels, every field marked invalid tied to its message
// and every message tied to its field, no id that a label or ARIA attribute
// refers to used twice, and the name of another language (the
// language menu and switch) marked with that language, so that a screen reader
// pronounces it right. names maps language codes to each language's own name.
const structureJS = `(lang, names) => {` + describeJS + `
	const problems = [];
	const html = document.documentElement;
	if (!html.lang) problems.push('<html> has no lang attribute');
	else if (lang && html.lang !== lang) problems.push('<html lang="' + html.lang + '">; want "' + lang + '"');
	const mains = document.querySelectorAll('main');
	if (mains.length !== 1) problems.push(mains.length + ' <main> elements; want 1');
	if (!document.querySelector('footer a[href="/accessibility"]')) problems.push('the footer does not link to the accessibility statement');
	const hs = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
	const h1s = hs.filter(h => h.tagName === 'H1').length;
	if (h1s !== 1) problems.push(h1s + ' <h1> elements; want 1');
	if (hs.length && hs[0].tagName !== 'H1') problems.push('the first heading is ' + describe(hs[0]) + '; want the <h1>');
	let prev = 0;
	for (const h of hs) {
		const level = +h.tagName[1];
		if (prev && level > prev + 1) problems.push('heading ' + describe(h) + ' follows an <h' + prev + '>: a heading level is skipped');
		prev = level;
	}
	for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
		const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
		const msgs = ids.map(id => document.getElementById(id)).filter(m => m && m.textContent.trim());
		if (!msgs.length) problems.push('field ' + describe(el) + ' is marked invalid, but aria-describedby ties no message to it');
	}
	for (const m of document.querySelectorAll('.ds-validation-message')) {
		if (!m.id || !document.querySelector('[aria-describedby~="' + m.id + '"]')) problems.push('error message ' + describe(m) + ' is tied to no field by aria-describedby');
	}
	const refs = new Set([...document.querySelectorAll('label[for]')].map(l => l.htmlFor));
	for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
		for (const id of ((el.getAttribute('aria-describedby') || '') + ' ' + (el.getAttribute('aria-labelledby') || '')).split(/\s+/)) if (id) refs.add(id);
	}
	for (const id of refs) {
		const n = document.querySelectorAll('[id="' + CSS.escape(id) + '"]').length;
		if (n > 1) problems.push(n + ' elements have the id "' + id + '" that a label or ARIA attribute refers to: it names or describes only the first');
	}
	const pageLang = html.lang.split('-')[0];
	for (const el of document.body.querySelectorAll('a, button')) {
		const text = el.textContent.replace(/\s+/g, ' ').trim();
		for (const [code, name] of Object.entries(names)) {
			if (code === pageLang || text !== name) continue;
			const marked = el.closest('[lang]');
			if (!marked || marked.lang.split('-')[0] !== code) problems.push(describe(el) + ' is in another language but not marked lang="' + code + '"');
		}
	}
	return problems;
}`

// focusJS focuses every element a keyboard user can reach and reports those
// that do not show it. Focus shows on the element or on the box around it (as
// Designsystemet draws it for checkboxes and radios): as an outline, a new box
// shadow or a new background; or, for a skip link, as the element appearing.
const focusJS = `() => {` + describeJS + `
	const look = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect(); return {
		outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)',
		shadow: s.boxShadow, background: s.backgroundColor, area: r.width * r.height}; };
	const shows = (before, after) => after.outline || (after.shadow !== 'none' && after.shadow !== before.shadow) ||
		after.background !== before.background || (before.area <= 1 && after.area > 100);
	const bad = [];
	for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
		if (el.disabled || el.tabIndex < 0 || el.type === 'hidden') continue;
		const r = el.getBoundingClientRect();
		if ((r.width === 0 && r.height === 0) || getComputedStyle(el).visibility === 'hidden') continue;
		if (document.activeElement === el) el.blur();
		const boxes = [el, el.parentElement].filter(Boolean);
		const before = boxes.map(look);
		el.focus({preventScroll: true});
		if (document.activeElement !== el) continue;
		const ok = boxes.some((b, i) => shows(before[i], look(b)));
		el.blur();
		if (!ok) bad.push(describe(el));
	}
	return bad;
}`

// reflowJS reports horizontal scrolling of the whole page, naming the innermost
// elements that stick out or whose content does. A box that scrolls on its
// own, such as a wide table's, may be wider; but an absolutely positioned
// element in it escapes its clipping unless the box is positioned too.
const reflowJS = `() => {` + describeJS + `
	const de = document.documentElement;
	if (de.scrollWidth <= de.clientWidth) return '';
	const scrollBox = el => getComputedStyle(el).overflowX !== 'visible';
	const inScrollBox = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) { if (scrollBox(p)) return true; } return false; };
	const wide = [...document.body.querySelectorAll('*')].filter(el =>
		el.getBoundingClientRect().right > de.clientWidth + 1 || (el.scrollWidth > el.clientWidth + 1 && !scrollBox(el)));
	const outside = wide.filter(el => !inScrollBox(el));
	const suspects = outside.length ? outside : wide;
	const innermost = suspects.filter(el => !suspects.some(o => o !== el && el.contains(o)));
	return 'the page is ' + de.scrollWidth + ' px wide in a ' + de.clientWidth + ' px window and scrolls sideways; too wide: ' + innermost.slice(0, 5).map(describe).join(', ');
}`

// checkPage runs every check a page must pass, on the page as it is now, and
// reports all problems at once with a screenshot and the page's HTML. lang is
// the language the page must declare ("" for any of ours). The checks are
// axe-core's WCAG A and AA rules; the language, landmarks, the link to the
// accessibility statement and heading order;
// form errors tied to their fields; no raw message IDs; a visible focus on every
// element the keyboard reaches; and no horizontal scrolling at 320 px width.
func (v *visitor) checkPage(lang string) {
	v.t.Helper()
	if problems := v.pageProblems(lang); len(problems) > 0 {
		v.errorf("%s: %d accessibility problem(s):\n  - %s", v.path(), len(problems), strings.Join(problems, "\n  - "))
	}
	v.do("widen the window", chromedp.EmulateViewport(desktopWidth, desktopHeight))
}

func (v *visitor) pageProblems(lang string) []string {
	v.t.Helper()
	var problems []string
	for _, a := range v.axe() {
		problems = append(problems, a.String())
	}
	problems = append(problems, call[[]string](v, structureJS, lang, languageNames())...)
	if lang == "" && !slices.Contains(views.Languages, eval[string](v, `document.documentElement.lang`)) {
		problems = append(problems, "the page's language is none of "+strings.Join(views.Languages, ", "))
	}
	for _, id := range rawMessageIDs(eval[string](v, `document.body.innerText`)) {
		problems = append(problems, "the page shows the raw message ID "+id)
	}
	// A Tab first, so that the browser shows focus as it does to keyboard users.
	v.keys(kb.Tab)
	for _, el := range call[[]string](v, focusJS) {
		problems = append(problems, "no visible focus on "+el)
	}
	// Last, so that a failure's screenshot shows the narrow page; checkPage widens it again.
	v.do("narrow the window", chromedp.EmulateViewport(narrowWidth, desktopHeight))
	if msg := call[string](v, reflowJS); msg != "" {
		problems = append(problems, fmt.Sprintf("at %d px: %s", narrowWidth, msg))
	}
	return problems
}

// languageNames maps each language of the application to its own name, as the
// language menu and switch show it.
func languageNames() map[string]string {
	names := map[string]string{}
	for _, code := range views.PublicLanguages {
		names[code] = views.LanguageName(code)
	}
	return names
}

// skipLinkJS describes the focused element if it is a visible link to the main content.
const skipLinkJS = `() => {` + describeJS + `
	const el = document.activeElement;
	if (!el || el.tagName !== 'A') return 'the first Tab focuses ' + (el ? describe(el) : 'nothing') + ', not a skip link';
	const target = document.getElementById((el.getAttribute('href') || '').replace(/^#/, ''));
	if (!target || target.tagName !== 'MAIN') return 'the first link ' + describe(el) + ' does not lead to <main>';
	const r = el.getBoundingClientRect();
	if (r.width < 2 || r.height < 2 || r.bottom < 0 || r.top > innerHeight) return 'the skip link ' + describe(el) + ' is not visible when focused';
	return '';
}`

// checkSkipLink checks, on a freshly loaded page, that the first Tab reaches a
// visible "skip to content" link and that Enter on it moves the focus to <main>.
func (v *visitor) checkSkipLink() {
	v.t.Helper()
	if msg := v.skipLinkProblem(); msg != "" {
		v.errorf("%s: %s", v.path(), msg)
	}
}

func (v *visitor) skipLinkProblem() string {
	v.t.Helper()
	v.keys(kb.Tab)
	if msg := call[string](v, skipLinkJS); msg != "" {
		return msg
	}
	v.keys(kb.Enter)
	if got := eval[string](v, `document.activeElement.tagName`); got != "MAIN" {
		return "Enter on the skip link left the focus on <" + strings.ToLower(got) + ">, not on <main>"
	}
	return ""
}

// catalogues are the messages of views/locales by language, read once.
var catalogues = sync.OnceValue(func() map[string]map[string]string {
	out := map[string]map[string]string{}
	locales := os.DirFS("../../views/locales")
	files, err := fs.Glob(locales, "*.toml")
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no message catalogues in views/locales: %v", err))
	}
	for _, name := range files {
		b, err := fs.ReadFile(locales, name)
		if err != nil {
			panic(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("%s: %v", name, err))
		}
		parts := strings.Split(name, ".") // area.lang.toml
		lang := parts[len(parts)-2]
		if out[lang] == nil {
			out[lang] = map[string]string{}
		}
		for id, v := range m {
			switch v := v.(type) {
			case string:
				out[lang][id] = v
			case map[string]any: // plural forms; the views' tests check them
				out[lang][id], _ = v["other"].(string)
			}
		}
	}
	return out
})

// msg is the text of a message in a language, as the pages show it, so that a
// test can name what it clicks in any of the one door's languages. It panics
// when no catalogue has the message.
func msg(lang, id string) string {
	for _, l := range []string{lang, "en", "nb"} {
		if text, ok := catalogues()[l][id]; ok {
			return text
		}
	}
	panic("no message " + id)
}

// messagePrefixes are the first parts of the message IDs in views/locales. A
// word like "nav.users" on a page is a message the catalogues lack.
var messagePrefixes = sync.OnceValue(func() map[string]bool {
	prefixes := map[string]bool{}
	for _, m := range catalogues() {
		for id := range m {
			prefixes[strings.SplitN(id, ".", 2)[0]] = true
		}
	}
	return prefixes
})

// dotted matches words with dots, like message IDs, e-mail addresses and host names.
var dotted = regexp.MustCompile(`[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+`)

// rawMessageIDs finds message IDs shown as they are, in place of their text:
// dotted words that begin with a prefix of our message IDs and are not part of
// an e-mail address, a host name or a path.
func rawMessageIDs(text string) []string {
	var out []string
	for _, loc := range dotted.FindAllStringIndex(text, -1) {
		word := text[loc[0]:loc[1]]
		before, after := byte(' '), byte(' ')
		if loc[0] > 0 {
			before = text[loc[0]-1]
		}
		if loc[1] < len(text) {
			after = text[loc[1]]
		}
		if strings.ContainsRune("@/", rune(before)) || strings.ContainsRune("@/", rune(after)) {
			continue
		}
		if messagePrefixes()[strings.SplitN(word, ".", 2)[0]] {
			out = append(out, word)
		}
	}
	return out
}

// badPage breaks each rule checkPage and checkSkipLink enforce, once.
const badPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Dårlig side</title>
<style>a:focus { outline: none; } .wide { width: 600px; }</style></head>
<body>
<a href="/elsewhere">Første lenke</a>
<main id="main" tabindex="-1">
<h2>Overskrift før h1</h2>
<h1>Tittel</h1>
<h4>Hopper over h3</h4>
<img src="data:,">
<p>nav.users</p>
<div class="wide">Bred</div>
<input id="f" aria-invalid="true">
<p class="ds-validation-message" id="lost">Feil uten felt</p>
<p><a href="/en">English</a></p>
<label for="twice">Første</label><input id="twice"><label for="twice">Andre</label><input id="twice">
</main>
<footer>Ingen lenke</footer>
</body></html>`

// TestPageChecksFindProblems shows that the page checks catch what they are
// for, so that a sweep that passes means something: a page breaking each rule
// once must be reported for each.
func TestPageChecksFindProblems(t *testing.T) {
	t.Parallel()
	chromium, axe := browserTools(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, badPage)
	}))
	t.Cleanup(srv.Close)
	e := &e2e{baseURL: srv.URL, browser: startBrowser(t, chromium), axe: axe}
	v := e.visitor(t, "bad")
	v.open("/")
	problems := []string{v.skipLinkProblem()}
	v.open("/")
	problems = append(problems, v.pageProblems("nb")...)
	all := strings.Join(problems, "\n")
	for _, want := range []string{
		"the first link <a href=\"/elsewhere\"> \"Første lenke\" does not lead to <main>",
		"axe image-alt",
		"axe label",
		"axe html-has-lang",
		"<html> has no lang attribute",
		"the footer does not link to the accessibility statement",
		"the first heading is <h2>",
		"heading <h4> \"Hopper over h3\" follows an <h1>: a heading level is skipped",
		"field <input id=\"f\"> is marked invalid, but aria-describedby ties no message to it",
		"error message <p id=\"lost\" class=\"ds-validation-message\"> \"Feil uten felt\" is tied to no field",
		"the page shows the raw message ID nav.users",
		"no visible focus on <a href=\"/elsewhere\">",
		"<a href=\"/en\"> \"English\" is in another language but not marked lang=\"en\"",
		"2 elements have the id \"twice\"",
		"at 320 px: the page is",
		"<div class=\"wide\"> \"Bred\"",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the checks missed %q; they reported:\n%s", want, all)
		}
	}
}

func TestRawMessageIDs(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"Velkommen, Ada": nil,
		"Skriv til nav.kontakt@nav.no eller post@nav.no.": nil,
		"Se https://www.innovasjonnorge.no/nav.users":     nil,
		"Tilbake til nav.users.":                          {"nav.users"},
		"error.required\nlayout.skip":                     {"error.required", "layout.skip"},
	}
	for text, want := range tests {
		if got := rawMessageIDs(text); !slices.Equal(got, want) {
			t.Errorf("rawMessageIDs(%q) = %q; want %q", text, got, want)
		}
	}
}
