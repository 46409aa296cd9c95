package app

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"samspill/models"
)

// intakes numbers intakeFrom's enquiries: each says something new, or the
// one door would take it for the one before sent again (models.RepeatWindow).
var intakes atomic.Int64

// intakeFrom sends an enquiry through the JSON one door from the person with
// email, phone and orgNumber, and returns its id.
func intakeFrom(t *testing.T, ts *testServer, municipality, email, phone, orgNumber string) int64 {
	t.Helper()
	body := `{"municipality": "` + municipality + `", "enquirer_kind": "prospective_entrepreneur", "needs": ["financing", "premises_land"],
		"description": "Trenger lokaler og lån, henvendelse ` + strconv.FormatInt(intakes.Add(1), 10) + `", "name": "Kari Hansen", "email": ` + quote(email) + `, "phone": ` + quote(phone) + `,
		"org_number": ` + quote(orgNumber) + `, "consent_store": true}`
	status, out := ts.api(t, "", http.MethodPost, "/api/v1/intake", body)
	if status != http.StatusCreated {
		t.Fatalf("intake = %d %v", status, out)
	}
	list, _, err := ts.store.Enquiries(context.Background(), adminViewer(t, ts), models.EnquiryFilter{Q: out["reference"].(string)})
	if err != nil || len(list) != 1 {
		t.Fatalf("enquiry %s: %v", out["reference"], err)
	}
	return list[0].ID
}

// relatedRowPattern finds the references listed in the case page's section of other
// enquiries from the same person or business, each with what matched.
var relatedRowPattern = regexp.MustCompile(`<tr><td><a class="ds-link" href="/enquiries/(\d+)">[A-Z]{3}-\d{4}-\d{5}</a></td><td>\d\d\.\d\d\.\d{4}</td><td><span class="ds-tag" data-color="\w+">Ny</span></td><td>([^<]*)</td><td>([^<]*)</td></tr>`)

// An adviser opening a case sees the person's or business's other enquiries
// in the region: by e-mail, phone or organisation number, each with what
// matched, the newest ten with a link to the inbox's search for the rest. A
// case without any has no section, and those who see no person data (board,
// municipality, partner) get no case page at all.
func TestRelatedEnquiriesSection(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	const heading = "Andre henvendelser fra samme person eller virksomhet"
	march := intakeFrom(t, ts, "3412", "Kari.Hansen@example.org", "", "")
	phone := intakeFrom(t, ts, "3403", "kari@hjemme.example", "0047 912 22 333", "")
	firm := intakeFrom(t, ts, "3413", "post@firma.example", "", "922 222 223")
	now := intakeFrom(t, ts, "3403", "kari.hansen@EXAMPLE.org", "+47 91 22 23 33", "922222223")
	alone := intakeFrom(t, ts, "3403", "noen.andre@example.org", "+47 400 00 001", "")

	adviser := ts.client(t)
	adviser.login(demoEmail(models.RoleAdviser), models.DemoPassword)
	res, body := adviser.get("/enquiries/" + itoa(now))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, heading) {
		t.Fatalf("adviser's case page = %d, section shown %v", res.StatusCode, strings.Contains(body, heading))
	}
	var got []string
	for _, m := range relatedRowPattern.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1]+" "+m[3]+" ("+m[2]+")")
	}
	needs := " (Finansiering og tilskudd, Lokaler og tomt)" // as the inbox shows them
	want := []string{itoa(firm) + " org.nr." + needs, itoa(phone) + " telefon" + needs, itoa(march) + " e-post" + needs}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("related rows = %q; want %q", got, want)
	}
	if strings.Contains(body, "/enquiries?q=") {
		t.Error("a link to the inbox although all are shown")
	}
	if _, body := adviser.get("/enquiries/" + itoa(alone)); strings.Contains(body, heading) {
		t.Error("a case without related enquiries has the section")
	}

	coordinator := ts.client(t)
	coordinator.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	if _, body := coordinator.get("/enquiries/" + itoa(now)); !strings.Contains(body, heading) {
		t.Error("the coordinator does not see the section")
	}
	for _, role := range []string{models.RoleBoard, models.RoleMunicipality, models.RolePartner} {
		c := ts.client(t)
		c.login(demoEmail(role), models.DemoPassword)
		if res, body := c.get("/enquiries/" + itoa(now)); res.StatusCode == http.StatusOK || strings.Contains(body, heading) || strings.Contains(body, `href="/enquiries/`+itoa(march)+`"`) {
			t.Errorf("%s: case page = %d, section shown %v", role, res.StatusCode, strings.Contains(body, heading))
		}
	}

	// Past ten, the newest ten, and links to the inbox's search by the
	// e-mail and by the organisation number, which find the rest.
	for range 10 {
		intakeFrom(t, ts, "3403", "kari.hansen@example.org", "", "")
	}
	_, body = adviser.get("/enquiries/" + itoa(now))
	if n := len(relatedRowPattern.FindAllString(body, -1)); n != models.RelatedLimit {
		t.Errorf("%d related rows; want %d", n, models.RelatedLimit)
	}
	for _, link := range []string{`href="/enquiries?q=kari.hansen%40example.org"`, `href="/enquiries?q=922222223"`} {
		if !strings.Contains(body, link) {
			t.Errorf("no link %s", link)
		}
	}
	_, inbox := adviser.get("/enquiries?q=kari.hansen%40example.org")
	if !strings.Contains(inbox, "href=\"/enquiries/"+itoa(march)+"\"") {
		t.Error("the inbox's search by the e-mail does not find the oldest")
	}
}
