package app

import (
	"fmt"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"samspill/views"
)

// A form refused because someone else saved the record first keeps what was
// typed, now with the record's version as read, so that one press saves it
// again; its message names the fields in which what was typed differs from
// the record as it is now, which that press overwrites.

// ctxStaleDiffers holds, for a form refused as stale, the message ids of the
// labels of the fields that differ (see staleKept and page.Differs), and
// ctxStaleButton the message id of its button's label.
const (
	ctxStaleDiffers = "stale_differs"
	ctxStaleButton  = "stale_button"
)

// keptField is one field of a form refused as stale: its label's message id,
// and its value as typed and as the record holds it now, both as the form
// draws them. A list's value is its rows (any value fmt prints).
type keptField struct {
	Label      string
	Typed, Now any
}

// staleKept notes on the request which of fields differ, in their order, for
// the page to list under the form's message, and the form's button (the
// message id of its label), which the message says to press again, as the
// form itself says it ("Endre oppfølgingsdato", not "Lagre"); and returns
// that message as the form's error. A textarea's line breaks, which a browser
// sends as CRLF, and spaces around a value do not count.
func staleKept(c echo.Context, button string, fields ...keptField) map[string]string {
	norm := func(v any) string {
		return strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\r\n", "\n"))
	}
	var differ []string
	for _, f := range fields {
		if norm(f.Typed) != norm(f.Now) && !slices.Contains(differ, f.Label) {
			differ = append(differ, f.Label)
		}
	}
	c.Set(ctxStaleDiffers, differ)
	c.Set(ctxStaleButton, button)
	if len(differ) == 0 {
		return map[string]string{"form": "error.conflict_kept_same"}
	}
	return map[string]string{"form": "error.conflict_kept"}
}

// staleDiffers is the labels of the fields staleKept found to differ on
// the request, in loc's language; nil if it found none or was not called.
func staleDiffers(c echo.Context, loc *views.Localizer) []string {
	var labels []string
	ids, _ := c.Get(ctxStaleDiffers).([]string)
	for _, id := range ids {
		labels = append(labels, loc.T(id))
	}
	return labels
}

// staleButton is the label of the button of the form staleKept refused on
// the request, in loc's language; "" if it was not called.
func staleButton(c echo.Context, loc *views.Localizer) string {
	if id, _ := c.Get(ctxStaleButton).(string); id != "" {
		return loc.T(id)
	}
	return ""
}

// sorted is a sorted copy of a list whose order the form does not keep.
func sorted(list []string) []string {
	list = slices.Clone(list)
	slices.Sort(list)
	return list
}
