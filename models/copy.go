package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// copyTables are every table of the schema, parents before children, with the
// column that orders their rows. The full-text index is not copied: SQLite's
// is rebuilt, PostgreSQL's is a generated column.
var copyTables = []struct{ name, order string }{
	{"counties", "number"}, {"municipalities", "kommunenummer"}, {"industry_sections", "code"}, {"factors", "code"},
	{"partners", "id"}, {"regions", "id"}, {"region_members", "id"}, {"users", "id"}, {"user_roles", "id"}, {"api_tokens", "id"},
	{"sessions", "token"}, {"login_attempts", "id"}, {"enquiries", "id"}, {"consents", "id"}, {"activities", "id"},
	{"status_changes", "id"}, {"referrals", "id"}, {"referral_events", "id"}, {"referral_links", "id"}, {"referral_comments", "id"},
	{"projects", "id"}, {"project_municipalities", "id"}, {"project_participants", "id"}, {"project_funding", "id"},
	{"project_indicators", "id"}, {"project_links", "id"}, {"milestones", "id"}, {"assessments", "id"}, {"assessment_scores", "id"},
	{"audit_log", "seq"}, {"server_secrets", "name"},
}

// CopyTo copies every row of this database into dst, which must be migrated
// to the same schema and hold no data yet (`samspill migrate` without the
// reference data, as Copy's caller opens it): the way from SQLite to
// PostgreSQL, or back. Ids, times and the audit log's hash chain are kept as
// they are, so `samspill audit verify` holds on the copy; counters (reference
// numbers, roles version) and the audit head are carried over; PostgreSQL's
// sequences are moved past the copied ids. Run it with no server writing to
// either database.
func (s *Store) CopyTo(ctx context.Context, dst *Store, progress func(table string, rows int64)) error {
	if v, err := s.SchemaVersion(ctx); err != nil {
		return err
	} else if w, err := dst.SchemaVersion(ctx); err != nil {
		return err
	} else if v != w {
		return fmt.Errorf("the source is at schema %d and the destination at %d: migrate both first", v, w)
	}
	var n int64
	for _, t := range []string{"municipalities", "users", "enquiries", "audit_log"} {
		if err := dst.db.WithContext(ctx).Table(t).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("the destination's %s holds %d rows: copy into a database that is migrated and empty", t, n)
		}
	}
	w, err := dst.newBulkWriter(ctx)
	if err != nil {
		return err
	}
	defer w.close()
	var total int64
	for _, t := range copyTables {
		rows, err := s.read(ctx).Raw("SELECT * FROM " + t.name + " ORDER BY " + t.order).Rows()
		if err != nil {
			return fmt.Errorf("table %s: %w", t.name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		keep := make([]int, 0, len(cols))
		var names []string
		for i, c := range cols {
			if c != "search" { // PostgreSQL's generated tsvector makes itself
				keep = append(keep, i)
				names = append(names, c)
			}
		}
		w.table(t.name, names...)
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			row := make([]any, 0, len(keep))
			for _, i := range keep {
				row = append(row, vals[i])
			}
			if err := w.add(t.name, row...); err != nil {
				rows.Close()
				return err
			}
			if total++; total%50_000 == 0 && progress != nil {
				progress(t.name, total)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("table %s: %w", t.name, err)
		}
		if err := w.flush(); err != nil {
			return err
		}
	}
	if err := w.commit(); err != nil {
		return err
	}
	if progress != nil {
		progress("", total)
	}
	return s.copyState(ctx, dst)
}

// copyState carries over the counters and the audit head, rebuilds SQLite's
// search index and moves PostgreSQL's sequences past the copied ids.
func (s *Store) copyState(ctx context.Context, dst *Store) error {
	var counters []struct {
		Name  string
		Value int64
	}
	if err := s.read(ctx).Raw("SELECT name, value FROM counters ORDER BY name").Scan(&counters).Error; err != nil {
		return err
	}
	var head auditHead
	if err := s.read(ctx).First(&head, 1).Error; err != nil {
		return err
	}
	return dst.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range counters {
			err := tx.Exec(`INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, c.Name, c.Value).Error
			if err != nil {
				return fmt.Errorf("counters: %w", err)
			}
		}
		if err := tx.Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, head.Seq, head.Hash).Error; err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		if dst.dialect == Postgres {
			for _, t := range copyTables {
				if t.order != "id" && t.name != "audit_log" {
					continue
				}
				err := tx.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM %s), 1))`, t.name, t.name)).Error
				if err != nil {
					return fmt.Errorf("sequence of %s: %w", t.name, err)
				}
			}
			return nil
		}
		var first, last int64
		if err := tx.Raw(`SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM enquiries`).Row().Scan(&first, &last); err != nil {
			return err
		}
		if last == 0 {
			return nil
		}
		return dst.indexEnquiries(tx, first, last)
	})
}
