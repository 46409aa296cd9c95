package models

import (
	"errors"
	"sort"
	"strings"
)

// ErrNotFound means the record does not exist or lies outside the viewer's scope.
// The two are deliberately indistinguishable so that a 404 never reveals a record.
var ErrNotFound = errors.New("not found")

// ErrConflict means an update carried a stale version: someone saved in between.
var ErrConflict = errors.New("version conflict")

// ValidationError carries per-field problems. The values are message IDs from the
// catalogues in views/locales, so the app can show them in the reader's language.
type ValidationError struct {
	Fields map[string]string
	// Data holds, by field, what a field's message names (as "Date", the day
	// a case came in): the app fills it into the message as it translates it,
	// formatting times as dates.
	Data map[string]map[string]any
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "invalid " + strings.Join(keys, ", ")
}

// invalid returns a ValidationError for one field.
func invalid(field, messageID string) error {
	return &ValidationError{Fields: map[string]string{field: messageID}}
}
