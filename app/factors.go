package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/policies"
)

// factorForm is the new-factor form as typed.
type factorForm struct {
	Code, Polarity, TitleNB, TitleEN, DescriptionNB, DescriptionEN string
}

func (f factorForm) input() models.FactorInput {
	return models.FactorInput{Code: f.Code, Polarity: f.Polarity, TitleNB: f.TitleNB, TitleEN: f.TitleEN,
		DescriptionNB: f.DescriptionNB, DescriptionEN: f.DescriptionEN}
}

type factorsPage struct {
	page
	List       []models.Factor
	Form       factorForm
	CanEdit    bool
	Polarities []string
}

func (s *Server) renderFactors(c echo.Context, status int, f factorForm, errs map[string]string) error {
	list, err := s.store.Factors(c.Request().Context())
	if err != nil {
		return err
	}
	p := s.page(c, "factor.title")
	if errs != nil {
		p = p.withErrors(errs)
	}
	return c.Render(status, "projects/factors", factorsPage{page: p, List: list, Form: f,
		CanEdit: s.allowed(p.Viewer, policies.Factor, policies.Update), Polarities: models.FactorPolarities})
}

func (s *Server) listFactors(c echo.Context) error {
	return s.renderFactors(c, http.StatusOK, factorForm{Polarity: "enabling"}, nil)
}

func (s *Server) createFactor(c echo.Context) error {
	f := factorForm{Code: c.FormValue("code"), Polarity: c.FormValue("polarity"), TitleNB: c.FormValue("title_nb"), TitleEN: c.FormValue("title_en"),
		DescriptionNB: c.FormValue("description_nb"), DescriptionEN: c.FormValue("description_en")}
	_, err := s.store.AddFactor(c.Request().Context(), actor(c), f.input())
	if ve := asValidation(err); ve != nil {
		return s.renderFactors(c, http.StatusUnprocessableEntity, f, ve.Fields)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.created")
	return redirect(c, "/admin/factors")
}

func (s *Server) retireFactor(c echo.Context) error { return s.setFactorRetired(c, true) }

func (s *Server) reinstateFactor(c echo.Context) error { return s.setFactorRetired(c, false) }

func (s *Server) setFactorRetired(c echo.Context, retired bool) error {
	if err := s.store.SetFactorRetired(c.Request().Context(), actor(c), c.Param("code"), retired); err != nil {
		return err
	}
	if retired {
		s.flash(c, "flash.factor_retired")
	} else {
		s.flash(c, "flash.factor_reinstated")
	}
	return redirect(c, "/admin/factors")
}
