package app

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
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
	nameMonths(p.loc, st.PerMonth)
	return c.Render(http.StatusOK, "statistics/index", statisticsPage{page: p, Stats: st, Municipality: m})
}

// nameMonths writes the months of the statistics in the reader's words,
// "November 2026"; their keys ("2026-11") stay as the API gives them.
func nameMonths(loc *views.Localizer, months []models.Bucket) {
	for i, b := range months {
		var year, month int
		if _, err := fmt.Sscanf(b.Key, "%d-%d", &year, &month); err == nil {
			months[i].Label = loc.T(fmt.Sprintf("statistics.month.%d", month), map[string]any{"Year": year})
		}
	}
}

func (s *Server) apiStatistics(c echo.Context) error {
	st, err := s.store.MunicipalityStats(c.Request().Context(), viewer(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
