package cli

// The browser tests: the real server (run "serve --demo" in-process, on a free
// port, over a fresh database) driven through headless Chromium with chromedp,
// and every page checked with axe-core. Each test gets its own server; the
// tests share one browser, in which every visitor has a browser context of
// their own. The pieces:
//
//   e2e_test.go        the harness: server, browser, and a visitor who clicks and types
//   e2e_checks_test.go what every page must pass: axe-core and the checks axe cannot make
//   e2e_sweep_test.go  every page of the route table, in Bokmål and English, as every role
//   e2e_*_test.go      scenarios, one test each, through clicks and typing only
//
// They need Chromium (Debian's package "chromium") and axe-core (npm ci in
// app/cli/testdata/axe). Without them they skip, except under CI=true, where they fail.
//
// A scenario is one test that works as people do:
//
//	e := newE2E(t)                       // its own server with the demo data, and a browser
//	adviser := e.visitor(t, "adviser")   // a person with their own cookies; .window() for a second tab
//	adviser.loginDemo(models.RoleAdviser)
//	adviser.follow("Henvendelser")       // links and buttons by their text, fields by their label:
//	adviser.fill("Søk", "Kari")          // fill, choose, tick, press, follow; or by keyboard alone:
//	adviser.tabTo("Navn", 20)            // tabTo, keys, enter, focused
//	adviser.sees("HAM-2026-00042")       // sees, text, value, fieldError, path
//	adviser.checkPage("nb")              // every check of e2e_checks_test.go, on the page as it is
//
// A failing step stops the test with a screenshot and the page's HTML under
// test-artifacts/; demoPath(t, e, "/route/:id") gives a route's path with demo ids.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"samspill/models"
)

const (
	// axeDir holds package.json and package-lock.json pinning axe-core; npm ci there installs it.
	axeDir = "testdata/axe"
	// artifactsDir receives a screenshot and the HTML of each page a browser test fails on.
	artifactsDir = "test-artifacts"
	// stepTimeout bounds one browser step, so a hung page fails the test instead of the whole run.
	stepTimeout = 30 * time.Second
	// desktopWidth × desktopHeight is the window the tests browse in, apart from the 320 px check.
	desktopWidth, desktopHeight = 1280, 900
)

// browserTools finds Chromium and axe-core. Locally a missing tool skips the
// browser tests with a message saying how to get it; under CI=true it fails them,
// since .ci/run installs both.
func browserTools(t *testing.T) (chromium, axeSource string) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: the browser tests must run; .ci/run installs what they need)", msg)
		}
		t.Skipf("%s: skipping the browser tests (see «Browser tests» in README.md)", msg)
	}
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	if env := os.Getenv("SAMSPILL_CHROMIUM"); env != "" {
		names = []string{env}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing("Chromium not found as %s (apt-get install chromium, or set SAMSPILL_CHROMIUM)", strings.Join(names, ", "))
	}
	want, got, err := axeVersions()
	if err != nil {
		missing("axe-core not installed (cd %s && npm ci)", axeDir)
	}
	if want != got {
		missing("axe-core %s is installed but package.json pins %s (cd %s && npm ci)", got, want, axeDir)
	}
	b, err := os.ReadFile(filepath.Join(axeDir, "node_modules/axe-core/axe.min.js"))
	if err != nil {
		missing("axe-core not installed (cd %s && npm ci)", axeDir)
	}
	return chromium, string(b)
}

// axeVersions reads the pinned version of axe-core and the installed one.
func axeVersions() (pinned, installed string, err error) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
		Version      string            `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join(axeDir, "package.json"))
	if err != nil {
		return "", "", err
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", "", err
	}
	pinned = pkg.Dependencies["axe-core"]
	if b, err = os.ReadFile(filepath.Join(axeDir, "node_modules/axe-core/package.json")); err != nil {
		return "", "", err
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", "", err
	}
	return pinned, pkg.Version, nil
}

// e2e is one browser test's world: a server of its own with the demo data, and
// the shared headless Chromium, in which each visitor has a browser context of
// their own.
type e2e struct {
	baseURL string
	store   *models.Store // the server's database, for the demo ids that fill page paths
	browser context.Context
	axe     string // the source of axe.min.js
}

// newE2E starts the server for one test and the shared browser if it has not
// started, or skips the test when the tools are missing (see browserTools).
func newE2E(t *testing.T) *e2e {
	t.Helper()
	chromium, axe := browserTools(t)
	baseURL, db := startServer(t)
	store, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &e2e{baseURL: baseURL, store: store, browser: sharedBrowser(t, chromium), axe: axe}
}

// serverURL finds the address in the line "Samspill kjører på http://…".
var serverURL = regexp.MustCompile(`http://\S+`)

// startServer runs "samspill serve --demo" in-process, as a user would start it,
// on a free port over a fresh database file. It stops when the test ends.
func startServer(t *testing.T) (baseURL, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "e2e.db")
	ctx, cancel := context.WithCancel(context.Background())
	out, printed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		args := []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", db}
		err := run(ctx, args, printed, func(string) string { return "" }) // no SAMSPILL_* from the environment
		printed.Close()
		done <- err
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if u := serverURL.FindString(sc.Text()); u != "" && !found {
				found = true
				addr <- u
			}
		}
		_, _ = io.Copy(io.Discard, out) // keep draining after a scanner error, so the server never blocks on printing
	}()
	select {
	case baseURL = <-addr:
	case err := <-done:
		cancel()
		t.Fatalf("samspill serve stopped before it listened: %v", err)
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("samspill serve did not say where it listens within a minute")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("samspill serve: %v", err)
		}
	})
	return baseURL, db
}

// browser is the one headless Chromium that the browser tests share, started
// by the first test that needs it and stopped by TestMain. Each visitor has a
// browser context of its own in it (cookies, storage, cache), so tests share
// nothing through it; they save starting a browser each.
var browser struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

// sharedBrowser returns the shared browser, starting it on first use.
func sharedBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	browser.once.Do(func() {
		dir, err := os.MkdirTemp("", "samspill-e2e-chromium-")
		if err != nil {
			browser.err = err
			return
		}
		ctx, cancel := newBrowser(chromium, dir)
		browser.ctx = ctx
		browser.stop = func() {
			cancel()
			_ = os.RemoveAll(dir)
		}
		// The first Do starts the browser and ties its life to ctx, so it gets no time limit of its own.
		browser.err = chromedp.Do(ctx)
	})
	if browser.err != nil {
		t.Fatalf("start %s: %v", chromium, browser.err)
	}
	return browser.ctx
}

// TestMain stops the shared browser when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if browser.stop != nil {
		browser.stop()
	}
	os.Exit(code)
}

// startBrowser starts a headless Chromium of the test's own, which stops when
// the test ends.
func startBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	ctx, cancel := newBrowser(chromium, t.TempDir())
	t.Cleanup(cancel)
	// The first Do starts the browser and ties its life to ctx, so it gets no time limit of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// newBrowser prepares headless Chromium with an empty profile in dir and the
// flags that work on our machines (no sandbox as root; no network beyond the
// test server). It starts on the first action on the context.
func newBrowser(chromium, dir string) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	return ctx, func() {
		cancel()
		cancelAlloc()
	}
}

// visitor is one person at the browser: a tab in a browser context of its own,
// so with its own cookies and session. Its methods click, type and read the page
// as a person does, and fail the test with a screenshot and the page's HTML.
type visitor struct {
	t     *testing.T
	e     *e2e
	ctx   context.Context
	name  string // for the names of artifacts
	refs  int    // counts elements found by their text
	saved int    // counts artifacts saved
	scope string // the group that fields are looked for in (see within); "" for the whole page
}

// visitor opens a new, logged-out browser context. name tells the artifacts of
// several visitors in one test apart.
func (e *e2e) visitor(t *testing.T, name string) *visitor {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first Do opens the tab and ties its life to ctx, so it gets no time limit of its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	v := &visitor{t: t, e: e, ctx: ctx, name: name}
	v.do("size the window", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	return v
}

// window opens a second tab in the visitor's browser context: the same person,
// logged in with the same session, in another window.
func (v *visitor) window(name string) *visitor {
	v.t.Helper()
	ctx, cancel := chromedp.NewContext(v.ctx)
	v.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		v.t.Fatalf("open a window: %v", err)
	}
	w := &visitor{t: v.t, e: v.e, ctx: ctx, name: v.name + "-" + name}
	w.do("size the window", chromedp.EmulateViewport(desktopWidth, desktopHeight))
	return w
}

// run runs one action with a time limit and fails the test with artifacts when it fails.
func run1[T any](v *visitor, what string, a chromedp.Action[T]) T {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, a)
	if err != nil {
		v.fatalf("%s: %v", what, err)
	}
	return res
}

// do runs actions that return nothing, as one step.
func (v *visitor) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	v.t.Helper()
	run1(v, what, chromedp.Steps(actions...))
}

// eval runs a JavaScript expression in the page and decodes its value. It awaits promises.
func eval[T any](v *visitor, js string) T {
	v.t.Helper()
	return run1(v, "evaluate "+firstLine(js), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// call runs a JavaScript function in the page on JSON-encoded arguments.
func call[T any](v *visitor, fn string, args ...any) T {
	v.t.Helper()
	enc := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			v.t.Fatal(err)
		}
		enc[i] = string(b)
	}
	return eval[T](v, "("+fn+")("+strings.Join(enc, ", ")+")")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// open goes to a path of the server, follows redirects and returns the final status.
func (v *visitor) open(path string) int {
	v.t.Helper()
	res := run1(v, "open "+path, chromedp.NavigateResponse(v.e.baseURL+path))
	if res == nil {
		return 0
	}
	return int(res.Status)
}

// path is the path and query of the page the visitor is on.
func (v *visitor) path() string {
	v.t.Helper()
	return eval[string](v, `location.pathname + location.search`)
}

// navigates runs an action that loads a new page (a click on a link or a submit
// button, Enter in a form) and returns the status of the page it ends on.
func (v *visitor) navigates(what string, a chromedp.Action[chromedp.Void]) int {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		v.fatalf("%s: %v", what, err)
	}
	if res == nil {
		return 0
	}
	return int(res.Status)
}

// findJS marks the first visible element of a kind whose text is exactly text
// with a data-e2e attribute, so that a real mouse click can find it. It looks
// in <main> first, where the forms are, and then in the header and footer.
const findJS = `(kind, text, ref) => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	const kinds = {
		button: 'button, input[type=submit], input[type=button]',
		link: 'a[href]',
	};
	const all = [...document.querySelectorAll(kinds[kind])];
	const main = document.querySelector('main');
	for (const el of [...all.filter(el => main && main.contains(el)), ...all]) {
		const r = el.getBoundingClientRect();
		if (r.width === 0 && r.height === 0) continue;
		if (norm(el.textContent || el.value) === text || norm(el.innerText) === text || norm(el.getAttribute('aria-label')) === text) {
			el.setAttribute('data-e2e', ref);
			return true;
		}
	}
	return false;
}`

// element finds a button or link by its text and returns a selector for it.
func (v *visitor) element(kind, text string) chromedp.CSS {
	v.t.Helper()
	v.refs++
	ref := strconv.Itoa(v.refs)
	if !call[bool](v, findJS, kind, text, ref) {
		v.fatalf("no %s %q on %s", kind, text, v.path())
	}
	return chromedp.CSS(`[data-e2e="` + ref + `"]`)
}

// press clicks the button with this text and waits for the page it leads to.
func (v *visitor) press(text string) int {
	v.t.Helper()
	return v.navigates("press "+text, chromedp.Click(v.element("button", text)))
}

// follow clicks the link with this text and waits for the page it leads to.
func (v *visitor) follow(text string) int {
	v.t.Helper()
	return v.navigates("follow "+text, chromedp.Click(v.element("link", text)))
}

// labelJS finds the form control a <label> with exactly this text names, and
// returns its id. The text leaves out what the label hides from screen readers
// (the required star), so it is what a screen reader user hears. It looks in
// <main> first: the header has fields of its own (the region switch). With a
// scope, it looks only in the group of that name (see within).
const labelJS = `(text, scope) => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	const heard = el => norm([...el.childNodes].filter(n => !(n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true')).map(n => n.textContent).join(''));
	const nameOf = el => {
		const by = el.getAttribute('aria-labelledby');
		if (by) return norm(by.split(/\s+/).map(id => (document.getElementById(id) || {}).textContent || '').join(' '));
		if (el.getAttribute('aria-label')) return norm(el.getAttribute('aria-label'));
		const legend = el.tagName === 'FIELDSET' && el.querySelector(':scope > legend');
		return legend ? heard(legend) : '';
	};
	let root = document;
	if (scope) {
		root = [...document.querySelectorAll('fieldset, section, form, [role=group], [role=radiogroup], [role=region]')].find(el => nameOf(el) === scope);
		if (!root) return '';
	}
	const all = [...root.querySelectorAll('label')];
	const main = document.querySelector('main');
	for (const l of [...all.filter(l => main && main.contains(l)), ...all]) {
		if (heard(l) === text && l.control && l.control.id) return l.control.id;
	}
	return '';
}`

// field finds a form control by the text of its label.
func (v *visitor) field(label string) chromedp.ID {
	v.t.Helper()
	id := call[string](v, labelJS, label, v.scope)
	if id == "" {
		where := ""
		if v.scope != "" {
			where = " in the group " + strconv.Quote(v.scope)
		}
		v.fatalf("no field labelled %q%s on %s", label, where, v.path())
	}
	return chromedp.ID(id)
}

// within runs steps that find fields by their labels only inside one group of
// the form: a fieldset by its legend, or a section, form or group by its
// accessible name. It tells apart fields that have the same label in several
// groups, as screen reader users tell them apart by the group.
func (v *visitor) within(group string, steps func()) {
	v.t.Helper()
	outer := v.scope
	v.scope = group
	defer func() { v.scope = outer }()
	steps()
}

// fill types text into the field labelled label, after emptying it.
func (v *visitor) fill(label, text string) {
	v.t.Helper()
	f := v.field(label)
	if run1(v, "read "+label, chromedp.Value(f)) != "" {
		v.do("empty "+label, chromedp.Clear(f))
	}
	v.do("fill "+label, chromedp.SendKeys(f, text))
}

// choose picks an option of the select labelled label by typing its first
// letters, as a keyboard user does, and checks that the option was picked.
func (v *visitor) choose(label, option string) {
	v.t.Helper()
	f := v.field(label)
	v.do("choose "+option+" in "+label, chromedp.SendKeys(f, option))
	got := call[string](v, `(id) => { const s = document.getElementById(id); return s.options[s.selectedIndex].text; }`, string(f))
	if !strings.HasPrefix(got, option) {
		v.fatalf("typing %q in %s picked %q", option, label, got)
	}
}

// tick checks the checkbox labelled label by clicking it, unless it is checked already.
func (v *visitor) tick(label string) {
	v.t.Helper()
	f := v.field(label)
	if !call[bool](v, `(id) => document.getElementById(id).checked`, string(f)) {
		v.do("tick "+label, chromedp.Click(f))
	}
}

// dateOrderJS gives the order in which the browser's date fields take the day,
// the month and the year: the order of its locale's short dates.
const dateOrderJS = `new Intl.DateTimeFormat(undefined, {day: '2-digit', month: '2-digit', year: 'numeric'}).formatToParts(new Date(2001, 1, 3)).filter(p => p.type !== 'literal').map(p => p.type)`

// fillDate types a date into the date field labelled label, digit by digit in
// the order of the browser's locale, as a person does.
func (v *visitor) fillDate(label string, d time.Time) {
	v.t.Helper()
	f := v.field(label)
	var digits strings.Builder
	for _, part := range eval[[]string](v, dateOrderJS) {
		switch part {
		case "day":
			fmt.Fprintf(&digits, "%02d", d.Day())
		case "month":
			fmt.Fprintf(&digits, "%02d", int(d.Month()))
		case "year":
			fmt.Fprintf(&digits, "%04d", d.Year())
		}
	}
	v.do("fill "+label, chromedp.Focus(f), chromedp.KeyEvent(digits.String()))
	if got, want := run1(v, "read "+label, chromedp.Value(f)), d.Format("2006-01-02"); got != want {
		v.fatalf("typing %s into the date field %q gave %q", want, label, got)
	}
}

// value is what the field labelled label holds now.
func (v *visitor) value(label string) string {
	v.t.Helper()
	return run1(v, "read "+label, chromedp.Value(v.field(label)))
}

// fieldErrorJS reads the error message tied to a field by aria-describedby,
// and whether it stands next to the field (in the field's own box).
const fieldErrorJS = `(id) => {
	const f = document.getElementById(id);
	const box = f.closest('.ds-field, fieldset') || f.parentElement;
	for (const ref of (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)) {
		const m = document.getElementById(ref);
		if (m && m.matches('.ds-validation-message, [data-field=validation]')) {
			return {message: m.textContent.replace(/\s+/g, ' ').trim(), invalid: f.getAttribute('aria-invalid') === 'true', near: box.contains(m)};
		}
	}
	return {message: '', invalid: f.getAttribute('aria-invalid') === 'true', near: false};
}`

// fieldError is the error message shown for the field labelled label. It fails
// the test when the message is not marked up as a screen reader needs it: the
// field marked invalid, and the message tied to it and next to it.
func (v *visitor) fieldError(label string) string {
	v.t.Helper()
	type fieldError struct {
		Message string `json:"message"`
		Invalid bool   `json:"invalid"`
		Near    bool   `json:"near"`
	}
	e := call[fieldError](v, fieldErrorJS, string(v.field(label)))
	switch {
	case e.Message == "":
		v.fatalf("the field %q has no error message tied to it by aria-describedby", label)
	case !e.Invalid:
		v.fatalf("the field %q has the error %q but is not marked aria-invalid", label, e.Message)
	case !e.Near:
		v.fatalf("the error %q of the field %q is not next to the field", e.Message, label)
	}
	return e.Message
}

// focusedJS describes the focused element the way the tests name things: a form
// control by its label, a link or button by its text.
const focusedJS = `(() => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	const el = document.activeElement;
	if (!el || el === document.body) return '';
	if (el.labels && el.labels.length) {
		const l = el.labels[0];
		return norm([...l.childNodes].filter(n => !(n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true')).map(n => n.textContent).join(''));
	}
	return norm(el.getAttribute('aria-label') || el.textContent || el.value);
})()`

// focused names the element that has the keyboard focus ("" for none).
func (v *visitor) focused() string {
	v.t.Helper()
	return eval[string](v, focusedJS)
}

// keys sends key presses to the focused element: text, or keys of the kb package.
func (v *visitor) keys(keys string) {
	v.t.Helper()
	v.do("press keys", chromedp.KeyEvent(keys))
}

// tabTo presses Tab until the element named name has the focus, and fails,
// naming where the focus went, when it is not reached within limit presses.
func (v *visitor) tabTo(name string, limit int) {
	v.t.Helper()
	var path []string
	for range limit {
		v.keys(kb.Tab)
		got := v.focused()
		if got == name {
			return
		}
		path = append(path, strconv.Quote(got))
	}
	v.fatalf("Tab did not reach %q in %d presses; the focus went %s", name, limit, strings.Join(path, " → "))
}

// enter presses Enter on the focused element and waits for the page it leads to.
func (v *visitor) enter() int {
	v.t.Helper()
	return v.navigates("press Enter", chromedp.KeyEvent(kb.Enter))
}

// text is the visible text of the first element that matches a CSS selector.
func (v *visitor) text(css string) string {
	v.t.Helper()
	return run1(v, "read "+css, chromedp.Text(chromedp.CSS(css)))
}

// sees fails the test unless the page shows each text.
func (v *visitor) sees(texts ...string) {
	v.t.Helper()
	body := eval[string](v, `document.body.innerText`)
	norm := strings.Join(strings.Fields(body), " ")
	for _, s := range texts {
		if !strings.Contains(norm, s) {
			v.fatalf("the page %s does not show %q", v.path(), s)
		}
	}
}

// login logs in through the log-in form, with the mouse.
func (v *visitor) login(email, password string) {
	v.t.Helper()
	v.open("/login")
	v.fill("E-postadresse", email)
	v.fill("Passord", password)
	if status := v.press("Logg inn"); status != 200 {
		v.fatalf("log-in as %s answered %d", email, status)
	}
	if strings.HasPrefix(v.path(), "/login") {
		v.fatalf("log-in as %s failed", email)
	}
}

// loginDemo logs in as the demo user of a role.
func (v *visitor) loginDemo(role string) {
	v.t.Helper()
	v.login(demoEmail(role), models.DemoPassword)
}

func demoEmail(role string) string {
	for _, d := range models.DemoLogins {
		if d.Role == role {
			return d.Email
		}
	}
	panic("no demo user for role " + role)
}

// fatalf saves the page as artifacts and stops the test, naming them.
func (v *visitor) fatalf(format string, args ...any) {
	v.t.Helper()
	v.t.Fatalf("%s%s", fmt.Sprintf(format, args...), v.saveArtifacts())
}

// errorf saves the page as artifacts and marks the test failed, naming them.
func (v *visitor) errorf(format string, args ...any) {
	v.t.Helper()
	v.t.Errorf("%s%s", fmt.Sprintf(format, args...), v.saveArtifacts())
}

// artifacts is the directory for this run's artifacts. The first use empties it
// of an earlier run's, so that what is there belongs to the last run.
var artifacts = sync.OnceValues(func() (string, error) {
	dir, err := filepath.Abs(artifactsDir)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
})

// saveArtifacts writes a screenshot and the HTML of the page under
// test-artifacts/ and returns lines naming them for a failure message.
func (v *visitor) saveArtifacts() string {
	v.saved++
	base := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(v.t.Name()) + "-" + v.name + "-" + strconv.Itoa(v.saved)
	dir, err := artifacts()
	if err != nil {
		return "\n(no artifacts: " + err.Error() + ")"
	}
	// A fresh time limit: the step that failed may have used up its own.
	ctx, cancel := context.WithTimeout(v.ctx, 10*time.Second)
	defer cancel()
	var notes []string
	save := func(name string, b []byte, err error) {
		p := filepath.Join(dir, base+name)
		if err == nil {
			err = os.WriteFile(p, b, 0o644)
		}
		if err != nil {
			notes = append(notes, "(no "+name+": "+err.Error()+")")
			return
		}
		notes = append(notes, p)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	save(".png", png, err)
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err == nil && html == "" {
		err = errors.New("empty page")
	}
	save(".html", []byte("<!-- "+strings.ReplaceAll(locationOf(ctx), "--", "")+" -->\n"+html), err)
	return "\n  screenshot and page: " + strings.Join(notes, "\n                       ")
}

func locationOf(ctx context.Context) string {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return loc
}
