package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
)

// defaultWorkspace is the workspace a single-tenant orkesta database uses. It is a fixed, valid id so
// that every command and every restart finds the same workspace with nothing else to remember.
const defaultWorkspace = "ws_00000000000000000000000000"

// dbConfig says which database to open.
type dbConfig struct {
	path     string // SQLite file
	postgres string // PostgreSQL DSN; wins over path
}

func (d dbConfig) String() string {
	if d.postgres != "" {
		return "postgres"
	}
	return "sqlite:" + d.path
}

// name names the database in messages: the SQLite file, never the PostgreSQL DSN (it may hold a
// password).
func (d dbConfig) name() string {
	if d.postgres != "" {
		return "the PostgreSQL database"
	}
	return d.path
}

// backend is an open database with the interfaces the commands need.
type backend struct {
	kind   string // "sqlite", "postgres", "memory"
	store  payment.Store
	keys   payment.KeyStore
	events payment.EventLog // nil when the store keeps no event log
	close  func() error
}

// open opens the configured database (and migrates it); create says whether a SQLite file that does
// not exist is created or is an error.
func (c *cli) open(ctx context.Context, log *slog.Logger, create bool) (*backend, error) {
	if c.openStore != nil {
		return c.openStore(ctx, c.db)
	}
	return openDatabase(ctx, c.db, log, create)
}

// openDatabase opens and migrates SQLite (the default) or PostgreSQL. The path ":memory:" keeps
// everything in process memory (nothing survives the process; for demos and tests). Without create,
// a SQLite file that does not exist is an error (and is not created).
func openDatabase(ctx context.Context, cfg dbConfig, log *slog.Logger, create bool) (*backend, error) {
	switch {
	case cfg.postgres != "":
		pool, err := pgxpool.New(ctx, cfg.postgres)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
		st := postgres.New(pool, postgres.Options{})
		if err := st.Migrate(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("migrate postgres: %w", err)
		}
		return &backend{kind: "postgres", store: st, keys: st, events: st, close: func() error {
			pool.Close()
			return nil
		}}, nil
	case cfg.path == ":memory:":
		log.Warn("using an in-memory store: nothing is kept after exit")
		m := memory.New()
		return &backend{kind: "memory", store: m, keys: m, events: m, close: func() error { return nil }}, nil
	}
	if _, err := os.Stat(cfg.path); !create && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no orkesta database at %s; run orkesta serve first", cfg.path)
	}
	db, err := sqlite.Open(ctx, cfg.path, sqlite.OpenOptions{})
	if err != nil {
		return nil, err
	}
	st := sqlite.New(db, sqlite.Options{})
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		_ = db.Close()
		return nil, fmt.Errorf("migrate %s: %w", cfg.path, err)
	}
	return &backend{kind: "sqlite", store: st, keys: st, events: st, close: func() error {
		return errors.Join(st.Close(), db.Close())
	}}, nil
}

// ensureWorkspace returns the workspace, creating it on a new database. created says whether it did.
func ensureWorkspace(ctx context.Context, s payment.Store, id payment.WorkspaceID, plan payment.Plan,
	approval payment.ApprovalMode, now time.Time) (payment.Workspace, bool, error) {
	w, err := s.GetWorkspace(ctx, id)
	if err == nil {
		return w, false, nil
	}
	if !errors.Is(err, payment.ErrNotFound) {
		return payment.Workspace{}, false, fmt.Errorf("read workspace %s: %w", id, err)
	}
	w = payment.Workspace{ID: id, Name: "Orkesta", Plan: plan,
		Approval: payment.ApprovalPolicy{Mode: approval}, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := s.CreateWorkspace(ctx, w); err != nil {
		if errors.Is(err, payment.ErrDuplicate) { // another process created it first
			w, err = s.GetWorkspace(ctx, id)
			return w, false, err
		}
		return payment.Workspace{}, false, fmt.Errorf("create workspace: %w", err)
	}
	return w, true, nil
}
