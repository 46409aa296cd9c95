package app

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// A record's GET shows fields that no request sets: its id, its region, its
// times, the lists its own forms edit (a project's milestones, a region's
// members). An integration that GETs a project, a partner or a region,
// changes a field and PATCHes the whole object back is not refused for them,
// as with an enquiry (enquiryJSON.sentBackAsRead): sent back as read they
// change nothing, and a value that differs is refused beside the field,
// error.read_only. A POST that sends one is refused so too. The JSON types
// the API takes hold them as json.RawMessage, only so that they are known
// fields: what is sent is compared from the body.

var (
	projectShown = []string{"id", "region_id", "milestones", "created_at", "updated_at"}
	partnerShown = []string{"id", "created_at", "updated_at"}
	regionShown  = []string{"id", "members", "created_at", "updated_at"}
)

// decodeSentBack is decodePatch for a record whose GET shows the fields in
// shown; now is the record as the GET shows it. A field of shown sent is
// taken out of the errors when it holds what now holds, else refused
// (error.read_only); a null sent for a field now shows as null is as read,
// no emptying, and not refused as a null.
func decodeSentBack(c echo.Context, dst, now any, shown []string, required ...string) (map[string]string, error) {
	raw, fields, err := decodePatchFields(c, dst, required...)
	if err != nil {
		return nil, err
	}
	nowJSON, err := json.Marshal(now)
	if err != nil {
		return nil, err
	}
	var current map[string]json.RawMessage
	if err := json.Unmarshal(nowJSON, &current); err != nil {
		return nil, err
	}
	for name, sent := range raw {
		switch {
		case slices.Contains(shown, name):
			delete(fields, name) // a null that is what now holds
			if !sameJSON(sent, current[name]) {
				fields[name] = "error.read_only"
			}
		case fields[name] != "" && bytes.Equal(sent, []byte("null")) && bytes.Equal(current[name], []byte("null")):
			delete(fields, name)
		}
	}
	return fields, nil
}

// refuseShown refuses, in fields, each field of shown that body sends: a
// new record is given them.
func refuseShown(body []byte, fields map[string]string, shown []string) error {
	raw, err := rawFields(body)
	if err != nil {
		return err
	}
	for _, name := range shown {
		if _, ok := raw[name]; ok {
			fields[name] = "error.read_only"
		}
	}
	return nil
}

// rawFields are the top-level fields of a JSON object, as sent.
func rawFields(body []byte) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errMalformed("error.malformed")
	}
	return raw, nil
}

// sameJSON says whether a value sent holds what the record's shows: times
// to the microsecond PostgreSQL keeps (see sameTime), and without the
// overdue flags, which are worked out from the clock when read (one read
// before a deadline passed and sent back after it still says what was read).
// A field the record's JSON leaves out is null.
func sameJSON(sent, now json.RawMessage) bool {
	if now == nil {
		now = json.RawMessage("null")
	}
	var a, b any
	if json.Unmarshal(sent, &a) != nil || json.Unmarshal(now, &b) != nil {
		return false
	}
	return sameValue(a, b)
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		delete(x, "overdue")
		delete(y, "overdue")
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		s, err1 := time.Parse(time.RFC3339Nano, x)
		t, err2 := time.Parse(time.RFC3339Nano, y)
		return err1 == nil && err2 == nil && sameTime(s, t)
	}
	return a == b
}
