package app

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

type auditPage struct {
	page
	List    []auditRow
	Filters []views.Field
	UserID  int64 // the user a link chose by id, kept by the form
	Pager   pager
	Invalid problems // the filters that cannot be used; the list is not shown
}

// auditRow is an audit entry with its action, object and detail in the
// reader's words. Coded is set when Details words a detail that the log holds
// in codes, which the page still offers to whoever needs them.
type auditRow struct {
	models.AuditLine
	ActionLabel, ObjectLabel, Details string
	Coded                             bool
	Who                               string // who acted, in words, for an entry without a user (actorWords)
}

// actorWords says who made an entry that no user made: a partner through a
// one-time link (by the name of the referral's partner, which names holds
// for the page), the one door (an enquiry's creation), or else Samspill's
// own jobs (retention, no response, the demo's set-up).
func actorWords(p page, e models.AuditEntry, names *models.AuditNames) string {
	kv, _ := auditFields(e.Detail)
	switch {
	case e.Action == "acknowledge_by_link", e.Object == "referral" && e.Detail == "link", kv["via"] == "link":
		if names != nil && e.Object == "referral" {
			if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil && names.ReferralPartners[id] != "" {
				return p.T("audit.by_link_of", "Partner", names.ReferralPartners[id])
			}
		}
		return p.T("audit.by_link")
	case e.Action == "create" && e.Object == "enquiry":
		return p.T("enquiry.public")
	}
	return p.T("enquiry.system")
}

// auditLabel names an audit code in the reader's words; a code the catalogue
// does not know (from an older version) is shown as it is.
func auditLabel(loc *views.Localizer, kind, code string) string {
	if id := "auditlog." + kind + "." + code; loc.Has(id) {
		return loc.T(id)
	}
	return code
}

// listAudit is the audit log viewer: admins see everything, coordinators their
// region. A user is chosen by name or e-mail (user), or by a link with their
// id (user_id): the entries they made and those about their account.
func (s *Server) listAudit(c echo.Context) error {
	p := s.page(c, "audit.title")
	q := newListQuery(c)
	// The codes are those the log has ever written (TestAuditCodesListed);
	// another lists nothing, so it is refused as the other filters are.
	f := models.AuditFilter{UserID: q.id("user_id"), User: q.text("user"), Object: q.code("object", models.AuditObjects), ObjectID: q.text("object_id"),
		Action: q.code("action", models.AuditActions), Page: q.page()}
	f.From, f.To = q.period("from", "to")
	filters := auditFilters(p, q, f)
	if q.err() != nil { // a filter that cannot be used lists nothing, rather than everything
		invalid := filterProblems(p, q, filters, map[string]string{"user_id": "audit.user_id"})
		return c.Render(q.status(), "admin/audit", auditPage{page: p, Filters: filters, Invalid: invalid})
	}
	list, total, err := s.store.AuditEntries(c.Request().Context(), p.Viewer, f)
	if err != nil {
		return err
	}
	rows := make([]auditRow, len(list))
	for i, e := range list {
		rows[i] = auditRow{AuditLine: e, ActionLabel: auditLabel(p.loc, "action", e.Action), ObjectLabel: auditLabel(p.loc, "object", e.Object)}
		rows[i].Details, rows[i].Coded = auditDetails(p, e, false)
		rows[i].Coded = rows[i].Coded && rows[i].Details != e.Detail
		if e.UserID == nil {
			rows[i].Who = actorWords(p, e.AuditEntry, e.Names)
		}
	}
	if f.UserID != 0 {
		// The user field says whose entries the link chose: by the name the
		// rows give, as no other user's name is the viewer's to read.
		who := p.T("audit.user_number", "ID", f.UserID)
		for _, e := range list { // an entry about the user names who acted on it, not the user
			if e.UserID != nil && *e.UserID == f.UserID && e.UserName != "" {
				who = e.UserName
				break
			}
		}
		filters[0].Hint = p.T("audit.user_chosen", "User", who)
	}
	return c.Render(http.StatusOK, "admin/audit", auditPage{page: p, List: rows, Filters: filters, UserID: f.UserID, Pager: s.pager(c, f.Page, total)})
}

// auditFilters are the audit log's filters as chosen, the user first.
func auditFilters(p page, q *listQuery, f models.AuditFilter) []views.Field {
	m := fieldMaker{loc: p.loc, errs: q.problems}
	object, action := m.choice("select", "object", "audit.object", "auditlog.object.", models.AuditObjects, f.Object),
		m.choice("select", "action", "audit.action", "auditlog.action.", models.AuditActions, f.Action)
	for _, fd := range []*views.Field{&object, &action} {
		fd.Options[0].Label = p.T("audit.all")
	}
	return []views.Field{
		m.text("user", "audit.user", f.User).As("search").WithHint(p.T("audit.user_hint")), object,
		m.text("object_id", "audit.object_id", f.ObjectID), action,
		m.text("from", "audit.from", q.text("from")).As("date"), m.text("to", "audit.to", q.text("to")).As("date"),
	}
}

// auditDetails puts an audit entry's detail in the reader's words: statuses,
// outcomes, channels and fields by the names the pages give them, the users,
// regions, partners and municipalities it refers to by name, counts in
// sentences. The log keeps the codes (its hash chain covers them); only the
// page words them. ok is false for a detail in no form this version writes
// (an older version's, say), which the page then shows as it is.
// TestAuditDetailsInWords holds a case for every action in models.AuditActions
// and for every action and object that the models write.
//
// bare leaves out the label a value has in the log ("Kanal: ", "Til "), for a
// reader who has the action's words before it: a case's history says
// "Opprettet: Nettskjema", "Tildelte saken: Rune Rådgiver" (historyDetails).
func auditDetails(p page, e models.AuditLine, bare bool) (text string, ok bool) {
	t := p.T
	// labelled words a value under its label, or bare.
	labelled := func(id, key string, value any) string {
		if bare {
			return fmt.Sprint(value)
		}
		return t(id, key, value)
	}
	// code names a code by the catalogue's prefix, or fails.
	code := func(prefix, c string) string {
		if c == "" || !p.loc.Has(prefix+c) {
			ok = false
			return c
		}
		return p.T(prefix + c)
	}
	// count reads a number, or fails.
	count := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			ok = false
		}
		return n
	}
	names := e.Names
	if names == nil {
		names = &models.AuditNames{}
	}
	name := func(kind string, id string) string {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			ok = false
			return id
		}
		var got string
		switch kind {
		case "user":
			got = names.Users[n]
		case "region":
			got = names.Regions[n]
		case "partner":
			got = names.Partners[n]
		}
		if got != "" {
			return got
		}
		return t("auditlog.detail."+kind+"_number", "ID", n)
	}
	fail := func(good bool) {
		if !good {
			ok = false
		}
	}
	d := e.Detail
	kv, words := auditFields(d)
	ok = true
	switch a := e.Action + " " + e.Object; {
	case d == "":
		return "", true
	case e.Action == "view":
		text = auditView(t, e.Object, d, kv, count, &ok)
	case a == "create enquiry":
		text = labelled("auditlog.detail.channel", "Channel", code("channel.", kv["channel"]))
	case a == "create referral", a == "discard referral":
		out := t("auditlog.detail.referral", "Enquiry", kv["enquiry"], "Partner", name("partner", kv["partner"]))
		if share, has := kv["share"]; has || e.Action == "create" {
			out += ", " + code("auditlog.detail.share.", share)
		}
		text = out
	case a == "create user", a == "set_roles user":
		text = auditRoles(t, code, name, d)
	case a == "create api_token":
		text = t("auditlog.detail.token_days", "User", name("user", kv["user"]), "Count", count(kv["days"]))
		if scope, has := kv["scope"]; has { // the tokens made before scopes could write
			text += ", " + code("auditlog.detail.token_scope.", scope)
		}
	case a == "create partner":
		text = labelled("auditlog.detail.name", "Name", d)
	case a == "create region":
		text = labelled("auditlog.detail.slug", "Slug", d)
	case a == "create project", a == "update project":
		text = labelled("auditlog.detail.status", "Status", code("project.status.", kv["status"]))
	case a == "create milestone", a == "update milestone":
		text = t("auditlog.detail.milestone", "Project", kv["project"], "Status", code("milestone.status.", kv["status"]))
	case a == "create assessment":
		if p, has := kv["project"]; has {
			text = t("auditlog.detail.assessment_project", "Project", p, "Count", count(kv["scores"]))
			break
		}
		text = t("auditlog.detail.assessment_region", "Count", count(kv["scores"]))
		fail(slices.Contains(words, "region"))
	case a == "create factor":
		text = labelled("auditlog.detail.polarity", "Polarity", code("factor.polarity.", d))
	case a == "update enquiry":
		fields, has := strings.CutPrefix(d, "fields=")
		var labels []string
		for _, f := range strings.Split(fields, ",") {
			labels = append(labels, code("history.field.", f))
		}
		text = labelled("auditlog.detail.fields", "Fields", strings.Join(labels, ", "))
		fail(has)
	case a == "update region" && d == "settings":
		text = t("regions.settings")
	case a == "update region":
		f, err := strconv.ParseFloat(kv["load_threshold"], 64)
		text = t("auditlog.detail.threshold", "Percent", p.loc.Numbers().Decimal(f))
		fail(err == nil)
	case a == "update partner":
		switch kv["active"] {
		case "true":
			text = t("partners.active")
		case "false":
			text = t("partners.inactive")
		default:
			text, ok = d, false
		}
	case a == "update user" && d == "profile":
		text = t("auditlog.detail.profile")
	case a == "update referral":
		text = t("auditlog.detail.draft", "Reason", code("need.", kv["reason"])) + ", " + code("auditlog.detail.share.", kv["share"])
		fail(slices.Contains(words, "draft"))
	case a == "update municipality":
		org := t("municipalities.not_given")
		if kv["organisation"] != "" {
			org = code("organisation.", kv["organisation"])
		}
		f, err := strconv.ParseFloat(kv["business_fte"], 64)
		text = t("auditlog.detail.municipality_business", "Organisation", org, "FTE", p.loc.Numbers().Decimal(f))
		fail(err == nil)
	case a == "status enquiry", a == "status referral", a == "status project":
		prefix := map[string]string{"enquiry": "status.", "referral": "rstatus.", "project": "project.status."}[e.Object]
		from, to, has := strings.Cut(d, "->")
		text = code(prefix, from) + " → " + code(prefix, to)
		fail(has)
	case a == "assign enquiry":
		if kv["assigned_to"] == "0" {
			text = t("enquiry.unassigned")
			break
		}
		text = labelled("auditlog.detail.to", "Name", name("user", kv["assigned_to"]))
	case a == "activity enquiry":
		text = code("activity.", kv["kind"])
	case a == "close enquiry":
		text = labelled("auditlog.detail.outcome", "Outcome", code("outcome.", kv["outcome"]))
	case a == "close referral":
		out := labelled("auditlog.detail.outcome", "Outcome", code("routcome.", kv["outcome"]))
		switch kv["via"] {
		case "user":
		case "link":
			out += ", " + t("auditlog.detail.via_link")
		default:
			ok = false
		}
		if kv["after"] == "no_response" {
			out += ", " + t("auditlog.detail.late")
		}
		text = out
	case a == "route enquiry" && kv["from_region"] == "queue":
		text = t("auditlog.detail.from_queue")
	case a == "route enquiry" && kv["from_region"] != "":
		text = labelled("auditlog.detail.from", "Name", name("region", kv["from_region"]))
	case a == "route enquiry":
		text = labelled("auditlog.detail.to", "Name", name("region", kv["region"]))
	case a == "for_board referral":
		switch d {
		case "true", "false":
			text = t("auditlog.detail.for_board." + d)
		default:
			text, ok = d, false
		}
	case a == "no_response referral":
		var days int
		if _, err := fmt.Sscanf(d, "no answer %d days after the follow-up date", &days); err != nil {
			return d, false
		}
		text = t("auditlog.detail.no_answer", "Count", days)
	case a == "follow_up referral":
		from, to, has := strings.Cut(d, "->")
		f, err1 := time.Parse("2006-01-02", from)
		g, err2 := time.Parse("2006-01-02", to)
		text = views.FormatDate(f) + " → " + views.FormatDate(g)
		fail(has && err1 == nil && err2 == nil)
	case (a == "erase enquiry" || a == "anonymise enquiry") && strings.HasPrefix(d, models.ReappliedPrefix):
		// Re-applied by a restore: the entry re-applied, numbered as in the
		// replaced database's log, and its own detail in words.
		entry, first, _ := strings.Cut(strings.TrimPrefix(d, models.ReappliedPrefix), " ")
		n, err := strconv.ParseInt(strings.TrimPrefix(entry, "entry="), 10, 64)
		inner := e
		inner.Detail = first
		words, good := auditDetails(p, inner, false)
		text = t("auditlog.detail.reapplied", "Entry", n, "Details", words)
		fail(good && err == nil && n > 0 && strings.HasPrefix(entry, "entry="))
	case a == "erase enquiry":
		reason, has := strings.CutPrefix(d, "reason: ")
		text = labelled("auditlog.detail.reason", "Reason", reason)
		fail(has)
	case a == "anonymise enquiry" && d == "retention period ended":
		text = t("auditlog.detail.retention")
	case a == "deactivate user":
		text = t("auditlog.detail.released", "Count", count(kv["released"]))
	case a == "revoke api_token":
		text = t("auditlog.detail.revoked", "User", name("user", kv["user"]), "Why", code("auditlog.detail.why.", strings.Join(words, " ")))
	case a == "save_member region", a == "remove_member region":
		m := d
		if n := names.Municipalities[d]; n != "" {
			m += " " + n
		}
		text = labelled("auditlog.detail.member", "Municipality", m)
	case a == "withdraw_consent enquiry" && kv["purpose"] == "share":
		text = t("auditlog.detail.withdrawn")
		if n := count(kv["referrals"]); n > 0 {
			text = t("auditlog.detail.withdrawn_referrals", "Count", n)
		}
		if !bare {
			text = t("auditlog.detail.consent_share") + "; " + text
		}
	case a == "unshare referral" && d == "consent withdrawn":
		text = t("auditlog.detail.unshare")
	default:
		text, ok = d, false
	}
	if !ok {
		return d, false
	}
	return text, true
}

// auditView words where a view of person data happened, and how many rows a
// list or a download showed.
func auditView(t func(string, ...any) string, object, d string, kv map[string]string, count func(string) int, ok *bool) string {
	switch {
	case object == "person":
		if n, has := strings.CutPrefix(d, "access request export, enquiries="); has {
			return t("auditlog.detail.view.access_requests", "Count", count(n))
		}
	case kv["rows"] != "":
		where := "export"
		switch {
		case strings.HasPrefix(d, "page "):
			where = "list_page"
		case strings.HasPrefix(d, "api "):
			where = "list_api"
		}
		return t("auditlog.detail.view."+where, "Count", count(kv["rows"]))
	default:
		if id := "auditlog.detail.view." + strings.ReplaceAll(d, " ", "_"); slices.Contains([]string{"page", "api", "api activities", "link", "access request export"}, d) {
			return t(id)
		}
	}
	*ok = false
	return d
}

// auditRoles words the roles of "roles=adviser@1,board@1" (the national test
// data writes one role without "roles="): each role in its region, an
// admin's (region 0) in none.
func auditRoles(t func(string, ...any) string, code func(string, string) string, name func(string, string) string, d string) string {
	list := strings.TrimPrefix(d, "roles=")
	if list == "" {
		return t("auditlog.detail.no_roles")
	}
	var roles []string
	for _, g := range strings.Split(list, ",") {
		role, region, _ := strings.Cut(g, "@")
		if region == "0" || region == "" {
			roles = append(roles, code("role.", role))
			continue
		}
		roles = append(roles, t("auditlog.detail.role_in", "Role", code("role.", role), "Region", name("region", region)))
	}
	return t("auditlog.detail.roles", "Roles", strings.Join(roles, ", "))
}

// auditFields splits a detail such as "outcome=supported via=link" into its
// key=value pairs and its bare words.
func auditFields(d string) (map[string]string, []string) {
	kv := map[string]string{}
	var words []string
	for _, f := range strings.Fields(d) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		} else {
			words = append(words, f)
		}
	}
	return kv, words
}
