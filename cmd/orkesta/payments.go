package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) paymentsCommand() *cobra.Command {
	return groupCommand("payments", "Create, list, approve and cancel payments",
		`  orkesta payments create --from acc_… --to acc_… --amount 1250.00 --reference INV-2026-001
  orkesta payments list --status pending,approved
  orkesta payments cancel pay_… --reason "duplicate"`,
		c.paymentsCreate(), c.paymentsGet(), c.paymentsList(), c.paymentsApprove(), c.paymentsCancel(),
		c.paymentsHistory())
}

func (c *cli) paymentsCreate() *cobra.Command {
	var (
		req    payment.Request
		amount string
		cur    string
		method string
		value  string
	)
	cmd := &cobra.Command{
		Use:   "create --from ACCOUNT --to ACCOUNT --amount MAJOR",
		Short: "Create a payment (it starts pending)",
		Long: `Create a payment from one of the workspace's internal accounts to another account.

--amount is in major units ("1250.00" TRY is 125000 kuruş) and is converted exactly: more decimal
places than the currency has is an error, never a rounding. --currency defaults to the currency of the
--from account.`,
		Example: `  orkesta payments create --from acc_01J… --to acc_01J… --amount 1250.00 \
    --reference INV-2026-001 --description "Invoice 2026-001"
  orkesta payments create --from acc_01J… --to acc_01J… --amount 99.90 --method eft --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if amount == "" || req.FromAccount == "" || req.ToAccount == "" {
				return usagef("payments create needs --from, --to and --amount")
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				req.Method = payment.Method(method)
				req.Currency = payment.Currency(cur)
				if req.Currency == "" {
					// Create takes an account id in either case (a ULID is case-insensitive); the
					// lookup, as stored, in upper case. A malformed id is no account: not looked up.
					id, err := payment.ParseAccountID(string(req.FromAccount))
					var from payment.Account
					if err == nil {
						from, err = e.svc.GetAccount(ctx, e.ws.ID, id)
					} else {
						err = payment.ErrNotFound
					}
					switch {
					case errors.Is(err, payment.ErrNotFound):
						return &payment.ValidationError{Field: "currency", Reason: "is required (the --from account was not found)"}
					case err != nil:
						return fmt.Errorf("reading the --from account for its currency (or give --currency): %w", err)
					}
					req.Currency = from.Currency
				}
				minor, err := payment.ParseMinor(amount, req.Currency)
				if err != nil {
					return err
				}
				req.Amount = minor
				if value != "" {
					d, err := payment.ParseDate(value)
					if err != nil {
						return &payment.ValidationError{Field: "value_date", Reason: strings.TrimPrefix(err.Error(), "payment: ")}
					}
					req.ValueDate = d
				}
				p, err := e.svc.Create(ctx, e.ws.ID, req)
				if err != nil {
					if req.Amount <= 0 {
						return amountInMajorUnits(err, amount)
					}
					return err
				}
				return c.printPayment(&p)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar((*string)(&req.FromAccount), "from", "", "source account id (an internal account)")
	f.StringVar((*string)(&req.ToAccount), "to", "", "destination account id")
	f.StringVar(&amount, "amount", "", "amount in major units, e.g. 1250.00")
	f.StringVar(&cur, "currency", "", "ISO 4217 currency (default: the --from account's)")
	f.StringVar(&method, "method", string(payment.MethodBankTransfer), "bank_transfer, eft, card, virtual_account or direct_debit")
	f.StringVar(&req.Reference, "reference", "", "your reference (invoice or PO number); reconciliation matches on it")
	f.StringVar(&req.Description, "description", "", "text shown on statements")
	f.StringVar(&value, "value-date", "", "value date YYYY-MM-DD (default: today in this machine's time zone)")
	f.StringVar(&req.IdempotencyKey, "idempotency-key", "", "makes the command safe to retry")
	f.StringVar(&req.CreatedBy, "actor", "cli", "who creates the payment (recorded in its history)")
	return cmd
}

// amountInMajorUnits rewrites the amount problem of a validation error for a --amount that is not
// positive: the library speaks of the API's field, an integer in minor units, while the flag takes
// major units. Errors other than field problems are returned as they are.
func amountInMajorUnits(err error, amount string) error {
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	out := make([]error, len(parts))
	for i, e := range parts {
		fe, ok := e.(*payment.ValidationError)
		if !ok {
			return err
		}
		if fe.Field == "amount" {
			fe = &payment.ValidationError{Field: "amount",
				Reason: fmt.Sprintf("must be more than 0, in major units (e.g. 1250.00); --amount is %q", amount)}
		}
		out[i] = fe
	}
	if len(out) == 1 {
		return out[0]
	}
	return errors.Join(out...)
}

func (c *cli) printPayment(p *payment.Payment) error {
	if c.json() {
		return printJSON(c.stdout, p)
	}
	pairs := []string{
		"id", string(p.ID),
		"status", string(p.Status),
		"amount", money(p.Amount, p.Currency),
		"method", string(p.Method),
		"from", string(p.FromAccount),
		"to", string(p.ToAccount),
		"reference", p.Reference,
		"description", p.Description,
		"value date", p.ValueDate.String(),
		"end-to-end id", p.EndToEnd,
		"created", ts(p.CreatedAt),
		"updated", ts(p.UpdatedAt),
	}
	if p.BatchID != "" {
		pairs = append(pairs, "batch", string(p.BatchID))
	}
	if p.FailureCode != "" {
		pairs = append(pairs, "failure", p.FailureCode+": "+p.FailureReason)
	}
	return kv(c.stdout, pairs...)
}

func (c *cli) paymentsGet() *cobra.Command {
	return c.paymentCommand("get", "Show one payment",
		"  orkesta payments get pay_01J…\n  orkesta payments get pay_01J… --output json",
		func(ctx context.Context, e *dbEnv, id payment.ID) error {
			p, err := e.svc.Get(ctx, e.ws.ID, id)
			if err != nil {
				return err // it names the payment
			}
			return c.printPayment(&p)
		})
}

// paymentCommand is a command on one payment: "USE PAYMENT_ID", the id checked (a usage error when
// malformed), then run against the database.
func (c *cli) paymentCommand(use, short, example string, run func(ctx context.Context, e *dbEnv, id payment.ID) error) *cobra.Command {
	return &cobra.Command{
		Use: use + " PAYMENT_ID", Short: short, Example: example,
		Args: exactArgs("PAYMENT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := payment.ParseID(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error { return run(ctx, e, id) })
		},
	}
}

// paymentList is the JSON shape of a listing.
type paymentList struct {
	Payments []payment.Payment `json:"data"`
	HasMore  bool              `json:"has_more"`
}

func (c *cli) paymentsList() *cobra.Command {
	var (
		statuses  []string
		f         payment.ListFilter
		method    string
		account   string
		after     string
		reference string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List payments, newest first",
		Example: `  orkesta payments list
  orkesta payments list --status pending,approved --limit 50
  orkesta payments list --reference INV-2026-001 --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range statuses {
				st := payment.Status(strings.TrimSpace(s))
				if !st.Valid() {
					return usagef("--status %q is not a status (%s)", s, statusNames())
				}
				f.Statuses = append(f.Statuses, st)
			}
			if method != "" {
				if f.Method = payment.Method(method); !f.Method.Valid() {
					return usagef("--method %q is not a method", method)
				}
			}
			if account != "" {
				id, err := payment.ParseAccountID(account)
				if err != nil {
					return usagef("--account: %v", err)
				}
				f.Account = id
			}
			if after != "" {
				id, err := payment.ParseID(after)
				if err != nil {
					return usagef("--after: %v", err)
				}
				f.After = id
			}
			f.Reference = reference
			if f.Limit < 0 {
				return usagef("--limit must not be negative")
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				page, err := e.svc.List(ctx, e.ws.ID, f)
				if err != nil {
					return err
				}
				if c.json() {
					if page.Payments == nil {
						page.Payments = []payment.Payment{}
					}
					return printJSON(c.stdout, paymentList{Payments: page.Payments, HasMore: page.HasMore})
				}
				t := newTable(c.stdout, "ID", "STATUS", "AMOUNT", "METHOD", "REFERENCE", "VALUE DATE", "CREATED")
				for i := range page.Payments {
					p := &page.Payments[i]
					t.row(string(p.ID), string(p.Status), money(p.Amount, p.Currency), string(p.Method), p.Reference,
						p.ValueDate.String(), ts(p.CreatedAt))
				}
				if err := t.flush(); err != nil {
					return err
				}
				if page.HasMore {
					// The next page is the same listing: every flag given, but the cursor.
					next := []string{"orkesta payments list"}
					for _, fl := range []struct{ name, value string }{
						{"db", c.db.path}, {"postgres", redactDSN(c.db.postgres)}, {"workspace", c.workspace},
						{"status", strings.Join(statuses, ",")},
						{"reference", reference}, {"method", method}, {"account", account}, {"limit", strconv.Itoa(f.Limit)},
					} {
						if cmd.Flags().Changed(fl.name) {
							next = append(next, "--"+fl.name, shellQuote(fl.value))
						}
					}
					last := page.Payments[len(page.Payments)-1].ID
					fmt.Fprintf(c.stdout, "more: %s --after %s\n", strings.Join(next, " "), last)
				}
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&statuses, "status", nil, "only these statuses (comma-separated): "+statusNames())
	fl.StringVar(&reference, "reference", "", "only payments with this exact reference")
	fl.StringVar(&method, "method", "", "only this method")
	fl.StringVar(&account, "account", "", "only payments from or to this account")
	fl.StringVar(&after, "after", "", "cursor: list payments older than this payment id")
	fl.IntVar(&f.Limit, "limit", 20, "page size (at most 100)")
	return cmd
}

// dsnPassword is the password of a key=value PostgreSQL DSN ("host=db password=s3cret").
var dsnPassword = regexp.MustCompile(`(?i)(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactDSN is a PostgreSQL DSN with its password, if any, replaced by xxxxx, for output that may be
// kept (a terminal's scroll-back, a job's log).
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(dsn, "${1}${2}xxxxx")
}

// shellQuote quotes s for a POSIX shell when it holds more than letters, digits and -_.,:/@+=.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/@+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func statusNames() string {
	var s []string
	for _, st := range fsm.Statuses() {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// transitionCommand is approve and cancel: one payment id, an actor, maybe a reason.
func (c *cli) transitionCommand(use, short, example string,
	do func(ctx context.Context, e *dbEnv, id payment.ID, actor, reason string) (payment.Payment, error)) *cobra.Command {
	var actor, reason string
	cmd := c.paymentCommand(use, short, example, func(ctx context.Context, e *dbEnv, id payment.ID) error {
		p, err := do(ctx, e, id, actor, reason)
		if err != nil {
			return err
		}
		return c.printPayment(&p)
	})
	cmd.Flags().StringVar(&actor, "actor", "cli", "who does it (recorded in the payment's history)")
	if use == "cancel" {
		cmd.Flags().StringVar(&reason, "reason", "", "why (recorded in the payment's history)")
	}
	return cmd
}

func (c *cli) paymentsApprove() *cobra.Command {
	return c.transitionCommand("approve", "Approve a pending payment",
		"  orkesta payments approve pay_01J… --actor checker@example.com",
		func(ctx context.Context, e *dbEnv, id payment.ID, actor, _ string) (payment.Payment, error) {
			return e.svc.Approve(ctx, e.ws.ID, id, actor)
		})
}

func (c *cli) paymentsCancel() *cobra.Command {
	return c.transitionCommand("cancel", "Cancel a pending or approved payment",
		`  orkesta payments cancel pay_01J… --reason "sent twice"`,
		func(ctx context.Context, e *dbEnv, id payment.ID, actor, reason string) (payment.Payment, error) {
			return e.svc.Cancel(ctx, e.ws.ID, id, actor, reason)
		})
}

func (c *cli) paymentsHistory() *cobra.Command {
	return c.paymentCommand("history", "Show a payment's status history (the audit trail)",
		"  orkesta payments history pay_01J…",
		func(ctx context.Context, e *dbEnv, id payment.ID) error {
			h, err := e.svc.History(ctx, e.ws.ID, id)
			if err != nil {
				return err // it names the payment
			}
			if c.json() {
				if h == nil {
					h = []payment.Transition{}
				}
				return printJSON(c.stdout, map[string]any{"history": h})
			}
			t := newTable(c.stdout, "SEQ", "FROM", "TO", "EVENT", "ACTOR", "REASON", "AT")
			for _, r := range h {
				t.row(strconv.Itoa(r.Seq), string(r.From), string(r.To), string(r.Event), r.Actor, r.Reason, ts(r.At))
			}
			return t.flush()
		})
}
