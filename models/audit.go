package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one line of the append-only audit log: who did what to which
// record, when. Detail never holds personal data or secrets.
type AuditEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	UserID    *int64    `json:"user_id"`
	RegionID  *int64    `json:"region_id"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	ObjectID  string    `json:"object_id"`
	RequestID string    `json:"request_id"`
	IP        string    `gorm:"column:ip" json:"ip"`
	Detail    string    `json:"detail"`
}

// TableName keeps the log's table name singular, as the migration made it.
func (AuditEntry) TableName() string { return "audit_log" }

// audit appends an entry inside the caller's transaction, so the change and its
// record of the change are committed together or not at all.
func (s *Store) audit(tx *gorm.DB, a Actor, action, object, objectID, detail string) error {
	e := AuditEntry{At: s.now(), Action: action, Object: object, ObjectID: objectID, RequestID: a.RequestID, IP: a.IP, Detail: detail}
	if a.UserID != 0 {
		e.UserID = &a.UserID
	}
	if a.RegionID != 0 {
		e.RegionID = &a.RegionID
	}
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	return nil
}

// AuditFor lists the audit entries about one record, newest first.
func (s *Store) AuditFor(ctx context.Context, object, objectID string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read(ctx).Where("object = ? AND object_id = ?", object, objectID).Order("id DESC").Limit(200).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("audit for %s %s: %w", object, objectID, err)
	}
	return out, nil
}
