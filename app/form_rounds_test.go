package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samspill/models"
)

// TestMunicipalityFormOneRound posts the municipality page's form with more
// than one field wrong: every error shows in the first answer, even when the
// business FTE does not parse, and nothing is saved.
func TestMunicipalityFormOneRound(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	const path = "/admin/municipalities/3403"
	state := func(t *testing.T) string {
		m, err := ts.store.Municipality(ctx, "3403")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.Organisation, m.BusinessFTE, m.Version, m.UpdatedAt)
	}
	hamar, err := ts.store.Municipality(ctx, "3403")
	if err != nil {
		t.Fatal(err)
	}
	version := itoa(int64(hamar.Version))

	tests := []struct {
		name string
		fte  string
		want []string // the business FTE's error, in Norwegian
	}{
		{"FTE that does not parse", "mye", []string{"Skriv et tall."}},
		{"FTE out of range", "5000", []string{"Skriv antall årsverk mellom 0 og 1000."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.client(t)
			c.login(demoEmail(models.RoleAdmin), models.DemoPassword)
			if res, _ := c.get(path); res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", path, res.StatusCode)
			}
			before, audit := state(t), auditCount(t, ts)

			// "nonsense" is none of models.Organisations.
			res, body := c.post(path, url.Values{"organisation": {"nonsense"}, "business_fte": {tt.fte}, "version": {version}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("POST %s = %d; want 422\n%s", path, res.StatusCode, body)
			}
			for _, want := range append([]string{`id="f-organisation-error"`, `id="f-business_fte-error"`, "Velg et av alternativene."}, tt.want...) {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q: both fields' errors must show in one round", want)
				}
			}
			var links []string
			for _, m := range summaryLink.FindAllStringSubmatch(errorSummary(body), -1) {
				links = append(links, m[1])
			}
			if got, want := strings.Join(links, " "), "#f-organisation #f-business_fte"; got != want {
				t.Errorf("the error summary links to %q; want %q", got, want)
			}
			if !strings.Contains(body, `value="`+tt.fte+`"`) {
				t.Errorf("the FTE field lost what was typed (%q)", tt.fte)
			}
			if after := state(t); after != before {
				t.Errorf("a refused form changed the municipality:\nbefore %s\nafter  %s", before, after)
			}
			if after := auditCount(t, ts); after != audit {
				t.Errorf("a refused form wrote %d audit entries", after-audit)
			}
		})
	}
}
