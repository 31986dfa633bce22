package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Durability is how far a commit is pushed before it returns.
type Durability string

// Durability levels.
const (
	// DurabilityFull (the default) syncs the write-ahead log to disk on every commit: an acknowledged
	// payment survives a process crash and a power loss.
	DurabilityFull Durability = "full"
	// DurabilityNormal syncs only at checkpoints: an acknowledged payment survives a process crash, but a
	// power loss or OS crash may lose the last commits. Several times faster for single writes.
	DurabilityNormal Durability = "normal"
)

// OpenOptions configures Open and DSN. The zero value is the default: durable commits, a five-second
// busy timeout, a pool of max(4, GOMAXPROCS) connections.
type OpenOptions struct {
	Durability Durability
	// BusyTimeout is how long a writer waits for another process's write lock (5s when zero).
	BusyTimeout time.Duration
	// MaxConns caps the pool; readers run in parallel, writers one at a time (max(4, GOMAXPROCS) when zero).
	MaxConns int
}

// DSN returns the data source name for the database file at path with the settings the Store
// expects: write-ahead logging (readers never block the writer), foreign keys on, a busy timeout,
// immediate write transactions (a writer takes the write lock at BEGIN, so it never fails to upgrade
// a read lock halfway), synchronous=FULL (or NORMAL), and temp_store=MEMORY, which keeps the
// statement journals of savepoints in memory: they only serve to undo a failed write inside its
// transaction and are worthless after a crash, and on disk the writer's groups and the 500-payment
// batches wrote every changed page to a temporary file once more (20% of a batch's CPU time). Open
// the database with DriverName and this DSN, or use Open.
func DSN(path string, o OpenOptions) string {
	sync := "FULL"
	if o.Durability == DurabilityNormal {
		sync = "NORMAL"
	}
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	// In a file: URI, '%', '?' and '#' would be read as escapes, the query and the fragment.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(%s)"+
		"&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_txlock=immediate", esc, busy.Milliseconds(), sync)
}

// Open opens (creating if needed) the database file at path with DSN's settings, sizes the connection
// pool and checks the settings took effect. The caller owns the returned *sql.DB: pass it to New, and
// close it when done.
func Open(ctx context.Context, path string, o OpenOptions) (*sql.DB, error) {
	db, err := sql.Open(DriverName, DSN(path, o))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n) // keep them: opening a connection re-runs the pragmas
	var mode string
	var fk bool
	if err := db.QueryRowContext(ctx, `SELECT journal_mode, foreign_keys FROM pragma_journal_mode, pragma_foreign_keys`).Scan(&mode, &fk); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") || !fk {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: journal_mode is %s and foreign_keys %t; want wal and true", path, mode, fk)
	}
	return db, nil
}
