package access

import "github.com/dezura/dezura/ledger/sqldb"

// Migrations is the console's accounts schema, the "access" migration
// set, applied after the ledger's (its users refer to the ledger's
// contractors and technicians). Append only.
var Migrations = sqldb.MigrationSet{Name: "access", Migrations: []sqldb.Migration{
	{Version: 1, Name: "users, sessions, sign-in attempts", Stmts: []string{
		`CREATE TABLE users (
			id {{ID}},
			login TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL,
			role TEXT NOT NULL,
			contractor_id TEXT REFERENCES contractors(id),
			technician_id TEXT REFERENCES technicians(id),
			password_hash TEXT NOT NULL,
			disabled BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{TS}} NOT NULL,
			password_changed_at {{TS}} NOT NULL
		)`,
		`CREATE INDEX users_contractor ON users(contractor_id)`,
		// A session is found by the SHA-256 of its ID: the ID itself is
		// only in the browser's cookie, so a copy of the database signs
		// no one in.
		`CREATE TABLE sessions (
			id_hash TEXT PRIMARY KEY,
			user_id BIGINT NOT NULL REFERENCES users(id),
			csrf_token TEXT NOT NULL,
			created_at {{TS}} NOT NULL,
			last_seen_at {{TS}} NOT NULL,
			expires_at {{TS}} NOT NULL,
			ip TEXT NOT NULL DEFAULT '',
			user_agent TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX sessions_user ON sessions(user_id)`,
		// Every sign-in, right or wrong, for the rate limits; never the
		// password.
		`CREATE TABLE login_attempts (
			id {{ID}},
			login TEXT NOT NULL,
			ip TEXT NOT NULL,
			at {{TS}} NOT NULL,
			ok BOOLEAN NOT NULL
		)`,
		`CREATE INDEX login_attempts_login ON login_attempts(login, at)`,
		`CREATE INDEX login_attempts_ip ON login_attempts(ip, at)`,
	}},
}}
