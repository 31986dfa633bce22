package main

import (
	"context"
	"log/slog"

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

// withDB opens the database, makes sure the workspace exists, runs fn and closes the database.
func (c *cli) withDB(cmd *cobra.Command, fn func(ctx context.Context, e *dbEnv) error) error {
	ctx := cmd.Context()
	c.applyEnv(cmd)
	ws, err := parseWorkspaceID(c.workspace)
	if err != nil {
		return err
	}
	b, err := c.open(ctx, c.quietLogger())
	if err != nil {
		return err
	}
	defer func() { _ = b.close() }()
	w, _, err := ensureWorkspace(ctx, b.store, ws, payment.PlanGrowth, payment.ApprovalNone, c.now().Now())
	if err != nil {
		return err
	}
	svc := payment.NewService(b.store, payment.Options{Clock: c.clock, IDs: c.ids})
	return fn(ctx, &dbEnv{backend: b, svc: svc, ws: w})
}

func parseWorkspaceID(s string) (payment.WorkspaceID, error) {
	if len(s) != len(payment.PrefixWorkspace)+26 || s[:len(payment.PrefixWorkspace)] != payment.PrefixWorkspace ||
		!payment.ValidULID(s[len(payment.PrefixWorkspace):]) {
		return "", usagef("--workspace %q is not a workspace id (ws_ followed by a ULID)", s)
	}
	return payment.WorkspaceID(s), nil
}

func (c *cli) json() bool { return c.output == "json" }
