package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"samspill/models"
	"samspill/policies"
)

// Session keys.
const (
	sessUserID   = "user_id"
	sessEpoch    = "epoch"
	sessRegionID = "region_id"
	sessLang     = "lang"
	sessCSRF     = "csrf"
	sessFlash    = "flash"
	sessStarted  = "started"   // unix seconds of log-in, for the absolute timeout
	sessSeen     = "seen"      // unix seconds of the last request, for the idle timeout
	sessLangKept = "lang_kept" // the language is the ended session's, kept for its log-in page only
)

// Context keys.
const (
	ctxViewer  = "viewer"
	ctxBearer  = "bearer"
	ctxRegions = "regions" // the viewer's regions, read once per request
	ctxSession = "session" // set when the request's session was loaded
	// ctxIntakeLang is the language of an enquiry sent as JSON, which its
	// errors are written in.
	ctxIntakeLang = "intake_lang"
)

// maxBody caps request bodies; the intake and admin forms are far smaller.
const maxBody = "1M"

func (s *Server) middleware(e *echo.Echo) {
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(middleware.RequestID())
	e.Use(s.logRequests)
	e.Use(secureHeaders(s.cfg.SecureCookies))
	// The session first: a body refused as too large is answered with a page
	// in the user's language, which the session holds.
	e.Use(s.loadSession)
	e.Use(middleware.BodyLimit(maxBody))
	e.Use(refuseNUL)
	e.Use(s.authenticate)
	e.Use(s.checkCSRF)
}

// refuseNUL refuses a query or form holding the NUL character: no text anyone
// writes holds it, PostgreSQL cannot store or compare it (the request failed
// with 500), and SQLite would keep it where no other part of the system
// expects it. JSON bodies are checked as they are read (readJSON).
func refuseNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if strings.ContainsRune(r.URL.Path, 0) {
			return errMalformed("error.nul")
		}
		if strings.Contains(r.URL.RawQuery, "%00") {
			if q, err := url.ParseQuery(r.URL.RawQuery); err != nil || valuesHoldNUL(q) {
				return errMalformed("error.nul")
			}
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
			if err := r.ParseForm(); err == nil && valuesHoldNUL(r.PostForm) {
				return errMalformed("error.nul")
			}
		}
		return next(c)
	}
}

func valuesHoldNUL(vs url.Values) bool {
	for k, list := range vs {
		if strings.ContainsRune(k, 0) {
			return true
		}
		for _, v := range list {
			if strings.ContainsRune(v, 0) {
				return true
			}
		}
	}
	return false
}

// logRequests writes one structured line per request. It logs the route
// pattern, never the raw URL, whose query may hold search terms about people.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // let the error handler set the status before it is logged
		}
		attrs := []any{
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method,
			"route", c.Path(),
			"status", c.Response().Status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if v := viewer(c); v != nil {
			attrs = append(attrs, "user_id", v.User.ID)
		}
		s.log.Info("request", attrs...)
		return nil
	}
}

// secureHeaders sets the headers every response carries.
func secureHeaders(tls bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			if tls || c.IsTLS() {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
				h.Set("Cache-Control", "no-store")
			}
			return next(c)
		}
	}
}

// loadSession loads and saves the server-side session, except for static files,
// the health check and bearer-token API calls, which need none.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	withSession := echo.WrapMiddleware(s.sessions.LoadAndSave)(next)
	return func(c echo.Context) error {
		if !needsSession(c.Request()) {
			return next(c)
		}
		c.Set(ctxSession, true)
		return withSession(c)
	}
}

// needsSession tells whether a request gets a server-side session: static files,
// the health check, the one door and bearer-token API calls do not. The one door
// makes no session so that anonymous visitors leave nothing behind on the server.
func needsSession(r *http.Request) bool {
	p := r.URL.Path
	return !strings.HasPrefix(p, "/static/") && p != "/healthz" && !publicPosts[p] && p != "/enquiry/receipt" && bearerToken(r) == "" &&
		!strings.HasPrefix(p, "/api/v1/intake") && !strings.HasPrefix(p, "/r/")
}

// publicPosts take anonymous submissions without a CSRF token. A CSRF token
// protects the authority of a logged-in browser; these forms carry none (anyone
// may post them directly), and demanding a token would lose the text of someone
// who took long to write it.
var publicPosts = map[string]bool{"/enquiry": true, "/api/v1/intake": true}

func bearerToken(r *http.Request) string {
	h := r.Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return ""
	}
	// The scheme's name is case-insensitive (RFC 9110, 11.1): "bearer" is "Bearer".
	if scheme, t, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(t)
	}
	return "malformed"
}

// authenticate finds the viewer from a bearer token or the session and picks
// the region they work in. No viewer means anonymous.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		var user *models.User
		var scope models.TokenScope // a token's; "" for a session
		if p := c.Request().URL.Path; p == "/healthz" || strings.HasPrefix(p, "/static/") {
			// The health check and the static files serve anyone alike: a
			// monitor or client that sends its token on every request gets them.
			return next(c)
		}
		if token := bearerToken(c.Request()); token != "" {
			// A token is for the API. The pages are a browser's, with its
			// session: their reads of person data (a case, the export) and
			// their forms (making tokens, changing the password) are not a
			// token's, so a leaked token reaches no more than the API.
			if !strings.HasPrefix(c.Request().URL.Path, "/api/") {
				return errTokenAPIOnly
			}
			u, sc, err := s.store.UserByToken(ctx, token)
			if errors.Is(err, models.ErrNotFound) {
				return errUnauthenticated
			}
			if err != nil {
				return err
			}
			user, scope = u, sc
			c.Set(ctxBearer, sc) // its scope; any non-nil value marks a token's request
		} else if needsSession(c.Request()) {
			id := s.sessions.GetInt64(ctx, sessUserID)
			if id != 0 {
				u, err := s.store.UserByID(ctx, id)
				switch {
				case errors.Is(err, models.ErrNotFound):
				case err != nil:
					return err
				case !u.Active || u.SessionEpoch != s.sessions.GetInt(ctx, sessEpoch) || s.sessionExpired(c):
					// Deactivated, password reset, roles changed, sessions ended by an
					// admin, or idle or old for too long.
					if err := s.endSession(c, u); err != nil {
						return err
					}
				default:
					user = u
					s.markSeen(c)
				}
			}
		}
		if user == nil {
			return next(c)
		}
		if err := s.refreshBindings(c); err != nil {
			return err
		}
		v, err := s.viewerFor(c, user)
		if err != nil {
			return err
		}
		c.Set(ctxViewer, v)
		if scope == models.TokenRead && !readOnlyMethod(c.Request().Method) {
			// The one place a read-only token is held to reading: no route
			// and no handler it could write through is reached. Said in the
			// user's language, hence after the viewer is known.
			return errTokenReadOnly
		}
		return next(c)
	}
}

// readOnlyMethod tells whether a request's method only reads: GET and HEAD,
// all a read-only token may send. (The API has no OPTIONS routes.)
func readOnlyMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// endSession ends the session on the server, keeping only the language it was
// used in (or u's), so that the log-in page that follows speaks it too.
func (s *Server) endSession(c echo.Context, u *models.User) error {
	ctx := c.Request().Context()
	lang := s.sessions.GetString(ctx, sessLang)
	if lang == "" && u != nil {
		lang = u.Language
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	if lang != "" {
		s.sessions.Put(ctx, sessLang, lang)
		s.sessions.Put(ctx, sessLangKept, true)
	}
	return nil
}

// seenEvery is how often the session's last-seen time is moved on. Moving it
// on every request would rewrite the session on every request; the idle
// timeout does not need a precision finer than this.
const seenEvery = 30 * time.Second

// markSeen records that the session was used now, unless it was recorded less
// than seenEvery ago: an unchanged session is not written back (see
// models.SessionStore.CommitCtx).
func (s *Server) markSeen(c echo.Context) {
	ctx := c.Request().Context()
	now := s.store.Now().Unix()
	if now-s.sessions.GetInt64(ctx, sessSeen) >= int64(seenEvery/time.Second) {
		s.sessions.Put(ctx, sessSeen, now)
	}
}

// sessionExpired applies the idle and absolute timeouts on the store's clock,
// which tests can move. scs enforces the same limits with the wall clock as a
// backstop, and its cookie expiry ends idle browser sessions too.
func (s *Server) sessionExpired(c echo.Context) bool {
	ctx := c.Request().Context()
	now := s.store.Now()
	started := time.Unix(s.sessions.GetInt64(ctx, sessStarted), 0)
	seen := time.Unix(s.sessions.GetInt64(ctx, sessSeen), 0)
	return now.Sub(started) > s.cfg.SessionLifetime || now.Sub(seen) > s.cfg.SessionIdle
}

// refreshBindings reloads Casbin's role bindings when any server changed them.
func (s *Server) refreshBindings(c echo.Context) error {
	ctx := c.Request().Context()
	version, err := s.store.RolesVersion(ctx)
	if err != nil {
		return err
	}
	if version == s.enforcer.Version() {
		return nil
	}
	return s.LoadBindings(ctx)
}

// headerRegion names, by its slug, the region an API request made with a bearer
// token works in.
const headerRegion = "Samspill-Region"

// viewerFor picks the region the user works in: the one a token's request names
// in its Samspill-Region header, or the one chosen in this session, else the one
// remembered from last time, else the first where they hold a role.
func (s *Server) viewerFor(c echo.Context, u *models.User) (*models.Viewer, error) {
	ctx := c.Request().Context()
	v := &models.Viewer{User: u}
	regions, err := s.store.RegionsVisibleTo(ctx, v)
	if err != nil {
		return nil, err
	}
	c.Set(ctxRegions, regions)
	want := int64(0)
	if c.Get(ctxBearer) == nil {
		want = s.sessions.GetInt64(ctx, sessRegionID)
	} else if slug := c.Request().Header.Get(headerRegion); slug != "" {
		// A token has no session to remember a choice in: an integration names
		// the region of each request, else it acts where its owner last worked.
		for i := range regions {
			if regions[i].Slug == slug {
				v.Region = &regions[i]
				return v, nil
			}
		}
		return nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "error.region_not_yours"}
	}
	if want == 0 && u.LastRegionID != nil {
		want = *u.LastRegionID
	}
	for i := range regions {
		if regions[i].ID == want {
			v.Region = &regions[i]
		}
	}
	// An admin sees every region: the first where they hold a role is where
	// they work, not the first of all by name.
	for i := 0; v.Region == nil && i < len(regions); i++ {
		if u.HoldsRoleIn(regions[i].ID) {
			v.Region = &regions[i]
		}
	}
	if v.Region == nil && len(regions) > 0 {
		v.Region = &regions[0]
	}
	return v, nil
}

// viewer is the logged-in user of the request, or nil.
func viewer(c echo.Context) *models.Viewer {
	v, _ := c.Get(ctxViewer).(*models.Viewer)
	return v
}

// clientNetwork is the address the per-address limits count (the log-in
// throttle, the one door's rate): the client's address, but of an IPv6 one its
// /64. Whoever has a /64 (any home line) may send from any address in it, and
// counted one by one they stepped around every limit by taking a new one.
func clientNetwork(c echo.Context) string {
	ip := c.RealIP()
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is6() || addr.Is4In6() {
		return ip
	}
	prefix, err := addr.Prefix(64)
	if err != nil {
		return ip
	}
	return prefix.String()
}

// actor is who the audit log records for this request. The address is
// recorded for staff only: an anonymous enquirer's (or a one-time link's
// partner contact's) would be person data in a log that is kept for good.
func actor(c echo.Context) models.Actor {
	a := models.Actor{RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if v := viewer(c); v != nil {
		a.IP = c.RealIP()
		a.UserID = v.User.ID
		if v.Region != nil {
			a.RegionID = v.Region.ID
		}
	}
	return a
}

// checkCSRF refuses a state-changing request made with the browser session
// unless it carries the session's token. This is the synchronizer-token pattern;
// Echo's own CSRF middleware is not used because since v4.15 it lets any request
// with "Sec-Fetch-Site: same-origin" through without a token, and that header is
// trivially forged outside a browser.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		// A bearer token (which authenticate lets through to the API only) is
		// not sent by browsers on their own.
		if c.Get(ctxBearer) != nil {
			return next(c)
		}
		// A one-time link's token is itself the capability: whoever can forge the
		// post already holds the token, so a CSRF token adds nothing there.
		// Nor does an API call with no session behind it: it has no authority
		// to protect, and the route guard answers it 401, as the API says.
		if publicPosts[c.Request().URL.Path] || strings.HasPrefix(c.Request().URL.Path, "/r/") ||
			(viewer(c) == nil && strings.HasPrefix(c.Request().URL.Path, "/api/")) {
			return next(c)
		}
		sent := c.Request().Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = c.FormValue("_csrf")
		}
		want := s.sessionString(c, sessCSRF)
		if want == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(want)) != 1 {
			if viewer(c) == nil && c.Path() == "/logout" {
				// Logging out of a session that has ended already: done.
				return redirect(c, "/login")
			}
			if viewer(c) == nil && s.needsLogin(c) {
				// The session ended (idle, logged out in another tab) and its
				// token with it: the form is refused because nobody is logged
				// in, as the route guard would say, and its page says so.
				return errUnauthenticated
			}
			return errCSRF
		}
		// A form whose record goes to the region the user works in carries the
		// region it was opened in (the "form_region" partial): sent after the
		// user chose another region in a second tab, it would be saved in
		// that one (a project typed for one region filed under another).
		if opened := c.FormValue("form_region"); opened != "" {
			if v := viewer(c); v != nil && v.Region != nil && opened != strconv.FormatInt(v.Region.ID, 10) {
				return errRegionChanged
			}
		}
		return next(c)
	}
}

// needsLogin tells whether the request's route is for logged-in users only.
func (s *Server) needsLogin(c echo.Context) bool {
	method, path := c.Request().Method, c.Path()
	for _, r := range s.routes {
		if r.method == method && r.path == path {
			return r.access.kind == authenticated || r.access.kind == permission
		}
	}
	return false
}

// sessionString reads a string from the session, or "" when the request has none.
func (s *Server) sessionString(c echo.Context, key string) string {
	// Asking scs for a session it did not load panics; an error answered
	// before the session was loaded has none.
	if c.Get(ctxSession) == nil {
		return ""
	}
	return s.sessions.GetString(c.Request().Context(), key)
}

// csrfToken returns the session's CSRF token, making one on first use.
func (s *Server) csrfToken(c echo.Context) string {
	if c.Get(ctxBearer) != nil {
		return ""
	}
	if t := s.sessionString(c, sessCSRF); t != "" {
		return t
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	s.sessions.Put(c.Request().Context(), sessCSRF, t)
	return t
}

// guard enforces a route's declared access before its handler runs. On a
// route to one record (its path has a parameter), refusal is 404 like a record
// out of scope, so that nobody learns which records exist.
func (s *Server) guard(path string, a access) echo.MiddlewareFunc {
	record := strings.Contains(path, "/:")
	deny := func(err error) error {
		if record {
			return models.ErrNotFound
		}
		return err
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			switch a.kind {
			case public:
				return next(c)
			case authenticated:
				if viewer(c) == nil {
					return errUnauthenticated
				}
				return next(c)
			case permission:
				v := viewer(c)
				if v == nil {
					return errUnauthenticated // log in first (a page) or 401 (the API), on records too
				}
				if !s.allowed(v, a.obj, a.act) {
					return deny(echo.ErrForbidden)
				}
				return next(c)
			}
			return echo.ErrForbidden // a route without a declared access is refused
		}
	}
}

// allowed asks Casbin whether the viewer may do act on obj in their current region.
func (s *Server) allowed(v *models.Viewer, obj, act string) bool {
	ok, err := s.enforcer.Enforce(v.Subject(), v.Domain(), obj, act)
	if err != nil {
		s.log.Error("casbin", "err", err)
		return false
	}
	return ok
}

// LoadBindings loads every user → role → region binding into Casbin.
func (s *Server) LoadBindings(ctx context.Context) error {
	bindings, version, err := s.store.RoleBindings(ctx)
	if err != nil {
		return err
	}
	bs := make([]policies.Binding, 0, len(bindings))
	for _, b := range bindings {
		dom := "*"
		if b.RegionID != nil {
			dom = strconv.FormatInt(*b.RegionID, 10)
		}
		bs = append(bs, policies.Binding{Subject: models.UserSubject(b.UserID), Role: b.Role, Domain: dom})
	}
	return s.enforcer.LoadBindings(bs, version)
}
