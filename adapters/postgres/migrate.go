package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the schema, one file per version: NNNN_name.sql, numbered from 0001 without
// gaps. A change to the schema is a new file with the next number; a released file is never edited.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned by Migrate when the database was migrated by a newer version of this
// package than the running one. The error is a *SchemaVersionError.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this code")

// SchemaVersionError reports a database whose schema version this code does not know. It matches
// ErrSchemaTooNew.
type SchemaVersionError struct {
	Database int // the version recorded in schema_migrations
	Code     int // the newest version this code has
}

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("postgres: database schema is at version %d, but this code knows versions up to %d: upgrade the code, never downgrade it over a migrated database",
		e.Database, e.Code)
}

// Is makes a *SchemaVersionError match ErrSchemaTooNew.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaTooNew }

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads and checks the embedded migration files.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, n := range names { // fs.Glob returns names sorted
		base := path.Base(n)
		num, rest, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("postgres: migration %s is not named NNNN_name.sql", base)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("postgres: migration %s: expected version %d (versions start at 1 and have no gaps)", base, len(out)+1)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(rest, ".sql"), sql: string(b)})
	}
	return out, nil
}

// SchemaVersion is the newest schema version this code knows: what Migrate brings a database to.
func SchemaVersion() int {
	ms, err := migrations(migrationFiles)
	if err != nil {
		return 0
	}
	return len(ms)
}

// Migrate brings the database schema up to date. It is idempotent, safe to run from several
// processes at once (they serialize on an advisory lock of the schema), and applies all pending
// migrations in one transaction: after an error nothing has changed. A database migrated by newer
// code is a *SchemaVersionError (ErrSchemaTooNew) and is left untouched. A database already up to
// date is only read: Migrate then works on read-only connections (a replica, a role without CREATE)
// and never waits for another process's migration.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations(migrationFiles)
	if err != nil {
		return err
	}
	if cur, ok := s.schemaVersion(ctx); ok {
		switch {
		case cur > len(ms):
			return &SchemaVersionError{Database: cur, Code: len(ms)}
		case cur == len(ms):
			return nil
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One migrator per schema at a time, so that two processes starting together do not both
		// create the tables.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+migrateLockClass+`, hashtext(current_schema()))`); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if cur > len(ms) {
			return &SchemaVersionError{Database: cur, Code: len(ms)}
		}
		for _, m := range ms[cur:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil { // no arguments: the simple protocol runs a script
				return fmt.Errorf("postgres: migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("postgres: migration %04d_%s: %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

// schemaVersion reads the version recorded in the store's schema (the first of the search_path), and
// false when there is none yet or it cannot be read: Migrate's write path then finds out under its
// lock. A schema_migrations table of a later schema in the path is not the store's.
func (s *Store) schemaVersion(ctx context.Context) (int, bool) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass(quote_ident(current_schema()) || '.schema_migrations') IS NOT NULL`).
		Scan(&exists); err != nil || !exists {
		return 0, false
	}
	var cur int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return 0, false
	}
	return cur, true
}

// migrateLockClass is the first key of Migrate's advisory lock (the second is the schema's hash).
const migrateLockClass = "727368" // arbitrary, names Orkesta's migration lock
