package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"samspill/models"
)

// pageSelect is a <select> as drawn: its name, whether it belongs to a form
// sent by GET (a filter, which the query chooses), and its options.
type pageSelect struct {
	name     string
	filter   bool
	values   []string
	selected []string
}

// pageSelects reads every <select> of a page.
func pageSelects(t *testing.T, body string) []pageSelect {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var out []pageSelect
	var walk func(n *html.Node, getForm bool)
	walk = func(n *html.Node, getForm bool) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Form {
			m, _ := attr(n, "method")
			getForm = m == "" || strings.EqualFold(m, "get")
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Select {
			name, _ := attr(n, "name")
			sel := pageSelect{name: name, filter: getForm}
			var options func(*html.Node)
			options = func(o *html.Node) {
				if o.Type == html.ElementNode && o.DataAtom == atom.Option {
					v, _ := attr(o, "value")
					sel.values = append(sel.values, v)
					if _, ok := attr(o, "selected"); ok {
						sel.selected = append(sel.selected, v)
					}
				}
				for c := o.FirstChild; c != nil; c = c.NextSibling {
					options(c)
				}
			}
			options(n)
			out = append(out, sel)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, getForm)
		}
	}
	walk(doc, false)
	return out
}

// Every select of a list page marks at most one option selected, also with
// each of its filters chosen, and that one is the value chosen. Before, the
// inbox's region filter (an admin's) marked both "All" and the region chosen,
// and so did its municipality and adviser filters and the referrals' partner
// filter: a browser shows the last, but the page said two things.
func TestListSelectsMarkOneChoice(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pages := []string{"/dashboard", "/enquiries", "/referrals", "/reports/referrals", "/statistics", "/projects", "/portfolio",
		"/assessments", "/assessments/trend", "/assessments/heatmap", "/assessments/compare", "/load", "/cooperation",
		"/admin/regions", "/admin/municipalities", "/admin/partners", "/admin/audit", "/admin/users", "/admin/factors"}
	for _, role := range []string{models.RoleAdmin, models.RoleCoordinator} {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			c := ts.client(t)
			c.login(demoEmail(role), models.DemoPassword)
			check := func(path string) []pageSelect {
				t.Helper()
				res, body := c.get(path)
				if res.StatusCode != http.StatusOK {
					return nil // not this role's page, or a filter it refuses
				}
				selects := pageSelects(t, body)
				for _, s := range selects {
					if len(s.selected) > 1 {
						t.Errorf("GET %s as %s: <select name=%q> marks %d options selected: %q; want at most one", path, role, s.name, len(s.selected), s.selected)
					}
				}
				return selects
			}
			tried := map[string]bool{}
			for _, path := range pages {
				for _, s := range check(path) {
					if !s.filter || s.name == "" {
						continue
					}
					// Choose each filter in turn: its last option, which is never the blank "all".
					chosen := s.values[len(s.values)-1]
					if chosen == "" {
						continue
					}
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					q := path + sep + url.Values{s.name: {chosen}}.Encode()
					tried[q] = true
					for _, after := range check(q) {
						if after.name == s.name && after.filter && len(after.selected) == 1 && after.selected[0] != chosen {
							t.Errorf("GET %s as %s: %s selects %q; want %q", q, role, s.name, after.selected[0], chosen)
						}
					}
				}
			}
			if len(tried) < 15 { // the inbox's filters alone are nine
				t.Errorf("as %s, %d filters chosen on the list pages: %v; want 15 or more", role, len(tried), tried)
			}
		})
	}
}
