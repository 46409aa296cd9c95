package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// migrations is the append-only history of the schema. Never edit or reorder a step
// that has shipped; add a new one. Each step runs in its own transaction together
// with the schema_migrations row that records it.
//
// The SQL is written once for both databases. The few words that differ are
// placeholders replaced by portable (below), the one seam between SQLite and
// PostgreSQL in the schema.
var migrations = []string{
	// 1: reference data, regions, users, roles, sessions, tokens, audit.
	`CREATE TABLE counties (
		number TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		official_name TEXT NOT NULL
	);
	CREATE TABLE municipalities (
		kommunenummer TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		official_name TEXT NOT NULL,
		county_number TEXT NOT NULL REFERENCES counties(number),
		centrality_class INTEGER NOT NULL,
		centrality_index INTEGER NOT NULL,
		population INTEGER NOT NULL,
		organisation TEXT NOT NULL DEFAULT '',
		business_fte DOUBLE PRECISION NOT NULL DEFAULT 0,
		version INTEGER NOT NULL DEFAULT 1,
		updated_at {{TIME}}
	);
	CREATE INDEX municipalities_county ON municipalities(county_number);
	CREATE TABLE industry_sections (
		code TEXT PRIMARY KEY,
		name_nb TEXT NOT NULL,
		name_en TEXT NOT NULL
	);
	CREATE TABLE partners (
		id {{ID}},
		name TEXT NOT NULL UNIQUE,
		kind TEXT NOT NULL,
		services TEXT NOT NULL DEFAULT '',
		description TEXT NOT NULL DEFAULT '',
		website TEXT NOT NULL DEFAULT '',
		active BOOLEAN NOT NULL DEFAULT TRUE,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE TABLE factors (
		code TEXT PRIMARY KEY,
		polarity TEXT NOT NULL,
		title_nb TEXT NOT NULL,
		title_en TEXT NOT NULL,
		description_nb TEXT NOT NULL DEFAULT '',
		description_en TEXT NOT NULL DEFAULT '',
		position INTEGER NOT NULL DEFAULT 0,
		retired_at {{TIME}}
	);
	CREATE TABLE regions (
		id {{ID}},
		slug TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		host_municipality TEXT REFERENCES municipalities(kommunenummer),
		first_response_days INTEGER NOT NULL DEFAULT 2,
		referral_follow_up_days INTEGER NOT NULL DEFAULT 14,
		no_response_days INTEGER NOT NULL DEFAULT 30,
		retention_months INTEGER NOT NULL DEFAULT 36,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE TABLE region_members (
		id {{ID}},
		region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
		kommunenummer TEXT NOT NULL REFERENCES municipalities(kommunenummer),
		joined_on DATE NOT NULL,
		left_on DATE,
		votes INTEGER NOT NULL DEFAULT 1,
		committed_fte DOUBLE PRECISION NOT NULL DEFAULT 0,
		takes_enquiries BOOLEAN NOT NULL DEFAULT FALSE,
		UNIQUE (region_id, kommunenummer)
	);
	CREATE INDEX region_members_municipality ON region_members(kommunenummer);
	CREATE TABLE users (
		id {{ID}},
		email TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		password_hash TEXT NOT NULL,
		active BOOLEAN NOT NULL DEFAULT TRUE,
		municipality TEXT REFERENCES municipalities(kommunenummer),
		partner_id BIGINT REFERENCES partners(id),
		language TEXT NOT NULL DEFAULT 'nb',
		last_region_id BIGINT REFERENCES regions(id) ON DELETE SET NULL,
		session_epoch INTEGER NOT NULL DEFAULT 1,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE TABLE user_roles (
		id {{ID}},
		user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		region_id BIGINT REFERENCES regions(id) ON DELETE CASCADE,
		role TEXT NOT NULL
	);
	CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, COALESCE(region_id, 0), role);
	CREATE INDEX user_roles_region ON user_roles(region_id);
	CREATE TABLE api_tokens (
		id {{ID}},
		user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		name TEXT NOT NULL DEFAULT '',
		token_hash TEXT NOT NULL UNIQUE,
		created_at {{TIME}} NOT NULL,
		last_used_at {{TIME}},
		revoked_at {{TIME}}
	);
	CREATE INDEX api_tokens_user ON api_tokens(user_id);
	CREATE TABLE sessions (
		token TEXT PRIMARY KEY,
		data {{BLOB}} NOT NULL,
		expiry {{TIME}} NOT NULL
	);
	CREATE INDEX sessions_expiry ON sessions(expiry);
	CREATE TABLE login_attempts (
		id {{ID}},
		email TEXT NOT NULL,
		ip TEXT NOT NULL,
		succeeded BOOLEAN NOT NULL,
		at {{TIME}} NOT NULL
	);
	CREATE INDEX login_attempts_email ON login_attempts(email, at);
	CREATE INDEX login_attempts_ip ON login_attempts(ip, at);
	CREATE TABLE audit_log (
		id {{ID}},
		at {{TIME}} NOT NULL,
		user_id BIGINT,
		region_id BIGINT,
		action TEXT NOT NULL,
		object TEXT NOT NULL,
		object_id TEXT NOT NULL DEFAULT '',
		request_id TEXT NOT NULL DEFAULT '',
		ip TEXT NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX audit_log_object ON audit_log(object, object_id);
	CREATE TABLE counters (
		name TEXT PRIMARY KEY,
		value BIGINT NOT NULL
	);
	INSERT INTO counters (name, value) VALUES ('roles_version', 1)`,

	// 2: enquiries through the one door, their consents, activities and status history.
	`CREATE TABLE enquiries (
		id {{ID}},
		reference TEXT NOT NULL UNIQUE,
		region_id BIGINT REFERENCES regions(id),
		channel TEXT NOT NULL,
		kommunenummer TEXT NOT NULL REFERENCES municipalities(kommunenummer),
		enquirer_kind TEXT NOT NULL,
		needs TEXT NOT NULL,
		description TEXT NOT NULL,
		name TEXT NOT NULL,
		email TEXT NOT NULL DEFAULT '',
		phone TEXT NOT NULL DEFAULT '',
		language TEXT NOT NULL DEFAULT 'nb',
		org_number TEXT NOT NULL DEFAULT '',
		business_name TEXT NOT NULL DEFAULT '',
		stage TEXT NOT NULL DEFAULT '',
		founder TEXT NOT NULL DEFAULT '',
		under30 BOOLEAN,
		immigrant_background BOOLEAN,
		employees TEXT NOT NULL DEFAULT '',
		market TEXT NOT NULL DEFAULT '',
		ownership TEXT NOT NULL DEFAULT '',
		goods_services TEXT NOT NULL DEFAULT '',
		raw_material BOOLEAN,
		agriculture BOOLEAN,
		industry_section TEXT REFERENCES industry_sections(code),
		status TEXT NOT NULL DEFAULT 'new',
		assigned_to BIGINT REFERENCES users(id),
		received_at {{TIME}} NOT NULL,
		first_response_due {{TIME}} NOT NULL,
		first_response_at {{TIME}},
		closed_at {{TIME}},
		outcome TEXT NOT NULL DEFAULT '',
		outcome_org_number TEXT NOT NULL DEFAULT '',
		jobs_expected INTEGER,
		jobs_created INTEGER,
		consent_share BOOLEAN NOT NULL DEFAULT FALSE,
		created_by BIGINT REFERENCES users(id),
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE INDEX enquiries_region_status ON enquiries(region_id, status, received_at);
	CREATE INDEX enquiries_region_received ON enquiries(region_id, received_at);
	CREATE INDEX enquiries_assigned ON enquiries(assigned_to, status);
	CREATE INDEX enquiries_municipality ON enquiries(kommunenummer, received_at);
	CREATE INDEX enquiries_org_number ON enquiries(org_number);
	CREATE TABLE consents (
		id {{ID}},
		enquiry_id BIGINT NOT NULL REFERENCES enquiries(id) ON DELETE CASCADE,
		purpose TEXT NOT NULL,
		granted BOOLEAN NOT NULL,
		text TEXT NOT NULL,
		version TEXT NOT NULL,
		language TEXT NOT NULL,
		at {{TIME}} NOT NULL
	);
	CREATE INDEX consents_enquiry ON consents(enquiry_id);
	CREATE TABLE activities (
		id {{ID}},
		enquiry_id BIGINT NOT NULL REFERENCES enquiries(id) ON DELETE CASCADE,
		kind TEXT NOT NULL,
		occurred_on DATE NOT NULL,
		minutes INTEGER NOT NULL DEFAULT 0,
		text TEXT NOT NULL DEFAULT '',
		user_id BIGINT REFERENCES users(id),
		created_at {{TIME}} NOT NULL
	);
	CREATE INDEX activities_enquiry ON activities(enquiry_id, occurred_on);
	CREATE INDEX activities_user ON activities(user_id, occurred_on);
	CREATE TABLE status_changes (
		id {{ID}},
		enquiry_id BIGINT NOT NULL REFERENCES enquiries(id) ON DELETE CASCADE,
		from_status TEXT NOT NULL,
		to_status TEXT NOT NULL,
		user_id BIGINT REFERENCES users(id),
		at {{TIME}} NOT NULL
	);
	CREATE INDEX status_changes_enquiry ON status_changes(enquiry_id, at);
	{{SQLITE}} CREATE VIRTUAL TABLE enquiry_search USING fts4(reference, name, business_name, org_number, email, description, tokenize=unicode61)`,

	// 3: referrals to partners, their history, one-time answer links and the board's comments.
	`CREATE TABLE referrals (
		id {{ID}},
		enquiry_id BIGINT NOT NULL REFERENCES enquiries(id) ON DELETE CASCADE,
		region_id BIGINT NOT NULL REFERENCES regions(id),
		partner_id BIGINT NOT NULL REFERENCES partners(id),
		adviser_id BIGINT REFERENCES users(id),
		contact_name TEXT NOT NULL DEFAULT '',
		contact_email TEXT NOT NULL DEFAULT '',
		reason TEXT NOT NULL,
		message TEXT NOT NULL DEFAULT '',
		share_personal_data BOOLEAN NOT NULL DEFAULT FALSE,
		status TEXT NOT NULL,
		follow_up_due {{TIME}} NOT NULL,
		sent_at {{TIME}},
		acknowledged_at {{TIME}},
		closed_at {{TIME}},
		outcome TEXT NOT NULL DEFAULT '',
		outcome_reason TEXT NOT NULL DEFAULT '',
		instrument TEXT NOT NULL DEFAULT '',
		amount_nok BIGINT NOT NULL DEFAULT 0,
		for_board BOOLEAN NOT NULL DEFAULT FALSE,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE INDEX referrals_region ON referrals(region_id, status, follow_up_due);
	CREATE INDEX referrals_partner ON referrals(partner_id, status);
	CREATE INDEX referrals_enquiry ON referrals(enquiry_id);
	CREATE INDEX referrals_adviser ON referrals(adviser_id, status);
	CREATE TABLE referral_events (
		id {{ID}},
		referral_id BIGINT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
		from_status TEXT NOT NULL,
		to_status TEXT NOT NULL,
		user_id BIGINT REFERENCES users(id),
		via TEXT NOT NULL,
		note TEXT NOT NULL DEFAULT '',
		at {{TIME}} NOT NULL
	);
	CREATE INDEX referral_events_referral ON referral_events(referral_id, at);
	CREATE TABLE referral_links (
		id {{ID}},
		referral_id BIGINT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
		token_hash TEXT NOT NULL UNIQUE,
		expires_at {{TIME}} NOT NULL,
		used_at {{TIME}},
		created_by BIGINT REFERENCES users(id),
		created_at {{TIME}} NOT NULL
	);
	CREATE TABLE referral_comments (
		id {{ID}},
		referral_id BIGINT NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
		user_id BIGINT REFERENCES users(id),
		text TEXT NOT NULL,
		at {{TIME}} NOT NULL
	);
	CREATE INDEX referral_comments_referral ON referral_comments(referral_id, at)`,

	// 4: the audit log becomes a hash chain and refuses updates and deletes.
	`ALTER TABLE audit_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
	ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
	ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
	CREATE INDEX audit_log_seq ON audit_log(seq);
	CREATE INDEX audit_log_user ON audit_log(user_id, at);
	CREATE TABLE audit_head (
		id INTEGER PRIMARY KEY,
		seq BIGINT NOT NULL,
		hash TEXT NOT NULL
	);
	INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
	{{SQLITE}} CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'){{SEMI}} END;
	{{SQLITE}} CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'){{SEMI}} END;
	{{POSTGRES}} CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'{{SEMI}} END $$;
	{{POSTGRES}} CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,

	// 5: when an enquiry's person data was removed (retention or erasure).
	`ALTER TABLE enquiries ADD COLUMN anonymised_at {{TIME}};
	CREATE INDEX enquiries_closed ON enquiries(status, closed_at)`,

	// projects, milestones, indicators, assessments
	`ALTER TABLE regions ADD COLUMN load_threshold DOUBLE PRECISION NOT NULL DEFAULT 1.0;
	CREATE TABLE projects (
		id {{ID}},
		region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
		title TEXT NOT NULL,
		summary TEXT NOT NULL DEFAULT '',
		status TEXT NOT NULL,
		starts_on DATE,
		ends_on DATE,
		budget_nok BIGINT NOT NULL DEFAULT 0,
		municipal_role TEXT NOT NULL DEFAULT '',
		focus TEXT NOT NULL DEFAULT '',
		approach TEXT NOT NULL DEFAULT '',
		visibility TEXT NOT NULL DEFAULT 'participants',
		created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE INDEX projects_region ON projects(region_id, status);
	CREATE TABLE project_municipalities (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		kommunenummer TEXT NOT NULL REFERENCES municipalities(kommunenummer),
		role TEXT NOT NULL,
		contribution_nok BIGINT NOT NULL DEFAULT 0,
		contribution_fte DOUBLE PRECISION NOT NULL DEFAULT 0,
		UNIQUE (project_id, kommunenummer)
	);
	CREATE INDEX project_municipalities_municipality ON project_municipalities(kommunenummer);
	CREATE TABLE project_participants (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		kind TEXT NOT NULL,
		partner_id BIGINT REFERENCES partners(id),
		name TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX project_participants_project ON project_participants(project_id);
	CREATE TABLE project_funding (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		source TEXT NOT NULL,
		amount_nok BIGINT NOT NULL DEFAULT 0,
		confirmed BOOLEAN NOT NULL DEFAULT FALSE
	);
	CREATE INDEX project_funding_project ON project_funding(project_id);
	CREATE TABLE project_indicators (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		kind TEXT NOT NULL,
		target DOUBLE PRECISION NOT NULL DEFAULT 0,
		actual DOUBLE PRECISION,
		UNIQUE (project_id, kind)
	);
	CREATE TABLE project_links (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		title TEXT NOT NULL,
		url TEXT NOT NULL
	);
	CREATE INDEX project_links_project ON project_links(project_id);
	CREATE TABLE milestones (
		id {{ID}},
		project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
		title TEXT NOT NULL,
		responsible TEXT NOT NULL DEFAULT '',
		due_on DATE NOT NULL,
		status TEXT NOT NULL,
		done_on DATE,
		version INTEGER NOT NULL DEFAULT 1,
		created_at {{TIME}} NOT NULL,
		updated_at {{TIME}} NOT NULL
	);
	CREATE INDEX milestones_project ON milestones(project_id, due_on);
	CREATE TABLE assessments (
		id {{ID}},
		region_id BIGINT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
		project_id BIGINT REFERENCES projects(id) ON DELETE CASCADE,
		assessed_on DATE NOT NULL,
		assessor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
		note TEXT NOT NULL DEFAULT '',
		created_at {{TIME}} NOT NULL
	);
	CREATE INDEX assessments_subject ON assessments(region_id, project_id, assessed_on);
	CREATE TABLE assessment_scores (
		id {{ID}},
		assessment_id BIGINT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
		factor_code TEXT NOT NULL REFERENCES factors(code),
		score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
		comment TEXT NOT NULL DEFAULT '',
		evidence TEXT NOT NULL DEFAULT '',
		UNIQUE (assessment_id, factor_code)
	);
	CREATE INDEX assessment_scores_factor ON assessment_scores(factor_code)`,

	// 7: full-text search on PostgreSQL, the counterpart of SQLite's enquiry_search.
	// A generated column keeps the vector in step with the row: the names in
	// 'simple' (not stemmed), names and description in 'norwegian' (stemmed, stop
	// words dropped), and reference, organisation number and e-mail split into
	// their parts as SQLite's tokenizer splits them. Prefix indexes serve the
	// exact and prefix matches on reference, organisation number and e-mail.
	`{{POSTGRES}} ALTER TABLE enquiries ADD COLUMN search tsvector GENERATED ALWAYS AS (
		to_tsvector('simple', translate(reference || ' ' || org_number || ' ' || email, '-@._+', '     ')) ||
		to_tsvector('simple', name || ' ' || business_name) ||
		to_tsvector('norwegian', name || ' ' || business_name || ' ' || description)) STORED;
	{{POSTGRES}} CREATE INDEX enquiries_search ON enquiries USING gin (search);
	{{POSTGRES}} CREATE INDEX enquiries_reference_prefix ON enquiries (reference text_pattern_ops);
	{{POSTGRES}} CREATE INDEX enquiries_email_prefix ON enquiries (email text_pattern_ops);
	{{POSTGRES}} CREATE INDEX enquiries_org_number_prefix ON enquiries (org_number text_pattern_ops)`,

	// 8: indexes for national scale. The inbox walks a region's enquiries
	// newest first in an index that also holds the columns its filters test, so
	// it counts and filters without reading rows, and reads only the fifty it
	// shows. The municipality statistics are counted from an index that holds
	// every column they read; so are overdue first responses; a partner's
	// referrals in a region are found, counted and ordered by one index; the
	// board's follow-up finds a region's referrals by the day they were sent.
	`DROP INDEX enquiries_region_received;
	CREATE INDEX enquiries_region_browse ON enquiries(region_id, received_at, status, assigned_to, kommunenummer, channel, enquirer_kind, stage, needs);
	DROP INDEX enquiries_municipality;
	DROP INDEX enquiries_assigned;
	CREATE INDEX enquiries_assigned ON enquiries(assigned_to, status, region_id);
	CREATE INDEX enquiries_municipality_stats ON enquiries(kommunenummer, received_at, enquirer_kind, stage, needs, first_response_at, first_response_due);
	CREATE INDEX enquiries_region_due ON enquiries(region_id, status, first_response_due, first_response_at);
	CREATE INDEX referrals_partner_region ON referrals(partner_id, region_id, follow_up_due, status);
	CREATE INDEX referrals_region_sent ON referrals(region_id, sent_at);
	CREATE INDEX assessments_project ON assessments(project_id, assessed_on)`,

	// 9: the inbox's "overdue" and "mine" tabs, and the retention job, without
	// walking a region's whole history. Overdue enquiries have no first
	// response: the unanswered are found by that and read newest first. An
	// adviser's own are found by assignee and region, newest first. Retention
	// reads only the closed enquiries that still hold person data (a partial
	// index; the query must name status 'closed' literally to use it).
	`DROP INDEX enquiries_assigned;
	CREATE INDEX enquiries_assignee_browse ON enquiries(assigned_to, region_id, received_at, status);
	CREATE INDEX enquiries_unanswered ON enquiries(region_id, first_response_at, received_at, status, first_response_due);
	CREATE INDEX enquiries_retention ON enquiries(region_id, closed_at) WHERE status = 'closed' AND anonymised_at IS NULL`,

	// 10: a record's history leaves out its views (see History): a partial
	// index of the entries that changed something, so that a case looked at
	// thousands of times draws its history without walking past every look.
	// The inbox filtered by municipality counts and lists that municipality's
	// enquiries only (it walked the whole region's: 5 ms for one of ten
	// municipalities at national size); being narrow, the index also counts a
	// region's whole inbox faster than the wide browsing index.
	`CREATE INDEX audit_log_changes ON audit_log(object, object_id, seq) WHERE action <> 'view';
	CREATE INDEX enquiries_region_municipality ON enquiries(region_id, kommunenummer, received_at, status)`,

	// 11: SQLite's search index kept apart per region. FTS4 keeps a separate
	// index per "language id"; the region is used as that id (0 for the admin
	// queue), so that a search in one region reads that region's matches only,
	// instead of the nation's checked one by one against the region's 47 000
	// enquiries (a common surname took 10–20 ms, now 2). PostgreSQL's index is
	// the row's own column and needs nothing.
	`{{SQLITE}} DROP TABLE enquiry_search;
	{{SQLITE}} CREATE VIRTUAL TABLE enquiry_search USING fts4(reference, name, business_name, org_number, email, description, tokenize=unicode61, languageid="region");
	{{SQLITE}} INSERT INTO enquiry_search (docid, reference, name, business_name, org_number, email, description, region)
		SELECT id, reference, name, business_name, org_number, email, description, COALESCE(region_id, 0) FROM enquiries`,

	// 12: the inbox's totals kept per region and status (0 for the admin
	// queue) by triggers, in the same transaction as every change of an
	// enquiry, so they are never stale: counting the largest region's 47 000
	// enquiries for every page of its inbox took 3 ms. On PostgreSQL the
	// triggers are deferred to the commit, so that a region's row is locked
	// only while the transaction commits (taken at the insert, it held every
	// other one-door submission to the region back for the whole transaction:
	// 400–520 submissions/s against 630), and a move touches its two rows in
	// one order (the lesser key first), so that opposite moves cannot deadlock.
	`CREATE TABLE enquiry_totals (
		region_id BIGINT NOT NULL,
		status TEXT NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (region_id, status)
	);
	INSERT INTO enquiry_totals (region_id, status, n)
		SELECT COALESCE(region_id, 0), status, COUNT(*) FROM enquiries GROUP BY COALESCE(region_id, 0), status;
	{{SQLITE}} CREATE TRIGGER enquiry_totals_insert AFTER INSERT ON enquiries BEGIN
		INSERT INTO enquiry_totals (region_id, status, n) VALUES (COALESCE(NEW.region_id, 0), NEW.status, 1)
			ON CONFLICT (region_id, status) DO UPDATE SET n = n + 1{{SEMI}}
	END;
	{{SQLITE}} CREATE TRIGGER enquiry_totals_delete AFTER DELETE ON enquiries BEGIN
		UPDATE enquiry_totals SET n = n - 1 WHERE region_id = COALESCE(OLD.region_id, 0) AND status = OLD.status{{SEMI}}
	END;
	{{SQLITE}} CREATE TRIGGER enquiry_totals_update AFTER UPDATE OF region_id, status ON enquiries
		WHEN COALESCE(OLD.region_id, 0) <> COALESCE(NEW.region_id, 0) OR OLD.status <> NEW.status BEGIN
		UPDATE enquiry_totals SET n = n - 1 WHERE region_id = COALESCE(OLD.region_id, 0) AND status = OLD.status{{SEMI}}
		INSERT INTO enquiry_totals (region_id, status, n) VALUES (COALESCE(NEW.region_id, 0), NEW.status, 1)
			ON CONFLICT (region_id, status) DO UPDATE SET n = n + 1{{SEMI}}
	END;
	{{POSTGRES}} CREATE FUNCTION enquiry_totals_add(r BIGINT, st TEXT, d BIGINT) RETURNS void LANGUAGE sql AS $$
		INSERT INTO enquiry_totals (region_id, status, n) VALUES (r, st, d)
			ON CONFLICT (region_id, status) DO UPDATE SET n = enquiry_totals.n + d $$;
	{{POSTGRES}} CREATE FUNCTION enquiry_totals_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
		IF TG_OP = 'INSERT' THEN
			PERFORM enquiry_totals_add(COALESCE(NEW.region_id, 0), NEW.status, 1){{SEMI}}
		ELSIF TG_OP = 'DELETE' THEN
			PERFORM enquiry_totals_add(COALESCE(OLD.region_id, 0), OLD.status, -1){{SEMI}}
		ELSIF (COALESCE(OLD.region_id, 0), OLD.status) < (COALESCE(NEW.region_id, 0), NEW.status) THEN
			PERFORM enquiry_totals_add(COALESCE(OLD.region_id, 0), OLD.status, -1){{SEMI}}
			PERFORM enquiry_totals_add(COALESCE(NEW.region_id, 0), NEW.status, 1){{SEMI}}
		ELSE
			PERFORM enquiry_totals_add(COALESCE(NEW.region_id, 0), NEW.status, 1){{SEMI}}
			PERFORM enquiry_totals_add(COALESCE(OLD.region_id, 0), OLD.status, -1){{SEMI}}
		END IF{{SEMI}}
		RETURN NULL{{SEMI}}
	END $$;
	{{POSTGRES}} CREATE CONSTRAINT TRIGGER enquiry_totals_insert_delete AFTER INSERT OR DELETE ON enquiries
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION enquiry_totals_track();
	{{POSTGRES}} CREATE CONSTRAINT TRIGGER enquiry_totals_update AFTER UPDATE OF region_id, status ON enquiries
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id OR OLD.status <> NEW.status)
		EXECUTE FUNCTION enquiry_totals_track()`,

	// 13: the inbox's totals per need as well, kept like those of migration 12.
	// A need is one of the comma-separated codes of enquiries.needs, so
	// filtering by one matched a pattern against every enquiry of the region:
	// 5–10 ms for the largest region at national size, a quarter of the
	// inbox's filtered pages. SQLite splits the codes by reading them as a JSON
	// array, PostgreSQL with string_to_array; a code named twice counts once.
	// On PostgreSQL one statement applies a change's rows in key order (old and
	// new summed first), as in migration 12, so that changes cannot deadlock.
	`CREATE TABLE enquiry_need_totals (
		region_id BIGINT NOT NULL,
		status TEXT NOT NULL,
		need TEXT NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (region_id, status, need)
	);
	{{SQLITE}} INSERT INTO enquiry_need_totals (region_id, status, need, n)
		SELECT COALESCE(e.region_id, 0), e.status, j.value, COUNT(DISTINCT e.id)
		FROM enquiries e, json_each('["' || replace(e.needs, ',', '","') || '"]') j
		WHERE j.value <> '' GROUP BY COALESCE(e.region_id, 0), e.status, j.value;
	{{SQLITE}} CREATE TRIGGER enquiry_need_totals_insert AFTER INSERT ON enquiries BEGIN
		INSERT INTO enquiry_need_totals (region_id, status, need, n)
			SELECT DISTINCT COALESCE(NEW.region_id, 0), NEW.status, value, 1 FROM json_each('["' || replace(NEW.needs, ',', '","') || '"]')
			WHERE value <> '' ON CONFLICT (region_id, status, need) DO UPDATE SET n = n + 1{{SEMI}}
	END;
	{{SQLITE}} CREATE TRIGGER enquiry_need_totals_delete AFTER DELETE ON enquiries BEGIN
		UPDATE enquiry_need_totals SET n = n - 1 WHERE region_id = COALESCE(OLD.region_id, 0) AND status = OLD.status
			AND need IN (SELECT value FROM json_each('["' || replace(OLD.needs, ',', '","') || '"]')){{SEMI}}
	END;
	{{SQLITE}} CREATE TRIGGER enquiry_need_totals_update AFTER UPDATE OF region_id, status, needs ON enquiries
		WHEN COALESCE(OLD.region_id, 0) <> COALESCE(NEW.region_id, 0) OR OLD.status <> NEW.status OR OLD.needs <> NEW.needs BEGIN
		UPDATE enquiry_need_totals SET n = n - 1 WHERE region_id = COALESCE(OLD.region_id, 0) AND status = OLD.status
			AND need IN (SELECT value FROM json_each('["' || replace(OLD.needs, ',', '","') || '"]')){{SEMI}}
		INSERT INTO enquiry_need_totals (region_id, status, need, n)
			SELECT DISTINCT COALESCE(NEW.region_id, 0), NEW.status, value, 1 FROM json_each('["' || replace(NEW.needs, ',', '","') || '"]')
			WHERE value <> '' ON CONFLICT (region_id, status, need) DO UPDATE SET n = n + 1{{SEMI}}
	END;
	{{POSTGRES}} INSERT INTO enquiry_need_totals (region_id, status, need, n)
		SELECT COALESCE(region_id, 0), status, need, COUNT(DISTINCT id) FROM enquiries, unnest(string_to_array(needs, ',')) AS need
		WHERE need <> '' GROUP BY COALESCE(region_id, 0), status, need;
	{{POSTGRES}} CREATE FUNCTION enquiry_need_totals_change(old_r BIGINT, old_st TEXT, old_needs TEXT, new_r BIGINT, new_st TEXT, new_needs TEXT)
		RETURNS void LANGUAGE sql AS $$
		INSERT INTO enquiry_need_totals (region_id, status, need, n)
			SELECT r, st, need, SUM(d) FROM (
				SELECT old_r AS r, old_st AS st, need, -1 AS d FROM unnest(string_to_array(old_needs, ',')) AS need
				UNION
				SELECT new_r, new_st, need, 1 FROM unnest(string_to_array(new_needs, ',')) AS need
			) AS change WHERE need <> '' GROUP BY r, st, need HAVING SUM(d) <> 0 ORDER BY r, st, need
			ON CONFLICT (region_id, status, need) DO UPDATE SET n = enquiry_need_totals.n + EXCLUDED.n $$;
	{{POSTGRES}} CREATE FUNCTION enquiry_need_totals_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
		IF TG_OP = 'INSERT' THEN
			PERFORM enquiry_need_totals_change(NULL, NULL, NULL, COALESCE(NEW.region_id, 0), NEW.status, NEW.needs){{SEMI}}
		ELSIF TG_OP = 'DELETE' THEN
			PERFORM enquiry_need_totals_change(COALESCE(OLD.region_id, 0), OLD.status, OLD.needs, NULL, NULL, NULL){{SEMI}}
		ELSE
			PERFORM enquiry_need_totals_change(COALESCE(OLD.region_id, 0), OLD.status, OLD.needs, COALESCE(NEW.region_id, 0), NEW.status, NEW.needs){{SEMI}}
		END IF{{SEMI}}
		RETURN NULL{{SEMI}}
	END $$;
	{{POSTGRES}} CREATE CONSTRAINT TRIGGER enquiry_need_totals_insert_delete AFTER INSERT OR DELETE ON enquiries
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION enquiry_need_totals_track();
	{{POSTGRES}} CREATE CONSTRAINT TRIGGER enquiry_need_totals_update AFTER UPDATE OF region_id, status, needs ON enquiries
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
		WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id OR OLD.status <> NEW.status OR OLD.needs <> NEW.needs)
		EXECUTE FUNCTION enquiry_need_totals_track()`,
	// 14: each municipality's place in Norwegian alphabetical order, so that
	// lists sort by municipality name with an integer instead of a collation
	// called per comparison (the inbox's largest region has 46 000 rows).
	// LoadReferenceData sets it from the names; the schema cannot.
	`ALTER TABLE municipalities ADD COLUMN name_order INTEGER NOT NULL DEFAULT 0`,
	// 15: a membership carries a version like every other record an admin
	// edits, so that a save from an outdated form is refused, not applied
	// over another admin's (membership decides where enquiries go).
	`ALTER TABLE region_members ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
	// 16: the inbox's totals counted again, on PostgreSQL, with the enquiries
	// locked against writes: migrations 12 and 13 counted them before their
	// triggers existed, so an enquiry another server committed in between was
	// in neither, for good. (On SQLite a migration holds the one write lock.)
	`{{POSTGRES}} LOCK TABLE enquiries IN SHARE ROW EXCLUSIVE MODE;
	{{POSTGRES}} DELETE FROM enquiry_totals;
	{{POSTGRES}} INSERT INTO enquiry_totals (region_id, status, n)
		SELECT COALESCE(region_id, 0), status, COUNT(*) FROM enquiries GROUP BY COALESCE(region_id, 0), status;
	{{POSTGRES}} DELETE FROM enquiry_need_totals;
	{{POSTGRES}} INSERT INTO enquiry_need_totals (region_id, status, need, n)
		SELECT COALESCE(region_id, 0), status, need, COUNT(DISTINCT id) FROM enquiries, unnest(string_to_array(needs, ',')) AS need
		WHERE need <> '' GROUP BY COALESCE(region_id, 0), status, need`,
	// 17: whether a referral's follow-up date is the region's default rather
	// than one the adviser chose: a draft's default counts from the day it is
	// sent, not the day it was saved. Earlier referrals keep their dates.
	`ALTER TABLE referrals ADD COLUMN follow_up_default BOOLEAN NOT NULL DEFAULT FALSE`,
	// 18: who recorded a consent (an adviser who registers a phone enquiry,
	// or who records that the person withdrew a consent; none for the one
	// door), and which consent a withdrawal withdraws. A withdrawal is a
	// consent of its own, not given, with the text of the one it withdraws.
	`ALTER TABLE consents ADD COLUMN recorded_by BIGINT REFERENCES users(id);
	ALTER TABLE consents ADD COLUMN withdraws BIGINT REFERENCES consents(id) ON DELETE CASCADE`,
	// 19: an API token works until it expires. The tokens made before get 90
	// days from the upgrade (models.TokenDays), not from when they were made
	// and not never: an old token stopping at the upgrade would stop an
	// integration without warning, and one kept forever is what expiry ends.
	// Their owners see the date in the token lists and make new ones in time.
	// And the server's secret keys (the one door's receipt cookie is signed
	// with one), shared by every server of the installation through the
	// database, each made at its first use.
	`ALTER TABLE api_tokens ADD COLUMN expires_at {{TIME}};
	{{SQLITE}} UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f+00:00', 'now', '+90 days');
	{{POSTGRES}} UPDATE api_tokens SET expires_at = now() + interval '90 days';
	CREATE TABLE server_secrets (
		name TEXT PRIMARY KEY,
		secret TEXT NOT NULL,
		created_at {{TIME}} NOT NULL
	)`,
	// 20: the inbox sorted by status or by municipality reads a page from an
	// index in that order, as the sort by date does, instead of sorting the
	// region's every enquiry for each page (at national size 46 000 rows in
	// the largest region). The status sort's index holds the CASE expression
	// of statusOrder exactly as the query spells it, then the date and id of
	// the order, then the columns the inbox filters by, as the browsing index
	// (migration 9) does, so that a filter is checked in the index. The sort
	// by municipality walks the municipalities in name order and each one's
	// enquiries in enquiries_region_municipality (migration 10); on SQLite
	// the municipalities' rowid follows name_order, as the sort orders by it
	// (see Store.enquiryOrder).
	`CREATE INDEX enquiries_region_status_order ON enquiries(region_id,
		(CASE status WHEN 'new' THEN 0 WHEN 'assigned' THEN 1 WHEN 'in_progress' THEN 2 WHEN 'waiting' THEN 3 WHEN 'closed' THEN 4 END),
		received_at DESC, id DESC, status, assigned_to, kommunenummer, channel, enquirer_kind, stage, needs);
	{{SQLITE}} CREATE INDEX municipalities_name_order ON municipalities(name_order);
	{{POSTGRES}} CREATE INDEX municipalities_name_order ON municipalities(name_order, kommunenummer)`,
	// 21: a region's public contact details, an e-mail address and a phone
	// number, both optional: the one door's receipt and the answer to an
	// access request tell the person whom to contact (to withdraw a consent,
	// among other things). Empty is none.
	`ALTER TABLE regions ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
	ALTER TABLE regions ADD COLUMN contact_phone TEXT NOT NULL DEFAULT ''`,
	// 22: a coordinator's audit log is the region's entries, newest first,
	// and their count: without an index on the region both read the whole log
	// (5.9 million entries at national size: the largest region's page took 1
	// to 4 s to count, with a date or action chosen 2.4 s; now 30 to 90 ms).
	// The page's filters other than a user or a record (which have their own
	// indexes) are checked in the index, so a count reads no rows. Building it
	// on a national log takes about 20 s, once.
	`CREATE INDEX audit_log_region ON audit_log(region_id, seq, at, action, object)`,
	// 23: what an API token may do: "read" (GET and HEAD only) or "write"
	// (read and write, as every token could before). The tokens made before
	// keep writing: an integration that writes must not stop at the upgrade.
	// New tokens name their scope (the profile's form offers read-only
	// first; the command line makes read-and-write tokens unless asked).
	`ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read', 'write'))`,
	// 24: an enquiry sent again (repeatOf) is looked for on every
	// registration by its e-mail, its municipality and the last minutes: by
	// municipality and time alone, each registration read every enquiry of
	// its municipality in the window, as many as came in (a burst of 1 000
	// made each of the last ones read 1 000 rows, and intake 15 % slower).
	// E-mail first, so that a case's other enquiries from the same person
	// (RelatedEnquiries) are found by it too, on SQLite; PostgreSQL has had
	// an index of e-mails since migration 7 (text_pattern_ops serves
	// equality too).
	`CREATE INDEX enquiries_repeat ON enquiries(email, kommunenummer, received_at)`,
	// 25: a case's other enquiries are found by phone number by an index too
	// (by organisation number they have been since migration 2), instead of
	// walking the region's history for the newest that match. The index
	// holds the storedPhone expression exactly as the query spells it (else
	// the query walks the region: TestQueryPlans says so). Building it on a
	// national database (500 000 enquiries) took about a second on SQLite; it
	// adds an index entry to each written enquiry. The lookup took some
	// 50 µs with it, 0.5–1.5 s without.
	`CREATE INDEX enquiries_phone ON enquiries((REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, '(0)', ''), ' ', ''), '-', ''), '(', ''), ')', '')))`,
	// 26: a partner's name as partnerNameClash compares it (foldName: NFC,
	// lower case, spaces as one), kept single by a unique index: on
	// PostgreSQL two admins saving names alike at the same moment both passed
	// the check in Go, neither seeing the other's uncommitted row. The
	// column is computed in Go (neither database's lower() and whitespace
	// rules are foldName's) and starts empty: NULL, which the index does not
	// compare, so near-duplicates an older database may hold do not stop the
	// upgrade. A partner gets its key when next saved (a new one at once);
	// the check in Go still sees the others, which are committed.
	`ALTER TABLE partners ADD COLUMN name_fold TEXT;
	CREATE UNIQUE INDEX partners_name_fold ON partners(name_fold)`,
	// 27: on PostgreSQL each written enquiry no longer updates two indexes of
	// its organisation number. The queries ask for it in two ways only, equal
	// to a number (RelatedEnquiries) and starting with one (the search), and
	// migration 7's text_pattern_ops index serves both (PostgreSQL compares
	// for equality by bytes in either operator class; TestRelatedPlanPostgres
	// says it is used). SQLite keeps migration 2's: it is its only index of
	// the number. Every other index of the enquiries, consents and audit log
	// is in some query's plan on SQLite, and leaving it out makes that plan
	// read more rows or sort them (the sorts by date, deadline and status of
	// one status, the overdue tab, retention, a case's history): they stay.
	`{{POSTGRES}} DROP INDEX enquiries_org_number`,
}

// portable rewrites the placeholders of a migration for the store's dialect. A
// statement that starts with {{SQLITE}} or {{POSTGRES}} runs on that database
// only (full-text search, triggers); {{SEMI}} is a semicolon inside a statement.
func (s *Store) portable(sql string) string {
	r := map[string][]string{
		SQLite:   {"{{ID}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{TIME}}", "DATETIME", "{{BLOB}}", "BLOB"},
		Postgres: {"{{ID}}", "BIGSERIAL PRIMARY KEY", "{{TIME}}", "TIMESTAMPTZ", "{{BLOB}}", "BYTEA"},
	}[s.dialect]
	return strings.NewReplacer(r...).Replace(sql)
}

// Migrate brings the schema up to date and reports how many steps it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	db := s.db.WithContext(ctx)
	if err := s.checkLocale(ctx); err != nil {
		return 0, err
	}
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at ` + s.portable("{{TIME}}") + ` NOT NULL)`).Error; err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := db.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current).Error; err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return 0, NewerSchemaError(current)
	}
	applied := 0
	for version := current + 1; version <= len(migrations); version++ {
		if err := s.applyMigration(db, version); err != nil {
			return applied, err
		}
		applied++
	}
	return applied, nil
}

// applyMigration runs migration version (counted from 1) in a transaction of
// its own and records it.
func (s *Store) applyMigration(db *gorm.DB, version int) error {
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, stmt := range splitStatements(s.portable(migrations[version-1])) {
			stmt = strings.TrimSpace(stmt)
			if rest, ok := strings.CutPrefix(stmt, "{{SQLITE}}"); ok {
				if s.dialect != SQLite {
					continue
				}
				stmt = rest
			}
			if rest, ok := strings.CutPrefix(stmt, "{{POSTGRES}}"); ok {
				if s.dialect != Postgres {
					continue
				}
				stmt = rest
			}
			stmt = strings.ReplaceAll(stmt, "{{SEMI}}", ";") // a semicolon inside a trigger body
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, s.now()).Error
	})
	if err != nil {
		return fmt.Errorf("migration %d: %w", version, err)
	}
	return nil
}

// checkLocale refuses a PostgreSQL database whose character type is not
// Unicode-aware: there lower() and the text-search parser would leave Æ, Ø and Å
// as they are, and a search for "løten" would not find "LØTEN".
func (s *Store) checkLocale(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	var encoding, ctype string
	err := s.db.WithContext(ctx).Raw(`SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()`).Row().Scan(&encoding, &ctype)
	if err != nil {
		return fmt.Errorf("read the database's locale: %w", err)
	}
	if encoding != "UTF8" || ctype == "C" || ctype == "POSIX" {
		return fmt.Errorf("the PostgreSQL database has encoding %s and LC_CTYPE %s; Samspill needs UTF8 with a UTF-8 locale, e.g. "+
			"CREATE DATABASE samspill ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0", encoding, ctype)
	}
	return nil
}

// SchemaVersion is the number of the last applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read(ctx).Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v).Error
	return v, err
}

// splitStatements splits a migration on the semicolons that end statements. Our
// migrations contain no semicolons inside strings, so this stays simple.
func splitStatements(sql string) []string {
	var out []string
	for _, stmt := range strings.Split(sql, ";") {
		if strings.TrimSpace(stmt) != "" {
			out = append(out, stmt)
		}
	}
	return out
}
