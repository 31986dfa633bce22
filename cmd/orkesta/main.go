// Command orkesta is the Orkesta server and command-line tool: `orkesta serve` runs the REST API, the
// dashboard, the payment processor and webhook delivery on one database; the other commands work on
// the same database directly (payments, accounts, keys, webhooks, batch, export, import) or on files
// alone (reconcile, statement inspect).
//
// Exit codes: 0 success, 1 error, 2 usage error, 3 reconcile --fail-on-unmatched left something
// unmatched or found an anomaly.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // --bank-timezone names a zone on a machine without a zone database too
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
