package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// WithdrawShareConsent records that the person behind enquiry id withdrew the
// consent to share their data with partners (GDPR article 7(3)), as told to
// the viewer, an adviser of the case's region, if nobody saved the enquiry
// since version was read. From then on no partner sees the person (see
// SeesPersonData) and no new referral may share. Nothing is erased: the case
// keeps the person's data, and referrals already answered keep their history.
//
// Withdrawing a consent that is not (or no longer) given is a no-op, so that
// a form sent twice does not show an error.
func (s *Store) WithdrawShareConsent(ctx context.Context, v *Viewer, a Actor, id int64, version int) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		e, err := s.lockEnquiry(tx, v, id)
		if err != nil {
			return err
		}
		if !e.ConsentShare {
			return nil
		}
		if err := s.saveVersioned(tx, id, version, map[string]any{"consent_share": false}); err != nil {
			return err
		}
		return s.withdrawShare(tx, v, a, e)
	})
}

// withdrawShare does the rest of a withdrawal of e's consent to share, in tx,
// once the enquiry itself is saved: the withdrawal's own consent record, the
// end of sharing on the case's open referrals, and the audit entries.
func (s *Store) withdrawShare(tx *gorm.DB, v *Viewer, a Actor, e *Enquiry) error {
	now := s.now()
	// What was withdrawn: the latest consent to share given. Enquiries
	// always have one (CreateEnquiry records both answers); a withdrawal
	// without one still records when and by whom.
	var given Consent
	err := tx.Where("enquiry_id = ? AND purpose = ? AND granted = ?", e.ID, "share", true).Order("id DESC").First(&given).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find the consent to share: %w", err)
	}
	w := Consent{EnquiryID: e.ID, Purpose: "share", Granted: false, Text: given.Text, Version: given.Version, Language: given.Language,
		At: now, RecordedBy: &v.User.ID}
	if given.ID != 0 {
		w.Withdraws = &given.ID
	} else {
		w.Language = e.Language
	}
	if err := tx.Omit(clause.Associations).Create(&w).Error; err != nil {
		return fmt.Errorf("record the withdrawal: %w", err)
	}
	// Open referrals stop sharing; those already answered keep what they
	// record of the time (SeesPersonData hides the person on them).
	var ids []int64
	if err := tx.Model(&Referral{}).Where("enquiry_id = ? AND status IN ? AND share_personal_data = ?", e.ID, unclosedReferral, true).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("find the shared referrals: %w", err)
	}
	for _, rid := range ids {
		err := tx.Model(&Referral{}).Where("id = ?", rid).
			Updates(map[string]any{"share_personal_data": false, "version": gorm.Expr("version + 1"), "updated_at": now}).Error
		if err != nil {
			return fmt.Errorf("stop sharing referral %d: %w", rid, err)
		}
		if err := s.audit(tx, a, "unshare", "referral", fmt.Sprint(rid), "consent withdrawn"); err != nil {
			return err
		}
	}
	return s.audit(tx, a, "withdraw_consent", "enquiry", fmt.Sprint(e.ID), fmt.Sprintf("purpose=share referrals=%d", len(ids)))
}
