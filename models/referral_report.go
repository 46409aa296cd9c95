package models

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// PartnerFigures are one partner's numbers in the board's follow-up.
type PartnerFigures struct {
	PartnerID         int64    `json:"partner_id"`
	Name              string   `json:"name"`
	Sent              int      `json:"sent"`
	Acknowledged      int      `json:"acknowledged"`
	Completed         int      `json:"completed"`
	Supported         int      `json:"supported"`
	Declined          int      `json:"declined"`
	NoResponse        int      `json:"no_response"`
	Open              int      `json:"open"`
	Overdue           int      `json:"overdue"`
	MedianAckDays     *float64 `json:"median_days_to_acknowledgement"`
	MedianOutcomeDays *float64 `json:"median_days_to_outcome"`
	GrantedNOK        int64    `json:"granted_nok"`
}

// AdviserFigures are one adviser's open and overdue referrals.
type AdviserFigures struct {
	UserID  int64  `json:"user_id"`
	Name    string `json:"name"`
	Sent    int    `json:"sent"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
}

// AmountBucket is NOK granted and referrals supported under one key.
type AmountBucket struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	Supported int    `json:"supported"`
	NOK       int64  `json:"nok"`
}

// ReferralReport is the board's follow-up of referrals sent in a period.
type ReferralReport struct {
	RegionID          int64            `json:"region_id"`
	From              string           `json:"from"`
	To                string           `json:"to"`
	Sent              int              `json:"sent"`
	Open              int              `json:"open"`
	Overdue           int              `json:"overdue"`
	Supported         int              `json:"supported"`
	GrantedNOK        int64            `json:"granted_nok"`
	MedianAckDays     *float64         `json:"median_days_to_acknowledgement"`
	MedianOutcomeDays *float64         `json:"median_days_to_outcome"`
	EnquiriesReceived int              `json:"enquiries_received"`
	EnquiriesReferred int              `json:"enquiries_referred"`
	ReferredPercent   *int             `json:"referred_percent"`
	Partners          []PartnerFigures `json:"partners"`
	Advisers          []AdviserFigures `json:"advisers"`
	ByMunicipality    []AmountBucket   `json:"granted_by_municipality"`
	ByQuarter         []AmountBucket   `json:"granted_by_quarter"`
}

// median of xs, or nil for none.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	sort.Float64s(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	m = float64(int64(m*10+0.5)) / 10 // one decimal is what a board reads
	return &m
}

// reportRow is what the report reads of a referral: no person data, no free text.
type reportRow struct {
	ID             int64
	EnquiryID      int64
	PartnerID      int64
	PartnerName    string
	AdviserID      *int64
	AdviserName    *string
	Kommunenummer  string
	MunicipalityNm string
	Status         string
	Outcome        string
	AmountNOK      int64 `gorm:"column:amount_nok"`
	SentAt         *time.Time
	AcknowledgedAt *time.Time
	ClosedAt       *time.Time
	FollowUpDue    time.Time
}

// reportRows reads the region's referrals sent in [start, end), scanned
// without reflection: a large region sends thousands a year.
func (s *Store) reportRows(ctx context.Context, regionID int64, start, end time.Time) ([]reportRow, error) {
	rs, err := s.read(ctx).Raw(`SELECT referrals.id, referrals.enquiry_id, referrals.partner_id, partners.name, referrals.adviser_id, users.name,
			enquiries.kommunenummer, municipalities.name, referrals.status, referrals.outcome, referrals.amount_nok,
			referrals.sent_at, referrals.acknowledged_at, referrals.closed_at, referrals.follow_up_due
		FROM referrals
		JOIN partners ON partners.id = referrals.partner_id
		JOIN enquiries ON enquiries.id = referrals.enquiry_id
		JOIN municipalities ON municipalities.kommunenummer = enquiries.kommunenummer
		LEFT JOIN users ON users.id = referrals.adviser_id
		WHERE referrals.region_id = ? AND referrals.sent_at >= ? AND referrals.sent_at < ?
		ORDER BY referrals.id`, regionID, start, end).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []reportRow
	for rs.Next() {
		var r reportRow
		var adviser sql.NullInt64
		var adviserName sql.NullString
		var sent, ack, closed sql.NullTime
		if err := rs.Scan(&r.ID, &r.EnquiryID, &r.PartnerID, &r.PartnerName, &adviser, &adviserName, &r.Kommunenummer, &r.MunicipalityNm,
			&r.Status, &r.Outcome, &r.AmountNOK, &sent, &ack, &closed, &r.FollowUpDue); err != nil {
			return nil, err
		}
		if adviser.Valid {
			r.AdviserID = &adviser.Int64
		}
		if adviserName.Valid {
			r.AdviserName = &adviserName.String
		}
		r.SentAt, r.AcknowledgedAt, r.ClosedAt = nullTime(sent), nullTime(ack), nullTime(closed)
		out = append(out, r)
	}
	return out, rs.Err()
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// referredReferral are the statuses of a referral by which its case counts as
// referred in the share referred: sent, and not withdrawn. A draft never
// reached the partner, and a withdrawn referral took the case back (sent by
// mistake, or the person withdrew before the partner took it), so the case
// was not referred. The partners' own figures still count what was sent.
var referredReferral = []string{"sent", "acknowledged", "in_progress", "completed", "declined", "no_response"}

// ReferralReport computes the board's figures for the viewer's region over the
// referrals sent from from to to (inclusive dates).
func (s *Store) ReferralReport(ctx context.Context, v *Viewer, from, to time.Time) (*ReferralReport, error) {
	if v.Region == nil {
		return nil, ErrNotFound
	}
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, Oslo).UTC()
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, Oslo).UTC()
	rows, err := s.reportRows(ctx, v.Region.ID, start, end)
	if err != nil {
		return nil, fmt.Errorf("referral report: %w", err)
	}
	now := s.now()
	// Its lists are empty, not nil, for a period without referrals: JSON [] rather than null.
	rep := &ReferralReport{RegionID: v.Region.ID, From: from.Format("2006-01-02"), To: to.Format("2006-01-02"),
		Partners: []PartnerFigures{}, Advisers: []AdviserFigures{}, ByMunicipality: []AmountBucket{}, ByQuarter: []AmountBucket{}}
	partners := map[int64]*PartnerFigures{}
	advisers := map[int64]*AdviserFigures{}
	partnerAck, partnerOut := map[int64][]float64{}, map[int64][]float64{}
	var allAck, allOut []float64
	byMun, byQuarter := map[string]*AmountBucket{}, map[string]*AmountBucket{}
	referred := map[int64]bool{}
	for _, r := range rows {
		referred[r.EnquiryID] = true
		p := partners[r.PartnerID]
		if p == nil {
			p = &PartnerFigures{PartnerID: r.PartnerID, Name: r.PartnerName}
			partners[r.PartnerID] = p
		}
		closed := contains(ClosedReferral, r.Status)
		overdue := !closed && now.After(r.FollowUpDue)
		p.Sent++
		rep.Sent++
		if r.AcknowledgedAt != nil {
			p.Acknowledged++
			d := r.AcknowledgedAt.Sub(*r.SentAt).Hours() / 24
			partnerAck[r.PartnerID] = append(partnerAck[r.PartnerID], d)
			allAck = append(allAck, d)
		}
		if r.Status == "completed" {
			p.Completed++
		}
		switch r.Outcome {
		case "supported":
			p.Supported++
			p.GrantedNOK += r.AmountNOK
			rep.Supported++
			rep.GrantedNOK += r.AmountNOK
			m := byMun[r.Kommunenummer]
			if m == nil {
				m = &AmountBucket{Key: r.Kommunenummer, Label: r.MunicipalityNm}
				byMun[r.Kommunenummer] = m
			}
			m.Supported++
			m.NOK += r.AmountNOK
			when := r.SentAt.In(Oslo)
			if r.ClosedAt != nil {
				when = r.ClosedAt.In(Oslo) // money counts in the quarter it was granted
			}
			qk := fmt.Sprintf("%d-Q%d", when.Year(), (int(when.Month())-1)/3+1)
			q := byQuarter[qk]
			if q == nil {
				q = &AmountBucket{Key: qk, Label: qk}
				byQuarter[qk] = q
			}
			q.Supported++
			q.NOK += r.AmountNOK
		case "declined":
			p.Declined++
		case "no_response":
			p.NoResponse++
		}
		// Days to the partner's outcome: a withdrawal is the adviser's, and
		// "no response" is dated by the janitor's round, not by any answer.
		if (r.Outcome == "supported" || r.Outcome == "declined") && r.ClosedAt != nil {
			d := r.ClosedAt.Sub(*r.SentAt).Hours() / 24
			partnerOut[r.PartnerID] = append(partnerOut[r.PartnerID], d)
			allOut = append(allOut, d)
		}
		if !closed {
			p.Open++
			rep.Open++
		}
		if overdue {
			p.Overdue++
			rep.Overdue++
		}
		if r.AdviserID != nil {
			a := advisers[*r.AdviserID]
			if a == nil {
				a = &AdviserFigures{UserID: *r.AdviserID}
				if r.AdviserName != nil {
					a.Name = *r.AdviserName
				}
				advisers[*r.AdviserID] = a
			}
			a.Sent++
			if !closed {
				a.Open++
			}
			if overdue {
				a.Overdue++
			}
		}
	}
	for id, p := range partners {
		p.MedianAckDays, p.MedianOutcomeDays = median(partnerAck[id]), median(partnerOut[id])
		rep.Partners = append(rep.Partners, *p)
	}
	sort.SliceStable(rep.Partners, func(i, j int) bool { return compareNorwegian(rep.Partners[i].Name, rep.Partners[j].Name) < 0 })
	for _, a := range advisers {
		rep.Advisers = append(rep.Advisers, *a)
	}
	sort.SliceStable(rep.Advisers, func(i, j int) bool { return compareNorwegian(rep.Advisers[i].Name, rep.Advisers[j].Name) < 0 })
	for _, b := range byMun {
		rep.ByMunicipality = append(rep.ByMunicipality, *b)
	}
	sort.SliceStable(rep.ByMunicipality, func(i, j int) bool {
		return compareNorwegian(rep.ByMunicipality[i].Label, rep.ByMunicipality[j].Label) < 0
	})
	for _, b := range byQuarter {
		rep.ByQuarter = append(rep.ByQuarter, *b)
	}
	sort.Slice(rep.ByQuarter, func(i, j int) bool { return rep.ByQuarter[i].Key < rep.ByQuarter[j].Key })
	rep.MedianAckDays, rep.MedianOutcomeDays = median(allAck), median(allOut)

	var received int64
	if err := s.read(ctx).Model(&Enquiry{}).Where("region_id = ? AND received_at >= ? AND received_at < ?", v.Region.ID, start, end).Count(&received).Error; err != nil {
		return nil, err
	}
	var referredInPeriod int64
	err = s.read(ctx).Model(&Enquiry{}).Where("region_id = ? AND received_at >= ? AND received_at < ? AND EXISTS (SELECT 1 FROM referrals WHERE referrals.enquiry_id = enquiries.id AND referrals.status IN ?)",
		v.Region.ID, start, end, referredReferral).Count(&referredInPeriod).Error
	if err != nil {
		return nil, err
	}
	rep.EnquiriesReceived, rep.EnquiriesReferred = int(received), int(referredInPeriod)
	if received > 0 {
		pc := percent(share(float64(referredInPeriod), float64(received))) // rounded: 1 of 6 is 17 %
		rep.ReferredPercent = &pc
	}
	return rep, nil
}
