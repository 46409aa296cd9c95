package app

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

type usersPage struct {
	page
	List        []models.User
	Q           string
	Filtered    bool // a search or filter is set, so an empty list says "none match", not "none yet"
	Pager       pager
	RoleChoices []string
	Filters     []views.Field
	Invalid     problems // the filters that cannot be used; the list is not shown
}

// listUsers lists the users the viewer sees, searched and filtered by
// region (an admin's list), role and status.
func (s *Server) listUsers(c echo.Context) error {
	p := s.page(c, "users.title")
	q := newListQuery(c)
	f, filters, err := s.userFilter(c, p, q)
	if err != nil {
		return err
	}
	data := usersPage{page: p, Q: f.Q, Filtered: f.Q != "" || f.Region != 0 || f.Role != "" || f.Status != "", RoleChoices: models.RegionRoles, Filters: filters}
	if q.err() != nil { // a filter that cannot be used lists nothing, rather than everything
		data.Invalid = filterProblems(p, q, filters, map[string]string{"region": "users.region"})
		return c.Render(q.status(), "users/index", data)
	}
	list, total, err := s.store.Users(c.Request().Context(), p.Viewer, f)
	if err != nil {
		return err
	}
	data.List, data.Pager = list, s.pager(c, f.Page, total)
	return c.Render(http.StatusOK, "users/index", data)
}

// userFilter reads the user list's search and filters, noting in q each value
// it cannot use, and makes the filters' fields. As in the inbox, only an
// admin's list holds several regions to choose from; anyone else's is their
// region's, and its role filter offers the roles held in a region.
func (s *Server) userFilter(c echo.Context, p page, q *listQuery) (models.UserFilter, []views.Field, error) {
	roles := models.RegionRoles
	if p.Viewer.IsAdmin() {
		roles = models.Roles
	}
	f := models.UserFilter{Q: q.text("q"), Role: q.code("role", roles), Status: q.code("status", models.UserStatuses), Page: q.page()}
	region := q.id("region")
	var regions []models.Region
	if p.Viewer.IsAdmin() {
		var err error
		if regions, err = s.store.RegionsVisibleTo(c.Request().Context(), p.Viewer); err != nil {
			return f, nil, err
		}
		if region != 0 && !slices.ContainsFunc(regions, func(r models.Region) bool { return r.ID == region }) {
			q.bad("region", "error.unknown_region", false)
		}
		f.Region = region
	}
	m := fieldMaker{loc: p.loc, errs: q.problems}
	var filters []views.Field
	if p.Viewer.IsAdmin() {
		choice := m.choice("select", "region", "users.region", "", nil, chosenID(region))
		for _, r := range regions {
			choice.Options = append(choice.Options, views.Option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name, Selected: r.ID == region})
		}
		filters = append(filters, choice)
	}
	filters = append(filters, m.choice("select", "role", "users.role", "role.", roles, f.Role),
		m.choice("select", "status", "users.status", "users.", models.UserStatuses, f.Status))
	for i := range filters {
		filters[i].Options[0].Label = p.T("users.all")
	}
	return f, filters, nil
}

// userForm is the user form as typed.
type userForm struct {
	Email, Name, Municipality, PartnerID, Version, RegionID string
	Roles                                                   []string
	Admin                                                   bool
}

// roleForm is one region's roles form as ticked.
type roleForm struct {
	RegionID int64
	Roles    []string
}

type userPage struct {
	page
	User           *models.User
	Form           userForm
	RoleForm       *roleForm // a refused roles form, shown as it was ticked
	Municipalities []models.Municipality
	Partners       []models.Partner
	RoleChoices    []string
	Password       string            // a generated password, shown once
	Tokens         []models.APIToken // the user's API tokens, for admins
	OpenCases      int64             // open enquiries assigned to the user, that the viewer sees
	OpenCaseChoice views.Field       // what becomes of them if the user is deactivated
}

// TokenOwner names whose API tokens the page lists: the user shown, for an
// admin (the profile page lists the viewer's own, and says "your").
func (p userPage) TokenOwner() string { return p.User.Name }

// RoleChecked reports whether the role's box in the region's roles form is
// ticked: as submitted when that form was refused, else as stored.
func (p userPage) RoleChecked(regionID int64, role string) bool {
	if f := p.RoleForm; f != nil && f.RegionID == regionID {
		return slices.Contains(f.Roles, role)
	}
	return p.User.HasRole(regionID, role)
}

func (s *Server) userPage(c echo.Context, titleID string, u *models.User, f userForm, errs map[string]string) (userPage, error) {
	p := s.page(c, titleID)
	if errs != nil {
		p = p.withErrors(errs)
	}
	// A coordinator's municipality users belong to the region's members; an
	// admin may choose any municipality.
	ms, err := s.municipalityChoices(c)
	if v := p.Viewer; !v.IsAdmin() && v.Region != nil {
		ms, err = s.store.RegionMunicipalities(c.Request().Context(), v.Region.ID, f.Municipality)
	}
	if err != nil {
		return userPage{}, err
	}
	partners, err := s.store.PartnerChoices(c.Request().Context(), false, nil)
	if err != nil {
		return userPage{}, err
	}
	return userPage{page: p, User: u, Form: f, Municipalities: ms, Partners: partners, RoleChoices: models.RegionRoles}, nil
}

func (s *Server) newUserForm(c echo.Context) error {
	f := userForm{}
	if v := viewer(c); v.Region != nil {
		f.RegionID = strconv.FormatInt(v.Region.ID, 10)
	}
	data, err := s.userPage(c, "users.new", nil, f, nil)
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "users/new", data)
}

func parseUserForm(c echo.Context) (userForm, models.UserInput, map[string]string) {
	params, _ := c.FormParams()
	f := userForm{Email: c.FormValue("email"), Name: c.FormValue("name"), Municipality: c.FormValue("municipality"),
		PartnerID: c.FormValue("partner_id"), Version: c.FormValue("version"), RegionID: c.FormValue("region_id"),
		Roles: params["roles"], Admin: c.FormValue("admin") == "on"}
	errs := map[string]string{}
	in := models.UserInput{Email: f.Email, Name: f.Name, Municipality: f.Municipality}
	if f.PartnerID != "" {
		in.PartnerID = int64(formInt(errs, "partner_id", f.PartnerID))
	}
	if f.Version != "" {
		in.Version = formInt(errs, "version", f.Version)
	}
	return f, in, errs
}

// createUser adds a user with a generated password, shown once to the one who made it.
func (s *Server) createUser(c echo.Context) error {
	v := viewer(c)
	f, in, errs := parseUserForm(c)
	var grants []models.RoleGrant
	if f.Admin {
		grants = append(grants, models.RoleGrant{Role: models.RoleAdmin})
	}
	if len(f.Roles) > 0 {
		regionID := int64(formInt(errs, "region_id", f.RegionID))
		for _, r := range f.Roles {
			grants = append(grants, models.RoleGrant{RegionID: regionID, Role: r})
		}
	}
	password := models.GeneratePassword()
	var u *models.User
	if len(errs) == 0 {
		var err error
		u, err = s.store.CreateUserBy(c.Request().Context(), v, actor(c), in, password, grants)
		if ve := asValidation(err); ve != nil {
			errs = ve.Fields
		} else if err != nil {
			return err
		}
	} else {
		problems := s.store.NewUserProblems(c.Request().Context(), v, in, grants)
		if _, bad := errs["region_id"]; bad {
			// The grants have no region to check: the roles' one error is
			// that the region was not read.
			delete(problems, "region")
			delete(problems, "role")
		}
		addProblems(errs, problems)
	}
	if len(errs) > 0 {
		data, err := s.userPage(c, "users.new", nil, f, errs)
		if err != nil {
			return err
		}
		return c.Render(http.StatusUnprocessableEntity, "users/new", data)
	}
	return s.renderUser(c, http.StatusCreated, u.ID, nil, nil, password)
}

func (s *Server) showUser(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderUser(c, http.StatusOK, id, nil, nil, "")
}

// renderUser shows a user with the edit, role and account forms.
func (s *Server) renderUser(c echo.Context, status int, id int64, form *userForm, errs map[string]string, password string) error {
	data, err := s.userShowPage(c, id, form, errs)
	if err != nil {
		return err
	}
	data.Password = password
	return c.Render(status, "users/show", data)
}

// userShowPage is the data of a user's page; form, when not nil, is the
// details form as typed.
func (s *Server) userShowPage(c echo.Context, id int64, form *userForm, errs map[string]string) (userPage, error) {
	u, err := s.store.User(c.Request().Context(), viewer(c), id)
	if err != nil {
		return userPage{}, err
	}
	f := userForm{Email: u.Email, Name: u.Name, Version: strconv.Itoa(u.Version)}
	if u.Municipality != nil {
		f.Municipality = *u.Municipality
	}
	if u.PartnerID != nil {
		f.PartnerID = strconv.FormatInt(*u.PartnerID, 10)
	}
	if form != nil {
		if errs["form"] == "error.conflict" {
			// The details form refused as stale: what was typed stays, with
			// the version read now, beside the fields that differ from u.
			form.Version = f.Version
			errs = staleKept(c, "common.save", keptField{"label.email", form.Email, f.Email}, keptField{"label.name", form.Name, f.Name},
				keptField{"users.municipality", form.Municipality, f.Municipality}, keptField{"users.partner", form.PartnerID, f.PartnerID})
		}
		f = *form
	}
	if errs["admin"] == "error.conflict" {
		// The admin role's form, a choice with nothing typed, refused as
		// stale: it now shows the role as u has it, and says which.
		errs = maps.Clone(errs)
		errs["admin"] = map[bool]string{true: "error.admin_changed_is", false: "error.admin_changed_not"}[u.IsAdmin()]
	}
	data, err := s.userPage(c, "users.title", u, f, errs)
	if err != nil {
		return userPage{}, err
	}
	data.Title = u.Name
	if data.OpenCases, err = s.store.OpenAssigned(c.Request().Context(), data.Viewer, u.ID); err != nil {
		return userPage{}, err
	}
	if data.OpenCases > 0 && u.Active {
		// Deactivating asks what becomes of the cases, none chosen for the
		// one who deactivates to choose.
		data.OpenCaseChoice = views.Field{Name: "open_cases", Kind: "radios", Error: data.Err("open_cases"),
			Label: data.T("users.open_cases_question", "Count", data.OpenCases)}
		labels := map[string]string{models.KeepOpenCases: "users.open_cases_keep", models.ReleaseOpenCases: "users.open_cases_release"}
		for _, choice := range models.OpenCaseChoices {
			data.OpenCaseChoice.Options = append(data.OpenCaseChoice.Options,
				views.Option{Value: choice, Label: data.T(labels[choice], "Count", data.OpenCases)})
		}
	}
	if data.Viewer.IsAdmin() {
		if data.Tokens, err = s.store.Tokens(c.Request().Context(), data.Viewer, u.ID); err != nil {
			return userPage{}, err
		}
	}
	return data, nil
}

func (s *Server) updateUser(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, in, errs := parseUserForm(c)
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err = s.store.UpdateUser(c.Request().Context(), viewer(c), actor(c), id, in)
		switch ve := asValidation(err); {
		case ve != nil:
			errs = ve.Fields
		case isConflict(err):
			errs, status = map[string]string{"form": "error.conflict"}, http.StatusConflict
		case err != nil:
			return err
		default:
			s.flash(c, "flash.saved")
			return redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
		}
	} else {
		// The user's roles are not on this form: only its own fields are checked.
		addProblems(errs, s.store.UserProblems(c.Request().Context(), id, in, nil))
	}
	return s.renderUser(c, status, id, &f, errs, "")
}

// setUserRoles replaces the user's roles in one region.
func (s *Server) setUserRoles(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	regionID, err := strconv.ParseInt(c.FormValue("region_id"), 10, 64)
	if err != nil {
		return errMalformed("error.malformed")
	}
	params, _ := c.FormParams()
	roles := params["roles"]
	err = s.store.SetRegionRoles(c.Request().Context(), viewer(c), actor(c), id, regionID, roles)
	if ve := asValidation(err); ve != nil {
		// The boxes come back as the admin ticked them, not as stored.
		data, err := s.userShowPage(c, id, nil, ve.Fields)
		if err != nil {
			return err
		}
		data.RoleForm = &roleForm{RegionID: regionID, Roles: roles}
		return c.Render(http.StatusUnprocessableEntity, "users/show", data)
	}
	if err != nil {
		return err
	}
	s.flash(c, "flash.roles_saved")
	return redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (s *Server) setUserActive(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	active, ok := formYesNo(c, "active")
	if !ok {
		// Anything but the buttons' answer must not deactivate the user.
		return s.renderUser(c, http.StatusUnprocessableEntity, id, nil, map[string]string{"active": "error.choice"}, "")
	}
	openCases := c.FormValue("open_cases")
	held, err := s.store.SetActive(c.Request().Context(), viewer(c), actor(c), id, active, openCases)
	if ve := asValidation(err); ve != nil {
		return s.renderUser(c, http.StatusUnprocessableEntity, id, nil, ve.Fields, "")
	}
	if err != nil {
		return err
	}
	switch {
	case active:
		s.flash(c, "flash.activated")
	case held == 0:
		s.flash(c, "flash.deactivated")
	case openCases == models.ReleaseOpenCases:
		s.flash(c, "flash.deactivated_released", map[string]any{"Count": held})
	default:
		s.flash(c, "flash.deactivated_kept", map[string]any{"Count": held})
	}
	return redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

// resetPassword gives the user a new generated password, shown once.
func (s *Server) resetPassword(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pw, err := s.store.ResetPassword(c.Request().Context(), viewer(c), actor(c), id)
	if err != nil {
		return err
	}
	return s.renderUser(c, http.StatusOK, id, nil, nil, pw)
}

func (s *Server) endSessions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.EndSessions(c.Request().Context(), viewer(c), actor(c), id); err != nil {
		return err
	}
	s.flash(c, "flash.sessions_ended")
	return redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}

// setUserAdmin gives the admin role to the user or takes it away, as the
// form's explicit choice says: "true" or "false", nothing else.
func (s *Server) setUserAdmin(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	admin, ok := formYesNo(c, "admin")
	if !ok {
		return s.renderUser(c, http.StatusUnprocessableEntity, id, nil, map[string]string{"admin": "error.choice"}, "")
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return errMalformed("error.malformed")
	}
	changed, err := s.store.SetAdmin(c.Request().Context(), viewer(c), actor(c), id, admin, version)
	switch ve := asValidation(err); {
	case ve != nil:
		return s.renderUser(c, http.StatusUnprocessableEntity, id, nil, ve.Fields, "")
	case isConflict(err):
		return s.renderUser(c, http.StatusConflict, id, nil, map[string]string{"admin": "error.conflict"}, "")
	case err != nil:
		return err
	case !changed:
		s.flash(c, "flash.admin_unchanged")
	case admin:
		s.flash(c, "flash.admin_granted")
	default:
		s.flash(c, "flash.admin_revoked")
	}
	return redirect(c, "/admin/users/"+strconv.FormatInt(id, 10))
}
