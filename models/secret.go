package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// serverSecret is a random key of the installation, kept in the database so
// that every server of it (and every restart) signs and checks alike.
type serverSecret struct {
	Name      string `gorm:"primaryKey"`
	Secret    string // hex
	CreatedAt time.Time
}

func (serverSecret) TableName() string { return "server_secrets" }

// ServerSecret returns the installation's secret key named name, 32 random
// bytes made the first time any server asks for it. Two servers asking at
// once get the same key: the first insert wins and both read it.
func (s *Store) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	var row serverSecret
	err := s.read(ctx).Where("name = ?", name).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&serverSecret{Name: name, Secret: hex.EncodeToString(raw), CreatedAt: s.now()}).Error
		if err != nil {
			return nil, fmt.Errorf("make secret %s: %w", name, err)
		}
		err = s.db.WithContext(ctx).Where("name = ?", name).First(&row).Error
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	key, err := hex.DecodeString(row.Secret)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("secret %s: not a key", name)
	}
	return key, nil
}
