package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one line of the append-only audit log: who did what to which
// record, when, from where. Detail never holds personal data or secrets. Each
// entry carries the hash of the one before it, so a changed or removed entry
// breaks the chain; the database refuses updates and deletes outright.
type AuditEntry struct {
	ID        int64     `json:"id"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	UserID    *int64    `json:"user_id"`
	RegionID  *int64    `json:"region_id"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	ObjectID  string    `json:"object_id"`
	RequestID string    `json:"request_id"`
	IP        string    `gorm:"column:ip" json:"ip"`
	Detail    string    `json:"detail"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// TableName keeps the log's table name singular, as the migration made it.
func (AuditEntry) TableName() string { return "audit_log" }

type auditHead struct {
	ID   int64
	Seq  int64
	Hash string
}

func (auditHead) TableName() string { return "audit_head" }

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// chainHash is the entry's hash over its fields and the previous hash.
// The fields are joined with the unit separator 0x1f, the time in RFC 3339
// with nanoseconds, and absent ids as empty strings.
func (e *AuditEntry) chainHash() string {
	b := make([]byte, 0, 256)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, 0x1f)
	b = e.At.UTC().AppendFormat(b, time.RFC3339Nano)
	for _, f := range []string{optInt(e.UserID), optInt(e.RegionID), e.Action, e.Object, e.ObjectID, e.RequestID, e.IP, e.Detail, e.PrevHash} {
		b = append(b, 0x1f)
		b = append(b, f...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// audit appends an entry inside the caller's transaction, so the change and its
// record of the change are committed together or not at all. Updating the head
// row first serialises appends, on PostgreSQL too, so the chain never forks.
// regionOfRecord reads the region of each object of the audit log that lies
// in one region, from the record's id.
var regionOfRecord = map[string]string{
	"enquiry":    "SELECT region_id FROM enquiries WHERE id = ?",
	"referral":   "SELECT region_id FROM referrals WHERE id = ?",
	"project":    "SELECT region_id FROM projects WHERE id = ?",
	"assessment": "SELECT region_id FROM assessments WHERE id = ?",
	"milestone":  "SELECT projects.region_id FROM milestones JOIN projects ON projects.id = milestones.project_id WHERE milestones.id = ?",
	"region":     "SELECT id AS region_id FROM regions WHERE id = ?",
}

func (s *Store) audit(tx *gorm.DB, a Actor, action, object, objectID, detail string) error {
	e := AuditEntry{At: s.now().Truncate(time.Microsecond), Action: action, Object: object, ObjectID: objectID, RequestID: a.RequestID, IP: a.IP, Detail: detail}
	if a.UserID != 0 {
		e.UserID = &a.UserID
	}
	if a.RegionID != 0 {
		e.RegionID = &a.RegionID
	}
	if query, ok := regionOfRecord[object]; ok {
		// An entry about a region's record belongs to the region the record
		// is in, not to the one its actor works in: an admin acts on every
		// region's records from whichever region they chose, and the record's
		// coordinators are the ones to follow its audit.
		if id, err := strconv.ParseInt(objectID, 10, 64); err == nil {
			var rec struct{ RegionID *int64 }
			res := tx.Raw(query, id).Scan(&rec)
			if res.Error != nil {
				return fmt.Errorf("audit %s %s: %w", action, object, res.Error)
			}
			if res.RowsAffected > 0 {
				e.RegionID = rec.RegionID // nil for the admin queue
			}
		}
	}
	// Taking the next number locks the head until the transaction ends, so
	// that no other entry can link to the same one.
	var head auditHead
	if err := tx.Raw(`UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING id, seq, hash`).Scan(&head).Error; err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if head.ID != 1 {
		return errors.New("audit head: the row is missing")
	}
	e.Seq, e.PrevHash = head.Seq, head.Hash
	e.Hash = e.chainHash()
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s %s: %w", action, object, err)
	}
	if err := tx.Exec(`UPDATE audit_head SET hash = ? WHERE id = 1`, e.Hash).Error; err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// auditUser writes the entry of an action on a user's account (its access,
// password, sessions, tokens or profile) once in each region where the user
// holds a role: the account opens every one of them, and each region's
// coordinators follow who has access there. A user without a region role (an
// admin alone) is audited in the actor's region. The user's roles are read in
// tx, so a user just made is audited in the regions just granted.
func (s *Store) auditUser(tx *gorm.DB, a Actor, userID int64, action, object, objectID, detail string) error {
	var regions []int64
	if err := tx.Model(&UserRole{}).Where("user_id = ? AND region_id IS NOT NULL", userID).
		Distinct("region_id").Order("region_id").Pluck("region_id", &regions).Error; err != nil {
		return fmt.Errorf("audit %s %s: regions of user %d: %w", action, object, userID, err)
	}
	if len(regions) == 0 {
		return s.audit(tx, a, action, object, objectID, detail)
	}
	for _, r := range regions {
		a.RegionID = r
		if err := s.audit(tx, a, action, object, objectID, detail); err != nil {
			return err
		}
	}
	return nil
}

// auditChain extends the hash chain in memory, for bulk writes: each entry
// links to the one before it exactly as audit() would link it. Whoever uses it
// writes the entries and the new head in one transaction that holds the head.
type auditChain struct {
	seq  int64
	hash string
}

// link gives e the next sequence number, the previous hash and its own hash.
func (c *auditChain) link(e *AuditEntry) {
	e.At = e.At.UTC().Truncate(time.Microsecond) // what the databases keep, and so what the hash covers
	c.seq++
	e.Seq, e.PrevHash = c.seq, c.hash
	e.Hash = e.chainHash()
	c.hash = e.Hash
}

// RecordView writes the audit entry for a view of person data, and returns
// when it is committed. Views come with every inbox and enquiry page; on
// SQLite they share commits with other writes (see inTx).
func (s *Store) RecordView(ctx context.Context, a Actor, object, id, detail string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error { return s.audit(tx, a, "view", object, id, detail) })
}

// AuditFor lists the audit entries about one record, newest first.
func (s *Store) AuditFor(ctx context.Context, object, objectID string) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.read(ctx).Where("object = ? AND object_id = ?", object, objectID).Order("seq DESC").Limit(200).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("audit for %s %s: %w", object, objectID, err)
	}
	return out, nil
}

// HistoryEntry is one line of a record's history as its readers see it: the
// user's name instead of an id, and the names of the users and regions its
// detail refers to (an assignment's adviser, a routing's region), as the
// audit log's viewer has them. Detail keeps the entry's codes for the page to
// put in words, in the words of the audit log.
type HistoryEntry struct {
	AuditEntry
	UserName string
	Names    *AuditNames `gorm:"-"` // shared by the lines of one history; filled after the query
}

// History lists what was done to one record, newest first, with names. Views
// are left out: a case is looked at far more often than it changes, and who
// looked at it is for the audit log's viewer.
func (s *Store) History(ctx context.Context, object, objectID string) ([]HistoryEntry, error) {
	var out []HistoryEntry
	if err := historyQuery(s.read(ctx), object, objectID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("history of %s %s: %w", object, objectID, err)
	}
	// A routing is audited twice, once in each region's log; the case's history
	// tells it once, by the entry naming where it went.
	out = slices.DeleteFunc(out, func(e HistoryEntry) bool {
		return e.Action == "route" && strings.HasPrefix(e.Detail, "from_region=")
	})
	// The names the details refer to, one query for each kind of record.
	names := newAuditNames()
	for _, e := range out {
		names.add(e.AuditEntry)
	}
	if err := s.auditNames(ctx, names); err != nil {
		return nil, fmt.Errorf("history of %s %s: %w", object, objectID, err)
	}
	for i := range out {
		out[i].Names = names
	}
	return out, nil
}

// historyQuery selects a record's latest 200 changes. It names action <> 'view'
// literally, as the partial index audit_log_changes does, so that SQLite uses it.
func historyQuery(db *gorm.DB, object, objectID string) *gorm.DB {
	return db.Table("audit_log").Select("audit_log.*, users.name AS user_name").
		Joins("LEFT JOIN users ON users.id = audit_log.user_id").
		Where("audit_log.object = ? AND audit_log.object_id = ? AND audit_log.action <> 'view'", object, objectID).
		Order("audit_log.seq DESC").Limit(200)
}

// namesOf fills names with the name column of the rows of table (users or
// regions, never user input) whose ids are its keys.
func (s *Store) namesOf(ctx context.Context, table string, names map[int64]string) error {
	if len(names) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.read(ctx).Table(table).Select("id, name").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("names of %s: %w", table, err)
	}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return nil
}

// ErrAuditBroken means the audit log's hash chain does not hold.
var ErrAuditBroken = errors.New("audit log tampered with")

// VerifyAudit walks the whole log in order and checks every link of the chain:
// each entry's hash, its link to the one before, no gap in the sequence, and the
// head at the end. It returns the number of entries checked.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	var prev string
	var n, last int64
	rows, err := s.read(ctx).Model(&AuditEntry{}).Order("seq").Rows()
	if err != nil {
		return 0, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		if err := s.rdb.ScanRows(rows, &e); err != nil {
			return n, err
		}
		switch {
		case e.Seq != last+1:
			return n, fmt.Errorf("%w: entry %d follows %d (an entry is missing)", ErrAuditBroken, e.Seq, last)
		case e.PrevHash != prev:
			return n, fmt.Errorf("%w: entry %d does not link to the one before", ErrAuditBroken, e.Seq)
		case e.chainHash() != e.Hash:
			return n, fmt.Errorf("%w: entry %d was changed", ErrAuditBroken, e.Seq)
		}
		prev, last = e.Hash, e.Seq
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	var head auditHead
	if err := s.read(ctx).First(&head, 1).Error; err != nil {
		return n, err
	}
	if head.Seq != last || head.Hash != prev {
		return n, fmt.Errorf("%w: the log ends at %d but the head says %d (entries were removed at the end)", ErrAuditBroken, last, head.Seq)
	}
	return n, nil
}

// AuditActions and AuditObjects are the codes the audit log records, for its
// viewer to name in the reader's words and to filter by. TestAuditCodesListed
// holds them in step with the code that writes entries. The viewer refuses a
// filter by a code not listed here, so a code stays listed after the code
// stops writing it: the entries that hold it are in the log for good.
var (
	AuditActions = []string{"view", "create", "update", "status", "assign", "activity", "close", "route", "comment", "for_board",
		"create_link", "acknowledge_by_link", "no_response", "follow_up", "discard", "erase", "anonymise", "set_roles", "activate", "deactivate",
		"change_password", "reset_password", "end_sessions", "revoke", "save_member", "remove_member", "retire", "reinstate",
		"withdraw_consent", "unshare", "grant_admin", "revoke_admin"}
	AuditObjects = []string{"enquiry", "person", "referral", "project", "milestone", "assessment", "factor", "partner",
		"region", "municipality", "user", "api_token"}
)

// AuditFilter narrows the audit viewer.
type AuditFilter struct {
	UserID   int64  // the user who acted or whose account the entry is about
	User     string // part of the name or e-mail of that user
	Object   string
	ObjectID string
	Action   string
	From, To *time.Time
	Page     Page
}

// AuditLine is an audit entry as the log's viewer shows it, with the name
// and e-mail of the user who acted (empty when no user did), and the names of
// what its detail refers to by id.
type AuditLine struct {
	AuditEntry
	UserName, UserEmail string
	Names               *AuditNames // shared by the lines of one page
}

// AuditNames are the names of the users, regions, partners and
// municipalities that a page of audit details refers to by id or number
// ("assigned_to=12", "region=3", "partner=4", "roles=adviser@1", a member's
// kommunenummer). A record gone since has no name here.
type AuditNames struct {
	Users, Regions, Partners map[int64]string
	Municipalities           map[string]string
	// ReferralPartners names, by referral id, the partner of each referral
	// that an entry without a user is about: who acted through the
	// referral's one-time link.
	ReferralPartners map[int64]string
}

func newAuditNames() *AuditNames {
	return &AuditNames{Users: map[int64]string{}, Regions: map[int64]string{}, Partners: map[int64]string{}, Municipalities: map[string]string{},
		ReferralPartners: map[int64]string{}}
}

// auditRefKinds are the detail keys whose value is the id of a user, region or
// partner.
var auditRefKinds = map[string]string{"assigned_to": "users", "user": "users", "region": "regions", "from_region": "regions", "partner": "partners"}

// add notes the ids and numbers that e's detail refers to, with empty names,
// and the referral an entry without a user is about.
func (n *AuditNames) add(e AuditEntry) {
	if e.UserID == nil && e.Object == "referral" {
		if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil && id > 0 {
			n.ReferralPartners[id] = ""
		}
	}
	if (e.Action == "save_member" || e.Action == "remove_member") && e.Object == "region" {
		n.Municipalities[e.Detail] = ""
		return
	}
	for _, tok := range strings.FieldsFunc(e.Detail, func(r rune) bool { return r == ' ' || r == ',' }) {
		key, value, ok := strings.Cut(tok, "=")
		if !ok { // an item of a list of roles after its first: "coordinator@1"
			key, value = "", tok
		}
		if key == "roles" || key == "" {
			if _, region, ok := strings.Cut(value, "@"); ok {
				key, value = "region", region
			}
		}
		id, err := strconv.ParseInt(value, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		switch auditRefKinds[key] {
		case "users":
			n.Users[id] = ""
		case "regions":
			n.Regions[id] = ""
		case "partners":
			n.Partners[id] = ""
		}
	}
}

// AuditEntries lists audit entries for admins (everything) and coordinators
// (their current region's), newest first.
func (s *Store) AuditEntries(ctx context.Context, v *Viewer, f AuditFilter) ([]AuditLine, int64, error) {
	q, err := s.auditQuery(s.read(ctx), v, f)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var entries []AuditEntry
	if err := q.Order("seq DESC").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&entries).Error; err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	// The users of a page, in one query: a join would have to qualify every
	// filter's column.
	ids := map[int64]bool{}
	for _, e := range entries {
		if e.UserID != nil {
			ids[*e.UserID] = true
		}
	}
	var users []User
	if len(ids) > 0 {
		if err := s.read(ctx).Select("id", "name", "email").Where("id IN ?", slices.Collect(maps.Keys(ids))).Find(&users).Error; err != nil {
			return nil, 0, fmt.Errorf("list audit: users: %w", err)
		}
	}
	byID := make(map[int64]User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	names := newAuditNames()
	for _, e := range entries {
		names.add(e)
	}
	if err := s.auditNames(ctx, names); err != nil {
		return nil, 0, fmt.Errorf("list audit: %w", err)
	}
	out := make([]AuditLine, len(entries))
	for i, e := range entries {
		out[i].AuditEntry, out[i].Names = e, names
		if e.UserID != nil {
			out[i].UserName, out[i].UserEmail = byID[*e.UserID].Name, byID[*e.UserID].Email
		}
	}
	return out, total, nil
}

// auditQuery selects the entries of the log that v may read and f chooses.
// A user is chosen as the one who acted or the one whose account the entry is
// about (object user), as "everything to do with Kari" means both. Each side
// of the OR is served by its own index (audit_log_user, audit_log_object), so
// that the 5 million entries of a national log are not read one by one
// (TestQueryPlans).
func (s *Store) auditQuery(db *gorm.DB, v *Viewer, f AuditFilter) (*gorm.DB, error) {
	q := db.Model(&AuditEntry{})
	switch {
	case v.IsAdmin():
	case v.Region != nil && v.Has(RoleCoordinator):
		// The region's entries are read by audit_log_region, unless a user or
		// one record is chosen: their few entries are found by their own
		// indexes and checked for the region. Without statistics SQLite takes
		// the region's index for any equality on it, so the unary plus (a
		// no-op on the value, on PostgreSQL too) keeps it from that index.
		if f.UserID != 0 || strings.TrimSpace(f.User) != "" || f.ObjectID != "" {
			q = q.Where("+region_id = ?", v.Region.ID)
		} else {
			q = q.Where("region_id = ?", v.Region.ID)
		}
	default:
		return nil, ErrNotFound
	}
	if f.UserID != 0 {
		q = q.Where("(user_id = ? OR (object = 'user' AND object_id = ?))", f.UserID, strconv.FormatInt(f.UserID, 10))
	}
	if t := strings.TrimSpace(f.User); t != "" {
		match := ` FROM users WHERE ` + s.fold("name") + ` LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\'`
		q = q.Where(`(user_id IN (SELECT id`+match+`) OR (object = 'user' AND object_id IN (SELECT CAST(id AS TEXT)`+match+`)))`,
			likeTerm(t), likeTerm(t), likeTerm(t), likeTerm(t))
	}
	if f.Object != "" {
		q = q.Where("object = ?", f.Object)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.From != nil {
		q = q.Where("at >= ?", time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, Oslo).UTC())
	}
	if f.To != nil {
		q = q.Where("at < ?", time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, Oslo).UTC())
	}
	return q, nil
}

// auditNames fills names, one query for each kind of record referred to.
func (s *Store) auditNames(ctx context.Context, names *AuditNames) error {
	for table, m := range map[string]map[int64]string{"users": names.Users, "regions": names.Regions, "partners": names.Partners} {
		if err := s.namesOf(ctx, table, m); err != nil {
			return err
		}
	}
	if len(names.ReferralPartners) > 0 {
		var refs []struct {
			ID   int64
			Name string
		}
		if err := s.read(ctx).Table("referrals").Select("referrals.id, partners.name").Joins("JOIN partners ON partners.id = referrals.partner_id").
			Where("referrals.id IN ?", slices.Collect(maps.Keys(names.ReferralPartners))).Scan(&refs).Error; err != nil {
			return fmt.Errorf("partners of referrals: %w", err)
		}
		for _, r := range refs {
			names.ReferralPartners[r.ID] = r.Name
		}
	}
	if len(names.Municipalities) == 0 {
		return nil
	}
	var rows []Municipality
	if err := s.read(ctx).Select("kommunenummer", "name").Where("kommunenummer IN ?", slices.Collect(maps.Keys(names.Municipalities))).Find(&rows).Error; err != nil {
		return fmt.Errorf("names of municipalities: %w", err)
	}
	for _, m := range rows {
		names.Municipalities[m.Kommunenummer] = m.Name
	}
	return nil
}
