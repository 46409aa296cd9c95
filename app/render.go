package app

import (
	"time"

	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

// Render lets Echo render our templates, with numbers written as the page's
// language writes them.
func (s *Server) Render(w io.Writer, name string, data any, _ echo.Context) error {
	lang := "nb"
	if p, ok := data.(interface{ language() string }); ok {
		lang = p.language()
	}
	return s.views.Execute(w, lang, name, data)
}

// page is what the base layout needs; every page's data embeds it.
type page struct {
	Title     string
	Lang      string
	Viewer    *models.Viewer
	Regions   []models.Region // for the region switcher
	CSRF      string
	Flash     string
	Path      string
	Here      string // where the header's small forms return to (see here)
	Nav       []navItem
	Languages []string
	Errors    map[string]string // field → translated message
	Status    int               // on error pages
	Message   string            // on error pages
	Typed     []string          // on the page of a form refused unsaved: what was typed in it, to copy
	Back      string            // on the page of a form refused unsaved: the page of this site it was sent from, or ""
	Dir       string            // "rtl" for Arabic, else "ltr"
	Public    bool              // a page of the one door: no menu, its own language list
	Differs   []string          // on a form refused as stale, what was typed kept: the labels of the fields that differ from the record now
	loc       *views.Localizer
	// staleButton is, on a form refused as stale, the label of its button,
	// which its message says to press again (staleKept).
	staleButton string
}

type navItem struct {
	Href, Label string
	Current     bool
}

// T translates a message ID; pairs of key and value fill its placeholders.
func (p page) T(id string, kv ...any) string {
	if len(kv) == 0 {
		return p.loc.T(id)
	}
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			data[k] = kv[i+1]
		}
	}
	return p.loc.T(id, data)
}

// language is the page's language, which every page data embedding page has.
func (p page) language() string { return p.Lang }

// Err is the translated error of one form field, or "".
func (p page) Err(field string) string { return p.Errors[field] }

// Problems lists a hand-drawn form's errors for its error summary, in the
// order given: pairs of an error's key and its field's label (a message ID).
// A key may name the element to jump to after a #, as "kind#kind-error" for a
// group of radios; otherwise it is the field "f-"+key. Keys with no error are
// left out, so an empty list means nothing named here went wrong.
func (p page) Problems(pairs ...string) problems {
	out := problems{Title: p.T("error.invalid")}
	for i := 0; i+1 < len(pairs); i += 2 {
		key, anchor, _ := strings.Cut(pairs[i], "#")
		if anchor == "" {
			anchor = key
		}
		if msg := p.Errors[key]; msg != "" {
			out.Fields = append(out.Fields, views.Field{Name: anchor, Label: p.T(pairs[i+1]), Error: msg})
		}
	}
	return out
}

// problems is an error summary with its title: what the "problems" partial draws.
type problems struct {
	Title  string
	Fields []views.Field
	// Href, when set, is a way out that no field offers (the first page of a
	// list asked for a page it cannot read), and HrefLabel its words.
	Href, HrefLabel string
}

// HasErrors reports whether the form had any error.
func (p page) HasErrors() bool { return len(p.Errors) > 0 }

// Is reports whether the viewer holds role in the current region.
func (p page) Is(role string) bool { return p.Viewer.Has(role) }

// localizer picks the language: the viewer's choice this session, else their
// profile, else Bokmål.
func (s *Server) localizer(c echo.Context) *views.Localizer {
	lang := s.sessionString(c, sessLang)
	if lang == "" {
		if v := viewer(c); v != nil {
			lang = v.User.Language
		}
	}
	return s.views.Localizer(lang)
}

// numbers is how the request's language writes numbers: the page's, and its
// form fields' as they are pre-filled and read back.
func (s *Server) numbers(c echo.Context) views.Numbers { return s.localizer(c).Numbers() }

// page builds the layout data for the current request.
func (s *Server) page(c echo.Context, titleID string) page {
	loc := s.localizer(c)
	p := page{
		Title:     loc.T(titleID),
		Lang:      loc.Lang,
		Dir:       "ltr",
		Viewer:    viewer(c),
		Path:      c.Request().URL.Path,
		Here:      here(c.Request()),
		Languages: views.Languages,
		loc:       loc,
	}
	p.Differs, p.staleButton = staleDiffers(c, loc), staleButton(c, loc)
	if c.Get(ctxSession) != nil {
		p.CSRF = s.csrfToken(c)
		p.Flash = s.sessions.PopString(c.Request().Context(), sessFlash)
	}
	if p.Viewer != nil {
		if rs, ok := c.Get(ctxRegions).([]models.Region); ok {
			p.Regions = rs // as the middleware read them for this request
		} else {
			p.Regions, _ = s.store.RegionsVisibleTo(c.Request().Context(), p.Viewer)
		}
		p.Nav = s.nav(p)
	}
	return p
}

// here is the page a small form on this one (the language switch, revoking a
// key) returns to: this page, or, for a page answered to a form sent (a
// refused form shown again), the page the form was on, as its Referer says:
// the address a form is posted to only takes posts. Failing both, the start.
func here(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.Path
	}
	if from := refererPath(r); from != "" && from != r.URL.Path {
		return from
	}
	return "/"
}

// withErrors translates a ValidationError's fields into the page, with what
// a field's message names (ValidationError.Data), if given.
func (p page) withErrors(fields map[string]string, data ...map[string]map[string]any) page {
	if p.staleButton != "" {
		// The form's message names its button, beside what data gives it.
		form := map[string]any{"Button": p.staleButton}
		for _, d := range data {
			if values, ok := d["form"]; ok {
				maps.Copy(form, values)
				break
			}
		}
		data = append([]map[string]map[string]any{{"form": form}}, data...)
	}
	p.Errors = map[string]string{}
	for k, id := range fields {
		p.Errors[k] = translateField(p.loc, k, id, data...)
	}
	return p
}

// translateField translates field's message id, filling in what data holds
// for the field (see ValidationError.Data): times as dates, a list of names
// each quoted as the language quotes, one after the other.
func translateField(loc *views.Localizer, field, id string, data ...map[string]map[string]any) string {
	for _, d := range data {
		if values, ok := d[field]; ok {
			filled := map[string]any{}
			for k, v := range values {
				switch x := v.(type) {
				case time.Time:
					v = x.In(views.Oslo).Format("02.01.2006")
				case []string:
					quoted := make([]string, len(x))
					for i, name := range x {
						quoted[i] = loc.T("common.quoted", map[string]any{"Text": name})
					}
					v = strings.Join(quoted, ", ")
				}
				filled[k] = v
			}
			return loc.T(id, filled)
		}
	}
	return loc.T(id)
}

// nav is the navigation the viewer's roles give.
func (s *Server) nav(p page) []navItem {
	v := p.Viewer
	items := []struct {
		href, label, obj, act string
	}{
		{"/dashboard", "nav.dashboard", policies.Dashboard, policies.Read},
		{"/enquiries", "nav.enquiries", policies.Enquiry, policies.Read},
		{"/statistics", "nav.statistics", policies.Statistics, policies.Read},
		{"/referrals", "nav.referrals", policies.Referral, policies.Read},
		{"/reports/referrals", "nav.report", policies.Report, policies.Read},
		{"/cooperation", "nav.cooperation", policies.Cooperation, policies.Read},
		{"/projects", "nav.projects", policies.Project, policies.Read},
		{"/portfolio", "nav.portfolio", policies.Portfolio, policies.Read},
		{"/assessments", "nav.assessments", policies.Assessment, policies.Read},
		{"/load", "nav.load", policies.Load, policies.Read},
		{"/admin/regions", "nav.regions", policies.Region, policies.Update},
		{"/admin/users", "nav.users", policies.User, policies.Read},
		{"/admin/municipalities", "nav.municipalities", policies.Municipality, policies.Update},
		{"/admin/partners", "nav.partners", policies.Partner, policies.Update},
		{"/admin/factors", "nav.factors", policies.Factor, policies.Create},
		{"/admin/audit", "nav.audit", policies.Audit, policies.Read},
		{"/admin/privacy", "nav.privacy", policies.Privacy, policies.Manage},
		{"/profile", "nav.profile", policies.Profile, policies.Update},
	}
	var out []navItem
	for _, it := range items {
		if s.allowed(v, it.obj, it.act) {
			out = append(out, navItem{Href: it.href, Label: p.T(it.label), Current: p.Path == it.href || (it.href != "/dashboard" && len(p.Path) > len(it.href) && p.Path[:len(it.href)+1] == it.href+"/")})
		}
	}
	return out
}

// flash stores a one-time message shown on the next page.
func (s *Server) flash(c echo.Context, messageID string, data ...map[string]any) {
	s.sessions.Put(c.Request().Context(), sessFlash, s.localizer(c).T(messageID, data...))
}

// redirect answers a successful form post: 303 to a page that can be reloaded.
func redirect(c echo.Context, path string) error { return c.Redirect(http.StatusSeeOther, path) }

// pathID parses a numeric path parameter; a malformed one is simply not found.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// pageParam reads ?page= and ?limit= leniently, a value it cannot read as
// the first page or the default size: for the project page, whose list of
// assessments is one part of it and not a reason to refuse the page. A list
// page reads them with listQuery.page, which refuses such a value.
func pageParam(c echo.Context) models.Page {
	n, _ := strconv.Atoi(c.QueryParam("page"))
	size, _ := strconv.Atoi(c.QueryParam("limit"))
	return models.Page{Number: max(n, 1), Size: size}
}

// pager is what the pagination partial draws.
type pager struct {
	Page, Pages                     int
	Total                           int64
	Prev, Next                      string
	Label, PrevLabel, NextLabel, Of string
	// PastEnd is a page after the last of a list that has rows: the page
	// says so and links the last, instead of calling the list empty.
	PastEnd       bool
	PastEndText   string
	LastPageLabel string
}

// pager links the previous and next pages, keeping the other query parameters.
func (s *Server) pager(c echo.Context, pg models.Page, total int64) pager {
	return s.pagerAt(c, c.Request().URL.Path, pg, total)
}

// pagerAt is pager for a list on the page at path, which a form's answer
// (a POST elsewhere) shows again.
func (s *Server) pagerAt(c echo.Context, path string, pg models.Page, total int64) pager {
	loc := s.localizer(c)
	size := pg.Limit()
	pages := int((total + int64(size) - 1) / int64(size))
	p := pager{Page: max(pg.Number, 1), Pages: max(pages, 1), Total: total,
		Label: loc.T("layout.pagination"), PrevLabel: loc.T("layout.previous_page"), NextLabel: loc.T("layout.next_page")}
	link := func(n int) string {
		q := url.Values{}
		for k, v := range c.QueryParams() {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(n))
		return path + "?" + q.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(min(p.Page-1, p.Pages))
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	if total > 0 && p.Page > p.Pages {
		p.PastEnd = true
		p.PastEndText = loc.T("layout.past_end", map[string]any{"Count": p.Pages})
		p.LastPageLabel = loc.T("layout.last_page")
	}
	return p
}
