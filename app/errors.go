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
	if ae.status == http.StatusUnauthorized {
		// Back to the page after log-in; a form post cannot be replayed, so it says why instead.
		target := "/login?expired=1"
		if c.Request().Method == http.MethodGet {
			target = "/login?next=" + url.QueryEscape(c.Request().URL.RequestURI())
		}
		_ = c.Redirect(http.StatusSeeOther, target)
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
	if err == errRegionChanged {
		p.Typed = typedText(c)
	}
	if err := c.Render(ae.status, "errors/status", p); err != nil {
		s.log.Error("render error page", "err", err)
		_ = c.String(ae.status, http.StatusText(ae.status))
	}
}

// typedText is what was typed in a form refused before its handler ran (sent
// after a region switch): the texts of more than a word, so that nothing
// written is lost with the form. Codes, numbers and the form's own fields are
// left out.
func typedText(c echo.Context) []string {
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	var out []string
	for name, values := range form {
		if name == "_csrf" || name == "form_region" || name == "version" {
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

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }
