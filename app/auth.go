package app

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// health answers 200 when the database answers.
func (s *Server) health(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Warn("health", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// static serves the embedded CSS and images.
func (s *Server) static(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return staticFiles(c)
}

// staticFiles serves the embedded static tree; it never changes after start-up.
var staticFiles = echo.StaticDirectoryHandler(views.Static(), false)

// home sends the visitor to their start page or to log in.
func (s *Server) home(c echo.Context) error {
	if viewer(c) != nil {
		return redirect(c, "/dashboard")
	}
	return redirect(c, "/login")
}

type loginPage struct {
	page
	Email, Next string
}

func (s *Server) loginForm(c echo.Context) error {
	if viewer(c) != nil {
		return redirect(c, "/dashboard")
	}
	p := s.page(c, "login.title")
	if c.QueryParam("expired") != "" {
		p.Flash = p.T("login.expired")
	}
	return c.Render(http.StatusOK, "auth/login", loginPage{page: p, Next: safeNext(c.QueryParam("next"))})
}

// safeNext keeps a post-login or back redirect on this site: a path, never
// another host. Browsers drop tabs and line breaks from a URL and read a
// backslash as a slash, so "/\t/evil.example" reaches them as "//evil.example":
// a control character or backslash anywhere is refused, and so is anything that
// parses with a scheme or a host. Percent-encoded bytes ("/%09/x") pass, as a
// browser keeps them encoded in the path.
func safeNext(next string) string {
	if len(next) > 500 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return ""
	}
	if strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsControl(r) }) {
		return ""
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

// login checks the password, throttles guessing and starts a new session.
func (s *Server) login(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	data := loginPage{page: s.page(c, "login.title"), Email: email, Next: safeNext(c.FormValue("next"))}

	until, blocked, err := s.store.BeginLogin(ctx, email, clientNetwork(c))
	if err != nil {
		return err
	}
	if blocked {
		data.Errors = map[string]string{"form": data.T("login.throttled", "Time", until.In(views.Oslo).Format("15:04"))}
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(until.Sub(s.store.Now()).Seconds())+1))
		return c.Render(http.StatusTooManyRequests, "auth/login", data)
	}
	u, err := s.store.Authenticate(ctx, email, password)
	if errors.Is(err, models.ErrNotFound) { // BeginLogin recorded the failure
		data.Errors = map[string]string{"form": data.T("login.failed")}
		return c.Render(http.StatusUnauthorized, "auth/login", data)
	}
	if err != nil {
		return err
	}
	if err := s.store.RecordLogin(ctx, email, clientNetwork(c), true); err != nil {
		return err
	}
	// A new session id at log-in, so that an id planted before log-in is worthless.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, u.ID)
	s.sessions.Put(ctx, sessEpoch, u.SessionEpoch)
	s.sessions.Put(ctx, sessStarted, s.store.Now().Unix())
	s.sessions.Put(ctx, sessSeen, s.store.Now().Unix())
	s.sessions.Remove(ctx, sessCSRF) // a fresh CSRF token for the new session
	// The one logging in works in their own language: one they chose on the
	// log-in page, else their profile's. A language kept from an ended
	// session may be the last user's on a shared PC.
	if s.sessions.GetBool(ctx, sessLangKept) {
		s.sessions.Remove(ctx, sessLang)
		s.sessions.Remove(ctx, sessLangKept)
	}
	if data.Next != "" {
		return redirect(c, data.Next)
	}
	return redirect(c, "/dashboard")
}

// logout ends the session on the server, not only in the browser.
func (s *Server) logout(c echo.Context) error {
	var u *models.User
	if v := viewer(c); v != nil {
		u = v.User
	}
	if err := s.endSession(c, u); err != nil {
		return err
	}
	return redirect(c, "/login")
}

// setLanguage switches between Bokmål and English and remembers the choice.
func (s *Server) setLanguage(c echo.Context) error {
	lang := c.FormValue("lang")
	if lang != "nb" && lang != "en" {
		return errMalformed("error.malformed")
	}
	ctx := c.Request().Context()
	s.sessions.Put(ctx, sessLang, lang)
	s.sessions.Remove(ctx, sessLangKept) // chosen here, not kept from an ended session
	if v := viewer(c); v != nil {
		if err := s.store.SetPreferences(ctx, v.User.ID, lang, 0); err != nil {
			return err
		}
	}
	return redirect(c, backTo(c))
}

// backTo is where a small header form returns: the page it was posted from.
func backTo(c echo.Context) string {
	if next := safeNext(c.FormValue("back")); next != "" {
		return next
	}
	return "/"
}

// switchRegion changes the region a user with roles in several regions works in.
func (s *Server) switchRegion(c echo.Context) error {
	id, err := strconv.ParseInt(c.FormValue("region"), 10, 64)
	if err != nil {
		return errMalformed("error.malformed")
	}
	v := viewer(c)
	ctx := c.Request().Context()
	if _, err := s.store.Region(ctx, v, id); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessRegionID, id)
	if err := s.store.SetPreferences(ctx, v.User.ID, "", id); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
}
