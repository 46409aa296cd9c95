package app

import (
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

// enquiryTabs are the inbox's tabs, as its links name them.
var enquiryTabs = []string{"all", "new", "mine", "waiting", "overdue", "open"}

// parseFilter reads the inbox's filters from the query, noting in q each
// value it cannot use; the sort comes from an allowlist in models.
func parseFilter(c echo.Context, q *listQuery) models.EnquiryFilter {
	f := models.EnquiryFilter{Tab: q.code("tab", enquiryTabs), Status: q.code("status", models.EnquiryStatuses),
		Municipality: q.kommunenummer("municipality"), Channel: q.code("channel", models.Channels),
		Need: q.code("need", models.Needs), Kind: q.code("enquirer_kind", models.EnquirerKinds), Stage: q.code("stage", models.Stages),
		Q: q.text("q"), Sort: q.code("sort", slices.Collect(maps.Keys(models.EnquirySorts))),
		Overdue: q.flag("overdue"), Queue: q.flag("queue"), AssignedTo: q.id("assigned_to"), Page: q.page()}
	f.From, f.To = q.period("from", "to")
	// Only an admin's inbox holds several regions; anyone else's is their
	// region's, and a link naming another (a tab left open across a region
	// switch) must not empty it unexplained.
	if region := q.id("region"); viewer(c) != nil && viewer(c).IsAdmin() {
		f.Region = region
	}
	return f
}

// exportQuery is the request's filters for the export links, the page
// number left out (an export holds every page).
func exportQuery(c echo.Context) template.URL {
	q := url.Values{}
	for k, v := range c.QueryParams() {
		if k != "page" {
			q[k] = v
		}
	}
	return template.URL(q.Encode())
}

// filtered reports whether the inbox is narrowed by anything but its order
// and page.
func filtered(f models.EnquiryFilter) bool {
	f.Sort, f.Page = "", models.Page{}
	return f != models.EnquiryFilter{}
}

type inboxPage struct {
	page
	List   []inboxRow
	Filter models.EnquiryFilter
	// Query is the inbox's filters as a query string, for the export links:
	// encoded here, and a URL part the page must not escape again (escaped,
	// it was one unknown parameter, and the exports held every enquiry).
	Query template.URL
	// ExportLimit is the most enquiries an export holds, said on the page
	// when the selection is larger.
	ExportLimit int
	Filtered    bool // any filter is set, so an empty list says "none match", not "none yet"
	Pager       pager
	Tabs        []navItem
	Filters     []views.Field
	Search      views.Field
	Sort        views.Field
	Invalid     problems // the filters that cannot be used; the list is not shown
}

// inboxRow is one enquiry of the inbox in the reader's words: its labels
// translated and its dates written out here, so that each of the page's rows
// is a handful of template actions (each costs a reflective call or more).
type inboxRow struct {
	ID                  int64
	Reference, Received string
	Name, BusinessName  string
	Municipality, Needs string
	Status, StatusColor string
	Assignee            string // "" when no adviser has it
	Response            string // when first answered, or by when it must be
	Overdue             bool   // the first response is late
}

// inboxRows writes the inbox's enquiries out for the page.
func inboxRows(p page, list []models.Enquiry, now time.Time) []inboxRow {
	rows := make([]inboxRow, len(list))
	var needs strings.Builder
	for i := range list {
		e := &list[i]
		r := inboxRow{ID: e.ID, Reference: e.Reference, Received: views.FormatDate(e.ReceivedAt), Name: e.Name, BusinessName: e.BusinessName,
			Municipality: e.Municipality.Name, Needs: needWords(p, &needs, e.NeedList()), Status: p.T("status." + e.Status), StatusColor: views.StatusColor(e.Status)}
		if e.Assignee != nil {
			r.Assignee = e.Assignee.Name
		}
		switch {
		case e.FirstResponseAt != nil:
			r.Response = views.FormatDate(*e.FirstResponseAt)
		case e.Status == "closed":
			r.Response = "–"
		default:
			r.Response = p.T("enquiry.due", "Date", views.FormatDate(e.FirstResponseDue))
			r.Overdue = e.Overdue(now)
		}
		rows[i] = r
	}
	return rows
}

// needWords is an enquiry's needs in the reader's words, as the inbox lists
// them, written in b (reused from row to row).
func needWords(p page, b *strings.Builder, needs []string) string {
	b.Reset()
	for j, n := range needs {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.T("need." + n))
	}
	return b.String()
}

// relatedRow is one of the case's other enquiries from the same person or
// business, in the reader's words: the needs as the inbox shows them, and
// what the two share.
type relatedRow struct {
	ID                  int64
	Reference, Received string
	Status, StatusColor string
	Needs, Matched      string
}

// relatedRows writes the case's related enquiries out for the page.
func relatedRows(p page, list []models.RelatedEnquiry) []relatedRow {
	rows := make([]relatedRow, len(list))
	var needs strings.Builder
	for i := range list {
		r := &list[i]
		var matched []string
		for _, m := range []struct {
			on bool
			id string
		}{{r.ByEmail, "enquiry.related_by_email"}, {r.ByPhone, "enquiry.related_by_phone"}, {r.ByOrgNumber, "enquiry.related_by_org_number"}} {
			if m.on {
				matched = append(matched, p.T(m.id))
			}
		}
		rows[i] = relatedRow{ID: r.ID, Reference: r.Reference, Received: views.FormatDate(r.ReceivedAt),
			Status: p.T("status." + r.Status), StatusColor: views.StatusColor(r.Status),
			Needs: needWords(p, &needs, r.NeedList()), Matched: strings.Join(matched, ", ")}
	}
	return rows
}

// listEnquiries is the inbox: tabs, filters, search, sorting and pagination.
func (s *Server) listEnquiries(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "enquiries.title")
	q := newListQuery(c)
	f := parseFilter(c, q)
	var list []models.Enquiry
	var total int64
	if q.err() == nil { // a filter that cannot be used lists nothing, rather than everything
		var err error
		if list, total, err = s.store.Inbox(ctx, p.Viewer, f); err != nil {
			return err
		}
		// The inbox shows names: a view of person data, recorded like any other.
		if err := s.store.RecordView(ctx, actor(c), "enquiry", "list", "page rows="+strconv.Itoa(len(list))); err != nil {
			return err
		}
	}
	var region *int64 // the advisers of the region shown
	switch {
	case f.Region != 0:
		region = &f.Region
	case p.Viewer.Region != nil:
		region = &p.Viewer.Region.ID
	}
	assignees, err := s.store.Assignees(ctx, region)
	if err != nil {
		return err
	}
	// The adviser chosen stays offered (and chosen) when the list is another
	// region's: an admin's filter otherwise dropped it unsaid on the next send.
	if f.AssignedTo != 0 && p.Viewer.IsAdmin() && !slices.ContainsFunc(assignees, func(u models.User) bool { return u.ID == f.AssignedTo }) {
		if u, err := s.store.UserByID(ctx, f.AssignedTo); err == nil {
			assignees = append(assignees, models.User{ID: u.ID, Name: u.Name})
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	// The municipality filter offers the region's members and keeps the one
	// chosen (a former member's enquiries can still be found).
	municipalities, err := s.store.MunicipalityChoices(ctx, region, f.Municipality)
	if err != nil {
		return err
	}
	data := inboxPage{page: p, List: inboxRows(p, list, s.store.Now()), Filter: f, Query: exportQuery(c), Pager: s.pager(c, f.Page, total),
		ExportLimit: s.store.ExportLimit(), Filtered: filtered(f)}
	for _, tab := range []string{"", "new", "mine", "waiting", "overdue"} {
		href := "/enquiries"
		if tab != "" {
			href += "?tab=" + tab
		}
		data.Tabs = append(data.Tabs, navItem{Href: href, Label: p.T("enquiries.tab." + or(tab, "all")), Current: f.Tab == tab})
	}
	m := fieldMaker{loc: p.loc, errs: q.problems}
	mun := m.choice("select", "municipality", "intake.municipality", "", nil, f.Municipality)
	for _, x := range municipalities {
		mun.Options = append(mun.Options, views.Option{Value: x.Kommunenummer, Label: x.Name, Selected: x.Kommunenummer == f.Municipality})
	}
	adviser := m.choice("select", "assigned_to", "enquiry.assigned_to", "", nil, chosenID(f.AssignedTo))
	for _, u := range assignees {
		adviser.Options = append(adviser.Options, views.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name, Selected: u.ID == f.AssignedTo})
	}
	from := m.text("from", "enquiries.from", c.QueryParam("from")).As("date")
	to := m.text("to", "enquiries.to", c.QueryParam("to")).As("date")
	overdue := views.Field{Name: "overdue", Label: p.T("enquiries.overdue_only"), Kind: "checkbox", Checked: f.Overdue}
	data.Filters = []views.Field{
		m.choice("select", "status", "enquiry.status", "status.", models.EnquiryStatuses, f.Status), mun,
		m.choice("select", "channel", "enquiry.channel", "channel.", models.Channels, f.Channel),
		m.choice("select", "need", "enquiry.need", "need.", models.Needs, f.Need),
		m.choice("select", "enquirer_kind", "enquiry.enquirer_kind", "enquirer.", models.EnquirerKinds, f.Kind),
		m.choice("select", "stage", "enquiry.stage", "phase.", models.Stages, f.Stage), adviser, from, to, overdue,
	}
	if p.Viewer.IsAdmin() {
		// An admin's inbox holds every region's enquiries; one region's can be chosen.
		regions, err := s.store.RegionsVisibleTo(ctx, p.Viewer)
		if err != nil {
			return err
		}
		choice := m.choice("select", "region", "enquiries.region", "", nil, chosenID(f.Region))
		for _, r := range regions {
			choice.Options = append(choice.Options, views.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name, Selected: r.ID == f.Region})
		}
		data.Filters = append(data.Filters, choice, views.Field{Name: "queue", Label: p.T("enquiries.queue_only"), Kind: "checkbox", Checked: f.Queue})
	}
	allChoices(p, data.Filters)
	data.Search = m.text("q", "enquiries.search", f.Q).As("search").WithHint(p.T("enquiries.search_hint"))
	data.Sort = m.choice("select", "sort", "enquiries.sort", "sort.", []string{"received_desc", "received_asc", "due_asc", "status", "municipality", "reference"}, f.Sort)
	data.Sort.Options = data.Sort.Options[1:] // a sort is always chosen
	if q.err() != nil {
		data.Invalid = filterProblems(p, q, append([]views.Field{data.Search, data.Sort}, data.Filters...), map[string]string{"tab": "enquiries.tabs", "overdue": "enquiries.overdue_only", "queue": "enquiries.queue_only"})
		return c.Render(q.status(), "enquiries/index", data)
	}
	return c.Render(http.StatusOK, "enquiries/index", data)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type enquiryFormPage struct {
	page
	Form   enquiryForm
	Fields enquiryFields
}

func (s *Server) enquiryFormPage(c echo.Context, titleID string, f enquiryForm, errs map[string]string) (enquiryFormPage, error) {
	p := s.page(c, titleID)
	ms, err := s.store.ServedMunicipalities(c.Request().Context())
	if err != nil {
		return enquiryFormPage{}, err
	}
	sections, err := s.store.IndustrySections(c.Request().Context())
	if err != nil {
		return enquiryFormPage{}, err
	}
	errs = staffErrors(errs)
	if errs != nil {
		p = p.withErrors(errs)
	}
	return enquiryFormPage{page: p, Form: f, Fields: newEnquiryFields(p.loc, f, errs, ms, sections, true)}, nil
}

// newEnquiryForm registers an enquiry from another channel than the web form.
func (s *Server) newEnquiryForm(c echo.Context) error {
	data, err := s.enquiryFormPage(c, "enquiries.new", enquiryForm{Channel: "phone", ConsentStore: false}, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "enquiries/new", data)
}

func (s *Server) createEnquiry(c echo.Context) error {
	f := parseEnquiryForm(c)
	p := s.page(c, "enquiries.new")
	consent := s.consentFor(p.Lang, f.ConsentStore, f.ConsentShare)
	in, errs := f.input()
	n := models.NewEnquiry{Input: in, Consent: consent, Channel: f.Channel}
	var e *models.Enquiry
	var err error
	if len(errs) == 0 {
		e, err = s.store.CreateEnquiry(c.Request().Context(), viewer(c), actor(c), n)
	} else if problems, perr := s.store.NewEnquiryProblems(c.Request().Context(), n); perr != nil {
		return perr
	} else {
		addProblems(errs, problems)
		err = &models.ValidationError{Fields: errs}
	}
	if ve := asValidation(err); ve != nil {
		data, err := s.enquiryFormPage(c, "enquiries.new", f, ve.Fields)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "enquiries/new", data)
	}
	if err != nil {
		return err
	}
	if v := p.Viewer; !v.IsAdmin() && (e.Region == nil || v.Region == nil || e.Region.ID != v.Region.ID) {
		// It went to the region that serves its municipality (or to the admin
		// queue), where this viewer cannot open it: say where, from the inbox.
		if e.Region == nil {
			s.flash(c, "flash.enquiry_created_queue", map[string]any{"Reference": e.Reference})
		} else {
			s.flash(c, "flash.enquiry_created_elsewhere", map[string]any{"Reference": e.Reference, "Region": e.Region.Name})
		}
		return redirect(c, "/enquiries")
	}
	if e.Repeated { // a double click, or sent again: the case registered a moment ago
		s.flash(c, "flash.enquiry_already_registered", map[string]any{"Reference": e.Reference})
	} else {
		s.flash(c, "flash.enquiry_created")
	}
	return redirect(c, "/enquiries/"+strconv.FormatInt(e.ID, 10))
}

// enquiryPage is the whole case: fields, activities, history and the forms that act on it.
type enquiryPage struct {
	page
	Enquiry    *models.Enquiry
	Form       enquiryForm
	Fields     enquiryFields
	Activities []models.Activity
	History    []models.StatusChange
	Audit      []historyLine
	AuditLink  bool // the viewer may read the audit log, where views of the case are
	Consents   []models.Consent
	Withdrawn  *models.Consent // the person's withdrawal of the consent to share, if they withdrew it
	Assignees  []views.Option  // whom the case can be assigned to, its adviser chosen
	Status     string          // the status the status form has chosen: the case's, or in progress to reopen it
	ChoiceKept bool            // a refused assign or status form comes back with the viewer's choice, not the case's
	Differs    []string        // a stale edit kept in the form: the names of the fields where it differs from the case now
	Routes     []views.Option  // the regions an admin can route the case to, its own chosen
	Activity   activityForm
	Close      closeForm
	Referral   referralForm
	Referrals  []models.Referral
	ReferForm  []views.Field
	Overdue    bool
	Minutes    int
	Conflict   bool
	ErrorData  map[string]map[string]any // what the errors' messages name (models.ValidationError.Data)

	// Related are the person's or business's other enquiries the viewer may
	// see, newest first (none: no section). RelatedMore says there are more
	// than the page lists; the inbox's search finds them by the case's
	// e-mail or organisation number (RelatedEmail, RelatedOrgNumber; the
	// inbox cannot search by phone).
	Related                        []relatedRow
	RelatedMore                    bool
	RelatedEmail, RelatedOrgNumber string

	// OpenReferrals and Drafts are the closing form's warnings: how many of
	// the case's referrals are sent and still open (they stay open), and how
	// many drafts must be sent or discarded before it closes.
	OpenReferrals, Drafts int
}

// ErrorSummary lists the errors of a form sent from the case page other than
// the edit form (which has its own summary, at the form): assigning, closing,
// an activity, a referral, withdrawing the consent to share. Those forms stand
// far down a long page, and "some fields must be corrected" alone left the
// reader to look for what. A field the page does not draw is left out.
func (d enquiryPage) ErrorSummary() problems {
	if !d.HasErrors() || len(d.Fields.Errors()) > 0 {
		return problems{}
	}
	var pairs []string
	if d.Enquiry.Status != "closed" {
		pairs = append(pairs, "assigned_to", "enquiry.assigned_to")
		if d.Drafts == 0 {
			pairs = append(pairs, "outcome#outcome-0", "enquiry.outcome", "outcome_org_number", "enquiry.outcome_org_number",
				"jobs_expected", "enquiry.jobs_expected", "jobs_created", "enquiry.jobs_created")
		}
		pairs = append(pairs, "kind", "activity.kind", "occurred_on", "activity.date", "minutes", "activity.minutes", "text", "activity.text")
	}
	ps := d.Problems(pairs...)
	if d.Enquiry.Status != "closed" && d.Enquiry.RegionID != nil {
		for _, f := range d.ReferForm {
			if f.Error != "" {
				ps.Fields = append(ps.Fields, f)
			}
		}
	}
	if d.Enquiry.ConsentShare {
		ps.Fields = append(ps.Fields, d.Problems("confirm", "enquiry.withdraw_share").Fields...)
	}
	return ps
}

// historyLine is one line of the case's history in words: who, what, and the
// detail of what (the new status, the fields changed, the adviser assigned).
type historyLine struct {
	At                 time.Time
	Who, What, Details string
}

// historyLines puts audit entries in the reader's words. An entry without a
// user is the one door's (creation) or Samspill's own (retention, routing jobs).
func historyLines(p page, entries []models.HistoryEntry) []historyLine {
	out := make([]historyLine, len(entries))
	for i, e := range entries {
		l := historyLine{At: e.At, Who: e.UserName, What: p.T("audit." + e.Action)}
		if l.Who == "" {
			l.Who = actorWords(p, e.AuditEntry, e.Names)
		}
		l.Details = historyDetails(p, e)
		out[i] = l
	}
	return out
}

// historyDetails is an entry's detail as the audit log words it
// (auditDetails), bare of the label the line's action already says, so that
// an action is worded once for both. A detail it cannot word shows nothing,
// never the log's codes. An erasure's reason is left to the audit log, which
// only admins and coordinators read: typed freely, it may name the person
// whose data it erased from this page.
func historyDetails(p page, e models.HistoryEntry) string {
	if e.Action == "erase" {
		return ""
	}
	text, ok := auditDetails(p, models.AuditLine{AuditEntry: e.AuditEntry, UserName: e.UserName, Names: e.Names}, true)
	if !ok {
		return ""
	}
	return text
}

type activityForm struct{ Kind, OccurredOn, Minutes, Text string }
type closeForm struct{ Outcome, OrgNumber, JobsExpected, JobsCreated string }

// showEnquiry renders the case. Viewing person data is audited.
func (s *Server) showEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderEnquiry(c, http.StatusOK, id, func(d *enquiryPage) {})
}

// DifferingLabels are the labels of the fields a stale edit, kept in the
// form, has otherwise than the case now, in the form's order.
func (d enquiryPage) DifferingLabels() []string {
	var out []string
	for _, f := range d.Fields.All() {
		if slices.Contains(d.Differs, f.Name) {
			out = append(out, f.Label)
		}
	}
	return out
}

// renderEnquiry loads the case the viewer may see and lets edit adjust the page
// (errors, typed values) before it is drawn.
func (s *Server) renderEnquiry(c echo.Context, status int, id int64, edit func(*enquiryPage)) error {
	ctx := c.Request().Context()
	p := s.page(c, "enquiries.title")
	e, err := s.store.Enquiry(ctx, p.Viewer, id)
	if err != nil {
		return err
	}
	if err := s.store.RecordView(ctx, actor(c), "enquiry", strconv.FormatInt(id, 10), "page"); err != nil {
		return err
	}
	d := enquiryPage{page: p, Enquiry: e, Form: formOf(e), Overdue: e.Overdue(s.store.Now()),
		Activity: activityForm{Kind: "call", OccurredOn: s.store.Now().In(models.Oslo).Format("2006-01-02")}}
	// A reopened case keeps the jobs it was closed with: the closing form
	// offers them again, or closing it anew would clear them unsaid.
	if e.JobsExpected != nil {
		d.Close.JobsExpected = strconv.Itoa(*e.JobsExpected)
	}
	if e.JobsCreated != nil {
		d.Close.JobsCreated = strconv.Itoa(*e.JobsCreated)
	}
	d.Title = e.Reference
	d.Status = e.Status
	if e.Status == "closed" {
		d.Status = "in_progress" // the form reopens it in progress: "new" is refused while an adviser holds it
	}
	if d.Activities, err = s.store.Activities(ctx, p.Viewer, id); err != nil {
		return err
	}
	for _, a := range d.Activities {
		d.Minutes += a.Minutes
	}
	if d.History, err = s.store.StatusHistory(ctx, p.Viewer, id); err != nil {
		return err
	}
	if d.Consents, err = s.store.Consents(ctx, p.Viewer, id); err != nil {
		return err
	}
	for i := range d.Consents {
		if x := &d.Consents[i]; x.Purpose == "share" && x.Withdrawal() && !e.ConsentShare {
			d.Withdrawn = x // the latest, read in order
		}
	}
	entries, err := s.store.History(ctx, "enquiry", strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	d.Audit = historyLines(p, entries)
	// The related enquiries show no person data beyond the case's own, whose
	// view is audited above; each one's own page audits its view when opened.
	related, more, err := s.store.RelatedEnquiries(ctx, p.Viewer, e, models.RelatedLimit)
	if err != nil {
		return err
	}
	d.Related, d.RelatedMore = relatedRows(p, related), more
	if more {
		d.RelatedEmail, d.RelatedOrgNumber = e.Email, e.OrgNumber
	}
	d.AuditLink = s.allowed(p.Viewer, policies.Audit, policies.Read)
	assignees, err := s.store.Assignees(ctx, e.RegionID) // the case's region, which for an admin need not be theirs
	if err != nil {
		return err
	}
	for _, u := range assignees {
		d.Assignees = append(d.Assignees, views.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name,
			Selected: e.AssignedTo != nil && *e.AssignedTo == u.ID})
	}
	if p.Viewer.IsAdmin() {
		regions, err := s.store.RegionsVisibleTo(ctx, p.Viewer)
		if err != nil {
			return err
		}
		for _, r := range regions {
			d.Routes = append(d.Routes, views.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name,
				Selected: e.RegionID != nil && *e.RegionID == r.ID})
		}
	}
	edit(&d)
	raw := staffErrors(d.Errors) // message IDs, translated below
	if raw != nil {
		d.page = d.page.withErrors(raw, d.ErrorData)
	}
	// The case's municipality is chosen among its region's, and its own stays
	// offered (a queued case's is served by no region).
	ms, err := s.store.MunicipalityChoices(ctx, e.RegionID, e.Kommunenummer)
	if err != nil {
		return err
	}
	sections, err := s.store.IndustrySections(ctx)
	if err != nil {
		return err
	}
	d.Fields = newEnquiryFields(p.loc, d.Form, raw, ms, sections, true)
	if d.Referrals, err = s.store.EnquiryReferrals(ctx, p.Viewer, id); err != nil {
		return err
	}
	for _, r := range d.Referrals {
		switch {
		case r.Status == "draft":
			d.Drafts++
		case !r.Closed():
			d.OpenReferrals++
		}
	}
	if d.ReferForm, err = s.referralFields(c, d.page, e, d.Referral, raw); err != nil {
		return err
	}
	if d.Withdrawn != nil {
		for i := range d.ReferForm {
			if d.ReferForm[i].Name == "share_personal_data" {
				d.ReferForm[i].Hint = p.T("referral.share_withdrawn")
			}
		}
	}
	return c.Render(status, "enquiries/show", d)
}

// conflict re-renders the case with a clear message when someone saved first.
func (s *Server) conflict(c echo.Context, id int64, keep func(*enquiryPage)) error {
	return s.renderEnquiry(c, http.StatusConflict, id, func(d *enquiryPage) {
		d.Conflict = true
		keep(d)
	})
}

// updateEnquiry saves an edit of the enquiry's fields with optimistic locking:
// a stale edit is refused, shows what the user typed beside a clear message,
// and overwrites nothing.
func (s *Server) updateEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := parseEnquiryForm(c)
	version, _ := strconv.Atoi(f.Version)
	in, errs := f.input()
	in.Unread = errs // refused by the model, which says first if the case has closed meanwhile
	_, err = s.store.UpdateEnquiry(c.Request().Context(), viewer(c), actor(c), id, in, version)
	switch ve := asValidation(err); {
	case ve != nil:
		// The form keeps the version it was read at (f.Version), so that a
		// stale edit, once its typing error is mended, is still refused.
		return s.renderEnquiry(c, http.StatusUnprocessableEntity, id, func(d *enquiryPage) {
			d.Form, d.Errors = f, atTop(ve.Fields, "status")
		})
	case isConflict(err):
		// What was typed stays in the form, with the version now read, beside
		// the fields where it differs from the case as it is now: one press
		// saves it again once the viewer has looked, as a refused assign does.
		return s.conflict(c, id, func(d *enquiryPage) {
			f.Version = d.Form.Version
			d.Differs, d.Form = differingFields(d.Form, f), f
		})
	case err != nil:
		return err
	}
	s.flash(c, "flash.saved")
	return redirect(c, "/enquiries/"+strconv.FormatInt(id, 10))
}

func formVersion(c echo.Context) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

// afterAction answers a small form on the case page: back to the case, or the
// case again with the error or the conflict.
func (s *Server) afterAction(c echo.Context, id int64, err error, okFlash string, keep func(*enquiryPage)) error {
	switch ve := asValidation(err); {
	case ve != nil:
		return s.renderEnquiry(c, http.StatusUnprocessableEntity, id, func(d *enquiryPage) {
			d.Errors, d.ErrorData = atTop(ve.Fields, "status", "region_id"), ve.Data
			keep(d)
		})
	case isConflict(err):
		return s.conflict(c, id, keep)
	case err != nil:
		return err
	}
	s.flash(c, okFlash)
	return redirect(c, "/enquiries/"+strconv.FormatInt(id, 10))
}

func (s *Server) assignEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The form sends "0" for nobody; anything else that is no number, a missing
	// field included, names nobody either but must not unassign the case.
	userID, err := strconv.ParseInt(c.FormValue("assigned_to"), 10, 64)
	if err != nil {
		return s.afterAction(c, id, &models.ValidationError{Fields: map[string]string{"assigned_to": "error.assignee"}}, "", func(*enquiryPage) {})
	}
	err = s.store.AssignEnquiry(c.Request().Context(), viewer(c), actor(c), id, userID, formVersion(c))
	// Refused, the form keeps the adviser chosen (a stale page's choice, sent
	// again with the version now read, is one press away).
	return s.afterAction(c, id, err, "flash.assigned", func(d *enquiryPage) {
		d.ChoiceKept = true
		for i := range d.Assignees {
			d.Assignees[i].Selected = d.Assignees[i].Value == strconv.FormatInt(userID, 10)
		}
	})
}

func (s *Server) changeEnquiryStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	reopened, err := s.store.ChangeStatus(c.Request().Context(), viewer(c), actor(c), id, status, formVersion(c))
	flash := "flash.status_changed"
	if reopened {
		flash = "flash.enquiry_reopened"
	}
	return s.afterAction(c, id, err, flash, func(d *enquiryPage) {
		if slices.Contains(models.EnquiryStatuses, status) && status != "closed" { // what the form offers
			d.Status, d.ChoiceKept = status, true
		}
	})
}

func (s *Server) addActivity(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := activityForm{Kind: c.FormValue("kind"), OccurredOn: c.FormValue("occurred_on"), Minutes: c.FormValue("minutes"), Text: c.FormValue("text")}
	errs := map[string]string{}
	in := models.ActivityInput{Kind: f.Kind, Text: f.Text}
	if d, problem := readDate(f.OccurredOn); problem == "" {
		in.OccurredOn = d
	} else {
		errs["occurred_on"] = problem
	}
	if strings.TrimSpace(f.Minutes) != "" {
		in.Minutes = formInt(errs, "minutes", f.Minutes)
	}
	in.Unread = errs // refused by the model, which says first if the case has closed meanwhile
	_, err = s.store.AddActivity(c.Request().Context(), viewer(c), actor(c), id, in)
	return s.afterAction(c, id, err, "flash.activity_added", func(d *enquiryPage) { d.Activity = f })
}

func (s *Server) closeEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := closeForm{Outcome: c.FormValue("outcome"), OrgNumber: c.FormValue("outcome_org_number"), JobsExpected: c.FormValue("jobs_expected"), JobsCreated: c.FormValue("jobs_created")}
	errs := map[string]string{}
	in := models.CloseInput{Outcome: f.Outcome, OrgNumber: f.OrgNumber, Version: formVersion(c)}
	for name, dst := range map[string]**int{"jobs_expected": &in.JobsExpected, "jobs_created": &in.JobsCreated} {
		if v := c.FormValue(name); strings.TrimSpace(v) != "" {
			n := formInt(errs, name, v)
			*dst = &n
		}
	}
	if len(errs) == 0 {
		_, err = s.store.CloseEnquiry(c.Request().Context(), viewer(c), actor(c), id, in)
	} else if problems, perr := s.store.CloseEnquiryProblems(c.Request().Context(), viewer(c), id, in); perr != nil {
		err = perr // a case closed already is refused alone
	} else {
		addProblems(errs, problems)
		err = &models.ValidationError{Fields: errs}
	}
	return s.afterAction(c, id, err, "flash.enquiry_closed", func(d *enquiryPage) { d.Close = f })
}

// withdrawShareConsent records that the person withdrew the consent to share
// (told by phone, say). The form asks the adviser to confirm it.
func (s *Server) withdrawShareConsent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "on" {
		err = &models.ValidationError{Fields: map[string]string{"confirm": "error.confirm_withdrawal"}}
	} else {
		err = s.store.WithdrawShareConsent(c.Request().Context(), viewer(c), actor(c), id, formVersion(c))
	}
	return s.afterAction(c, id, err, "flash.consent_withdrawn", func(*enquiryPage) {})
}

// routeEnquiry moves an enquiry from the admin queue to a region.
func (s *Server) routeEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	regionID, _ := strconv.ParseInt(c.FormValue("region_id"), 10, 64)
	err = s.store.MoveToRegion(c.Request().Context(), viewer(c), actor(c), id, regionID, formVersion(c))
	return s.afterAction(c, id, err, "flash.enquiry_routed", func(*enquiryPage) {})
}
