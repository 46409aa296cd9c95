package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

type statisticsPage struct {
	page
	Stats        *models.MunicipalityStatistics
	Municipality *models.Municipality
}

// statistics shows a municipality user anonymous counts of the enquiries from
// their own municipality: no names, no contact details, no free text.
func (s *Server) statistics(c echo.Context) error {
	p := s.page(c, "statistics.title")
	st, err := s.store.MunicipalityStats(c.Request().Context(), p.Viewer)
	if err != nil {
		return err
	}
	m, err := s.store.Municipality(c.Request().Context(), st.Kommunenummer)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "statistics/index", statisticsPage{page: p, Stats: st, Municipality: m})
}

func (s *Server) apiStatistics(c echo.Context) error {
	st, err := s.store.MunicipalityStats(c.Request().Context(), viewer(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
