package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

type municipalitiesPage struct {
	page
	List     []models.Municipality
	Counties []models.County
	Q        string
	County   string
	Pager    pager
	Invalid  problems // the filters, page or page size that cannot be used; the list is not shown
}

func (s *Server) listMunicipalities(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "municipalities.title")
	q := newListQuery(c)
	f := models.MunicipalityFilter{Q: q.text("q"), County: q.county("county"), Page: q.page()}
	counties, err := s.store.Counties(ctx)
	if err != nil {
		return err
	}
	d := municipalitiesPage{page: p, Counties: counties, Q: f.Q, County: f.County}
	if q.err() != nil {
		d.Invalid = filterProblems(p, q, nil, map[string]string{"county": "municipalities.county"})
		return c.Render(q.status(), "municipalities/index", d)
	}
	list, total, err := s.store.Municipalities(ctx, f)
	if err != nil {
		return err
	}
	d.List, d.Pager = list, s.pager(c, f.Page, total)
	return c.Render(http.StatusOK, "municipalities/index", d)
}

type municipalityPage struct {
	page
	Municipality  *models.Municipality
	Organisations []string
	Organisation  string
	BusinessFTE   string
	Version       string
}

func (s *Server) showMunicipality(c echo.Context) error {
	m, err := s.store.Municipality(c.Request().Context(), c.Param("kommunenummer"))
	if err != nil {
		return err
	}
	p := s.page(c, "municipalities.title")
	p.Title = m.Name
	return c.Render(http.StatusOK, "municipalities/show", municipalityPage{page: p, Municipality: m, Organisations: models.Organisations,
		Organisation: m.Organisation, BusinessFTE: s.numbers(c).Decimal(m.BusinessFTE), Version: strconv.Itoa(m.Version)})
}

func (s *Server) updateMunicipality(c echo.Context) error {
	ctx := c.Request().Context()
	m, err := s.store.Municipality(ctx, c.Param("kommunenummer"))
	if err != nil {
		return err
	}
	data := municipalityPage{Municipality: m, Organisations: models.Organisations,
		Organisation: c.FormValue("organisation"), BusinessFTE: c.FormValue("business_fte"), Version: c.FormValue("version")}
	errs := map[string]string{}
	u := models.MunicipalityUpdate{Organisation: data.Organisation, BusinessFTE: formFloat(s.numbers(c), errs, "business_fte", data.BusinessFTE),
		Version: formInt(errs, "version", data.Version)}
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err = s.store.UpdateMunicipality(ctx, actor(c), m.Kommunenummer, u)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err):
			// m is the municipality as read after the other save: what was
			// typed stays, with m's version, beside the fields that differ.
			data.Version = strconv.Itoa(m.Version)
			errs = staleKept(c, "common.save", keptField{"municipalities.organisation", data.Organisation, m.Organisation},
				keptField{"municipalities.business_fte", data.BusinessFTE, s.numbers(c).Decimal(m.BusinessFTE)})
			status = http.StatusConflict
		case err != nil:
			return err
		}
	} else {
		// A field that did not parse must not hide the others' errors until a
		// second round: the model's checks are asked too.
		addProblems(errs, u.Problems())
	}
	if len(errs) > 0 {
		data.page = s.page(c, "municipalities.title").withErrors(errs)
		data.Title = m.Name
		return c.Render(status, "municipalities/show", data)
	}
	s.flash(c, "flash.saved")
	return redirect(c, "/admin/municipalities/"+m.Kommunenummer)
}
