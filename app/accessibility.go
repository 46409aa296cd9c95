package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type accessibilityPage struct {
	page
	Contact string // where to report a problem: the operator of the installation
}

// accessibility is the accessibility statement (tilgjengelighetserklæring),
// public and linked from the foot of every page.
func (s *Server) accessibility(c echo.Context) error {
	p := accessibilityPage{page: s.page(c, "a11y.title"), Contact: s.cfg.AdminEmail}
	return c.Render(http.StatusOK, "about/accessibility", p)
}
