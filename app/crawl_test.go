package app

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/net/html"

	"samspill/models"
	"samspill/views"
)

// TestCrawlEveryPage logs in as each demo role in each language of the
// signed-in interface and follows every same-site link from /dashboard,
// breadth first. Every page a link leads to must answer 200 (after same-site
// redirects), say <html lang> in the language chosen, have a <title> and
// exactly one <h1>, show no message ID in place of its text and no text found
// only in the other language's catalogue, and post its forms only to routes
// in the route table.
func TestCrawlEveryPage(t *testing.T) {
	t.Parallel()
	cat := loadCatalogues(t)
	for _, role := range models.Roles {
		for _, lang := range []string{"nb", "en"} {
			t.Run(role+"/"+lang, func(t *testing.T) {
				t.Parallel()
				ts := newTestServer(t) // its own: pages opened are audited
				cr := &crawler{t: t, ts: ts, c: ts.client(t), cat: cat, lang: lang, posts: postPatterns(ts)}
				cr.c.login(demoEmail(role), models.DemoPassword)
				res, body := cr.c.post("/language", url.Values{"lang": {lang}, "back": {"/dashboard"}})
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("POST /language %s: status %d\n%s", lang, res.StatusCode, body)
				}
				cr.run("/dashboard")
			})
		}
	}
}

const (
	crawlMaxPages      = 250 // per role and language
	crawlPerPattern    = 4   // URLs per path pattern (ids replaced) and set of query names
	crawlPerPathShapes = 10  // URLs per path pattern, whatever the query
)

type crawler struct {
	t     *testing.T
	ts    *testServer
	c     *client
	cat   *catalogues
	lang  string
	posts []*regexp.Regexp

	seen     map[string]bool
	perShape map[string]int
	perPath  map[string]int
	queue    []crawlLink
	pages    int
}

// crawlLink is a URL and the page that offered it.
type crawlLink struct{ target, from string }

func (cr *crawler) run(start string) {
	cr.seen, cr.perShape, cr.perPath = map[string]bool{}, map[string]int{}, map[string]int{}
	cr.enqueue(start, "(start)")
	for len(cr.queue) > 0 && cr.pages < crawlMaxPages {
		l := cr.queue[0]
		cr.queue = cr.queue[1:]
		cr.visit(l)
	}
	cr.t.Logf("%d pages crawled, %d links left in the queue", cr.pages, len(cr.queue))
}

var (
	digitsSegment = regexp.MustCompile(`^[0-9]+$`)
	tokenSegment  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,}$`)
)

// shape is a URL's path with ids and tokens replaced, for the per-pattern caps.
func shape(u *url.URL) (path, withQuery string) {
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if digitsSegment.MatchString(s) || tokenSegment.MatchString(s) {
			segs[i] = ":id"
		}
	}
	path = strings.Join(segs, "/")
	var names []string
	for k := range u.Query() {
		names = append(names, k)
	}
	sort.Strings(names)
	return path, path + "?" + strings.Join(names, "&")
}

// enqueue adds a same-site link worth following.
func (cr *crawler) enqueue(href, from string) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		cr.t.Errorf("%s: link %q does not parse: %v", from, href, err)
		return
	}
	if u.Scheme != "" || u.Host != "" {
		base, _ := url.Parse(cr.ts.URL)
		if u.Host != base.Host {
			return // another site
		}
	}
	if u.Path == "" { // "#main", "?page=2"
		if u.RawQuery == "" {
			return
		}
		fu, _ := url.Parse(from)
		u.Path = fu.Path
	}
	if !strings.HasPrefix(u.Path, "/") {
		cr.t.Errorf("%s: relative link %q", from, href)
		return
	}
	if u.Path == "/logout" || strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/api/") ||
		strings.HasSuffix(u.Path, ".csv") || strings.HasSuffix(u.Path, ".xlsx") {
		return
	}
	u.Scheme, u.Host, u.Fragment = "", "", ""
	u.RawQuery = u.Query().Encode() // one spelling for one query
	target := u.String()
	if cr.seen[target] {
		return
	}
	p, pq := shape(u)
	if cr.perShape[pq] >= crawlPerPattern || cr.perPath[p] >= crawlPerPathShapes {
		return
	}
	cr.seen[target] = true
	cr.perShape[pq]++
	cr.perPath[p]++
	cr.queue = append(cr.queue, crawlLink{target, from})
}

func (cr *crawler) visit(l crawlLink) {
	cr.pages++
	target := l.target
	res, body := cr.c.get(target)
	for hops := 0; res.StatusCode >= 300 && res.StatusCode < 400 && hops < 5; hops++ {
		loc := res.Header.Get("Location")
		u, err := url.Parse(loc)
		if err != nil || (u.Host != "" && !strings.HasPrefix(loc, cr.ts.URL)) {
			cr.t.Errorf("GET %s (linked from %s): redirects off the site to %q", l.target, l.from, loc)
			return
		}
		if u.Path == "/login" {
			cr.t.Errorf("GET %s (linked from %s): redirects to %s: the session was lost or the link is not for this role", l.target, l.from, loc)
			return
		}
		target = u.RequestURI()
		res, body = cr.c.get(target)
	}
	if res.StatusCode != http.StatusOK {
		cr.t.Errorf("GET %s (linked from %s): status %d; want 200\n%s", l.target, l.from, res.StatusCode, excerpt(body))
		return
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		cr.t.Errorf("GET %s: %v", target, err)
		return
	}
	cr.check(target, doc)
	for _, a := range findAll(doc, "a") {
		if href, ok := attr(a, "href"); ok && href != "" {
			cr.enqueue(href, target)
		}
	}
}

// check applies the page rules to one page.
func (cr *crawler) check(target string, doc *html.Node) {
	t := cr.t
	u, _ := url.Parse(target)
	want := cr.lang
	if l := u.Query().Get("lang"); l != "" { // the one door, in the language its link named
		want = l
	}
	if hs := findAll(doc, "html"); len(hs) != 1 {
		t.Errorf("GET %s: %d <html> elements", target, len(hs))
	} else if got, _ := attr(hs[0], "lang"); got != want {
		t.Errorf("GET %s: <html lang=%q>; want %q", target, got, want)
	}
	var titles []*html.Node
	for _, h := range findAll(doc, "head") {
		titles = append(titles, findAll(h, "title")...)
	}
	if ts := titles; len(ts) != 1 || strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(textOf(ts[0])), "Samspill")) == "" {
		t.Errorf("GET %s: want one <title> with the page's name; got %d", target, len(ts))
	}
	if hs := findAll(doc, "h1"); len(hs) != 1 {
		t.Errorf("GET %s: %d <h1> elements; want exactly one", target, len(hs))
	}
	// Forms post only where a route answers.
	for _, f := range findAll(doc, "form") {
		if m, _ := attr(f, "method"); !strings.EqualFold(m, "post") {
			continue
		}
		action, _ := attr(f, "action")
		au, err := u.Parse(action)
		if err != nil {
			t.Errorf("GET %s: form action %q does not parse", target, action)
			continue
		}
		if au.Host != "" && !strings.HasPrefix(au.String(), cr.ts.URL) {
			continue
		}
		if !cr.postable(au.Path) {
			t.Errorf("GET %s: <form method=post action=%q>: no POST route for %s", target, action, au.Path)
		}
	}
	// What the user reads: text, and the attributes read aloud or shown.
	for _, s := range visibleTexts(doc) {
		for _, m := range cr.cat.rawID.FindAllStringSubmatch(s, -1) {
			t.Errorf("GET %s: message ID %q shown instead of its text (in %q)", target, m[1], clip(s))
		}
		for _, bad := range brokenText {
			if strings.Contains(s, bad) {
				t.Errorf("GET %s: text %q holds %q: a message or value rendered without its data", target, clip(s), bad)
			}
		}
		if want != "nb" && want != "en" || autonyms[s] {
			continue // a language menu names each language in itself
		}
		if key, other := cr.cat.onlyInOther(want, s); key != "" {
			t.Errorf("GET %s: %s page shows %q, the %s text of %s", target, want, clip(s), other, key)
		}
	}
}

// brokenText betrays a template given too little: text/template's missing
// value, a placeholder left in, a fmt verb gone wrong, Go's zero time.
var brokenText = []string{"<no value>", "{{", "}}", "%!", "map[", "0001-01-01", "01.01.0001"}

// autonyms are the languages' names in themselves.
var autonyms = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range views.PublicLanguages {
		m[views.LanguageName(l)] = true
	}
	return m
}()

func (cr *crawler) postable(path string) bool {
	for _, re := range cr.posts {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// postPatterns are the route table's POST paths as patterns.
func postPatterns(ts *testServer) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, r := range ts.srv.routeTable() {
		if r.method != http.MethodPost {
			continue
		}
		segs := strings.Split(r.path, "/")
		for i, s := range segs {
			switch {
			case strings.HasPrefix(s, ":"):
				segs[i] = `[^/]+`
			case s == "*":
				segs[i] = `.*`
			default:
				segs[i] = regexp.QuoteMeta(s)
			}
		}
		out = append(out, regexp.MustCompile(`^`+strings.Join(segs, "/")+`$`))
	}
	return out
}

// catalogues are the nb and en message texts, and what betrays a message ID.
type catalogues struct {
	rawID *regexp.Regexp
	// only[lang] are texts found in lang's catalogue and in no other
	// language's catalogue (nn and the one door's languages included): shown
	// on a page in the other language, they are a message left untranslated
	// (en falls back to nb) or taken from the wrong catalogue.
	only map[string][]catText
}

type catText struct {
	key  string
	text string         // when the message has no placeholders
	re   *regexp.Regexp // when it has
}

var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

func loadCatalogues(t *testing.T) *catalogues {
	t.Helper()
	files, err := filepath.Glob("../views/locales/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalogues: %v", err)
	}
	texts := map[string]map[string]string{} // lang → key/form → text
	prefixes := map[string]bool{}
	for _, f := range files {
		parts := strings.Split(filepath.Base(f), ".")
		lang := parts[len(parts)-2]
		var raw map[string]any
		if _, err := toml.DecodeFile(f, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if texts[lang] == nil {
			texts[lang] = map[string]string{}
		}
		flattenMessages("", raw, texts[lang], prefixes)
	}
	var ps []string
	for p := range prefixes {
		ps = append(ps, regexp.QuoteMeta(p))
	}
	sort.Strings(ps)
	cat := &catalogues{
		// A catalogue ID is lower case words joined by dots; one in running
		// text stands alone, not in an e-mail address, a host name or a file name.
		rawID: regexp.MustCompile(`(?:^|[^\w.@/-])((?:` + strings.Join(ps, "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\.?)(?:$|[^\w@/-])`),
		only:  map[string][]catText{},
	}
	all := func(except string) map[string]bool {
		m := map[string]bool{}
		for lang, ts := range texts {
			if lang == except {
				continue
			}
			for _, s := range ts {
				m[normalise(s)] = true
			}
		}
		return m
	}
	for _, lang := range []string{"nb", "en"} {
		others := all(lang)
		var keys []string
		for k := range texts[lang] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s := normalise(texts[lang][k])
			if others[s] {
				continue
			}
			if !placeholder.MatchString(s) {
				if len([]rune(s)) >= 2 {
					cat.only[lang] = append(cat.only[lang], catText{key: k, text: s})
				}
				continue
			}
			lit := placeholder.ReplaceAllString(s, "")
			if len(strings.TrimFunc(lit, func(r rune) bool { return !isLetter(r) })) < 8 {
				continue // too little of its own to tell a language by
			}
			pieces := placeholder.Split(s, -1)
			for i := range pieces {
				pieces[i] = regexp.QuoteMeta(pieces[i])
			}
			cat.only[lang] = append(cat.only[lang], catText{key: k, re: regexp.MustCompile(`^` + strings.Join(pieces, `.+?`) + `$`)})
		}
	}
	return cat
}

func isLetter(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127
}

var pluralForms = map[string]bool{"zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

// flattenMessages walks a go-i18n TOML file: a message is a string or a table
// of plural forms; any other table is a level of the ID.
func flattenMessages(prefix string, m map[string]any, out map[string]string, prefixes map[string]bool) {
	for k, v := range m {
		id := k
		if prefix != "" {
			id = prefix + "." + k
		}
		switch v := v.(type) {
		case string:
			out[id] = v
			prefixes[strings.SplitN(id, ".", 2)[0]] = true
		case map[string]any:
			plural := false
			for f := range v {
				if pluralForms[f] {
					plural = true
				}
			}
			if !plural {
				flattenMessages(id, v, out, prefixes)
				continue
			}
			prefixes[strings.SplitN(id, ".", 2)[0]] = true
			for f, s := range v {
				if s, ok := s.(string); ok && pluralForms[f] {
					out[id+"#"+f] = s
				}
			}
		}
	}
}

var spaces = regexp.MustCompile(`\s+`)

func normalise(s string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(strings.ReplaceAll(s, "\u00a0", " "), " "))
}

// onlyInOther is the ID of a text of the other language's catalogue that s
// is, whole.
func (cat *catalogues) onlyInOther(lang, s string) (key, other string) {
	other = map[string]string{"nb": "en", "en": "nb"}[lang]
	for _, c := range cat.only[other] {
		if c.re == nil && c.text == s || c.re != nil && c.re.MatchString(s) {
			return c.key, other
		}
	}
	return "", ""
}

// visibleTexts are a page's text nodes and read attributes, each normalised.
// A part marked in another language than the page's (lang on an element
// inside it: a language's name in itself, a consent text as the person was
// shown it) is not the page's text and is left out; one marked in the page's
// own language is read.
func visibleTexts(doc *html.Node) []string {
	var out []string
	page := ""
	if root := findAll(doc, "html"); len(root) > 0 {
		page, _ = attr(root[0], "lang")
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if s := normalise(n.Data); s != "" {
				out = append(out, s)
			}
			return
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" {
				return
			}
			if lang, marked := attr(n, "lang"); marked && lang != page {
				return
			}
			for _, a := range n.Attr {
				switch a.Key {
				case "title", "aria-label", "placeholder", "alt", "aria-description", "label":
					if s := normalise(a.Val); s != "" {
						out = append(out, s)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func findAll(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func clip(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

func excerpt(body string) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return clip(body)
	}
	if ms := findAll(doc, "main"); len(ms) > 0 {
		return clip(normalise(textOf(ms[0])))
	}
	return clip(normalise(textOf(doc)))
}
