package cli

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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
	"/enquiries/:id": func(ctx context.Context, s *models.Store) (string, error) {
		r, err := demoReferral(ctx, s) // the demo enquiry with the most on its case page: activity and a referral
		if err != nil {
			return "", err
		}
		return "/enquiries/" + strconv.FormatInt(r.EnquiryID, 10), nil
	},
	"/referrals/:id": func(ctx context.Context, s *models.Store) (string, error) {
		r, err := demoReferral(ctx, s)
		if err != nil {
			return "", err
		}
		return "/referrals/" + strconv.FormatInt(r.ID, 10), nil
	},
	"/r/:token": func(ctx context.Context, s *models.Store) (string, error) {
		r, err := demoReferral(ctx, s)
		if err != nil {
			return "", err
		}
		v, err := demoViewer(ctx, s, demoEmail(models.RoleAdviser))
		if err != nil {
			return "", err
		}
		token, err := s.CreateReferralLink(ctx, v, models.Actor{UserID: v.User.ID, RegionID: v.Region.ID, RequestID: "e2e"}, r.ID, 24*time.Hour)
		return "/r/" + token, err
	},
	"/projects/:id": func(ctx context.Context, s *models.Store) (string, error) {
		return demoProjectPath(ctx, s, "")
	},
	"/projects/:id/edit": func(ctx context.Context, s *models.Store) (string, error) {
		return demoProjectPath(ctx, s, "/edit")
	},
	"/projects/:id/assessments/new": func(ctx context.Context, s *models.Store) (string, error) {
		return demoProjectPath(ctx, s, "/assessments/new")
	},
	"/assessments/:id": func(ctx context.Context, s *models.Store) (string, error) {
		v, err := demoViewer(ctx, s, demoEmail(models.RoleCoordinator))
		if err != nil {
			return "", err
		}
		as, _, err := s.Assessments(ctx, v, models.AssessmentFilter{RegionID: v.Region.ID, AllProjects: true})
		if err != nil {
			return "", err
		}
		if len(as) == 0 {
			return "", errors.New("the demo data has no project assessments")
		}
		return "/assessments/" + strconv.FormatInt(as[0].ID, 10), nil
	},
}

// demoViewer is the demo user with this e-mail address in the demo region.
func demoViewer(ctx context.Context, s *models.Store, email string) (*models.Viewer, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	r, err := s.RegionBySlug(ctx, models.DemoRegionSlug)
	if err != nil {
		return nil, err
	}
	return &models.Viewer{User: u, Region: r}, nil
}

// demoReferral is the demo data's referral to Innovasjon Norge, sent and open.
func demoReferral(ctx context.Context, s *models.Store) (*models.Referral, error) {
	v, err := demoViewer(ctx, s, demoEmail(models.RoleAdviser))
	if err != nil {
		return nil, err
	}
	rs, _, err := s.Referrals(ctx, v, models.ReferralFilter{Open: true})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errors.New("the demo data has no open referral")
	}
	return &rs[0], nil
}

// demoProjectPath is a path under the demo project that every municipality of
// the demo region takes part in, so that every role with access sees it.
func demoProjectPath(ctx context.Context, s *models.Store, under string) (string, error) {
	v, err := demoViewer(ctx, s, demoEmail(models.RoleCoordinator))
	if err != nil {
		return "", err
	}
	ps, _, err := s.Projects(ctx, v, models.ProjectFilter{Q: "Felles førstelinje"})
	if err != nil {
		return "", err
	}
	if len(ps) == 0 {
		return "", errors.New("the demo data has no project «Felles førstelinje for næringslivet»")
	}
	return "/projects/" + strconv.FormatInt(ps[0].ID, 10) + under, nil
}

// demoClosedProjectPath is the page of the demo's completed project, which
// every municipality of the demo region takes part in.
func demoClosedProjectPath(ctx context.Context, s *models.Store) (string, error) {
	v, err := demoViewer(ctx, s, demoEmail(models.RoleCoordinator))
	if err != nil {
		return "", err
	}
	ps, _, err := s.Projects(ctx, v, models.ProjectFilter{Status: "completed"})
	if err != nil {
		return "", err
	}
	if len(ps) == 0 {
		return "", errors.New("the demo data has no completed project")
	}
	return "/projects/" + strconv.FormatInt(ps[0].ID, 10), nil
}

// demoClosedEnquiryPath is the page of the demo's closed case, which the
// adviser closed as established.
func demoClosedEnquiryPath(ctx context.Context, s *models.Store) (string, error) {
	v, err := demoViewer(ctx, s, demoEmail(models.RoleAdviser))
	if err != nil {
		return "", err
	}
	es, _, err := s.Enquiries(ctx, v, models.EnquiryFilter{Tab: "all", Status: "closed"})
	if err != nil {
		return "", err
	}
	if len(es) == 0 {
		return "", errors.New("the demo data has no closed enquiry")
	}
	return "/enquiries/" + strconv.FormatInt(es[0].ID, 10), nil
}

// demoRelatedEnquiry sends through the one door a second enquiry from the
// person of the demo case the sweep shows (demoReferral's), with the same
// e-mail and phone, so that the case page's section of related enquiries is
// drawn and checked. The demo data itself keeps no such pair.
func demoRelatedEnquiry(ctx context.Context, s *models.Store) error {
	r, err := demoReferral(ctx, s)
	if err != nil {
		return err
	}
	v, err := demoViewer(ctx, s, demoEmail(models.RoleAdviser))
	if err != nil {
		return err
	}
	c, err := s.Enquiry(ctx, v, r.EnquiryID)
	if err != nil {
		return err
	}
	_, err = s.CreateEnquiry(ctx, nil, models.Actor{}, models.NewEnquiry{Channel: "web",
		Input: models.EnquiryInput{Kommunenummer: c.Kommunenummer, EnquirerKind: c.EnquirerKind, Needs: []string{"financing"},
			Description: "Følger opp forrige henvendelse", Name: c.Name, Email: c.Email, Phone: c.Phone, OrgNumber: c.OrgNumber, Language: "nb"},
		Consent: models.ConsentInput{Store: true, StoreText: "Lagre", Version: "2026-1", Language: "nb"}})
	return err
}

// isPage tells the routes that answer a page for people: GET, and neither the
// JSON API, static files, downloads (CSV, Excel) nor the health check.
func isPage(r app.Route) bool {
	return r.Method == http.MethodGet && !strings.HasPrefix(r.Path, "/api/") &&
		!strings.HasPrefix(r.Path, "/static/") && r.Path != "/healthz" &&
		!strings.HasSuffix(r.Path, ".csv") && !strings.HasSuffix(r.Path, ".xlsx")
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
	// A closed project's page differs from an open one's: no edit links, the
	// reopen form. The demo's completed project shows it.
	closed, err := demoClosedProjectPath(context.Background(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	// So does a closed case's: its fields shown, not edited; the reopen form.
	closedCase, err := demoClosedEnquiryPath(context.Background(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	// A case whose person came before lists their other enquiries. No two
	// demo enquiries share a person, so the demo case's person writes again.
	if err := demoRelatedEnquiry(context.Background(), e.store); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, closed, closedCase, "/finnes-ikke")
	// SAMSPILL_E2E_PAGES=/portfolio,/enquiries/ narrows the sweep to the pages
	// whose paths begin so, while working on them.
	if only := os.Getenv("SAMSPILL_E2E_PAGES"); only != "" {
		paths = slices.DeleteFunc(paths, func(p string) bool {
			return !slices.ContainsFunc(strings.Split(only, ","), func(prefix string) bool { return strings.HasPrefix(p, prefix) })
		})
	}
	return paths
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
// see is checked as what that role gets: the log-in page or the error page. The
// one door is checked in each of its languages.
//
// Many pages look the same to several roles: the error pages, the one door, the
// lists that offer no role anything more. A page is checked when its <main> or
// its frame (skip link, header, footer) is one the sweep has not checked yet;
// when both have been checked, on other pages, it is not checked again.
//
// With SAMSPILL_E2E_SCREENSHOTS=1 it also saves a screenshot of every page it
// checks under test-artifacts/pages/, to look through by eye.
func TestAccessibilitySweep(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	paths := e.pagePaths(t)
	seen := &seenParts{seen: map[[32]byte]bool{}}
	for _, role := range append([]string{""}, models.Roles...) {
		name := role
		if name == "" {
			name = "anonymous"
		}
		for _, lang := range views.Languages {
			t.Run(name+" "+lang, func(t *testing.T) {
				t.Parallel()
				v := e.visitor(t, name+"-"+lang)
				if role != "" {
					v.loginDemo(role)
				}
				// The session's own choice of language, chosen here even when the
				// page is in it already: without one, a session follows the user's
				// stored preference, which the same user's subtest in the other
				// language changes.
				v.open("/login")
				if eval[string](v, `document.documentElement.lang`) == lang {
					v.switchLanguage(views.Languages[(slices.Index(views.Languages, lang)+1)%len(views.Languages)])
				}
				v.switchLanguage(lang)
				checked := 0
				for _, p := range paths {
					switch {
					case p == "/enquiry": // the one door takes its language from the address, not the session
						p += "?lang=" + lang
					case strings.HasPrefix(p, "/r/") && lang != "nb":
						continue // a one-time link's page answers without a session, in Bokmål
					}
					status := v.open(p)
					if status >= 500 || status == 0 {
						v.errorf("GET %s as %s answered %d", p, name, status)
						continue
					}
					if !seen.firstOf(call[[]string](v, pagePartsJS)) {
						continue
					}
					checked++
					v.checkSkipLink()
					v.checkPage(lang)
					v.screenshot(p)
				}
				t.Logf("%s, %s: checked %d pages", name, lang, checked)
			})
		}
	}
	// The one door in the languages only it has; Bokmål and English are above.
	t.Run("one door", func(t *testing.T) {
		t.Parallel()
		v := e.visitor(t, "one-door")
		for _, lang := range views.PublicLanguages {
			if slices.Contains(views.Languages, lang) {
				continue
			}
			v.open("/enquiry?lang=" + lang)
			v.checkSkipLink()
			v.checkPage(lang)
			v.screenshot(lang + " /enquiry")
		}
	})
}

// pagePartsJS returns the two parts of a page the sweep tells apart: its frame
// (what stands outside <main>) and its <main>, without what changes from
// request to request or page to page and shows nowhere (hidden fields: the
// CSRF token, the address to return to; the address to return to after
// logging in), and which navigation item is current.
const pagePartsJS = `() => {
	const strip = el => {
		const c = el.cloneNode(true);
		c.querySelectorAll('input[type=hidden]').forEach(i => i.remove());
		c.querySelectorAll('a[href*="next="]').forEach(a => a.setAttribute('href', a.getAttribute('href').replace(/next=[^&]*/, 'next=')));
		c.querySelectorAll('[aria-current]').forEach(i => i.removeAttribute('aria-current'));
		return c.outerHTML;
	};
	const main = document.querySelector('main');
	const frame = [...document.body.children].filter(el => el !== main);
	return [document.documentElement.lang + frame.map(strip).join(''), main ? strip(main) : ''];
}`

// seenParts remembers the parts of the pages the sweep has checked, across its
// subtests.
type seenParts struct {
	mu   sync.Mutex
	seen map[[32]byte]bool
}

// firstOf reports whether any of the parts is new, and marks them all seen.
func (s *seenParts) firstOf(parts []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := false
	for i, p := range parts {
		h := sha256.Sum256([]byte(strconv.Itoa(i) + ":" + p))
		if !s.seen[h] {
			s.seen[h] = true
			fresh = true
		}
	}
	return fresh
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
