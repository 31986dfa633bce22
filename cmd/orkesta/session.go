package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
)

// dbEnv is what a database command works with: the service on the open database and the workspace.
type dbEnv struct {
	*backend
	svc *payment.Service
	ws  payment.Workspace
}

func (c *cli) now() payment.Clock {
	if c.clock != nil {
		return c.clock
	}
	return payment.SystemClock
}

// applyEnv fills flags the user did not set from ORKESTA_* environment variables.
func (c *cli) applyEnv(cmd *cobra.Command) {
	set := func(flag, env string, dst *string) {
		if f := cmd.Flags().Lookup(flag); f != nil && f.Changed {
			return
		}
		if v := c.getenv(env); v != "" {
			*dst = v
		}
	}
	set("db", "ORKESTA_DB", &c.db.path)
	set("postgres", "ORKESTA_POSTGRES", &c.db.postgres)
	set("workspace", "ORKESTA_WORKSPACE", &c.workspace)
}

// quietLogger logs warnings and errors only: database commands keep stdout for their output.
func (c *cli) quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// withDB opens the database, finds the workspace, runs fn and closes the database. Both must exist
// (orkesta serve makes them on its first start): a mistyped --db, ORKESTA_DB or --workspace is an
// error, not an empty list, and creates nothing.
func (c *cli) withDB(cmd *cobra.Command, fn func(ctx context.Context, e *dbEnv) error) error {
	return c.session(cmd, false, fn)
}

// withNewDB is withDB for accounts create, the first step of setting up a database without serve: it
// creates the database and the workspace when they do not exist, and says so on stderr.
func (c *cli) withNewDB(cmd *cobra.Command, fn func(ctx context.Context, e *dbEnv) error) error {
	return c.session(cmd, true, fn)
}

func (c *cli) session(cmd *cobra.Command, create bool, fn func(ctx context.Context, e *dbEnv) error) error {
	ctx := cmd.Context()
	c.applyEnv(cmd)
	ws, err := parseWorkspaceID(c.workspace)
	if err != nil {
		return err
	}
	b, err := c.open(ctx, c.quietLogger(), create)
	if err != nil {
		return err
	}
	defer func() { _ = b.close() }()
	// ":memory:" is a new, empty database every time: there is no earlier setup to find.
	create = create || (b.kind == "memory" && c.openStore == nil)
	var w payment.Workspace
	if create {
		var created bool
		if w, created, err = ensureWorkspace(ctx, b.store, ws, payment.PlanGrowth, payment.ApprovalNone, c.now().Now()); err != nil {
			return err
		}
		if created {
			fmt.Fprintf(c.stderr, "orkesta: created workspace %s in %s\n", ws, c.db.name())
		}
	} else if w, err = b.store.GetWorkspace(ctx, ws); errors.Is(err, payment.ErrNotFound) {
		return fmt.Errorf("no workspace %s in %s", ws, c.db.name())
	} else if err != nil {
		return fmt.Errorf("read workspace %s: %w", ws, err)
	}
	// Today is this machine's, as for export pain001's --bank-timezone: a payment created at 01:30
	// in Istanbul without a value date is due that day, not the UTC day before.
	svc := payment.NewService(b.store, payment.Options{Clock: c.clock, IDs: c.ids, Location: time.Local})
	return fn(ctx, &dbEnv{backend: b, svc: svc, ws: w})
}

func parseWorkspaceID(s string) (payment.WorkspaceID, error) {
	if len(s) != len(payment.PrefixWorkspace)+26 || s[:len(payment.PrefixWorkspace)] != payment.PrefixWorkspace ||
		!payment.ValidULID(s[len(payment.PrefixWorkspace):]) {
		return "", usagef("--workspace %q is not a workspace id (ws_ followed by a ULID)", s)
	}
	// As stored: a ULID is one id in either case, and a lower-case one must not be another workspace.
	return payment.WorkspaceID(payment.PrefixWorkspace + strings.ToUpper(s[len(payment.PrefixWorkspace):])), nil
}

func (c *cli) json() bool { return c.output == "json" }
