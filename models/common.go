package models

import (
	"strings"

	"gorm.io/gorm"
)

// Page is a page of a list: 1-based number and size.
type Page struct {
	Number int
	Size   int
}

// MaxPageSize caps every list so one request cannot ask for the whole table.
const MaxPageSize = 200

// Limit is the page size, defaulted and capped.
func (p Page) Limit() int {
	switch {
	case p.Size <= 0:
		return 50
	case p.Size > MaxPageSize:
		return MaxPageSize
	}
	return p.Size
}

// maxPageNumber is past the end of any list; a larger page number would
// overflow the offset (and read the first page, or fail).
const maxPageNumber = 1_000_000

// Offset is the number of rows before the page.
func (p Page) Offset() int {
	if p.Number <= 1 {
		return 0
	}
	return (min(p.Number, maxPageNumber) - 1) * p.Limit()
}

// Actor is who makes a change, as the audit log records it.
type Actor struct {
	UserID    int64
	RegionID  int64
	RequestID string
	IP        string
}

// likeTerm makes a lower-case LIKE pattern that matches term anywhere, with the
// LIKE wildcards in term taken literally.
func likeTerm(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(term)) + "%"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// unchanged reports whether the row of model that where picks, at version,
// already holds values (column → value). A save that would change nothing is not made: its version
// stays, so that another's form open on the record does not turn stale, and
// the audit log records no edit that was none.
func unchanged(tx *gorm.DB, model any, version int, values map[string]any, where string, args ...any) (bool, error) {
	var n int64
	err := tx.Model(model).Where(where, args...).Where("version = ?", version).Where(values).Count(&n).Error
	return n == 1, err
}

// versionCheck turns an optimistic-locking update that touched no row into the
// right error: ErrNotFound when the row does not exist, ErrConflict when it does
// but carries another version.
func versionCheck(tx *gorm.DB, res *gorm.DB, model any, where string, args ...any) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := tx.Model(model).Where(where, args...).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return ErrConflict
}
