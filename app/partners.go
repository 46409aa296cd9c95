package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"samspill/models"
)

type partnersPage struct {
	page
	List    []models.Partner
	Q       string
	Pager   pager
	Invalid problems // the page or page size that cannot be used; the list is not shown
}

func (s *Server) listPartners(c echo.Context) error {
	p := s.page(c, "partners.title")
	q := newListQuery(c)
	f := models.PartnerFilter{Q: q.text("q"), Page: q.page()}
	if q.err() != nil {
		return c.Render(q.status(), "partners/index", partnersPage{page: p, Q: f.Q, Invalid: filterProblems(p, q, nil, nil)})
	}
	list, total, err := s.store.Partners(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "partners/index", partnersPage{page: p, List: list, Q: f.Q, Pager: s.pager(c, f.Page, total)})
}

// partnerForm is the partner form as typed.
type partnerForm struct {
	Name, Kind, Description, Website, Version string
	Services                                  []string
	Active                                    bool
}

type partnerPage struct {
	page
	Partner  *models.Partner
	Form     partnerForm
	Kinds    []string
	Services []string
	Pending  models.PendingReferrals // the partner's open referrals and drafts, which deactivating it leaves behind
}

// partnerPage is the partner form; data is what errs' messages name
// (models.ValidationError.Data), as the partner a name clashes with.
func (s *Server) partnerPage(c echo.Context, titleID string, p *models.Partner, f partnerForm, errs map[string]string, data map[string]map[string]any) (partnerPage, error) {
	pg := s.page(c, titleID)
	if errs != nil {
		pg = pg.withErrors(errs, data)
	}
	out := partnerPage{page: pg, Partner: p, Form: f, Kinds: models.PartnerKinds, Services: models.PartnerServices}
	if p != nil && pg.Viewer.IsAdmin() { // the form that says it is an admin's
		var err error
		if out.Pending, err = s.store.PendingReferrals(c.Request().Context(), p.ID); err != nil {
			return partnerPage{}, err
		}
	}
	return out, nil
}

func (s *Server) parsePartnerForm(c echo.Context, id int64) (partnerForm, models.PartnerInput, map[string]string, map[string]map[string]any, error) {
	f := partnerForm{Name: c.FormValue("name"), Kind: c.FormValue("kind"), Description: c.FormValue("description"),
		Website: c.FormValue("website"), Version: c.FormValue("version"), Active: c.FormValue("active") == "on"}
	params, _ := c.FormParams()
	f.Services = params["services"]
	errs := map[string]string{}
	in := models.PartnerInput{Name: f.Name, Kind: f.Kind, Services: f.Services, Description: f.Description, Website: f.Website, Active: f.Active}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
	}
	if len(errs) > 0 { // the store is not asked: its checks are said in the same answer
		problems, err := s.store.PartnerProblems(c.Request().Context(), id, in)
		if err != nil {
			return f, in, nil, nil, err
		}
		addProblems(errs, problems.Fields)
		return f, in, errs, problems.Data, nil
	}
	return f, in, errs, nil, nil
}

func (s *Server) newPartnerForm(c echo.Context) error {
	data, err := s.partnerPage(c, "partners.new", nil, partnerForm{Kind: "local", Active: true}, nil, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "partners/form", data)
}

func (s *Server) createPartner(c echo.Context) error {
	f, in, errs, named, err := s.parsePartnerForm(c, 0)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		p, err := s.store.CreatePartner(c.Request().Context(), actor(c), in)
		if ve := asValidation(err); ve != nil {
			errs, named = ve.Fields, ve.Data
		} else if err != nil {
			return err
		} else {
			s.flash(c, "flash.created")
			return redirect(c, "/admin/partners/"+strconv.FormatInt(p.ID, 10))
		}
	}
	data, err := s.partnerPage(c, "partners.new", nil, f, errs, named)
	if err != nil {
		return err
	}
	return c.Render(http.StatusUnprocessableEntity, "partners/form", data)
}

func (s *Server) showPartner(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Partner(c.Request().Context(), id)
	if err != nil {
		return err
	}
	data, err := s.partnerPage(c, "partners.edit", p, partnerFormOf(p), nil, nil)
	if err != nil {
		return err
	}
	data.Title = p.Name
	return c.Render(http.StatusOK, "partners/form", data)
}

// partnerFormOf is the partner's edit form as the partner has it.
func partnerFormOf(p *models.Partner) partnerForm {
	return partnerForm{Name: p.Name, Kind: p.Kind, Description: p.Description, Website: p.Website, Services: p.ServiceList(),
		Active: p.Active, Version: strconv.Itoa(p.Version)}
}

func (s *Server) updatePartner(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.Partner(c.Request().Context(), id)
	if err != nil {
		return err
	}
	f, in, errs, named, err := s.parsePartnerForm(c, id)
	if err != nil {
		return err
	}
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err = s.store.UpdatePartner(c.Request().Context(), actor(c), id, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs, named = ve.Fields, ve.Data
		case isConflict(err):
			// p is the partner as read after the other save: what was typed
			// stays, with p's version, beside the fields that differ from it.
			now := partnerFormOf(p)
			f.Version = now.Version
			errs = staleKept(c, "common.save", keptField{"partners.field.name", f.Name, now.Name}, keptField{"partners.field.kind", f.Kind, now.Kind},
				keptField{"partners.field.services", sorted(f.Services), sorted(now.Services)},
				keptField{"partners.field.website", f.Website, now.Website}, keptField{"partners.field.description", f.Description, now.Description},
				keptField{"partners.field.active", f.Active, now.Active})
			status = http.StatusConflict
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/admin/partners/"+strconv.FormatInt(id, 10))
		}
	}
	data, err := s.partnerPage(c, "partners.edit", p, f, errs, named)
	if err != nil {
		return err
	}
	return c.Render(status, "partners/form", data)
}
