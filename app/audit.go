package app

import (
	"net/http"

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

// auditRow is an audit entry with its action and object in the reader's words.
type auditRow struct {
	models.AuditLine
	ActionLabel, ObjectLabel string
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
// region. Who acted is chosen by name or e-mail (user); a link may choose them
// by id (user_id).
func (s *Server) listAudit(c echo.Context) error {
	p := s.page(c, "audit.title")
	q := newListQuery(c)
	// The codes are those the log has ever written (TestAuditCodesListed);
	// another lists nothing, so it is refused as the other filters are.
	f := models.AuditFilter{UserID: q.id("user_id"), User: q.text("user"), Object: q.code("object", models.AuditObjects), ObjectID: q.text("object_id"),
		Action: q.code("action", models.AuditActions), From: q.date("from"), To: q.date("to"), Page: q.page()}
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
	}
	if f.UserID != 0 {
		// The user field says whose entries the link chose: by the name the
		// rows give, as no other user's name is the viewer's to read.
		who := p.T("audit.user_number", "ID", f.UserID)
		if len(list) > 0 && list[0].UserName != "" {
			who = list[0].UserName
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
		m.text("user", "audit.user", f.User).As("search"), object,
		m.text("object_id", "audit.object_id", f.ObjectID), action,
		m.text("from", "audit.from", q.text("from")).As("date"), m.text("to", "audit.to", q.text("to")).As("date"),
	}
}
