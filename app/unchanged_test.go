package app

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"samspill/models"
)

// dbFingerprint hashes every row but sessions, log-in attempts, reads in the
// audit log (and its chain head) and tokens' last use: equal means unchanged.
// Rows are sorted before hashing, as PostgreSQL may return a table's rows in
// another order from one query to the next.
func dbFingerprint(t *testing.T, ts *testServer) string {
	t.Helper()
	db, err := ts.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if ts.store.Dialect() == models.Postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != "sessions" && n != "login_attempts" && n != "audit_head" {
			tables = append(tables, n)
		}
	}
	rows.Close()
	slices.Sort(tables)
	h := sha256.New()
	for _, tb := range tables {
		q := `SELECT * FROM "` + tb + `"`
		switch tb {
		case "audit_log":
			q += ` WHERE action <> 'view'`
		case "api_tokens":
			q = `SELECT id, user_id, name, token_hash, created_at, revoked_at FROM api_tokens`
		}
		r, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := r.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%s%v", tb, vals))
		}
		r.Close()
		slices.Sort(lines)
		fmt.Fprintln(h, strings.Join(lines, "\n"))
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// refused posts form and wants 400/422 and nothing changed.
func refused(t *testing.T, ts *testServer, c *client, path string, form url.Values) {
	t.Helper()
	before := dbFingerprint(t, ts)
	res, _ := c.post(path, form)
	if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
		t.Errorf("POST %s %v = %d; want 422", path, form, res.StatusCode)
	}
	if dbFingerprint(t, ts) != before {
		t.Errorf("POST %s %v changed the database", path, form)
	}
}

// crlfText is text of total characters as maxlength counts them, in lines
// of 39 joined by CR LF as browsers send them.
func crlfText(total int) string {
	line := strings.Repeat("å", 39)
	var parts []string
	for n := 0; n+40 <= total; n += 40 {
		parts = append(parts, line)
	}
	s := strings.Join(parts, "\r\n")
	return s + strings.Repeat("å", total-len([]rune(strings.ReplaceAll(s, "\r\n", "\n"))))
}
