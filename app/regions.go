package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

type regionsPage struct {
	page
	List []models.Region
}

func (s *Server) listRegions(c echo.Context) error {
	p := s.page(c, "regions.title")
	list, err := s.store.RegionsVisibleTo(c.Request().Context(), p.Viewer)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "regions/index", regionsPage{page: p, List: list})
}

// regionForm is the region form as typed, kept for re-rendering on errors.
type regionForm struct {
	Slug, Name, HostMunicipality                                             string
	FirstResponseDays, ReferralFollowUpDays, NoResponseDays, RetentionMonths string
	ContactEmail, ContactPhone                                               string
	Version                                                                  string
}

func regionFormFrom(r models.RegionInput) regionForm {
	return regionForm{
		Slug: r.Slug, Name: r.Name, HostMunicipality: r.HostMunicipality,
		FirstResponseDays: strconv.Itoa(r.FirstResponseDays), ReferralFollowUpDays: strconv.Itoa(r.ReferralFollowUpDays),
		NoResponseDays: strconv.Itoa(r.NoResponseDays), RetentionMonths: strconv.Itoa(r.RetentionMonths),
		ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone, Version: strconv.Itoa(r.Version),
	}
}

func (s *Server) parseRegionForm(c echo.Context, id int64) (regionForm, models.RegionInput, map[string]string, error) {
	f := regionForm{
		Slug: c.FormValue("slug"), Name: c.FormValue("name"), HostMunicipality: c.FormValue("host_municipality"),
		FirstResponseDays: c.FormValue("first_response_days"), ReferralFollowUpDays: c.FormValue("referral_follow_up_days"),
		NoResponseDays: c.FormValue("no_response_days"), RetentionMonths: c.FormValue("retention_months"),
		ContactEmail: c.FormValue("contact_email"), ContactPhone: c.FormValue("contact_phone"), Version: c.FormValue("version"),
	}
	errs := map[string]string{}
	in := models.RegionInput{
		Slug: f.Slug, Name: f.Name, HostMunicipality: f.HostMunicipality, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone,
		FirstResponseDays:    formInt(errs, "first_response_days", f.FirstResponseDays),
		ReferralFollowUpDays: formInt(errs, "referral_follow_up_days", f.ReferralFollowUpDays),
		NoResponseDays:       formInt(errs, "no_response_days", f.NoResponseDays),
		RetentionMonths:      formInt(errs, "retention_months", f.RetentionMonths),
	}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
	}
	if len(errs) > 0 {
		// The store is not asked when a number did not parse: say at once what
		// else is wrong, rather than in a second round.
		problems, err := s.store.RegionProblems(c.Request().Context(), id, in)
		if err != nil {
			return f, in, nil, err
		}
		addProblems(errs, problems)
	}
	return f, in, errs, nil
}

type regionFormPage struct {
	page
	Form           regionForm
	Region         *models.Region
	Municipalities []models.Municipality
	Member         memberForm
}

type memberForm struct {
	Kommunenummer, JoinedOn, LeftOn, Votes, CommittedFTE string
	TakesEnquiries                                       bool
	Version                                              string // of the membership edited; "" adds one
}

// memberFormOf is the form filled with a membership, to edit it.
func memberFormOf(nums views.Numbers, m models.RegionMember) memberForm {
	f := memberForm{Kommunenummer: m.Kommunenummer, JoinedOn: m.JoinedOn.Format("2006-01-02"), Votes: strconv.Itoa(m.Votes),
		CommittedFTE: nums.Decimal(m.CommittedFTE), TakesEnquiries: m.TakesEnquiries, Version: strconv.Itoa(m.Version)}
	if m.LeftOn != nil {
		f.LeftOn = m.LeftOn.Format("2006-01-02")
	}
	return f
}

func (s *Server) municipalityChoices(c echo.Context) ([]models.Municipality, error) {
	return s.store.AllMunicipalities(c.Request().Context())
}

func (s *Server) newRegionForm(c echo.Context) error {
	ms, err := s.municipalityChoices(c)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "regions/new", regionFormPage{page: s.page(c, "regions.new"), Form: regionFormFrom(models.DefaultRegionInput()), Municipalities: ms})
}

func (s *Server) createRegion(c echo.Context) error {
	f, in, errs, err := s.parseRegionForm(c, 0)
	if err != nil {
		return err
	}
	var r *models.Region
	if len(errs) == 0 {
		r, err = s.store.CreateRegion(c.Request().Context(), actor(c), in)
		if ve := asValidation(err); ve != nil {
			errs = ve.Fields
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		ms, err := s.municipalityChoices(c)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "regions/new", regionFormPage{page: s.page(c, "regions.new").withErrors(errs), Form: f, Municipalities: ms})
	}
	s.flash(c, "flash.created")
	return redirect(c, "/admin/regions/"+strconv.FormatInt(r.ID, 10))
}

// showRegion shows a region; with ?member=K its member form holds K's
// membership to edit.
func (s *Server) showRegion(c echo.Context) error {
	return s.renderRegion(c, http.StatusOK, nil, nil, memberForm{Votes: "1", JoinedOn: s.store.Today().Format("2006-01-02")})
}

// renderRegion shows a region with its settings form and members, keeping what
// was typed in whichever form failed.
func (s *Server) renderRegion(c echo.Context, status int, form *regionForm, errs map[string]string, member memberForm) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.store.Region(c.Request().Context(), viewer(c), id)
	if err != nil {
		return err
	}
	ms, err := s.municipalityChoices(c)
	if err != nil {
		return err
	}
	host := ""
	if r.HostMunicipality != nil {
		host = *r.HostMunicipality
	}
	f := regionFormFrom(models.RegionInput{Slug: r.Slug, Name: r.Name, HostMunicipality: host, FirstResponseDays: r.FirstResponseDays,
		ReferralFollowUpDays: r.ReferralFollowUpDays, NoResponseDays: r.NoResponseDays, RetentionMonths: r.RetentionMonths,
		ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone, Version: r.Version})
	if form != nil {
		if errs["form"] == "error.conflict" {
			// The region form refused as stale: what was typed stays, with
			// the version read now, beside the fields that differ from r.
			form.Version = f.Version
			errs = staleKept(c, "common.save", keptField{"regions.field.name", form.Name, f.Name}, keptField{"regions.field.slug", form.Slug, f.Slug},
				keptField{"regions.field.host", form.HostMunicipality, f.HostMunicipality},
				keptField{"regions.field.first_response_days", form.FirstResponseDays, f.FirstResponseDays},
				keptField{"regions.field.referral_follow_up_days", form.ReferralFollowUpDays, f.ReferralFollowUpDays},
				keptField{"regions.field.no_response_days", form.NoResponseDays, f.NoResponseDays},
				keptField{"regions.field.retention_months", form.RetentionMonths, f.RetentionMonths},
				keptField{"regions.field.contact_email", form.ContactEmail, f.ContactEmail},
				keptField{"regions.field.contact_phone", form.ContactPhone, f.ContactPhone})
		}
		f = *form
	} else if errs["form"] == "error.conflict" && member.Version != "" {
		// The membership form refused as stale: the same, against the
		// membership as it is now.
		for _, m := range r.Members {
			if m.Kommunenummer == member.Kommunenummer {
				now := memberFormOf(s.numbers(c), m)
				member.Version = now.Version
				errs = staleKept(c, "regions.member.save", keptField{"regions.member.joined_on", member.JoinedOn, now.JoinedOn},
					keptField{"regions.member.left_on", member.LeftOn, now.LeftOn}, keptField{"regions.member.votes", member.Votes, now.Votes},
					keptField{"regions.member.committed_fte", member.CommittedFTE, now.CommittedFTE},
					keptField{"regions.member.takes_enquiries", member.TakesEnquiries, now.TakesEnquiries})
			}
		}
	}
	p := s.page(c, "regions.title") // after staleKept, whose fields it lists
	p.Title = r.Name
	if errs != nil {
		p = p.withErrors(errs)
	}
	if k := c.QueryParam("member"); status == http.StatusOK && k != "" {
		for _, m := range r.Members {
			if m.Kommunenummer == k {
				member = memberFormOf(s.numbers(c), m)
			}
		}
	}
	return c.Render(status, "regions/show", regionFormPage{page: p, Form: f, Region: r, Municipalities: ms, Member: member})
}

func (s *Server) updateRegion(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, in, errs, err := s.parseRegionForm(c, id)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		err = s.store.UpdateRegion(c.Request().Context(), viewer(c), actor(c), id, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err):
			errs = map[string]string{"form": "error.conflict"}
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		status := http.StatusUnprocessableEntity
		if errs["form"] == "error.conflict" {
			status = http.StatusConflict
		}
		return s.renderRegion(c, status, &f, errs, memberForm{Votes: "1"})
	}
	s.flash(c, "flash.saved")
	return redirect(c, "/admin/regions/"+strconv.FormatInt(id, 10))
}

func (s *Server) saveMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := memberForm{Kommunenummer: c.FormValue("kommunenummer"), JoinedOn: c.FormValue("joined_on"), LeftOn: c.FormValue("left_on"),
		Votes: c.FormValue("votes"), CommittedFTE: c.FormValue("committed_fte"), TakesEnquiries: c.FormValue("takes_enquiries") == "on",
		Version: c.FormValue("version")}
	errs := map[string]string{}
	in := models.MemberInput{Kommunenummer: f.Kommunenummer, LeftOn: formDate(errs, "left_on", f.LeftOn),
		Votes: formInt(errs, "votes", f.Votes), CommittedFTE: formFloat(s.numbers(c), errs, "committed_fte", f.CommittedFTE), TakesEnquiries: f.TakesEnquiries}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
		// The version is the membership's that was opened: another
		// municipality's may have the same number.
		if c.FormValue("member") != f.Kommunenummer {
			errs["kommunenummer"] = "error.member_changed"
		}
	}
	if joined := formDate(errs, "joined_on", f.JoinedOn); joined != nil {
		in.JoinedOn = *joined
	} else if errs["joined_on"] == "" {
		errs["joined_on"] = "error.required"
	}
	status := http.StatusUnprocessableEntity
	moved := 0
	if len(errs) == 0 {
		moved, err = s.store.SaveMember(c.Request().Context(), actor(c), id, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err):
			errs, status = map[string]string{"form": "error.conflict"}, http.StatusConflict
		case err != nil:
			return err
		}
	} else {
		problems, err := s.store.MemberProblems(c.Request().Context(), in)
		if err != nil {
			return err
		}
		addProblems(errs, problems)
	}
	if len(errs) > 0 {
		return s.renderRegion(c, status, nil, errs, f)
	}
	if moved > 0 {
		s.flash(c, "flash.member_moved_queue", map[string]any{"Count": moved})
	} else {
		s.flash(c, "flash.saved")
	}
	return redirect(c, "/admin/regions/"+strconv.FormatInt(id, 10))
}

func (s *Server) removeMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = s.store.RemoveMember(c.Request().Context(), actor(c), id, c.Param("kommunenummer"))
	if ve := asValidation(err); ve != nil {
		return s.renderRegion(c, http.StatusUnprocessableEntity, nil, ve.Fields, memberForm{Votes: "1", JoinedOn: s.store.Today().Format("2006-01-02")})
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.removed")
	return redirect(c, "/admin/regions/"+strconv.FormatInt(id, 10))
}
