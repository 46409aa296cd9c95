package app

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

// apiError is an error with the status, code and message ID the client sees.
type apiError struct {
	status  int
	code    string
	message string                    // message ID in the catalogues
	fields  map[string]string         // field → message ID
	data    map[string]map[string]any // field → what its message names
}

func (e *apiError) Error() string { return e.code }

var (
	errUnauthenticated = &apiError{status: http.StatusUnauthorized, code: "unauthenticated", message: "error.unauthenticated"}
	errCSRF            = &apiError{status: http.StatusForbidden, code: "csrf", message: "error.csrf"}
	errRegionChanged   = &apiError{status: http.StatusConflict, code: "conflict", message: "error.region_changed"}
	errTokenAPIOnly    = &apiError{status: http.StatusForbidden, code: "forbidden", message: "error.token_api_only"}
	errTokenReadOnly   = &apiError{status: http.StatusForbidden, code: "forbidden", message: "error.token_read_only"}
)

func errMalformed(messageID string) error {
	return &apiError{status: http.StatusBadRequest, code: "malformed", message: messageID}
}

// statusCodes maps a status to the error code and message the contract names.
var statusCodes = map[int][2]string{
	http.StatusBadRequest:            {"malformed", "error.malformed"},
	http.StatusUnauthorized:          {"unauthenticated", "error.unauthenticated"},
	http.StatusForbidden:             {"forbidden", "error.forbidden"},
	http.StatusNotFound:              {"not_found", "error.not_found"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "error.method_not_allowed"},
	http.StatusConflict:              {"conflict", "error.conflict"},
	http.StatusRequestEntityTooLarge: {"too_large", "error.too_large_body"},
	http.StatusUnprocessableEntity:   {"invalid", "error.invalid"},
	http.StatusTooManyRequests:       {"rate_limited", "error.rate_limited"},
	http.StatusInternalServerError:   {"internal", "error.internal"},
}

// classify turns any error into what the client sees.
func classify(err error) *apiError {
	var ae *apiError
	var ve *models.ValidationError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &ve):
		return &apiError{status: http.StatusUnprocessableEntity, code: "invalid", message: "error.invalid", fields: ve.Fields, data: ve.Data}
	case errors.Is(err, models.ErrNotFound):
		return fromStatus(http.StatusNotFound)
	case errors.Is(err, models.ErrConflict):
		return fromStatus(http.StatusConflict)
	case errors.As(err, &he):
		return fromStatus(he.Code)
	}
	return fromStatus(http.StatusInternalServerError)
}

func fromStatus(status int) *apiError {
	sc, ok := statusCodes[status]
	if !ok {
		sc = [2]string{strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), "error.internal"}
	}
	return &apiError{status: status, code: sc[0], message: sc[1]}
}

// handleError is the one place where errors become responses: JSON under
// /api/, a readable page elsewhere. Internal details stay in the log.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := classify(err)
	if ae.status >= 500 {
		s.log.Error("request failed", "route", c.Path(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	}
	loc := s.localizer(c)
	if lang, ok := c.Get(ctxIntakeLang).(string); ok {
		loc = s.views.PublicLocalizer(lang)
	}
	if isAPI(c) {
		body := map[string]any{"code": ae.code, "message": loc.T(ae.message)}
		if len(ae.fields) > 0 {
			fields := map[string]string{}
			for k, v := range ae.fields {
				fields[k] = translateField(loc, k, v, ae.data)
			}
			body["fields"] = fields
		}
		_ = c.JSON(ae.status, map[string]any{"error": body})
		return
	}
	if ae.status == http.StatusUnauthorized && c.Request().Method == http.MethodGet {
		// Back to the page after log-in. A form post cannot be replayed: its
		// page says why instead, below, and gives back what was typed.
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		return
	}
	var p page
	if strings.HasPrefix(c.Request().URL.Path, "/enquiry") {
		p = s.publicPage(c, intakeLanguage(c), "error.title") // the one door answers in its own language
	} else {
		p = s.page(c, "error.title")
	}
	p.Status = ae.status
	p.Message = p.loc.T(ae.message)
	switch ae {
	case errRegionChanged:
		p.Typed = typedText(c)
	case errUnauthenticated:
		// A form sent after the session ended (idle, logged out in another
		// tab): nothing was saved, and logging in leads back to its page.
		p.Message = p.loc.T("error.logged_out")
		p.Back = refererPath(c.Request())
		if sameOrigin(c.Request()) {
			p.Typed = typedText(c)
		}
	case errCSRF:
		// A form opened before the user logged in again, perhaps in another
		// tab. Its text is given back only to a post from our own pages: a
		// forged post from another site must not get text of its choosing
		// shown on ours.
		p.Back = refererPath(c.Request())
		if sameOrigin(c.Request()) {
			if p.Typed = typedText(c); len(p.Typed) > 0 {
				p.Message = p.loc.T("error.csrf_typed")
			}
		}
	}
	if err := c.Render(ae.status, "errors/status", p); err != nil {
		s.log.Error("render error page", "err", err)
		_ = c.String(ae.status, http.StatusText(ae.status))
	}
}

// typedText is what was typed in a form refused before its handler ran (sent
// after a region switch): the texts of more than a word, so that nothing
// written is lost with the form. Codes, numbers and the form's own fields are
// left out, and passwords (a passphrase has words too): they are not text to
// paste again, and would stand on the screen and in the page's source.
func typedText(c echo.Context) []string {
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	var out []string
	for name, values := range form {
		if name == "_csrf" || name == "form_region" || name == "version" || strings.Contains(name, "password") {
			continue
		}
		for _, v := range values {
			if v = strings.TrimSpace(v); strings.ContainsAny(v, " \n") {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

// sameOrigin tells whether the browser says the request was sent from one of
// our own pages: by Sec-Fetch-Site, which every current browser sends and
// which then decides, else (an older browser) by an Origin naming this host.
// A request not from a browser can claim either, but it shows its text to no
// one but its sender.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get(echo.HeaderOrigin)
	return strings.EqualFold(origin, "http://"+r.Host) || strings.EqualFold(origin, "https://"+r.Host)
}

// refererPath is the page of this site a form was sent from, by its Referer,
// to return to: the path and query of a Referer on this host, checked as a
// log-in's next is (safeNext), or "" for anything else.
func refererPath(r *http.Request) string {
	ref := r.Header.Get("Referer")
	for _, origin := range []string{"http://" + r.Host, "https://" + r.Host} {
		if len(ref) >= len(origin) && strings.EqualFold(ref[:len(origin)], origin) {
			// The path follows the host at once: the host "h:80" is not
			// the Referer "http://h:8080/x"'s.
			if ref = ref[len(origin):]; !strings.HasPrefix(ref, "/") {
				return ""
			}
			break
		}
	}
	return safeNext(ref) // a path alone, or nothing: "https://evil.example/x" and "//evil.example" are refused
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }
