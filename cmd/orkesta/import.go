package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) importCommand() *cobra.Command {
	return groupCommand("import", "Import the bank's answers to exported files",
		"  orkesta import pain002 status.xml", c.importPain002())
}

// pain002Output is what `import pain002` did with one report.
type pain002Output struct {
	File              string           `json:"file"`
	OriginalMessageID string           `json:"original_message_id"`
	Outcomes          []pain002Outcome `json:"outcomes"`
	Unapplied         []string         `json:"unapplied,omitempty"`
	Counts            map[string]int   `json:"counts"`
}

type pain002Outcome struct {
	PaymentID  payment.ID     `json:"payment_id,omitempty"`
	EndToEndID string         `json:"end_to_end_id"`
	Status     string         `json:"bank_status"`
	Result     pain001.Result `json:"result"`
	Code       string         `json:"code,omitempty"`
	Message    string         `json:"message,omitempty"`
}

func (c *cli) importPain002() *cobra.Command {
	return &cobra.Command{
		Use:   "pain002 FILE...",
		Short: "Apply the bank's ISO 20022 pain.002 status reports to exported payments",
		Long: `Read each pain.002 payment status report the bank sent for a file of 'orkesta export pain001' and
apply it: a rejected transfer (RJCT) moves its payment to failed, with the bank's reason code and
text; any other status (ACCP, ACSP, ACSC, PDNG, …) leaves it processing, to be settled by the bank
statement. Transfers are found by their end-to-end id. A rejection of the whole file (GrpSts RJCT)
reaches every payment the export of that file moved. A rejection of one payment block (PmtInfSts)
that does not name its transfers, or of a whole file no export of this database moved payments
into, cannot be traced to payments: it is listed as not applied, and the command exits 1. Applying
a report again changes nothing.`,
		Example: `  orkesta import pain002 status.xml
  orkesta import pain002 -o json reports/*.xml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("import pain002 needs at least one FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Every report is read before anything changes: a damaged file changes nothing.
			reps := make([]*pain001.StatusReport, len(args))
			for i, name := range args {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				reps[i], err = pain001.ParseStatusReport(f)
				_ = f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w; nothing was changed", name, err)
				}
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				var outs []*pain002Output
				unapplied := 0
				for i, rep := range reps {
					out, err := applyPain002(ctx, e, args[i], rep)
					if err != nil {
						return fmt.Errorf("%s: %w (the reports before it were applied; applying them again changes nothing)", args[i], err)
					}
					outs = append(outs, out)
					unapplied += len(out.Unapplied)
				}
				if err := c.printPain002(outs); err != nil {
					return err
				}
				if unapplied > 0 {
					if unapplied == 1 {
						return errors.New("1 status could not be traced to a payment (see above): check that payment with the bank")
					}
					return fmt.Errorf("%d statuses could not be traced to payments (see above): check those payments with the bank", unapplied)
				}
				return nil
			})
		},
	}
}

// applyPain002 applies one report. The payments a whole-file status reaches are those the export of
// the file moved, which their history records as exportActor:<message id>.
func applyPain002(ctx context.Context, e *dbEnv, name string, rep *pain001.StatusReport) (*pain002Output, error) {
	out := &pain002Output{File: name, OriginalMessageID: rep.OriginalMessageID, Counts: map[string]int{}}
	var opts pain001.ApplyOptions
	if rep.GroupStatus != "" {
		ids, err := exportedIn(ctx, e, rep.OriginalMessageID)
		if err != nil {
			return nil, err
		}
		opts.Files = []pain001.FileInfo{{MessageID: rep.OriginalMessageID, Batches: []pain001.BatchInfo{{Payments: ids}}}}
		if rep.GroupStatus == "RJCT" && len(ids) == 0 {
			// Not a file an export of this database moved payments for (another database's, a
			// --dry-run's uploaded after all, a mistyped message id): the rejection reaches nobody.
			out.Unapplied = append(out.Unapplied, fmt.Sprintf("the whole file %s: RJCT, but no export of this database "+
				"moved a payment into a file of that message id", rep.OriginalMessageID))
		}
	}
	res, err := pain001.ApplyStatusReport(ctx, e.svc, e.ws.ID, rep, opts)
	if err != nil {
		return nil, err
	}
	for _, o := range res {
		out.Outcomes = append(out.Outcomes, pain002Outcome{PaymentID: o.PaymentID, EndToEndID: o.EndToEndID,
			Status: o.Status, Result: o.Result, Code: o.Code, Message: o.Message})
		out.Counts[string(o.Result)]++
	}
	for _, b := range rep.Batches {
		// Only a rejection needs its payments: any other status leaves them processing anyway.
		if b.Status == "RJCT" && rep.GroupStatus != "RJCT" && len(b.Transactions) == 0 {
			out.Unapplied = append(out.Unapplied, fmt.Sprintf("payment block %s: %s without naming its transfers", b.OriginalID, b.Status))
		}
	}
	return out, nil
}

// exportedIn lists the payments, processing or failed, that the export of the file msgID moved.
func exportedIn(ctx context.Context, e *dbEnv, msgID string) ([]payment.ID, error) {
	actor := exportActor + ":" + msgID
	var ids []payment.ID
	f := payment.ListFilter{Statuses: []payment.Status{payment.StatusProcessing, payment.StatusFailed}, Limit: 100}
	for {
		page, err := e.svc.List(ctx, e.ws.ID, f)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Payments {
			h, err := e.svc.History(ctx, e.ws.ID, p.ID)
			if err != nil {
				return nil, err
			}
			for _, t := range h {
				if t.Actor == actor && t.To == payment.StatusProcessing {
					ids = append(ids, p.ID)
					break
				}
			}
		}
		if !page.HasMore {
			return ids, nil
		}
		f.After = page.Payments[len(page.Payments)-1].ID
	}
}

func (c *cli) printPain002(outs []*pain002Output) error {
	if c.json() {
		return printJSON(c.stdout, outs)
	}
	for _, o := range outs {
		t := newTable(c.stdout, "PAYMENT", "END-TO-END", "BANK STATUS", "RESULT", "REASON")
		for _, r := range o.Outcomes {
			reason := r.Message
			if !strings.Contains(reason, r.Code) {
				reason = strings.TrimSpace(r.Code + " " + reason)
			}
			t.row(string(r.PaymentID), r.EndToEndID, r.Status, string(r.Result), reason)
		}
		if err := t.flush(); err != nil {
			return err
		}
		var parts []string
		for _, k := range []pain001.Result{pain001.ResultFailed, pain001.ResultKept, pain001.ResultAlreadyFailed,
			pain001.ResultNotProcessing, pain001.ResultUnknownPayment} {
			if n := o.Counts[string(k)]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, k))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "no transfer named")
		}
		if _, err := fmt.Fprintf(c.stdout, "%s (report on %s): %s\n", o.File, o.OriginalMessageID, strings.Join(parts, ", ")); err != nil {
			return err
		}
		for _, u := range o.Unapplied {
			if _, err := fmt.Fprintf(c.stderr, "%s: not applied: %s\n", o.File, u); err != nil {
				return err
			}
		}
	}
	return nil
}
