package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/orkesta/orkesta/payment"
)

// Exit codes, a public contract (scripts branch on them).
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitUnmatched = 3
)

// Run runs the orkesta command line with args (without the program name) and returns the exit code.
// main calls it with the process's streams; tests call it in-process.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{
		stdin: stdin, stdout: stdout, stderr: stderr,
		getenv:     os.Getenv,
		isTerminal: isTerminal,
	}
	return c.run(ctx, args)
}

// cli is one invocation: its streams, its environment and the seams tests replace.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTerminal     func(io.Writer) bool

	// Seams for tests: a fixed clock and id source make output deterministic; openStore replaces the
	// database; onListen learns serve's address.
	clock     payment.Clock
	ids       payment.IDSource
	openStore func(ctx context.Context, cfg dbConfig) (*backend, error)
	onListen  func(addr string)
	newSecret func() (string, [32]byte) // API key secrets
	// batchConcurrency is batch.Options.Concurrency (1 makes payment ids follow the input order).
	batchConcurrency int

	// Global flags.
	db        dbConfig
	output    string
	workspace string
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// usageError is a mistake in how the command was called: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// exitError ends the command with a given code after its output is written (reconcile's 3).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func (c *cli) run(ctx context.Context, args []string) int {
	root := c.rootCommand()
	root.SetArgs(args)
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if code == ExitUsage {
		path := "orkesta"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(c.stderr, "orkesta: %s\nRun '%s --help' for usage.\n", printableLines(err.Error()), path)
		return code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(c.stderr, "orkesta: %s\n", printableLines(describe(err)))
	}
	return code
}

// exitCode classifies an error. Cobra reports unknown commands and flags as plain errors; they are
// usage errors too.
func exitCode(err error) int {
	var ue *usageError
	var ee *exitError
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ee):
		return ee.code
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument",
		"invalid argument", "required flag", "accepts ", "bad flag syntax"} {
		if strings.HasPrefix(msg, p) {
			return ExitUsage
		}
	}
	return ExitError
}

// describe renders an error for a person: every field problem on its own line.
func describe(err error) string {
	fe := payment.FieldErrors(err)
	if len(fe) <= 1 {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("invalid input:")
	for _, e := range fe {
		fmt.Fprintf(&b, "\n  %s: %s", e.Field, e.Reason)
	}
	return b.String()
}

// exactArgs is cobra.ExactArgs with a usage error and the names of the arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usagef("%s needs %d argument(s): %s (got %d)", cmd.CommandPath(), len(names),
				strings.Join(names, " "), len(args))
		}
		return nil
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments (got %q)", cmd.CommandPath(), args[0])
	}
	return nil
}

// groupCommand is a command that only holds subcommands: called alone or with an unknown subcommand,
// it is a usage error.
func groupCommand(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usagef("%s needs a subcommand: %s", cmd.CommandPath(), subNames(cmd))
		},
	}
	cmd.AddCommand(subs...)
	return cmd
}

func subNames(cmd *cobra.Command) string {
	var names []string
	for _, s := range cmd.Commands() {
		if s.IsAvailableCommand() {
			names = append(names, s.Name())
		}
	}
	return strings.Join(names, ", ")
}

func (c *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "orkesta",
		Short: "Orkesta payments: server, dashboard and command-line tool",
		Long: `Orkesta creates, approves, sends, cancels and reconciles corporate payments.

'orkesta serve' runs the REST API, the dashboard, the payment processor and webhook delivery on one
database (SQLite in ./orkesta.db unless --db or --postgres say otherwise). The payments, accounts, keys,
webhooks, batch, export and import commands work on the same database directly. 'orkesta reconcile'
and 'orkesta statement inspect' work on files alone.

Exit codes: 0 success, 1 error, 2 usage error, 3 reconcile --fail-on-unmatched left items unmatched or
found an anomaly.`,
		Example: `  orkesta serve
  orkesta accounts list
  orkesta payments create --from acc_… --to acc_… --amount 1250.00 --currency TRY --reference INV-1
  orkesta reconcile --payments payments.csv --statement statement.sta --out report.xlsx`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for \"orkesta\"", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			switch c.output {
			case "table", "json":
				return nil
			}
			return usagef("--output must be table or json, not %q", c.output)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	pf := root.PersistentFlags()
	pf.StringVar(&c.db.path, "db", "orkesta.db", "SQLite database file, or :memory: to keep nothing (env ORKESTA_DB)")
	pf.StringVar(&c.db.postgres, "postgres", "", "PostgreSQL DSN instead of SQLite (env ORKESTA_POSTGRES)")
	pf.StringVarP(&c.output, "output", "o", "table", "output format: table or json")
	pf.StringVar(&c.workspace, "workspace", defaultWorkspace, "workspace id (env ORKESTA_WORKSPACE)")
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		c.serveCommand(),
		c.paymentsCommand(),
		c.accountsCommand(),
		c.keysCommand(),
		c.webhooksCommand(),
		c.batchCommand(),
		c.reconcileCommand(),
		c.statementCommand(),
		c.exportCommand(),
		c.importCommand(),
	)
	return root
}
