package app

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"samspill/models"
	"samspill/views"
)

// asValidation returns err as a ValidationError, or nil.
func asValidation(err error) *models.ValidationError {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}

// atTop returns errs with the message of the first of keys that has one also
// under "form", which every page shows at its top: for the errors of fields a
// page does not draw (a button's hidden value, a form hidden since), which
// would otherwise show nowhere.
func atTop(errs map[string]string, keys ...string) map[string]string {
	out := maps.Clone(errs)
	for _, k := range keys {
		if msg := out[k]; msg != "" && out["form"] == "" {
			out["form"] = msg
		}
	}
	return out
}

type passwordForm struct{ Current, New, Repeat string }

func (f passwordForm) validate() map[string]string {
	errs := map[string]string{}
	if f.Current == "" {
		errs["current_password"] = "error.required"
	}
	if len([]rune(f.New)) < models.MinPasswordLength {
		errs["new_password"] = "error.password_short"
	}
	if f.New != f.Repeat {
		errs["repeat_password"] = "error.password_mismatch"
	}
	return errs
}

// addProblems adds to errs the model's complaints about fields errs does not
// already name: a form that failed to parse a field still shows every error
// in one round, and the parse error stands where both have one.
func addProblems(errs, problems map[string]string) {
	for field, msg := range problems {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}
}

// formYesNo reads a form's explicit yes/no choice, "true" or "false"; ok is
// false for anything else (no answer is no yes).
func formYesNo(c echo.Context, name string) (yes, ok bool) {
	switch c.FormValue(name) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// formInt parses an integer form field, recording an error under name.
func formInt(errs map[string]string, name, v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		errs[name] = "error.number"
	}
	return n
}

// formNOK parses an amount in whole kroner as the page's language writes it
// (nums: views.Numbers.ReadWhole), with or without its currency: Bokmål
// "150 000", "150.000", "kr. 150 000", "150 000 kr", "NOK 150 000",
// "150 000,-"; English "150,000", "NOK 150,000". What is no amount in whole
// kroner, "1.5" or "150,5", is refused rather than read as another number.
func formNOK(nums views.Numbers, errs map[string]string, name, v string) int64 {
	v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(strings.ToLower(strings.TrimSpace(v)))
	v = strings.TrimSuffix(v, ",-")
	for _, unit := range []string{"kr.", "kr", "nok"} {
		if w, ok := strings.CutPrefix(v, unit); ok {
			v = w
			break
		}
		if w, ok := strings.CutSuffix(v, unit); ok {
			v = w
			break
		}
	}
	if v == "" {
		return 0
	}
	n, ok := nums.ReadWhole(v)
	if !ok {
		errs[name] = "error.amount"
	}
	return n
}

// formFloat parses a decimal form field as the page's language writes it
// (nums, the form's as it was pre-filled: views.Numbers.ReadDecimal), "0,5"
// or "1 250 000,5" in Bokmål, "0.5" or "1,250,000.5" in English; what is no
// number, "NaN" and "Inf" too, is refused.
func formFloat(nums views.Numbers, errs map[string]string, name, v string) float64 {
	if strings.TrimSpace(v) == "" {
		return 0
	}
	f, ok := nums.ReadDecimal(v)
	if !ok {
		errs[name] = "error.number"
		return 0
	}
	return f
}

// formDate parses a YYYY-MM-DD date field; "" gives nil.
func formDate(errs map[string]string, name, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	t, problem := readDate(v)
	if problem != "" {
		errs[name] = problem
		return nil
	}
	return &t
}

// isConflict reports whether err is a stale-version conflict.
func isConflict(err error) bool { return errors.Is(err, models.ErrConflict) }
