package models

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"
)

// RepeatWindow is how long after an enquiry the same enquiry sent again (a
// double click on "Send", the back button and "Send" again, a phone that
// retries a request whose answer it lost) is taken for that one, and answered
// with its reference, rather than registered as a second case that two
// advisers would pick up and the statistics would count twice.
const RepeatWindow = 10 * time.Minute

// repeatOf is the enquiry of the last RepeatWindow that n repeats, or nil:
// the one rule for every path that registers an enquiry (CreateEnquiry) and
// for the one door's bot trap (ReserveReceipt, through its own memory).
//
// n repeats an enquiry when it came the same way (channel), from the same
// municipality to the same region, from the same person (the same e-mail,
// and the same phone number compared as an erasure compares them, so that
// "912 34 567" and "+47 91234567" are one), and says the same: description,
// needs, and every other field the person filled in, and the same consent to
// share. Anything that differs is a new enquiry, so that nothing typed is
// lost: someone who adds their organisation number and sends again has a
// case with it. A staff viewer finds only an enquiry it may see or registered
// itself (one sent to another region); the one door (v nil) any.
//
// It must run in the writer transaction that would register n, and it is
// race-safe there: on SQLite every write runs on the one writer connection,
// one after another (groupCommit runs each in its savepoint, seeing the writes
// before it), so the second of two identical requests sees the first. On
// PostgreSQL two transactions see nothing of each other until they commit, so
// CreateEnquiry first takes a transaction-level advisory lock keyed by a hash
// of what it compares (lockRepeat), before it reads the clock: the second
// waits until the first commits or rolls back, is received after it, and its
// look-up (read committed: a new snapshot per statement) then sees the
// first. Different enquiries hash apart and do not wait for each other.
//
// The look-up seeks the index enquiries_repeat (email, kommunenummer,
// received_at): the person's enquiries of the window, whatever else the
// municipality receives.
func (s *Store) repeatOf(tx *gorm.DB, v *Viewer, region *Region, n *NewEnquiry, received time.Time) (*Enquiry, error) {
	var found []Enquiry
	if err := repeatCandidates(tx, v, n, received).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("repeated enquiry: %w", err)
	}
	for i := range found {
		if e := &found[i]; sameRegion(e.RegionID, region) && repeats(n, e) {
			e.Region = region
			return e, nil
		}
	}
	return nil, nil
}

// repeatCandidates are the enquiries of the window that n may repeat, the
// first first, read by the index enquiries_repeat.
func repeatCandidates(tx *gorm.DB, v *Viewer, n *NewEnquiry, received time.Time) *gorm.DB {
	q := tx.Model(&Enquiry{}).Where("kommunenummer = ? AND received_at > ? AND received_at <= ? AND email = ? AND description = ? AND channel = ? AND anonymised_at IS NULL",
		n.Input.Kommunenummer, received.Add(-RepeatWindow), received, n.Input.Email, n.Input.Description, n.Channel)
	if v != nil {
		// The enquiries the viewer may see, and those they registered
		// themselves: one they sent to the region that serves another
		// municipality is no longer theirs to see, but their double click is
		// still the same enquiry, and its reference they were given already.
		switch all, region := enquiryScope(v); {
		case all:
		case region != 0:
			q = q.Where("(enquiries.region_id = ? OR enquiries.created_by = ?)", region, v.User.ID)
		default:
			q = q.Where("enquiries.created_by = ?", v.User.ID)
		}
	}
	return q.Order("received_at, id")
}

func sameRegion(id *int64, r *Region) bool {
	if id == nil || r == nil {
		return id == nil && r == nil
	}
	return *id == r.ID
}

// repeats says whether n says what e says, field for field (see repeatOf).
// n's input is normalised (checkNew has run).
func repeats(n *NewEnquiry, e *Enquiry) bool {
	// Every field compared as it is, whatever fields the input gains: a
	// field left out here would lose what a second sending added.
	return n.Consent.Share == e.ConsentShare && reflect.DeepEqual(repeatForm(n.Input), repeatForm(InputOf(e)))
}

// repeatForm is in as repeats compares it: the phone number in the first of
// its forms (whole numbers, however they are written, as PersonQuery compares
// them), the needs as a set, and without what is no
// part of what the person said (a status to move to, a withdrawal of
// consent, the fields a form could not read). contentKey hashes the same, so
// the two cannot come apart.
func repeatForm(in EnquiryInput) EnquiryInput {
	phone := ""
	if f := phoneForms(in.Phone); len(f) > 0 {
		phone = f[0]
	}
	needs := slices.Clone(in.Needs)
	slices.Sort(needs)
	if len(needs) == 0 {
		needs = nil
	}
	in.Phone, in.Needs, in.Status, in.WithdrawShare, in.Unread = phone, needs, "", false, nil
	return in
}

// repeatKey is the hash of what repeatOf looks an enquiry up by (and the bot
// trap remembers it by): its municipality, channel, person and description.
func repeatKey(n *NewEnquiry) int64 {
	h := fnv.New64a()
	phone := ""
	if f := phoneForms(n.Input.Phone); len(f) > 0 {
		phone = f[0]
	}
	for _, part := range []string{n.Input.Kommunenummer, n.Channel, n.Input.Email, phone, n.Input.Description} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// lockRepeat takes PostgreSQL's transaction-level advisory lock on n's
// repeatKey (see repeatOf); SQLite has one writer and needs none.
func (s *Store) lockRepeat(tx *gorm.DB, n *NewEnquiry) error {
	if s.dialect != Postgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", repeatKey(n)).Error; err != nil {
		return fmt.Errorf("repeat lock: %w", err)
	}
	return nil
}

// contentKey is the hash of everything repeats compares, and of the region:
// the bot trap remembers its receipts by it. It hashes the JSON of the input
// in repeatForm, whole, so that a field the input gains is keyed as repeats
// compares it (reflect.DeepEqual), without being named here; JSON tells a
// yes/no not answered (null) from no (false), as DeepEqual does.
func contentKey(n *NewEnquiry, region *Region) int64 {
	regionID := int64(0)
	if region != nil {
		regionID = region.ID
	}
	content, err := json.Marshal(struct {
		Input   EnquiryInput
		Channel string
		Share   bool
		Region  int64
	}{repeatForm(n.Input), n.Channel, n.Consent.Share, regionID})
	if err != nil {
		panic(fmt.Sprintf("content key: %v", err)) // strings, bools and lists of strings always encode
	}
	h := fnv.New64a()
	h.Write(content)
	return int64(h.Sum64())
}

// reservedReceipts is the bot trap's memory of the receipts it gave (see
// ReserveReceipt): a bot that sends the same submission again within the
// RepeatWindow is given the same reference, as a person is, so that it cannot
// tell it was caught by the references either. It holds nothing of the
// submission but a hash, and forgets after the window; it is bounded, and
// per server process (a bot answered by two servers on one PostgreSQL
// database may see two references, the price of storing nothing of it).
type reservedReceipts struct {
	mu   sync.Mutex
	byID map[int64]reservedReceipt
}

type reservedReceipt struct {
	receipt Receipt
	at      time.Time
}

// maxReserved bounds the bot trap's memory; past it, it forgets the oldest.
const maxReserved = 10000

// find is the receipt reserved for key within the window before now.
func (m *reservedReceipts) find(key int64, now time.Time) (Receipt, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byID[key]
	if !ok || !r.at.After(now.Add(-RepeatWindow)) || r.at.After(now) {
		return Receipt{}, false
	}
	return r.receipt, true
}

// remember keeps the receipt reserved for key, forgetting what is past the window.
func (m *reservedReceipts) remember(key int64, r Receipt, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID = map[int64]reservedReceipt{}
	}
	if len(m.byID) >= maxReserved {
		var oldest int64
		var first time.Time
		for k, v := range m.byID {
			if !v.at.After(now.Add(-RepeatWindow)) {
				delete(m.byID, k)
			} else if first.IsZero() || v.at.Before(first) {
				oldest, first = k, v.at
			}
		}
		if len(m.byID) >= maxReserved {
			delete(m.byID, oldest)
		}
	}
	m.byID[key] = reservedReceipt{receipt: r, at: now}
}
