package models

import (
	"context"
	"fmt"
	"time"
)

// Factor is one enabling or hindering factor of regional cooperation.
type Factor struct {
	Code          string     `gorm:"primaryKey" json:"code"`
	Polarity      string     `json:"polarity"` // enabling or hindering
	TitleNB       string     `gorm:"column:title_nb" json:"title_nb"`
	TitleEN       string     `gorm:"column:title_en" json:"title_en"`
	DescriptionNB string     `gorm:"column:description_nb" json:"description_nb"`
	DescriptionEN string     `gorm:"column:description_en" json:"description_en"`
	Position      int        `json:"-"`
	RetiredAt     *time.Time `json:"retired_at"`
}

// Factors lists the factor catalogue in its order, retired factors included.
func (s *Store) Factors(ctx context.Context) ([]Factor, error) {
	var fs []Factor
	if err := s.read(ctx).Order("position, code").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("list factors: %w", err)
	}
	return fs, nil
}
