package cli

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"samspill/models"
)

// entrepreneur is what a person writes into the one door.
type entrepreneur struct {
	lang                     string // the one door's language, ?lang=
	name, email, description string
}

// reference is the form of an enquiry's reference: the region's letters, the year and a number.
var reference = regexp.MustCompile(`^[A-Z]{3}-\d{4}-\d+$`)

// sendByKeyboard fills in the one door in the entrepreneur's language with the
// keyboard alone (Tab to move, Space to choose, typing to fill in and to pick
// from a list, Enter to send) and returns the reference on the receipt.
func (v *visitor) sendByKeyboard(who entrepreneur) string {
	v.t.Helper()
	lang := who.lang
	t := func(id string) string { return msg(lang, id) }
	v.open("/enquiry?lang=" + lang)
	if got := eval[string](v, `document.documentElement.lang + ' ' + document.documentElement.dir`); got != lang+" "+dirOf(lang) {
		v.fatalf("the one door in %s is lang and dir %q", lang, got)
	}
	// The form itself is checked by the sweep, in every language; here it is used.

	// Past the skip link, the logo and the language menu to the first field.
	v.tabTo(t("intake.municipality"), 12)
	v.keys("Hamar") // a closed list picks the option whose name is typed
	if got := eval[string](v, `document.activeElement.selectedOptions[0].text`); got != "Hamar" {
		v.fatalf("typing Hamar in the municipality list picked %q", got)
	}
	v.keys(kb.Tab) // the first choice of "who are you?"
	v.expectFocus(t("enquirer_kind.prospective_entrepreneur"))
	v.keys(" ")
	v.tabTo(t("need.financing"), 3)
	v.keys(" ")
	v.tabTo(t("intake.description"), 12)
	v.keys(who.description)
	v.keys(kb.Tab)
	v.expectFocus(t("intake.name"))
	v.keys(who.name)
	v.keys(kb.Tab)
	v.expectFocus(t("intake.email"))
	v.keys(who.email)
	v.tabTo(t("intake.consent_store"), 25)
	v.keys(" ")
	v.keys(kb.Tab)
	v.expectFocus(t("intake.consent_share"))
	v.keys(" ")
	v.tabTo(t("intake.submit"), 3)
	if status := v.enter(); status != http.StatusOK || !strings.HasPrefix(v.path(), "/enquiry/receipt") {
		v.fatalf("sending the one door in %s answered %d at %s; want the receipt", lang, status, v.path())
	}

	v.sees(t("intake.receipt_heading"), t("intake.receipt_reference"))
	ref := strings.TrimSpace(v.text("#reference"))
	if !reference.MatchString(ref) {
		v.fatalf("the receipt in %s shows the reference %q", lang, ref)
	}
	if got := eval[string](v, `document.documentElement.lang + ' ' + document.documentElement.dir`); got != lang+" "+dirOf(lang) {
		v.fatalf("the receipt in %s is lang and dir %q", lang, got)
	}
	v.checkPage(lang)
	return ref
}

func dirOf(lang string) string {
	if lang == "ar" {
		return "rtl"
	}
	return "ltr"
}

// expectFocus fails the test unless the element named name has the focus.
func (v *visitor) expectFocus(name string) {
	v.t.Helper()
	if got := v.focused(); got != name {
		v.fatalf("the focus is on %q, not on %q", got, name)
	}
}

// TestScenarioEnquiryJourney follows enquiries from the one door to the
// board, one scenario of the issue after another, each a subtest that goes on
// from where the one before it left off:
//
//  1. an entrepreneur fills in the one door with the keyboard alone, sends it and
//     reads the reference on the receipt; in Norwegian, Arabic and English;
//  2. the adviser finds the Norwegian enquiry in the inbox by searching, opens it,
//     registers a phone call of 15 minutes (the first response is recorded) and
//     refers it to Innovasjon Norge with consent to share;
//  3. Innovasjon Norge's contact logs in, acknowledges the referral and reports it
//     supported with a start-up grant of 150 000 kr; and the same again for the
//     English enquiry, through a one-time link, without logging in;
//  4. a board member opens the follow-up of referrals, sees them counted as
//     supported with 150 000 kr each, and the charts match the tables beside them.
func TestScenarioEnquiryJourney(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	refs := map[string]string{} // the references of the enquiries, by language
	failed := ""
	step := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			if failed != "" {
				t.Skipf("goes on from %q, which failed", failed)
			}
			defer func() {
				if t.Failed() {
					failed = name
				}
			}()
			f(t)
		})
	}

	step("1 one door by keyboard", func(t *testing.T) {
		for _, who := range []entrepreneur{
			{"nb", "Kari Nordmann", "kari.nordmann@example.org", "Jeg vil starte et gårdsbakeri og trenger hjelp med finansiering."},
			{"ar", "ليلى حداد", "layla.haddad@example.org", "أريد أن أفتح مخبزًا صغيرًا في هامار وأحتاج إلى تمويل."},
			{"en", "John Smith", "john.smith@example.org", "I want to start a bicycle repair shop and need funding."},
		} {
			refs[who.lang] = e.visitor(t, "entrepreneur-"+who.lang).sendByKeyboard(who)
		}
	})

	step("2 adviser responds and refers", func(t *testing.T) {
		adviser := e.visitor(t, "adviser")
		adviser.loginDemo(models.RoleAdviser)
		adviser.follow("Henvendelser")
		adviser.fill("Søk", "Kari Nordmann")
		adviser.press("Vis")
		if rows := adviser.tableRows("Henvendelser"); len(rows) != 2 || rows[1][0] != refs["nb"] {
			adviser.fatalf("searching for Kari Nordmann found %q; want the one enquiry %s", rows, refs["nb"])
		}
		adviser.checkPage("nb")
		adviser.follow(refs["nb"])
		adviser.sees(refs["nb"] + " · Kari Nordmann")
		if got := adviser.fact("Førstesvar"); !strings.HasPrefix(got, "Frist ") {
			adviser.fatalf("a new enquiry's first response reads %q; want its deadline", got)
		}

		adviser.choose("Type", "Telefon")
		adviser.fill("Minutter", "15")
		adviser.fill("Tekst", "Ringte Kari og gikk gjennom planene for gårdsbakeriet.")
		adviser.press("Legg til aktivitet")
		adviser.sees("Aktiviteten er lagt til.")
		if got := adviser.fact("Førstesvar"); strings.HasPrefix(got, "Frist ") || !strings.Contains(got, "arbeidsdag") {
			adviser.fatalf("after the phone call the first response reads %q; want when it was given", got)
		}
		if got := adviser.fact("Tid brukt"); got != "15 minutter" {
			adviser.fatalf("after a call of 15 minutes the time spent reads %q", got)
		}

		adviser.choose("Partner", "Innovasjon Norge")
		adviser.choose("Hva henvisningen gjelder", "Finansiering og tilskudd")
		adviser.fill("Melding til partneren", "Kari trenger etablerertilskudd til gårdsbakeriet. Forretningsplanen er klar.")
		adviser.tick("Del navn og kontaktopplysninger med partneren")
		adviser.press("Send henvisning")
		adviser.sees("Henvisningen er sendt til partneren.")
		if rows := adviser.tableRows("Henvisninger fra denne saken"); len(rows) != 2 || rows[1][0] != "Innovasjon Norge" || rows[1][1] != "Sendt" {
			adviser.fatalf("after referring, the case's referrals are %q", rows)
		}
		adviser.checkPage("nb")
	})

	step("3 partner answers, logged in and by one-time link", func(t *testing.T) {
		partner := e.visitor(t, "partner")
		partner.loginDemo(models.RolePartner)
		partner.follow("Henvisninger")
		partner.follow(refs["nb"])
		partner.sees("Henvisning til Innovasjon Norge", "Kari Nordmann", "kari.nordmann@example.org")
		partner.press("Bekreft mottatt")
		partner.sees("Bekreftet mottatt")
		partner.reportSupported()
		partner.sees("Innvilget / fikk hjelp: Innvilget støtte, Etablerertilskudd, 150 000 kr")
		partner.checkPage("nb")

		// The adviser refers the English enquiry too, and makes a one-time link
		// for a contact at Innovasjon Norge who has no account.
		adviser := e.visitor(t, "adviser")
		adviser.loginDemo(models.RoleAdviser)
		adviser.follow("Henvendelser")
		adviser.fill("Søk", refs["en"])
		adviser.press("Vis")
		adviser.follow(refs["en"])
		adviser.choose("Partner", "Innovasjon Norge")
		adviser.choose("Hva henvisningen gjelder", "Finansiering og tilskudd")
		adviser.tick("Del navn og kontaktopplysninger med partneren")
		adviser.press("Send henvisning")
		adviser.follow("Innovasjon Norge")
		adviser.press("Lag engangslenke")
		link := strings.TrimSpace(adviser.text(".secret"))
		if !strings.HasPrefix(link, e.baseURL+"/r/") {
			adviser.fatalf("the one-time link reads %q", link)
		}
		adviser.checkPage("nb")

		contact := e.visitor(t, "contact")
		contact.open(strings.TrimPrefix(link, e.baseURL))
		contact.sees("Henvisning til Innovasjon Norge", refs["en"], "John Smith")
		contact.checkPage("nb")
		contact.press("Bekreft mottatt")
		contact.sees("Takk, henvisningen er bekreftet mottatt.")
		contact.reportSupported()
		contact.sees("Takk, utfallet er registrert. Lenken kan ikke brukes igjen.")
		contact.checkPage("nb")
		if status := contact.open(strings.TrimPrefix(link, e.baseURL)); status != http.StatusNotFound {
			contact.errorf("the used one-time link answered %d; want 404", status)
		}
	})

	step("4 board follows up", func(t *testing.T) {
		board := e.visitor(t, "board")
		board.loginDemo(models.RoleBoard)
		board.follow("Oppfølging")
		board.sees("Oppfølging av henvisninger")
		partners := board.tableRows("Fra sendt til bekreftet, fullført og innvilget, per partner")
		var innovation []string
		for _, row := range partners[1:] {
			if row[0] == "Innovasjon Norge" {
				innovation = row
			}
		}
		// Partner, Sendt, Bekreftet, Fullført, Innvilget, Åpne, Forfalt, …, Innvilget beløp
		if innovation == nil || innovation[4] != "2" || innovation[len(innovation)-1] != "300 000 kr" {
			board.fatalf("the follow-up's row for Innovasjon Norge is %q; want 2 supported with 300 000 kr", innovation)
		}
		board.chartMatchesTable("Sendte henvisninger per partner", partners, 0, 1)
		board.chartMatchesTable("Innvilget beløp per kvartal", board.tableRows("Per kvartal"), 0, 2)
		board.checkPage("nb")

		board.follow(innovation[4]) // the number supported leads to the referrals behind it
		supported := board.tableRows("Henvisninger")
		for _, lang := range []string{"nb", "en"} {
			found := false
			for _, row := range supported[1:] {
				found = found || (row[0] == refs[lang] && row[len(row)-1] == "Innvilget / fikk hjelp: 150 000 kr")
			}
			if !found {
				board.errorf("the supported referrals of Innovasjon Norge lack %s with 150 000 kr: %q", refs[lang], supported)
			}
		}
		board.checkPage("nb")
	})
}

// reportSupported reports, on a referral's page, that the partner supported the
// entrepreneur with a start-up grant of 150 000 kr.
func (v *visitor) reportSupported() {
	v.t.Helper()
	v.tick("Innvilget / fikk hjelp")
	v.choose("Begrunnelse", "Innvilget støtte")
	v.choose("Virkemiddel", "Etablerertilskudd")
	v.fill("Beløp i kroner", "150 000")
	if status := v.press("Lagre utfall"); status != http.StatusOK {
		v.fatalf("saving the outcome answered %d", status)
	}
}

// factJS reads the description of a term in a description list.
const factJS = `(term) => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	for (const dt of document.querySelectorAll('main dt')) {
		if (norm(dt.innerText) !== term) continue;
		let dd = dt.nextElementSibling;
		while (dd && dd.tagName !== 'DD') dd = dd.nextElementSibling;
		return dd ? norm(dd.innerText) : null;
	}
	return null;
}`

// fact is what a description list on the page says about term.
func (v *visitor) fact(term string) string {
	v.t.Helper()
	got := call[*string](v, factJS, term)
	if got == nil {
		v.fatalf("the page %s says nothing about %q", v.path(), term)
	}
	return *got
}

// tableJS reads the table with a caption, or the first table in <main> whose
// caption begins so, as rows of cell texts, the header row first.
const tableJS = `(caption) => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	const tables = [...document.querySelectorAll('main table')];
	const t = tables.find(t => t.caption && norm(t.caption.innerText) === caption) || tables.find(t => t.caption && norm(t.caption.innerText).startsWith(caption));
	if (!t) return null;
	return [...t.rows].map(r => [...r.cells].map(c => norm(c.innerText)));
}`

// tableRows reads a table on the page by its caption, as screen readers name it.
func (v *visitor) tableRows(caption string) [][]string {
	v.t.Helper()
	rows := call[[][]string](v, tableJS, caption)
	if rows == nil {
		v.fatalf("no table with the caption %q on %s", caption, v.path())
	}
	return rows
}

// chartJS reads a bar chart by its title: each bar's label and the figure shown beside it.
const chartJS = `(title) => {
	const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	const svg = [...document.querySelectorAll('main svg')].find(s => s.querySelector('title') && norm(s.querySelector('title').textContent) === title);
	if (!svg) return null;
	return [...svg.querySelectorAll('g')].map(g => [...g.querySelectorAll('text')].map(t => norm(t.textContent)));
}`

// chartMatchesTable checks that the bar chart with this title shows the same
// labels and figures as the table beside it: its rows' label and value columns,
// in the same order.
func (v *visitor) chartMatchesTable(title string, table [][]string, label, value int) {
	v.t.Helper()
	bars := call[[][]string](v, chartJS, title)
	if bars == nil {
		v.fatalf("no chart %q on %s", title, v.path())
	}
	var want [][]string
	for _, row := range table[1:] {
		want = append(want, []string{row[label], row[value]})
	}
	if fmt.Sprint(bars) != fmt.Sprint(want) {
		v.errorf("the chart %q shows %q; the table beside it %q", title, bars, want)
	}
}

// TestScenarioStaleEnquiryEdit is scenario 6: the adviser has the same
// enquiry open in two windows and saves its details in both. The second save
// is refused with a clear message, keeping what it typed in the form, and the
// first one's change stands.
func TestScenarioStaleEnquiryEdit(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	first := e.visitor(t, "adviser")
	first.loginDemo(models.RoleAdviser)
	second := first.window("second")

	enquiry := demoPath(t, e, "/enquiries/:id")
	first.open(enquiry)
	second.open(enquiry)
	name := second.value("Navn")

	first.fill("Telefon", "901 23 456")
	if status := first.press("Lagre"); status != http.StatusOK {
		first.fatalf("the first save answered %d", status)
	}
	first.sees("Endringene er lagret.")

	second.fill("Navn", "Navn fra det andre vinduet")
	if status := second.press("Lagre"); status != http.StatusConflict {
		second.fatalf("the stale save answered %d; want 409", status)
	}
	second.sees("Endringen ble ikke lagret",
		"Noen andre har endret saken mens du arbeidet.",
		"Det du skrev, står fortsatt i skjemaet under Opplysninger.")
	// What the second window typed is kept, to be checked and saved again.
	if got := second.value("Navn"); got != "Navn fra det andre vinduet" {
		second.errorf("after the conflict the form shows the name %q, not the one typed", got)
	}
	second.checkPage("nb")

	second.open(enquiry)
	if got := second.value("Telefon"); got != "901 23 456" {
		second.errorf("the first window's change was lost: the phone is %q", got)
	}
	if got := second.value("Navn"); got != name {
		second.errorf("the stale save changed the name to %q", got)
	}
}

// TestScenarioIntakeFormErrors is scenario 7: the one door sent with an
// organisation number that does not exist and no way to reach the sender. The
// errors are announced: a summary gets the focus and links to each field, each
// field is marked invalid with its message tied to it, and what was typed is
// still there.
func TestScenarioIntakeFormErrors(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	v := e.visitor(t, "entrepreneur")
	v.open("/enquiry?lang=nb")
	v.choose("Kommune", "Stange")
	v.tick("Jeg driver en bedrift")
	v.tick("Marked og eksport")
	v.fill("Fortell kort om hva du trenger", "Vi vil selge ost til Sverige og trenger råd om eksport.")
	v.fill("Navn", "Per Olsen")
	v.fill("Organisasjonsnummer", "123 456 789")
	v.fill("Navn på bedriften eller idéen", "Stange Ysteri")
	v.tick("Jeg samtykker til at næringsrådgiverne lagrer henvendelsen min og bruker den til å hjelpe meg.")
	typed := map[string]string{}
	for _, label := range []string{"Kommune", "Fortell kort om hva du trenger", "Navn", "Organisasjonsnummer", "Navn på bedriften eller idéen"} {
		typed[label] = v.value(label)
	}
	if status := v.press("Send henvendelsen"); status != http.StatusUnprocessableEntity {
		v.fatalf("the one door with errors answered %d; want 422", status)
	}

	// The browser moves the focus to an autofocus element when it next renders the page: wait for it, a while.
	if got := eval[string](v, `new Promise(done => {
		const until = Date.now() + 5000;
		const look = () => document.activeElement.id === 'error-summary' || Date.now() > until ? done(document.activeElement.id) : setTimeout(look, 50);
		look();
	})`); got != "error-summary" {
		v.errorf("after sending a form with errors the focus is on %q, not on the error summary", got)
	}
	if got := eval[string](v, `document.getElementById('error-summary').getAttribute('role')`); got != "alert" {
		v.errorf("the error summary has role %q; want alert, so that it is read out", got)
	}
	type link struct{ Text, Target string }
	links := eval[[]link](v, `[...document.querySelectorAll('#error-summary a')].map(a => {
		const f = document.getElementById(a.hash.slice(1));
		return {text: a.textContent.replace(/\s+/g, ' ').trim(), target: f && f.labels && f.labels.length ? f.labels[0].childNodes[0].textContent.trim() : ''};
	})`)
	want := map[string]string{
		"E-post":              "Oppgi e-post eller telefon, så vi kan nå deg.",
		"Telefon":             "Oppgi e-post eller telefon, så vi kan nå deg.",
		"Organisasjonsnummer": "Dette organisasjonsnummeret finnes ikke. Sjekk at sifrene stemmer, for eksempel i Brønnøysundregistrene.",
	}
	if len(links) != len(want) {
		v.errorf("the error summary lists %q; want the fields %q", links, want)
	}
	for _, l := range links {
		if msg, ok := want[l.Target]; !ok || l.Text != l.Target+": "+msg {
			v.errorf("the error summary's link %q leads to the field %q", l.Text, l.Target)
		}
	}
	for label, message := range want {
		if got := v.fieldError(label); got != message {
			v.errorf("the error at %q is %q; want %q", label, got, message)
		}
	}
	for label, text := range typed {
		if got := v.value(label); got != text {
			v.errorf("after the errors %q holds %q; want what was typed, %q", label, got, text)
		}
	}
	for _, label := range []string{"Jeg driver en bedrift", "Marked og eksport", "Jeg samtykker til at næringsrådgiverne lagrer henvendelsen min og bruker den til å hjelpe meg."} {
		if !call[bool](v, `(id) => document.getElementById(id).checked`, string(v.field(label))) {
			v.errorf("after the errors %q is no longer chosen", label)
		}
	}
	v.checkPage("nb")

	// The summary's link takes the keyboard to the field.
	v.follow("Organisasjonsnummer: " + want["Organisasjonsnummer"])
	v.expectFocus("Organisasjonsnummer")
	v.fill("Organisasjonsnummer", "923 609 016")
	v.fill("Telefon", "900 00 000")
	if status := v.press("Send henvendelsen"); status != http.StatusOK || !strings.HasPrefix(v.path(), "/enquiry/receipt") {
		v.fatalf("the corrected one door answered %d at %s; want the receipt", status, v.path())
	}
	if ref := strings.TrimSpace(v.text("#reference")); !reference.MatchString(ref) {
		v.fatalf("the receipt shows the reference %q", ref)
	}
}
