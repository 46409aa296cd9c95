package app

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// LinkValidity is how long a one-time referral link works.
const LinkValidity = 30 * 24 * time.Hour

// referralForm is the refer form as typed.
type referralForm struct {
	PartnerID, ContactName, ContactEmail, Reason, Message, FollowUpDue string
	Share                                                              bool
}

// referralFields builds the refer form for an enquiry.
func (s *Server) referralFields(c echo.Context, p page, e *models.Enquiry, f referralForm, errs map[string]string) ([]views.Field, error) {
	partners, err := s.store.PartnerChoices(c.Request().Context(), true, nil)
	if err != nil {
		return nil, err
	}
	m := fieldMaker{loc: p.loc, errs: errs}
	partner := m.choice("select", "partner_id", "referral.partner", "", nil, f.PartnerID)
	partner.Required = true
	for _, x := range partners {
		partner.Options = append(partner.Options, views.Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: strconv.FormatInt(x.ID, 10) == f.PartnerID})
	}
	hint := p.T("referral.follow_up_due_hint")
	if e.Region != nil { // the region's own number of days, which a coordinator may have changed
		hint = p.T("referral.follow_up_due_days", "Count", e.Region.ReferralFollowUpDays)
	}
	due := m.text("follow_up_due", "referral.follow_up_due", f.FollowUpDue).As("date").WithHint(hint)
	text := draftFields(p, e, f, errs) // contact, e-mail, reason, message, share
	return []views.Field{partner, text[0], text[1], text[2], text[3], due, text[4]}, nil
}

// draftFields are the fields of a referral that its draft edits too: the
// contact's name and e-mail, the reason, the message and the sharing.
func draftFields(p page, e *models.Enquiry, f referralForm, errs map[string]string) []views.Field {
	m := fieldMaker{loc: p.loc, errs: errs}
	reason := m.choice("select", "reason", "referral.reason", "need.", models.Needs, f.Reason)
	reason.Required = true
	share := views.Field{Name: "share_personal_data", Label: p.T("referral.share"), Kind: "checkbox", Checked: f.Share, Error: m.err("share_personal_data")}
	if e.ConsentShare {
		share.Hint = p.T("referral.share_hint")
	} else {
		share.Hint = p.T("referral.share_no_consent")
		share.Disabled = true
		share.Checked = false
	}
	message := views.Field{Name: "message", Label: p.T("referral.message"), Hint: p.T("referral.message_hint"), Value: f.Message, Error: m.err("message"), Kind: "textarea", Rows: 4, Max: 4000}
	return []views.Field{m.text("contact_name", "referral.contact_name", f.ContactName),
		m.text("contact_email", "referral.contact_email", f.ContactEmail).As("email"), reason, message, share}
}

// parseDraft reads the form of a draft's text.
func parseDraft(c echo.Context) (referralForm, models.DraftInput) {
	f := referralForm{ContactName: c.FormValue("contact_name"), ContactEmail: c.FormValue("contact_email"), Reason: c.FormValue("reason"),
		Message: c.FormValue("message"), Share: c.FormValue("share_personal_data") == "on"}
	return f, models.DraftInput{ContactName: f.ContactName, ContactEmail: f.ContactEmail, Reason: f.Reason, Message: f.Message,
		SharePersonalData: f.Share, Version: formVersion(c)}
}

// referEnquiry sends an enquiry to a partner, or saves the referral as a draft.
func (s *Server) referEnquiry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := referralForm{PartnerID: c.FormValue("partner_id"), ContactName: c.FormValue("contact_name"), ContactEmail: c.FormValue("contact_email"),
		Reason: c.FormValue("reason"), Message: c.FormValue("message"), FollowUpDue: c.FormValue("follow_up_due"), Share: c.FormValue("share_personal_data") == "on"}
	errs := map[string]string{}
	in := models.ReferralInput{ContactName: f.ContactName, ContactEmail: f.ContactEmail, Reason: f.Reason, Message: f.Message,
		SharePersonalData: f.Share, Send: c.FormValue("send") != "draft"}
	in.PartnerID, _ = strconv.ParseInt(f.PartnerID, 10, 64)
	if strings.TrimSpace(f.FollowUpDue) != "" {
		if d, problem := readDate(f.FollowUpDue); problem == "" {
			in.FollowUpDue = &d
		} else {
			errs["follow_up_due"] = problem
		}
	}
	in.Unread = errs // refused by the model, which says first if the case has closed meanwhile
	_, err = s.store.CreateReferral(c.Request().Context(), viewer(c), actor(c), id, in)
	done := map[bool]string{true: "flash.referred", false: "flash.referred_draft"}[in.Send]
	return s.afterAction(c, id, err, done, func(d *enquiryPage) { d.Referral = f })
}

type referralsPage struct {
	page
	List    []models.Referral
	Filter  models.ReferralFilter
	Tabs    []navItem
	Filters []views.Field
	Pager   pager
	Now     time.Time
	Invalid problems // the filters that cannot be used; the list is not shown
	Empty   string   // the message ID an empty list says (referralsEmpty)
}

// referralsEmpty is what an empty list of referrals says: with a search or
// filter set, that none match; on a tab alone, that the tab has none (an
// adviser's "mine to follow up" is empty on most good days); else that none
// have been sent yet, to a partner's contact none to their organisation. The
// page asked for and an admin's region narrow nothing.
func referralsEmpty(f models.ReferralFilter, partner bool) string {
	rest := f
	rest.Page, rest.RegionID, rest.Tab, rest.Open = models.Page{}, 0, "", false
	switch {
	case rest != models.ReferralFilter{}:
		return "referrals.empty_filtered"
	case f.Tab == "due":
		return "referrals.empty_due"
	case f.Tab == "for_board":
		return "referrals.empty_for_board"
	case f.Open:
		return "referrals.empty_open"
	case partner:
		return "referrals.empty_partner"
	}
	return "referrals.empty"
}

// referralTabs are the tabs of the list of referrals that name themselves
// (the open referrals are open=on).
var referralTabs = []string{"due", "for_board"}

// parseReferralFilter reads the filters of a list of referrals from the
// query, noting in q each value it cannot use.
func parseReferralFilter(c echo.Context, q *listQuery) models.ReferralFilter {
	f := models.ReferralFilter{Tab: q.code("tab", referralTabs), Q: q.text("q"), Status: q.code("status", models.ReferralStatuses),
		Municipality: q.kommunenummer("municipality"), Outcome: q.code("outcome", models.ReferralOutcomes),
		Overdue: q.flag("overdue"), Open: q.flag("open"), PartnerID: q.id("partner"), AdviserID: q.id("adviser"),
		Page: q.page()}
	f.From, f.To = q.period("from", "to")
	// As in the inbox, only an admin's list holds several regions: a report's
	// drill-down naming the region worked in before a switch shows the
	// current region's referrals, not an empty list.
	if region := q.id("region"); viewer(c) != nil && viewer(c).IsAdmin() {
		f.RegionID = region
	}
	return f
}

// listReferrals lists the referrals the viewer may see: the adviser's
// follow-up list, a partner's incoming referrals, the board's drill-downs.
func (s *Server) listReferrals(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "referrals.title")
	q := newListQuery(c)
	f := parseReferralFilter(c, q)
	var list []models.Referral
	var total int64
	if q.err() == nil { // a filter that cannot be used lists nothing, rather than everything
		var err error
		if list, total, err = s.store.ReferralList(ctx, p.Viewer, f); err != nil {
			return err
		}
	}
	d := referralsPage{page: p, List: list, Filter: f, Pager: s.pager(c, f.Page, total), Now: s.store.Now(),
		Empty: referralsEmpty(f, p.Viewer.Has(models.RolePartner))}
	tabs := []string{"", "open"}
	if p.Viewer.Has(models.RoleAdviser) || p.Viewer.Has(models.RoleCoordinator) {
		tabs = append(tabs, "due")
	}
	if p.Viewer.Has(models.RoleBoard) || p.Viewer.Has(models.RoleCoordinator) {
		tabs = append(tabs, "for_board")
	}
	for _, tab := range tabs {
		href := "/referrals"
		if tab == "open" {
			href += "?open=on"
		} else if tab != "" {
			href += "?tab=" + tab
		}
		d.Tabs = append(d.Tabs, navItem{Href: href, Label: p.T("referrals.tab." + or(tab, "all")), Current: f.Tab == tab && (tab != "open" || f.Open) && (tab != "" || !f.Open)})
	}
	partners, err := s.store.PartnerChoices(ctx, false, nil)
	if err != nil {
		return err
	}
	m := fieldMaker{loc: p.loc, errs: q.problems}
	partner := m.choice("select", "partner", "referral.partner", "", nil, chosenID(f.PartnerID))
	for _, x := range partners {
		partner.Options = append(partner.Options, views.Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: x.ID == f.PartnerID})
	}
	search := m.text("q", "referrals.search", f.Q).WithHint(p.T("referrals.search_hint"))
	d.Filters = []views.Field{search, m.choice("select", "status", "referral.status", "rstatus.", p.Viewer.ReferralStatusesSeen(), f.Status), partner,
		m.text("from", "referrals.from", c.QueryParam("from")).As("date"), m.text("to", "referrals.to", c.QueryParam("to")).As("date"),
		{Name: "overdue", Label: p.T("referrals.overdue_only"), Kind: "checkbox", Checked: f.Overdue}}
	if p.Viewer.Has(models.RolePartner) {
		d.Filters = append(d.Filters[:2], d.Filters[3:]...) // a partner sees only their own organisation
	}
	allChoices(p, d.Filters)
	if q.err() != nil {
		d.Invalid = filterProblems(p, q, d.Filters, map[string]string{"tab": "enquiries.tabs", "open": "referrals.tab.open", "overdue": "referrals.overdue_only",
			"outcome": "referral.outcome", "partner": "referral.partner", "adviser": "referral.adviser", "municipality": "intake.municipality", "region": "enquiries.region"})
		return c.Render(q.status(), "referrals/index", d)
	}
	return c.Render(http.StatusOK, "referrals/index", d)
}

// referralPage shows one referral, with what the viewer may do with it.
type referralPage struct {
	page
	Referral   *models.Referral
	History    []models.ReferralEvent
	Comments   []models.ReferralComment
	PersonData bool // the viewer may see the person behind it
	ForPartner bool // the viewer answers for the referral's partner: a person hidden was not shared with them
	CanAdvise  bool // the adviser's side: send, withdraw, make a link
	CanAnswer  bool // the partner's side: acknowledge, report the outcome (a late one too)
	CanComment bool // the board's follow-up
	Link       string
	Overdue    bool
	Outcome    outcomeForm
	Comment    string                    // a comment refused, as typed
	FollowUp   string                    // the follow-up date in the form: the referral's, or as typed
	Draft      *referralForm             // a draft's text as typed, refused; nil: the draft's own
	ErrorData  map[string]map[string]any // what the errors' messages name
	refused    string                    // the form refused for what was typed (422): its action's last part
	readAt     int                       // and the referral's version it was read at
	DraftForm  []views.Field             // a draft's text, for the adviser to change before sending
	Outcomes   []string
	Reasons    map[string][]string
	Instrument []string
}

type outcomeForm struct{ Outcome, Reason, Instrument, Amount string }

// ShowsOutcome reports whether the page draws the outcome's form: to the
// adviser's side and the partner's, while the referral takes an outcome.
func (d referralPage) ShowsOutcome() bool {
	return (d.CanAdvise || d.CanAnswer) && d.Referral.TakesOutcome()
}

// ErrorSummary lists the errors of the form sent from the page, as links to
// its fields in the page's order: the outcome's (far down the page, which
// seemed unchanged), a draft's text, the follow-up date, a comment. A field
// the page does not draw is left out: its message stands at the top (see
// afterReferral).
func (d referralPage) ErrorSummary() problems {
	var pairs []string
	if d.ShowsOutcome() {
		pairs = append(pairs, "outcome#outcome-0", "referral.outcome", "outcome_reason", "referral.outcome_reason",
			"instrument", "referral.instrument", "amount_nok", "referral.amount_nok")
	}
	ps := d.Problems(pairs...)
	for _, f := range d.DraftForm {
		if f.Error != "" {
			ps.Fields = append(ps.Fields, f)
		}
	}
	if d.CanAdvise && !d.Referral.Closed() {
		ps.Fields = append(ps.Fields, d.Problems("follow_up_due", "referral.new_follow_up_due").Fields...)
	}
	if d.CanComment {
		ps.Fields = append(ps.Fields, d.Problems("comment", "referral.comment").Fields...)
	}
	return ps
}

// VersionFor is the version the form posting to action (its last part)
// carries: the referral's now, but for a form refused for what was typed,
// which keeps the version it was read at, as every edit form does, so that
// once mended it is still refused if someone changed the referral meanwhile.
func (d referralPage) VersionFor(action string) int {
	if action == d.refused {
		return d.readAt
	}
	return d.Referral.Version
}

func (s *Server) showReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderReferral(c, http.StatusOK, id, func(*referralPage) {})
}

func (s *Server) renderReferral(c echo.Context, status int, id int64, edit func(*referralPage)) error {
	ctx := c.Request().Context()
	p := s.page(c, "referrals.title")
	r, err := s.store.Referral(ctx, p.Viewer, id)
	if err != nil {
		return err
	}
	v := p.Viewer
	d := referralPage{page: p, Referral: r, PersonData: v.SeesPersonData(r), ForPartner: v.AnswersFor(r), Overdue: r.Overdue(s.store.Now()),
		CanAdvise:  v.IsAdmin() || v.Has(models.RoleAdviser) || v.Has(models.RoleCoordinator),
		CanAnswer:  v.AnswersFor(r) && (!r.Closed() || r.TakesOutcome()), // a late answer too
		CanComment: v.Has(models.RoleBoard) || v.Has(models.RoleCoordinator) || v.IsAdmin(),
		FollowUp:   r.FollowUpDue.In(models.Oslo).Format("2006-01-02"), Reasons: models.OutcomeReasons, Instrument: models.Instruments}
	d.Title = p.T("referral.heading", "Partner", r.Partner.Name)
	d.Outcomes = []string{"supported", "declined"}
	if d.CanAdvise {
		d.Outcomes = models.ReferralOutcomes
		if r.Status == "no_response" { // the late answer is what came of it
			d.Outcomes = []string{"supported", "declined", "withdrawn"}
		}
	}
	if d.PersonData {
		if err := s.store.RecordView(ctx, actor(c), "referral", strconv.FormatInt(id, 10), "page"); err != nil {
			return err
		}
	}
	if d.History, err = s.store.ReferralHistory(ctx, v, id); err != nil {
		return err
	}
	if d.CanComment {
		if d.Comments, err = s.store.ReferralComments(ctx, v, id); err != nil {
			return err
		}
	}
	edit(&d)
	if d.CanAdvise && r.Status == "draft" {
		f := referralForm{ContactName: r.ContactName, ContactEmail: r.ContactEmail, Reason: r.Reason, Message: r.Message, Share: r.SharePersonalData}
		if d.Draft != nil {
			f = *d.Draft
		}
		d.DraftForm = draftFields(p, r.Enquiry, f, d.Errors)
	}
	d.Differs, d.staleButton = staleDiffers(c, d.loc), staleButton(c, d.loc) // edit's staleKept, after p was made
	if d.Errors != nil {
		d.page = d.page.withErrors(d.Errors, d.ErrorData)
	}
	return c.Render(status, "referrals/show", d)
}

// afterReferral answers a form on the referral page. keep puts what the
// form sent back on the page, and returns its button's label (message id)
// and its fields as typed and as the referral (d.Referral, read now) has
// them, for a form refused as stale; none for a form with no text of its own.
func (s *Server) afterReferral(c echo.Context, id int64, err error, okFlash string, keep func(*referralPage) (button string, fields []keptField)) error {
	switch ve := asValidation(err); {
	case ve != nil:
		return s.renderReferral(c, http.StatusUnprocessableEntity, id, func(d *referralPage) {
			top := []string{"status", "link", "for_board"} // no field of their own
			if !d.Referral.TakesOutcome() {
				top = append(top, "outcome") // the outcome's fields are not drawn
			}
			if d.Referral.Closed() || !d.CanAdvise {
				top = append(top, "follow_up_due") // nor the follow-up date's
			}
			d.Errors = atTop(ve.Fields, top...)
			if v, err := strconv.Atoi(c.FormValue("version")); err == nil {
				d.refused, d.readAt = path.Base(c.Path()), v
			}
			keep(d)
		})
	case isConflict(err):
		// Someone changed the referral first: what was typed stays, and the
		// page, read now, carries the referral's version now, so that one
		// press saves it. A form with text names the fields where it differs
		// from the referral now (staleKept); the outcome, which an open
		// referral has none of, and a button with nothing typed say what the
		// referral now is.
		return s.renderReferral(c, http.StatusConflict, id, func(d *referralPage) {
			switch button, fields := keep(d); {
			case len(fields) > 0:
				d.Errors = staleKept(c, button, fields...)
			case d.Outcome != outcomeForm{}:
				d.Errors = map[string]string{"form": "error.referral_changed_outcome_kept"}
			default:
				d.Errors = map[string]string{"form": "error.referral_changed"}
			}
			d.ErrorData = map[string]map[string]any{"form": {"Status": d.T("rstatus." + d.Referral.Status)}}
		})
	case err != nil:
		return err
	}
	s.flash(c, okFlash)
	return redirect(c, "/referrals/"+strconv.FormatInt(id, 10))
}

func (s *Server) setReferralStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	err = s.store.SetReferralStatus(c.Request().Context(), viewer(c), actor(c), id, status, formVersion(c))
	done := "flash.status_changed"
	if status == "sent" { // a draft sent: the only way to "sent"
		done = "flash.referred"
	}
	return s.afterReferral(c, id, err, done, nothingTyped)
}

// setReferralFollowUp moves the referral's follow-up date.
func (s *Server) setReferralFollowUp(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	typed := c.FormValue("follow_up_due")
	if due, problem := readDate(typed); problem == "" {
		err = s.store.SetReferralFollowUp(c.Request().Context(), viewer(c), actor(c), id, due, formVersion(c))
	} else {
		err = &models.ValidationError{Fields: map[string]string{"follow_up_due": problem}}
	}
	return s.afterReferral(c, id, err, "flash.follow_up_changed", func(d *referralPage) (string, []keptField) {
		d.FollowUp = typed
		if day, problem := readDate(typed); problem == "" {
			typed = day.Format("2006-01-02") // as the date field draws it
		}
		return "referral.change_follow_up", []keptField{{"referral.new_follow_up_due", typed, d.Referral.FollowUpDue.In(models.Oslo).Format("2006-01-02")}}
	})
}

// updateDraftReferral changes a draft's text before it is sent.
func (s *Server) updateDraftReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, in := parseDraft(c)
	err = s.store.UpdateDraftReferral(c.Request().Context(), viewer(c), actor(c), id, in)
	return s.afterReferral(c, id, err, "flash.draft_saved", func(d *referralPage) (string, []keptField) {
		d.Draft = &f
		r := d.Referral
		return "referral.save_draft", []keptField{{"referral.contact_name", f.ContactName, r.ContactName}, {"referral.contact_email", f.ContactEmail, r.ContactEmail},
			{"referral.reason", f.Reason, r.Reason}, {"referral.message", f.Message, r.Message}, {"referral.share", f.Share, r.SharePersonalData}}
	})
}

// discardReferral deletes a draft that was never sent, and goes back to its case.
func (s *Server) discardReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	enquiryID, err := s.store.DiscardReferral(c.Request().Context(), viewer(c), actor(c), id, formVersion(c))
	if err != nil {
		return s.afterReferral(c, id, err, "", nothingTyped)
	}
	s.flash(c, "flash.draft_discarded")
	return redirect(c, "/enquiries/"+strconv.FormatInt(enquiryID, 10))
}

// nothingTyped keeps nothing of a form on the referral page: a button.
func nothingTyped(*referralPage) (string, []keptField) { return "", nil }

// parseOutcome reads the outcome form; the amount is read as the page's
// language writes it, "150 000" or "150,000" (formNOK).
func parseOutcome(c echo.Context, nums views.Numbers) (outcomeForm, models.ReferralOutcome, map[string]string) {
	f := outcomeForm{Outcome: c.FormValue("outcome"), Reason: c.FormValue("outcome_reason"), Instrument: c.FormValue("instrument"), Amount: c.FormValue("amount_nok")}
	errs := map[string]string{}
	o := models.ReferralOutcome{Outcome: f.Outcome, Reason: f.Reason, Instrument: f.Instrument, Version: formVersion(c)}
	o.AmountNOK = formNOK(nums, errs, "amount_nok", f.Amount)
	return f, o, errs
}

func (s *Server) closeReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, o, errs := parseOutcome(c, s.numbers(c))
	// An amount that does not parse still lets the outcome be checked, by
	// the model, which says first if the referral has closed meanwhile.
	if len(errs) > 0 {
		o.Unread = errs
	}
	err = s.store.CloseReferral(c.Request().Context(), viewer(c), actor(c), id, o)
	return s.afterReferral(c, id, err, "flash.outcome_saved", func(d *referralPage) (string, []keptField) { d.Outcome = f; return "", nil })
}

// createReferralLink makes a one-time link and shows it once, for the adviser to
// send to a partner contact without an account.
func (s *Server) createReferralLink(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	token, err := s.store.CreateReferralLink(c.Request().Context(), viewer(c), actor(c), id, LinkValidity)
	if ve := asValidation(err); ve != nil {
		return s.afterReferral(c, id, err, "", nothingTyped)
	}
	if err != nil {
		return err
	}
	link := c.Scheme() + "://" + c.Request().Host + "/r/" + token
	return s.renderReferral(c, http.StatusOK, id, func(d *referralPage) { d.Link = link })
}

func (s *Server) commentOnReferral(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	comment := c.FormValue("comment")
	err = s.store.CommentOnReferral(c.Request().Context(), viewer(c), actor(c), id, comment)
	return s.afterReferral(c, id, err, "flash.comment_added", func(d *referralPage) (string, []keptField) { d.Comment = comment; return "", nil })
}

func (s *Server) markReferralForBoard(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The button sends "true" or "false"; anything else is no answer and
	// must not unmark the referral.
	switch v := c.FormValue("for_board"); v {
	case "true", "false":
		err = s.store.MarkForBoard(c.Request().Context(), viewer(c), actor(c), id, v == "true")
	default:
		err = &models.ValidationError{Fields: map[string]string{"for_board": "error.choice"}}
	}
	return s.afterReferral(c, id, err, "flash.saved", nothingTyped)
}

// linkPage is what a partner without an account sees through a one-time link.
type linkPage struct {
	page
	Referral   *models.Referral
	Token      string
	PersonData bool // shared with the partner: what the partner's own page shows
	Outcome    outcomeForm
	Comment    string // a comment refused, as typed
	Outcomes   []string
	Reasons    map[string][]string
	Instrument []string
	ExpiresAt  time.Time // when the link stops working
	Done       bool
	Ended      bool // the link has done its work, and shows nothing
	Unknown    bool // no such link was made: cut short in an e-mail, most likely
	Answered   bool // an answer came through the ended link, and was not recorded
}

// linkEnded tells the holder of a one-time link that has done its work so,
// and whether an answer they sent was recorded: a bare "not found" left a
// partner believing it was.
func (s *Server) linkEnded(c echo.Context) error {
	p := s.publicPage(c, "nb", "referral.link_ended_title")
	return c.Render(http.StatusNotFound, "referrals/link", linkPage{page: p, Ended: true, Answered: c.Request().Method == http.MethodPost})
}

// linkUnknown tells the holder of a link that was never made, one cut short
// by an e-mail program most likely, how to mend it: the general "not found"
// page invites to log in, which a partner without an account cannot.
func (s *Server) linkUnknown(c echo.Context) error {
	p := s.publicPage(c, "nb", "referral.link_unknown_title")
	return c.Render(http.StatusNotFound, "referrals/link", linkPage{page: p, Unknown: true, Answered: c.Request().Method == http.MethodPost})
}

// linkFailed answers a link that does not lead to a referral to answer:
// ended, or never made.
func (s *Server) linkFailed(c echo.Context, err error) error {
	switch {
	case errors.Is(err, models.ErrLinkEnded) && c.Request().Method == http.MethodPost:
		return s.linkEndedOrRepeated(c)
	case errors.Is(err, models.ErrLinkEnded):
		return s.linkEnded(c)
	case errors.Is(err, models.ErrNotFound):
		return s.linkUnknown(c)
	}
	return err
}

// linkEndedOrRepeated answers a post through a link that has ended: the
// outcome that used it up, sent again at once (a double click, a slow
// connection), is thanked for as recorded, as it was (see
// models.RepeatedLinkAnswer); anything else is told the link has ended.
func (s *Server) linkEndedOrRepeated(c echo.Context) error {
	if c.FormValue("action") != "outcome" {
		return s.linkEnded(c)
	}
	f, o, errs := parseOutcome(c, s.numbers(c))
	if len(errs) > 0 {
		return s.linkEnded(c)
	}
	r, err := s.store.RepeatedLinkAnswer(c.Request().Context(), c.Param("token"), o)
	if errors.Is(err, models.ErrNotFound) {
		return s.linkEnded(c)
	}
	if err != nil {
		return err
	}
	d := s.linkPageData(c, &models.LinkedReferral{Referral: r}, f, nil)
	d.Done = true
	return c.Render(http.StatusOK, "referrals/link", d)
}

// linkReferral shows the referral behind a one-time link: only what was shared.
func (s *Server) linkReferral(c echo.Context) error {
	r, err := s.store.ReferralLink(c.Request().Context(), c.Param("token"))
	if err != nil {
		return s.linkFailed(c, err)
	}
	if err := s.store.RecordView(c.Request().Context(), actor(c), "referral", strconv.FormatInt(r.ID, 10), "link"); err != nil {
		return err
	}
	return c.Render(http.StatusOK, "referrals/link", s.linkPageData(c, r, outcomeForm{}, nil))
}

func (s *Server) linkPageData(c echo.Context, r *models.LinkedReferral, f outcomeForm, errs map[string]string) linkPage {
	p := s.publicPage(c, "nb", "referral.link_title")
	if errs != nil {
		p = p.withErrors(errs)
	}
	// The link acts as the partner, and models minimised r as for them: the
	// person is shown as on the partner's page, when the adviser shared it
	// (which the person's consent allowed).
	return linkPage{page: p, Referral: r.Referral, Token: c.Param("token"), PersonData: r.SharePersonalData, Outcome: f, Outcomes: []string{"supported", "declined"},
		Reasons: models.OutcomeReasons, Instrument: models.Instruments, ExpiresAt: r.LinkExpiresAt}
}

// answerLink takes the partner's answer through a one-time link: acknowledge,
// or report the outcome, which uses the link up.
func (s *Server) answerLink(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	r, err := s.store.ReferralLink(ctx, token)
	if err != nil {
		return s.linkFailed(c, err)
	}
	var o *models.ReferralOutcome
	f, parsed, errs := parseOutcome(c, s.numbers(c))
	switch c.FormValue("action") {
	case "acknowledge":
	case "outcome":
		o = &parsed
	default:
		// The page's two forms each send their action. Without one there is
		// nothing to record, and thanking for an acknowledgement would mislead.
		errs = map[string]string{"form": "referral.link_no_action"}
	}
	if len(errs) == 0 {
		err = s.store.AnswerByLink(ctx, actor(c), token, c.FormValue("action") == "acknowledge" || o != nil, o)
	} else {
		if o != nil { // an amount that does not parse still lets the outcome be checked
			addProblems(errs, models.ReferralChangeProblems(nil, o, ""))
		}
		err = &models.ValidationError{Fields: errs}
	}
	if ve := asValidation(err); ve != nil {
		return c.Render(http.StatusUnprocessableEntity, "referrals/link", s.linkPageData(c, r, f, ve.Fields))
	}
	if errors.Is(err, models.ErrLinkEnded) { // closed, or answered, since it was read
		return s.linkEndedOrRepeated(c)
	}
	if err != nil {
		return err
	}
	if o == nil {
		r, err = s.store.ReferralLink(ctx, token)
		if err != nil {
			return err
		}
		d := s.linkPageData(c, r, outcomeForm{}, nil)
		d.Flash = d.T("referral.link_acknowledged")
		return c.Render(http.StatusOK, "referrals/link", d)
	}
	d := s.linkPageData(c, r, f, nil)
	d.Done = true
	return c.Render(http.StatusOK, "referrals/link", d)
}
