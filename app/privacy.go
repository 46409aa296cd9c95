package app

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

type privacyPage struct {
	page
	Sent                 string // "export" or "erase": the form the values and errors belong to
	Email, Phone, Reason string
	Erased               int
	Done                 bool
}

// In gives the error of field when form is the one that was sent: the page has
// two forms with the same fields, and only the one sent should be marked.
func (d privacyPage) In(form, field string) string {
	if form != d.Sent {
		return ""
	}
	return d.Err(field)
}

// Value gives what was typed in field when form is the one that was sent.
func (d privacyPage) Value(form, field string) string {
	if form != d.Sent {
		return ""
	}
	switch field {
	case "email":
		return d.Email
	case "phone":
		return d.Phone
	case "reason":
		return d.Reason
	}
	return ""
}

// privacy is the admin's page for access requests and erasure.
func (s *Server) privacy(c echo.Context) error {
	return c.Render(http.StatusOK, "admin/privacy", privacyPage{page: s.page(c, "privacy.title")})
}

// exportPerson sends everything about one person: as a document written to
// the person (format "document", the default) or as JSON in the API's terms
// for another service to read ("json"). It is a POST with the session's CSRF
// token, not a GET: it writes an access request to the audit log, which
// another site's link must not make an admin's browser do, and the person's
// e-mail and phone stay out of addresses, and so out of browser history and
// proxies' logs.
func (s *Server) exportPerson(c echo.Context) error {
	format := c.FormValue("format")
	if format != "" && format != "document" && format != "json" {
		return errMalformed("error.malformed")
	}
	q := models.PersonQuery{Email: c.FormValue("email"), Phone: c.FormValue("phone")}
	exp, err := s.store.ExportPerson(c.Request().Context(), viewer(c), actor(c), q)
	if ve := asValidation(err); ve != nil {
		return c.Render(http.StatusUnprocessableEntity, "admin/privacy", privacyPage{page: s.page(c, "privacy.title").withErrors(ve.Fields), Sent: "export", Email: q.Email, Phone: q.Phone})
	}
	if err != nil {
		return err
	}
	p := s.page(c, "privacy.doc_title")
	// Written to the person, in their language, not the admin's.
	lang := documentLanguage(exp)
	p.loc, p.Lang = s.views.Localizer(lang), lang
	p.Title = p.T("privacy.doc_title")
	name := p.T("privacy.file") + "-" + exp.ExportedAt.In(models.Oslo).Format("20060102-150405")
	if format == "json" {
		c.Response().Header().Set(echo.HeaderContentDisposition, attachment(name+".json"))
		return c.JSONPretty(http.StatusOK, newPersonJSON(exp, s.store.Now()), "  ")
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, attachment(name+".html"))
	return c.Render(http.StatusOK, "documents/access", newAccessDocument(p, exp))
}

// erasePerson anonymises one person's enquiries, with a required reason.
func (s *Server) erasePerson(c echo.Context) error {
	q := models.PersonQuery{Email: c.FormValue("email"), Phone: c.FormValue("phone")}
	reason := c.FormValue("reason")
	n, err := s.store.ErasePerson(c.Request().Context(), viewer(c), actor(c), q, reason)
	d := privacyPage{page: s.page(c, "privacy.title"), Sent: "erase", Email: q.Email, Phone: q.Phone, Reason: reason}
	if ve := asValidation(err); ve != nil {
		d.page = d.page.withErrors(ve.Fields)
		return c.Render(http.StatusUnprocessableEntity, "admin/privacy", d)
	}
	if errors.Is(err, models.ErrForgetPending) {
		// The enquiries are anonymised; the janitor's next round finishes
		// the rest (the search index's old segments, the log).
		s.log.Warn("erasure: the database's files", "err", err)
	} else if err != nil {
		return err
	}
	d.Erased, d.Done, d.Email, d.Phone, d.Reason = n, true, "", "", ""
	return c.Render(http.StatusOK, "admin/privacy", d)
}
