package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
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

// Factor polarities.
var FactorPolarities = []string{"enabling", "hindering"}

// OvercommitmentFactor is the hindering factor "more cooperations than capacity",
// for which the cooperation load is offered as evidence.
const OvercommitmentFactor = "overcommitment"

// Title is the factor's title in lang ("en" or else Bokmål).
func (f Factor) Title(lang string) string {
	if lang == "en" && f.TitleEN != "" {
		return f.TitleEN
	}
	return f.TitleNB
}

// Description is the factor's description in lang.
func (f Factor) Description(lang string) string {
	if lang == "en" && f.DescriptionEN != "" {
		return f.DescriptionEN
	}
	return f.DescriptionNB
}

// Enabling reports whether the factor helps cooperation (a high score is good).
func (f Factor) Enabling() bool { return f.Polarity == "enabling" }

// Retired reports whether the factor is kept only for history.
func (f Factor) Retired() bool { return f.RetiredAt != nil }

// ActiveFactors lists the factors new assessments use, in catalogue order.
func (s *Store) ActiveFactors(ctx context.Context) ([]Factor, error) {
	var fs []Factor
	if err := s.read(ctx).Where("retired_at IS NULL").Order("position, code").Find(&fs).Error; err != nil {
		return nil, fmt.Errorf("list active factors: %w", err)
	}
	return fs, nil
}

// FactorByCode loads one factor, retired or not.
func (s *Store) FactorByCode(ctx context.Context, code string) (*Factor, error) {
	var f Factor
	err := s.read(ctx).Where("code = ?", code).First(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("factor %q: %w", code, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load factor %q: %w", code, err)
	}
	return &f, nil
}

// FactorInput is a new factor as an admin enters it.
type FactorInput struct {
	Code, Polarity               string
	TitleNB, TitleEN             string
	DescriptionNB, DescriptionEN string
}

var factorCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

func (in *FactorInput) validate() map[string]string {
	fields := map[string]string{}
	in.Code = strings.TrimSpace(in.Code)
	in.TitleNB, in.TitleEN = strings.TrimSpace(in.TitleNB), strings.TrimSpace(in.TitleEN)
	in.DescriptionNB, in.DescriptionEN = strings.TrimSpace(in.DescriptionNB), strings.TrimSpace(in.DescriptionEN)
	switch {
	case in.Code == "":
		fields["code"] = "error.required"
	case !factorCode.MatchString(in.Code):
		fields["code"] = "error.code"
	}
	choice(fields, "polarity", in.Polarity, FactorPolarities, true)
	checkText(fields, "title_nb", in.TitleNB, 200, true)
	checkText(fields, "title_en", in.TitleEN, 200, true)
	checkText(fields, "description_nb", in.DescriptionNB, 2000, false)
	checkText(fields, "description_en", in.DescriptionEN, 2000, false)
	return fields
}

// AddFactor adds a factor to the end of the catalogue.
func (s *Store) AddFactor(ctx context.Context, a Actor, in FactorInput) (*Factor, error) {
	fields := in.validate()
	if fields["code"] == "" { // a code taken is said beside the other errors
		if ok, err := taken(s.read(ctx), &Factor{}, "code", in.Code, 0); err != nil {
			return nil, err
		} else if ok {
			fields["code"] = "error.code_taken"
		}
	}
	if len(fields) > 0 {
		return nil, &ValidationError{Fields: fields}
	}
	f := Factor{Code: in.Code, Polarity: in.Polarity, TitleNB: in.TitleNB, TitleEN: in.TitleEN, DescriptionNB: in.DescriptionNB, DescriptionEN: in.DescriptionEN}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Factor{}).Select("COALESCE(MAX(position), 0) + 1").Scan(&f.Position).Error; err != nil {
			return err
		}
		if err := tx.Create(&f).Error; err != nil {
			if isUniqueViolation(err) {
				return invalid("code", "error.code_taken")
			}
			return fmt.Errorf("add factor: %w", err)
		}
		return s.audit(tx, a, "create", "factor", f.Code, f.Polarity)
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// SetFactorRetired retires a factor, or brings a retired one back. A retired
// factor stays in every assessment that scored it, but new assessments cannot
// use it. Factors are never deleted: assessments refer to them.
func (s *Store) SetFactorRetired(ctx context.Context, a Actor, code string, retired bool) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		var at any
		action := "reinstate"
		if retired {
			at, action = s.now(), "retire"
		}
		// Only a change is made: retiring twice keeps the first date.
		res := tx.Model(&Factor{}).Where("code = ? AND (retired_at IS NULL) = ?", code, retired).Update("retired_at", at)
		if res.Error != nil {
			return fmt.Errorf("%s factor: %w", action, res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Factor{}).Where("code = ?", code).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("factor %q: %w", code, ErrNotFound)
			}
			return nil
		}
		return s.audit(tx, a, action, "factor", code, "")
	})
}
