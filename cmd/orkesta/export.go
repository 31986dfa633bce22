package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) exportCommand() *cobra.Command {
	return groupCommand("export", "Export payments to files for bank upload",
		"  orkesta export pain001 --account acc_… --out transfers.xml", c.exportPain001())
}

type exportOutput struct {
	File      string            `json:"file"`
	DryRun    bool              `json:"dry_run"`
	Version   pain001.Version   `json:"version"`
	MessageID string            `json:"message_id"`
	Count     int               `json:"count"`
	Sum       int64             `json:"sum"`
	Currency  payment.Currency  `json:"currency"`
	Payments  []payment.Payment `json:"payments"`
	Skipped   []exportSkip      `json:"skipped,omitempty"`
}

type exportSkip struct {
	PaymentID payment.ID `json:"payment_id"`
	Reason    string     `json:"reason"`
}

func (c *cli) exportPain001() *cobra.Command {
	var account, out, version, debtorBIC string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "pain001 --account ACCOUNT --out FILE.xml",
		Short: "Write the account's approved transfers as an ISO 20022 pain.001 file for the bank",
		Long: `Collect the approved bank_transfer and eft payments from one internal account into an ISO 20022
pain.001 credit-transfer file (pain.001.001.09, or .03 with --version 03) to upload to the bank. Every
transfer carries the payment's end-to-end id, so the bank statement leads back to it.

The file is checked first; a payment that cannot go into it (a counterparty without an IBAN, a text
too long) is reported and nothing is written or changed. Then the payments move to processing (so the
next export does not include them again) and the file is written atomically. --dry-run writes the file
and changes nothing.`,
		Example: `  orkesta export pain001 --account acc_01J… --out transfers.xml
  orkesta export pain001 --account acc_01J… --out transfers.xml --version 03 --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if account == "" || out == "" {
				return usagef("export pain001 needs --account and --out")
			}
			acc, err := payment.ParseAccountID(account)
			if err != nil {
				return usagef("--account: %v", err)
			}
			opts := pain001.Options{IDs: c.ids, Clock: c.clock, DebtorBIC: debtorBIC}
			switch version {
			case "09":
				opts.Version = pain001.V09
			case "03":
				opts.Version = pain001.V03
			default:
				return usagef("--version %q: want 09 or 03", version)
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				res, err := exportPain001(ctx, e, acc, out, opts, dryRun)
				if err != nil {
					return err
				}
				return c.printExport(res)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&account, "account", "", "the internal account the transfers are paid from (required)")
	f.StringVar(&out, "out", "", "the file to write (required)")
	f.StringVar(&version, "version", "09", "pain.001 version: 09 (pain.001.001.09) or 03 (pain.001.001.03)")
	f.StringVar(&debtorBIC, "debtor-bic", "", "the BIC of the debtor's bank (default: NOTPROVIDED)")
	f.BoolVar(&dryRun, "dry-run", false, "write the file but leave the payments approved")
	return cmd
}

// exportPain001 builds, submits and writes; see the command's help for the order and why.
func exportPain001(ctx context.Context, e *dbEnv, acc payment.AccountID, out string, opts pain001.Options, dryRun bool) (*exportOutput, error) {
	var ps []payment.Payment
	f := payment.ListFilter{FromAccount: acc, Statuses: []payment.Status{payment.StatusApproved}, Limit: 100}
	for {
		pg, err := e.svc.List(ctx, e.ws.ID, f)
		if err != nil {
			return nil, err
		}
		for _, p := range pg.Payments {
			if p.Method == payment.MethodBankTransfer || p.Method == payment.MethodEFT {
				ps = append(ps, p)
			}
		}
		if !pg.HasMore {
			break
		}
		f.After = pg.Payments[len(pg.Payments)-1].ID
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no approved bank_transfer or eft payment from %s to export", acc)
	}
	// Oldest first: the file lists payments in the order they were made.
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
	if _, err := pain001.Build(ctx, e.svc, ps, opts); err != nil {
		return nil, err // nothing changed
	}
	res := &exportOutput{File: out, DryRun: dryRun}
	if !dryRun {
		sent := ps[:0:0]
		for _, p := range ps {
			q, err := e.svc.Submit(ctx, e.ws.ID, p.ID, "cli:export")
			if err != nil {
				if errors.Is(err, payment.ErrInvalidTransition) || errors.Is(err, payment.ErrConflict) || errors.Is(err, payment.ErrNotAllowed) {
					res.Skipped = append(res.Skipped, exportSkip{PaymentID: p.ID, Reason: err.Error()})
					continue
				}
				return nil, fmt.Errorf("%s: %w (payments before it are processing; export them with --dry-run after fixing)", p.ID, err)
			}
			sent = append(sent, q)
		}
		ps = sent
		if len(ps) == 0 {
			return nil, errors.New("every payment changed while exporting; nothing was written")
		}
	}
	file, err := pain001.Build(ctx, e.svc, ps, opts)
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(out, file.Encode); err != nil {
		return nil, err
	}
	info := pain001.Info(file)
	res.Version, res.MessageID, res.Count, res.Sum, res.Currency, res.Payments = info.Version, info.MessageID, info.Count,
		info.Sum, info.Currency, ps
	return res, nil
}

func (c *cli) printExport(r *exportOutput) error {
	if c.json() {
		return printJSON(c.stdout, r)
	}
	t := newTable(c.stdout, "PAYMENT", "AMOUNT", "TO", "REFERENCE", "END-TO-END", "STATUS")
	for i := range r.Payments {
		p := &r.Payments[i]
		t.row(string(p.ID), money(p.Amount, p.Currency), string(p.ToAccount), p.Reference, p.EndToEnd, string(p.Status))
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(c.stdout, "skipped %s: %s\n", s.PaymentID, s.Reason)
	}
	note := "the payments are processing now"
	if r.DryRun {
		note = "dry run: the payments are still approved"
	}
	_, err := fmt.Fprintf(c.stdout, "wrote %s (%s, message %s): %d transfers, %s; %s\n", r.File, r.Version, r.MessageID,
		r.Count, money(r.Sum, r.Currency), note)
	return err
}
