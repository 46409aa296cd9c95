// Package app is Samspill's web layer: the Echo server, the route table, the
// middleware and the handlers for pages and the JSON API. It is the only package
// that imports Echo.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"samspill/models"
	"samspill/policies"
	"samspill/views"
)

// Server holds what every handler needs. It has no other state.
type Server struct {
	cfg      Config
	store    *models.Store
	enforcer *policies.Enforcer
	views    *views.Set
	sessions *scs.SessionManager
	log      *slog.Logger
	routes   []route
	// intakeRate limits the one door's stored submissions per address.
	intakeRate *middleware.RateLimiterMemoryStore
}

// New wires the Echo instance: middleware, error handler and the route table.
func New(cfg Config, store *models.Store, enforcer *policies.Enforcer, set *views.Set, log *slog.Logger) (*echo.Echo, *Server) {
	s := &Server{cfg: cfg, store: store, enforcer: enforcer, views: set, log: log}

	// Not scs.New: it also starts a memory store, whose goroutine sweeps it
	// every minute for as long as the process lives (its StopCleanup does
	// nothing until that goroutine has begun); the sessions are in the
	// database. Every field New sets is set below but one, the key of the
	// session data in a request's context, which is then the same for every
	// manager: a request passes through one.
	s.sessions = &scs.SessionManager{}
	s.sessions.Store = store.Sessions()
	s.sessions.Codec = sessionCodec{}
	// The server ends an idle session itself (authenticate, on the store's
	// clock), keeping its language for the log-in page that follows; scs's
	// own timeout, on the wall clock, would drop it first and silently. Its
	// is the backstop for sessions nobody comes back to.
	s.sessions.IdleTimeout = cfg.SessionIdle + time.Hour
	s.sessions.Lifetime = cfg.SessionLifetime
	// Over HTTPS the cookie takes the __Host- prefix, which browsers accept only
	// with Secure, Path=/ and no Domain: no subdomain can set or shadow it.
	s.sessions.Cookie.Name = SessionCookie(cfg.SecureCookies)
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.SecureCookies
	s.sessions.Cookie.Path = "/"
	s.sessions.Cookie.Persist = false // a browser session cookie; the server decides expiry
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.Error("session", "err", err, "request_id", r.Header.Get(echo.HeaderXRequestID))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Renderer = s
	e.HTTPErrorHandler = s.handleError
	// The client address comes from the connection unless a trusted proxy is configured:
	// Echo's default would believe any X-Forwarded-For header.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.middleware(e)
	s.routes = s.routeTable()
	if cfg.BenchFloor {
		s.routes = append(s.routes, route{http.MethodGet, "/bench/floor", s.benchFloor, loggedIn})
	}
	s.register(e)
	return e, s
}

// SessionCookie is the session cookie's name: with the __Host- prefix when
// cookies are Secure (served over HTTPS), and a plain name for plain-HTTP
// development, where browsers refuse prefixed cookies.
func SessionCookie(secure bool) string {
	if secure {
		return "__Host-samspill"
	}
	return "samspill_session"
}

// HTTPServer wraps the handler in an http.Server with every timeout set, so a
// slow client cannot hold a connection open for ever.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// StartJanitor starts the janitor: a round now and every ten minutes, which
// finishes the cleaning of SQLite's files after an erasure that failed
// (ForgetErased), removes expired sessions and old log-in attempts, marks unanswered
// referrals as no_response and, once a day, applies retention. Several
// servers may run it at once: on PostgreSQL the retention job and the
// no_response marking take an advisory lock, so one instance runs each while
// the others skip it.
//
// No round starts once ctx has ended (the server is shutting down), but the
// round under way then is finished rather than cut off mid-way. wait returns
// once the janitor has stopped; if its limit ends first, the round's work is
// cancelled (its writes are transactions, one per enquiry for retention: the
// one under way is rolled back, and what is left is done at the next start),
// and wait still returns only after the janitor has, so that the store is
// never closed under it, with the limit's error. A statement waiting for
// SQLite's write lock ends only at the busy timeout, so wait may then return
// that much past the limit.
func (s *Server) StartJanitor(ctx context.Context) (wait func(limit context.Context) error) {
	work, cut := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		var lastRetention time.Time
		for {
			if s.janitorOnce(work, time.Since(lastRetention) > 24*time.Hour) {
				lastRetention = time.Now()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ctx.Err() != nil { // both were ready: shutting down wins
					return
				}
			}
		}
	}()
	return func(limit context.Context) error {
		defer cut()
		select {
		case <-done:
			return nil
		case <-limit.Done():
			cut()
			<-done
			return limit.Err()
		}
	}
}

// janitorOnce does one round of the janitor's work; retention only when asked
// (once a day). It reports whether retention was done, here or by another
// instance that held the job at the time.
func (s *Server) janitorOnce(ctx context.Context, retention bool) (retained bool) {
	if retention {
		n, err := s.store.ApplyRetention(ctx)
		switch {
		case errors.Is(err, models.ErrJobRunning):
			retained = true // another instance is at it
		case errors.Is(err, models.ErrForgetPending):
			retained = true // anonymised; ForgetErased below tries the rest again
			s.log.Warn("retention", "count", n, "err", err)
		case err != nil && ctx.Err() == nil:
			s.log.Warn("retention", "err", err)
		case err == nil:
			retained = true
			if n > 0 {
				s.log.Info("retention anonymised closed enquiries", "count", n)
			}
		}
	}
	if err := s.store.ForgetErased(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("erasure: the database's files", "err", err)
	}
	if err := s.store.Sessions().DeleteExpired(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	if _, err := s.store.DeleteOldLoginAttempts(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("delete old login attempts", "err", err)
	}
	if n, err := s.store.MarkNoResponse(ctx); err != nil && !errors.Is(err, models.ErrJobRunning) && ctx.Err() == nil {
		s.log.Warn("mark unanswered referrals", "err", err)
	} else if n > 0 {
		s.log.Info("referrals marked no_response", "count", n)
	}
	return retained
}
