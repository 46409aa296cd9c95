package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
)

type portfolioPage struct {
	page
	Portfolio *models.Portfolio
}

// portfolio answers how the region's projects are spread, whether plans are
// followed up and how the weight is shared between the municipalities.
func (s *Server) portfolio(c echo.Context) error {
	p := s.page(c, "portfolio.title")
	pf := models.EmptyPortfolio()
	data := portfolioPage{page: p, Portfolio: &pf}
	if p.Viewer.Region != nil {
		got, err := s.store.Portfolio(c.Request().Context(), p.Viewer, p.Viewer.Region.ID)
		if err != nil {
			return err
		}
		data.Portfolio = got
	}
	return c.Render(http.StatusOK, "projects/portfolio", data)
}

type loadPage struct {
	page
	Loads     []models.Load
	Settings  *models.LoadSettings
	CanEdit   bool
	Threshold string // the threshold form as typed, in per cent
	Version   string
}

func (s *Server) cooperationLoad(c echo.Context) error {
	return s.renderLoad(c, http.StatusOK, "", "", nil)
}

func (s *Server) renderLoad(c echo.Context, status int, threshold, version string, errs map[string]string) error {
	data := loadPage{}
	if v := viewer(c); v.Region != nil {
		loads, ls, err := s.store.CooperationLoad(c.Request().Context(), v, v.Region.ID)
		if err != nil {
			return err
		}
		data.Loads, data.Settings = loads, ls
		data.CanEdit = s.allowed(v, policies.Load, policies.Update)
		data.Threshold, data.Version = strconv.Itoa(ls.ThresholdPercent()), strconv.Itoa(ls.Version)
		if errs["form"] == "error.conflict" {
			// Refused as stale: what was typed stays, with the version read
			// now, beside the threshold saved meanwhile if it differs.
			errs = staleKept(c, "common.save", keptField{"load.threshold_field", threshold, data.Threshold})
			data.Threshold = threshold
		} else if errs != nil {
			data.Threshold, data.Version = threshold, version
		}
	}
	data.page = s.page(c, "load.title") // after staleKept, whose fields it lists
	if errs != nil {
		data.page = data.page.withErrors(errs)
	}
	return c.Render(status, "projects/load", data)
}

// setLoadThreshold saves the region's threshold, typed in per cent of capacity.
func (s *Server) setLoadThreshold(c echo.Context) error {
	v := viewer(c)
	if v.Region == nil {
		return models.ErrNotFound
	}
	threshold, version := c.FormValue("threshold"), c.FormValue("version")
	errs := map[string]string{}
	pct := formFloat(s.numbers(c), errs, "threshold", threshold)
	if threshold == "" {
		errs["threshold"] = "error.required"
	}
	ver := formInt(errs, "version", version)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err := s.store.SetLoadThreshold(c.Request().Context(), v, actor(c), v.Region.ID, pct/100, ver)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err):
			errs, status = map[string]string{"form": "error.conflict"}, http.StatusConflict
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/load")
		}
	}
	return s.renderLoad(c, status, threshold, version, errs)
}

type cooperationPage struct {
	page
	Cooperation *models.Cooperation
}

// cooperation is the member municipality's own page, "Våre samarbeid".
func (s *Server) cooperation(c echo.Context) error {
	co, err := s.store.Cooperation(c.Request().Context(), viewer(c))
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "projects/cooperation", cooperationPage{page: s.page(c, "cooperation.title"), Cooperation: co})
}
