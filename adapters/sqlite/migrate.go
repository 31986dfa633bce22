package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the schema, one file per version: NNNN_name.sql, numbered from 0001 without
// gaps. A change to the schema is a new file with the next number; a released file is never edited.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned by Migrate when the database was migrated by a newer version of this
// package than the running one. The error is a *SchemaVersionError.
var ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this code")

// SchemaVersionError reports a database whose schema version this code does not know. It matches
// ErrSchemaTooNew.
type SchemaVersionError struct {
	Database int // the version recorded in schema_migrations
	Code     int // the newest version this code has
}

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("sqlite: database schema is at version %d, but this code knows versions up to %d: upgrade the code, never downgrade it over a migrated database",
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
			return nil, fmt.Errorf("sqlite: migration %s is not named NNNN_name.sql", base)
		}
		if v != len(out)+1 {
			return nil, fmt.Errorf("sqlite: migration %s: expected version %d (versions start at 1 and have no gaps)", base, len(out)+1)
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
// processes at once (they serialize on the write lock), and applies all pending migrations in one
// transaction: after an error nothing has changed. A database migrated by newer code is a
// *SchemaVersionError (ErrSchemaTooNew) and is left untouched. A database already up to date is
// only read: Migrate then never waits for another process's write lock.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations(migrationFiles)
	if err != nil {
		return err
	}
	// The common case, a current schema, is a read: a command that only reads must not fail with
	// "database is locked" because another process is writing. Any doubt (no schema_migrations yet)
	// goes to the write below, which checks again under the lock.
	var cur int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err == nil {
		switch {
		case cur > len(ms):
			return &SchemaVersionError{Database: cur, Code: len(ms)}
		case cur == len(ms):
			return nil
		}
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if _, err := q.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL
		) STRICT`); err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		var cur int
		if err := q.tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
			return fmt.Errorf("sqlite: migrate: %w", err)
		}
		if cur > len(ms) {
			return &SchemaVersionError{Database: cur, Code: len(ms)}
		}
		now := formatTime(time.Now())
		for _, m := range ms[cur:] {
			if _, err := q.tx.ExecContext(ctx, m.sql); err != nil { // a script: not prepared
				return fmt.Errorf("sqlite: migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := q.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, now); err != nil {
				return fmt.Errorf("sqlite: migration %04d_%s: %w", m.version, m.name, err)
			}
		}
		return nil
	})
}
