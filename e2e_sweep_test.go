package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"samspill/app"
	"samspill/models"
	"samspill/views"
)

// demoPaths fill the parameters of page routes with the demo data's ids. A new
// page whose path has a parameter needs a line here: the sweep fails until it
// has one, so that no page goes unchecked.
var demoPaths = map[string]func(ctx context.Context, s *models.Store) (string, error){
	"/admin/regions/:id": func(ctx context.Context, s *models.Store) (string, error) {
		r, err := s.RegionBySlug(ctx, models.DemoRegionSlug)
		if err != nil {
			return "", err
		}
		return "/admin/regions/" + strconv.FormatInt(r.ID, 10), nil
	},
	"/admin/municipalities/:kommunenummer": func(context.Context, *models.Store) (string, error) {
		return "/admin/municipalities/3412", nil // Løten, a member of the demo region
	},
	"/admin/partners/:id": func(ctx context.Context, s *models.Store) (string, error) {
		p, err := s.PartnerByName(ctx, "Innovasjon Norge")
		if err != nil {
			return "", err
		}
		return "/admin/partners/" + strconv.FormatInt(p.ID, 10), nil
	},
	"/admin/users/:id": func(ctx context.Context, s *models.Store) (string, error) {
		u, err := s.UserByEmail(ctx, demoEmail(models.RoleAdviser))
		if err != nil {
			return "", err
		}
		return "/admin/users/" + strconv.FormatInt(u.ID, 10), nil
	},
}

// isPage tells the routes that answer a page for people: GET, and neither the
// JSON API, static files nor the health check.
func isPage(r app.Route) bool {
	return r.Method == http.MethodGet && !strings.HasPrefix(r.Path, "/api/") &&
		!strings.HasPrefix(r.Path, "/static/") && r.Path != "/healthz"
}

// pagePaths lists a path for every page of the route table, with demo ids for
// its parameters, and a path no route answers, for the "not found" page.
func (e *e2e) pagePaths(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, r := range app.Routes() {
		if !isPage(r) {
			continue
		}
		if !strings.ContainsAny(r.Path, ":*") {
			paths = append(paths, r.Path)
			continue
		}
		if _, ok := demoPaths[r.Path]; !ok {
			t.Errorf("the sweep does not know which demo record to show for GET %s: add it to demoPaths in e2e_sweep_test.go", r.Path)
			continue
		}
		paths = append(paths, demoPath(t, e, r.Path))
	}
	return append(paths, "/finnes-ikke")
}

// demoPath is the path of a route of the route table with its parameters
// filled from the demo data, as demoPaths says.
func demoPath(t *testing.T, e *e2e, route string) string {
	t.Helper()
	fill, ok := demoPaths[route]
	if !ok {
		t.Fatalf("no demo path for %s in demoPaths", route)
	}
	p, err := fill(context.Background(), e.store)
	if err != nil {
		t.Fatalf("demo path for %s: %v", route, err)
	}
	return p
}

// TestAccessibilitySweep opens every page of the route table in Bokmål and in
// English, anonymously and as the demo user of every role, and checks each page
// it lands on: axe-core's WCAG 2.0/2.1 A and AA rules with zero violations, and
// the checks axe cannot make (checkPage, checkSkipLink). A page a role may not
// see is checked as what that role gets: the log-in page or the error page.
//
// With SAMSPILL_E2E_SCREENSHOTS=1 it also saves a screenshot of every page it
// checks under test-artifacts/pages/, to look through by eye.
func TestAccessibilitySweep(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	paths := e.pagePaths(t)
	for _, role := range append([]string{""}, models.Roles...) {
		name := role
		if name == "" {
			name = "anonymous"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := e.visitor(t, name)
			if role != "" {
				v.loginDemo(role)
			}
			for _, lang := range views.Languages {
				if lang != "nb" {
					v.open("/login")
					v.switchLanguage(lang)
				}
				checked := map[string]bool{}
				for _, p := range paths {
					status := v.open(p)
					if status >= 500 || status == 0 {
						v.errorf("GET %s as %s answered %d", p, name, status)
						continue
					}
					// Pages that send this viewer elsewhere, or refuse them, are checked once.
					page := p
					switch landed := strings.SplitN(v.path(), "?", 2)[0]; {
					case status == http.StatusForbidden || status == http.StatusNotFound:
						page = "status " + strconv.Itoa(status)
					case landed != strings.SplitN(p, "?", 2)[0]:
						page = landed
					}
					if checked[page] {
						continue
					}
					checked[page] = true
					v.checkSkipLink()
					v.checkPage(lang)
					v.screenshot(lang + " " + page)
				}
				t.Logf("%s, %s: checked %d pages", name, lang, len(checked))
			}
		})
	}
}

// switchLanguage presses the language switch in the header.
func (v *visitor) switchLanguage(lang string) {
	v.t.Helper()
	label := map[string]string{"nb": "Norsk (bokmål)", "en": "English"}[lang]
	v.press(label)
	if got := eval[string](v, `document.documentElement.lang`); got != lang {
		v.fatalf("after pressing %q the page is in %q", label, got)
	}
}

// screenshot saves the page for review when SAMSPILL_E2E_SCREENSHOTS is set.
func (v *visitor) screenshot(name string) {
	v.t.Helper()
	if os.Getenv("SAMSPILL_E2E_SCREENSHOTS") == "" {
		return
	}
	png := run1(v, "screenshot", chromedp.FullScreenshot(100))
	dir, err := artifacts()
	if err == nil {
		dir = filepath.Join(dir, "pages")
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		v.t.Fatal(err)
	}
	file := v.name + "-" + strings.NewReplacer("/", "_", "?", "_").Replace(name) + ".png"
	if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
		v.t.Fatal(err)
	}
}
