package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samspill/models"
)

// A text refused as too long says the field's limit in characters, on pages
// and in the API's field messages: "Teksten er for lang." left the user to
// guess how much to cut.
func TestTooLongSaysTheLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	// The number is grouped as the language writes numbers ("4 000", "4,000").
	nb := func(n string) *regexp.Regexp {
		return regexp.MustCompile(`Teksten er for lang \(høyst ` + n + ` tegn\)\.`)
	}
	en := func(n string) *regexp.Regexp {
		return regexp.MustCompile(`The text is too long \(at most ` + n + ` characters\)\.`)
	}
	coord := ts.client(t)
	coord.login(demoEmail(models.RoleCoordinator), models.DemoPassword)
	board := ts.client(t)
	board.login(demoEmail(models.RoleBoard), models.DemoPassword)
	_, referral := sentReferral(t, ts, false)
	nbIntake, enIntake := ts.client(t), ts.client(t)
	long := func(form url.Values, field string, n int) url.Values {
		form.Set(field, strings.Repeat("ø", n))
		return form
	}
	pages := []struct {
		name     string
		c        *client
		page, to string
		form     url.Values
		want     *regexp.Regexp
	}{
		{"one door, Bokmål", nbIntake, "/enquiry?lang=nb", "/enquiry?lang=nb", long(intakeForm("nb"), "description", 4001), nb(`4.?000`)},
		{"one door, English", enIntake, "/enquiry?lang=en", "/enquiry?lang=en", long(intakeForm("en"), "description", 4001), en(`4,000`)},
		{"board's comment", board, "/referrals/" + referral, "/referrals/" + referral + "/comments", long(url.Values{}, "comment", 2001), nb(`2.?000`)},
		{"API key's name", coord, "/profile", "/profile/tokens", long(url.Values{"days": {"30"}}, "name", 101), nb(`100`)},
	}
	for _, tc := range pages {
		tc.c.get(tc.page)
		res, body := tc.c.post(tc.to, tc.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !tc.want.MatchString(body) {
			t.Errorf("%s: POST %s = %d; want 422 saying %s\n%s", tc.name, tc.to, res.StatusCode, tc.want, fieldError(body))
		}
	}
	code, out := ts.api(t, ts.token(t, models.RoleAdmin), http.MethodPost, "/api/v1/partners", `{"name": "`+strings.Repeat("x", 201)+`", "kind": "national"}`)
	errObj, _ := out["error"].(map[string]any)
	fields, _ := errObj["fields"].(map[string]any)
	if got, _ := fields["name"].(string); code != http.StatusUnprocessableEntity || !nb(`200`).MatchString(got) {
		t.Errorf("API partner with a 201-character name = %d, name: %q; want 422 saying the limit of 200", code, got)
	}
}
