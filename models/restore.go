package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// RestoreResult is what Restore did besides putting the backup in place.
type RestoreResult struct {
	Kept      string    // where the replaced database was kept; "" if there was none
	Reapplied int       // erasures and retention anonymisations re-applied to the restored database
	BackupSeq int64     // the number of the backup's last audit entry (0: its log is empty)
	BackupAt  time.Time // and when it was written: erasures after it are what Reapplied counts
	// Warning, wrapping ErrErasuresNotReapplied, says why erasures made
	// after the backup could not be re-applied; or, wrapping
	// ErrForgetPending, that they were (Reapplied) but their clean-up from
	// the restored file is not finished, which the server's janitor does.
	// nil if there were none to re-apply or all were, cleaned up.
	Warning error
}

// ErrErasuresNotReapplied is the warning of a restore that could not read,
// from the database it replaced, which people were erased or anonymised
// after the backup: the restored database may hold their data again.
var ErrErasuresNotReapplied = errors.New("erasures made after the backup could not be re-applied")

// ReappliedPrefix begins the detail of the audit entry of an erasure or
// anonymisation re-applied after a restore, followed by "entry=N " (the
// sequence number of the entry in the replaced database's log) and that
// entry's own detail: "reapplied after restore: entry=57 reason: …".
const ReappliedPrefix = "reapplied after restore: "

// erasuresAfter reads, from the database at path (the one a restore
// replaces), the erasures and retention anonymisations of enquiries that its
// audit log records after backup, the head of the backup's log. It reads
// them only if that log continues the backup's: its entry numbered as the
// backup's last has the same hash, which covers every entry before it, and
// each entry after it links to the one before, up to the log's head. Else the
// enquiries' ids may be another database's, or the entries forged, and it
// returns an error saying why, unless its log holds no erasure at all (a
// database made by a first start before the restore, or an empty file): then
// nothing can be missed. An empty backup log proves no lineage either.
func erasuresAfter(ctx context.Context, path string, backup auditHead) ([]AuditEntry, error) {
	s, err := Open(path)
	if err != nil {
		return nil, fmt.Errorf("the database being replaced, %s, cannot be opened: %w", path, err)
	}
	defer s.Close()
	var tables int64
	if err := s.read(ctx).Raw(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'`).Scan(&tables).Error; err != nil {
		return nil, fmt.Errorf("the database being replaced, %s, cannot be read: %w", path, err)
	}
	if tables == 0 {
		return nil, nil // an empty database (a file of no bytes): nothing to re-apply
	}
	// notLater is the answer for a log that does not continue the backup's:
	// an error, unless it holds no erasure at all (a first start's database),
	// when nothing can be missed whatever database it is.
	notLater := func(why string) ([]AuditEntry, error) {
		var found []int64
		if err := s.read(ctx).Model(&AuditEntry{}).Where("object = 'enquiry' AND action IN ('erase', 'anonymise')").Limit(1).Pluck("seq", &found).Error; err != nil {
			return nil, fmt.Errorf("the audit log of the database being replaced, %s, cannot be read: %w", path, err)
		}
		if len(found) == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%s is not a later state of the backup's database: %s", path, why)
	}
	rows, err := s.read(ctx).Model(&AuditEntry{}).Where("seq >= ?", backup.Seq).Order("seq").Rows()
	if err != nil {
		return nil, fmt.Errorf("the audit log of the database being replaced, %s, cannot be read: %w", path, err)
	}
	defer rows.Close()
	var out []AuditEntry
	prev, last := "", backup.Seq
	seen := backup.Seq == 0 // the backup's last entry, found in this log
	for rows.Next() {
		var e AuditEntry
		if err := s.rdb.ScanRows(rows, &e); err != nil {
			return nil, fmt.Errorf("the audit log of %s cannot be read: %w", path, err)
		}
		if !seen {
			if e.Seq != backup.Seq || e.Hash != backup.Hash {
				return notLater(fmt.Sprintf("its audit entry %d is not the backup's last", backup.Seq))
			}
			seen, prev = true, e.Hash
			continue
		}
		switch {
		case e.Seq != last+1:
			return nil, fmt.Errorf("%w in %s: entry %d follows %d (an entry is missing)", ErrAuditBroken, path, e.Seq, last)
		case e.PrevHash != prev:
			return nil, fmt.Errorf("%w in %s: entry %d does not link to the one before", ErrAuditBroken, path, e.Seq)
		case e.chainHash() != e.Hash:
			return nil, fmt.Errorf("%w in %s: entry %d was changed", ErrAuditBroken, path, e.Seq)
		}
		prev, last = e.Hash, e.Seq
		if e.Object == "enquiry" && (e.Action == "erase" || e.Action == "anonymise") {
			out = append(out, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("the audit log of %s cannot be read: %w", path, err)
	}
	if !seen {
		return notLater(fmt.Sprintf("its audit log ends before the backup's last entry, %d", backup.Seq))
	}
	var head auditHead
	if err := s.read(ctx).First(&head, 1).Error; err != nil {
		return nil, fmt.Errorf("the audit log of %s cannot be read: %w", path, err)
	}
	if head.Seq != last || head.Hash != prev {
		return nil, fmt.Errorf("%w in %s: the log ends at %d but the head says %d", ErrAuditBroken, path, last, head.Seq)
	}
	if backup.Seq == 0 && len(out) > 0 {
		return notLater("the backup's audit log is empty, so nothing shows that it is")
	}
	return out, nil
}

// reapply anonymises, in the restored database at path, the enquiries of
// the erasures and anonymisations erased, with anonymise as they were
// first, in one transaction. Each enquiry that still held person data gets an
// entry of the same action whose detail names the entry re-applied (see
// ReappliedPrefix); one already anonymised in the backup, or made after it,
// is left as it is. The restored database is migrated first if the backup is
// of an older schema, as serve would at start: anonymise writes the columns
// this program knows. It returns how many it anonymised.
func reapply(ctx context.Context, open func(string) (*Store, error), path string, erased []AuditEntry) (n int, err error) {
	s, err := open(path)
	if err != nil {
		return 0, fmt.Errorf("the restored database cannot be opened: %w", err)
	}
	defer func() {
		if cerr := s.Close(); err == nil && cerr != nil {
			n, err = 0, cerr
		}
	}()
	if _, err := s.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("the restored database cannot be migrated: %w", err)
	}
	actor := Actor{RequestID: "restore"}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		n = 0
		for _, e := range erased {
			id, err := strconv.ParseInt(e.ObjectID, 10, 64)
			if err != nil {
				return fmt.Errorf("audit entry %d names no enquiry: %q", e.Seq, e.ObjectID)
			}
			done, err := s.anonymise(tx, id)
			if err != nil {
				return err
			}
			if !done {
				continue
			}
			detail := ReappliedPrefix + "entry=" + strconv.FormatInt(e.Seq, 10) + " " + e.Detail
			if err := s.audit(tx, actor, e.Action, e.Object, e.ObjectID, detail); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("re-applying them to the restored database failed: %w", err)
	}
	if n > 0 {
		// The backup's search index holds their words in its segments.
		if err := s.forgetErased(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}
