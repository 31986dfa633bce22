package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) batchCommand() *cobra.Command {
	return groupCommand("batch", "Create many payments from a file", "  orkesta batch submit payments.csv",
		c.batchSubmit())
}

// batchItem is one line of batch submit's JSON output.
type batchItem struct {
	Line   int              `json:"line,omitempty"` // CSV line
	Index  int              `json:"index"`
	Status batch.ItemStatus `json:"status"`
	// Replayed: the payment was created before, by an earlier run of the same file, not by this one.
	Replayed bool             `json:"replayed,omitempty"`
	Payment  *payment.Payment `json:"payment,omitempty"`
	Error    string           `json:"error,omitempty"`
	// Reference is the row's reference, for the table's failed rows (the JSON has the payment's).
	Reference string `json:"-"`
}

type batchOutput struct {
	BatchIDs []payment.BatchID `json:"batch_ids"`
	Created  int               `json:"created"`
	// Replayed counts the rows whose payment an earlier run of the same file created.
	Replayed int             `json:"replayed"`
	Failed   int             `json:"failed"`
	Totals   []payment.Total `json:"totals"`
	Items    []batchItem     `json:"items"`
	// FailedOut is the --failed-out file written: the failed rows, or the header alone.
	FailedOut string `json:"failed_out,omitempty"`
}

func (c *cli) batchSubmit() *cobra.Command {
	var failedOut, key string
	cmd := &cobra.Command{
		Use:   "submit FILE.csv|FILE.json",
		Short: "Create every payment of a CSV or JSON file; each row succeeds or fails on its own",
		Long: `Create the payments of a file, each on its own: one bad row never stops the others.

CSV: a header row, then one payment per row; comma or semicolon separated. Columns in any order:
amount (major units, 1250.00) or amount_minor (integer minor units), currency, from_account,
to_account, and optionally method (default bank_transfer), reference, description, value_date
(YYYY-MM-DD) and idempotency_key. JSON: an array of payment requests as the API takes them (amount in
minor units), or {"payments": [...]}.

Running the same file again is safe, and is how to finish a run that was interrupted (killed, a
lost connection, a crash): the payments an earlier run created are not created again but reported
as replayed, and only the missing ones are created. Each row without an idempotency_key of its own
gets a key derived from the file's content: csv:<fingerprint>:<n> for the file's n-th row (from 1),
json:<fingerprint>:<i> for a JSON file's item i (from 0). The fingerprint is the SHA-256
of the header and the rows (of the requests for JSON), so line endings, the separator and blank
lines do not make another file, while any changed cell does.

To create the payments of a file that ran before once more, on purpose, give --idempotency-key a
value not used before: the keys are then <key>:<n> (CSV) or <key>:<i> (JSON) instead, and a
run with the same --idempotency-key is as safe to repeat. A row's own idempotency_key is kept, so
that row is never created twice.

Exit code 1 when any row failed; --failed-out writes those rows, with an error column and the
idempotency_key each was submitted under, to fix and submit again: the failed-out file and the
original may then both run again, in either order, and each row is created once. The --failed-out file is written on every run of a CSV, with the header alone when
nothing failed, so that it never holds the rows of an earlier run. Fix failed rows there, not in the
original file: a file with a changed cell is another file, and running it creates every row again.`,
		Example: `  orkesta batch submit payments.csv
  orkesta batch submit payments.csv --failed-out failed.csv
  orkesta batch submit payments.json --output json
  orkesta batch submit payments.csv --idempotency-key payroll-2026-03-second-run`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			isJSON := strings.EqualFold(filepath.Ext(args[0]), ".json")
			if isJSON && failedOut != "" {
				return usagef("--failed-out writes the failed rows of a CSV file; %s is JSON: its failed items are listed in the output", args[0])
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var csvFile *dashboard.CSVFile
			var reqs []payment.Request
			if isJSON {
				if reqs, err = readBatchJSON(data); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
			} else if csvFile, err = dashboard.ReadPaymentsCSV(bytes.NewReader(data)); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			// --failed-out is written whatever the outcome (removed when the rows get no keys: an
			// --idempotency-key refused), so that it never holds the rows of an earlier run; its
			// folder is checked before any payment is created.
			var failed *atomicFile
			if failedOut != "" && csvFile != nil {
				if failed, err = createAtomic(failedOut); err != nil {
					return err
				}
				defer failed.discard()
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				out, serr := c.submitBatch(ctx, e, csvFile, reqs, key)
				if out == nil {
					switch {
					case failed == nil:
					case key != "" && batch.CheckKeyPrefix(key, len(csvFile.Rows)) != nil:
						// No row has a key yet: rows written with other keys than the ones asked for
						// would be created again under those. No file, rather than an earlier run's.
						if err := os.Remove(failedOut); err != nil && !errors.Is(err, fs.ErrNotExist) {
							return errors.Join(serr, err)
						}
					default:
						// Refused before anything was created: every row is still to send.
						return errors.Join(serr, writeFailed(failed, csvFile, notSent(csvFile, serr)))
					}
					return serr
				}
				// serr with out: the file stopped part way; out says what was created, and the rows
				// not sent are failed rows.
				var werr error
				if failed != nil {
					if werr = writeFailed(failed, csvFile, out); werr == nil {
						out.FailedOut = failedOut
					}
				}
				if err := c.printBatch(out); err != nil {
					return errors.Join(serr, werr, err)
				}
				if serr != nil || werr != nil { // the payments above were created all the same
					return errors.Join(serr, werr)
				}
				if out.Failed > 0 {
					return &exitError{code: ExitError, msg: fmt.Sprintf("%d of %s failed", out.Failed, count(len(out.Items), "payment", "payments"))}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&failedOut, "failed-out", "", "CSV input: write the failed rows, with their keys and an error column, to this file")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "derive the rows' idempotency keys from this value, not from the file's content:\n"+
		"a new value creates the payments of a file that ran before once more")
	return cmd
}

func readBatchJSON(data []byte) ([]payment.Request, error) {
	var reqs []payment.Request
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var wrap struct {
			Payments []payment.Request `json:"payments"`
		}
		if err := strictJSON(trimmed, &wrap); err != nil {
			return nil, err
		}
		reqs = wrap.Payments
	} else if err := strictJSON(trimmed, &reqs); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("no payments in the file")
	}
	return reqs, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("invalid JSON: data after the top-level value")
	}
	return nil
}

// submitBatch creates the payments of a CSV file (f) or of a JSON file's requests, under idempotency
// keys derived from key or, when key is empty, from the file's content: running the same file again
// creates only what an earlier run did not.
func (c *cli) submitBatch(ctx context.Context, e *dbEnv, f *dashboard.CSVFile, reqs []payment.Request, key string) (*batchOutput, error) {
	out := &batchOutput{Items: []batchItem{}}
	var stopped error
	var items []batch.Item
	if f != nil {
		res, err := dashboard.SubmitCSV(ctx, e.svc, e.ws.ID, f, batch.Options{Actor: "cli", Concurrency: c.batchConcurrency, IdempotencyKey: key})
		if res == nil {
			return nil, err
		}
		// err with a result: the file stopped part way, after creating payments (see SubmitCSV).
		stopped = err
		items, out.Totals, out.BatchIDs = res.Items, res.Totals, res.BatchIDs
	} else {
		if key == "" {
			// The requests as read, not the file's bytes: white space and the {"payments": …}
			// wrapper do not make another file.
			canon, err := json.Marshal(reqs)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(canon)
			key = "json:" + hex.EncodeToString(sum[:])
		}
		for i := range reqs {
			reqs[i].CreatedBy = "cli"
		}
		res, err := batch.Submit(ctx, e.svc, e.ws.ID, reqs, batch.Options{Concurrency: c.batchConcurrency, IdempotencyKey: key})
		if err != nil {
			return nil, err
		}
		items, out.Totals, out.BatchIDs = res.Items, res.Totals, []payment.BatchID{res.BatchID}
	}
	for i, it := range items {
		bi := batchItem{Index: i, Status: it.Status, Payment: it.Payment, Replayed: it.Replayed}
		if f != nil {
			bi.Line, bi.Reference = f.Rows[i].Line, f.Rows[i].Request.Reference
		} else {
			bi.Reference = reqs[i].Reference
		}
		switch {
		case it.Err != nil:
			bi.Error = dashboard.ErrorText(it.Err)
			out.Failed++
		case it.Replayed:
			out.Replayed++
		default:
			out.Created++
		}
		out.Items = append(out.Items, bi)
	}
	if out.Totals == nil {
		out.Totals = []payment.Total{}
	}
	return out, stopped
}

// notSent is the output of a CSV file none of whose rows was sent, because err refused the file
// first: every row failed, with its parse error or err.
func notSent(f *dashboard.CSVFile, err error) *batchOutput {
	out := &batchOutput{Items: make([]batchItem, len(f.Rows))}
	for i, row := range f.Rows {
		why := err
		if row.Err != nil {
			why = row.Err
		}
		out.Items[i] = batchItem{Index: i, Line: row.Line, Error: dashboard.ErrorText(why)}
	}
	return out
}

// writeFailed writes the failed rows, with their error, to the --failed-out file: the header alone
// when nothing failed.
func writeFailed(file *atomicFile, f *dashboard.CSVFile, out *batchOutput) error {
	failed := map[int]string{}
	for i, it := range out.Items {
		if it.Error != "" {
			failed[i] = it.Error
		}
	}
	if err := file.write(func(w io.Writer) error { return dashboard.WriteFailedCSV(w, f, failed) }); err != nil {
		return err
	}
	return file.commit()
}

func (c *cli) printBatch(out *batchOutput) error {
	if c.json() {
		return printJSON(c.stdout, out)
	}
	t := newTable(c.stdout, "ROW", "RESULT", "PAYMENT", "AMOUNT", "REFERENCE", "PROBLEM")
	for _, it := range out.Items {
		row := strconv.Itoa(it.Index + 1)
		if it.Line > 0 {
			row = "line " + strconv.Itoa(it.Line)
		}
		id, amount, ref := "", "", it.Reference
		if p := it.Payment; p != nil {
			id, amount, ref = string(p.ID), money(p.Amount, p.Currency), p.Reference
		}
		status := string(it.Status)
		if it.Replayed {
			status = "replayed"
		}
		t.row(row, status, id, amount, ref, it.Error)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%d created", out.Created)
	if out.Replayed > 0 {
		fmt.Fprintf(c.stdout, ", %d already created by an earlier run (replayed)", out.Replayed)
	}
	fmt.Fprintf(c.stdout, ", %d failed", out.Failed)
	for _, tot := range out.Totals {
		noun := "payments"
		if tot.Count == 1 {
			noun = "payment"
		}
		fmt.Fprintf(c.stdout, "; %d %s %s, %s in total", tot.Count, tot.Currency, noun, money(tot.Sum, tot.Currency))
	}
	if _, err := fmt.Fprintln(c.stdout); err != nil {
		return err
	}
	if out.Replayed > 0 {
		if _, err := fmt.Fprintln(c.stdout, "replayed rows were created by an earlier run and not again; a new --idempotency-key creates the file's payments once more\n"+
			"(but for rows with an idempotency_key of their own)"); err != nil {
			return err
		}
	}
	var err error
	switch {
	case out.FailedOut == "":
	case out.Failed == 0:
		_, err = fmt.Fprintf(c.stdout, "nothing failed: %s holds the header only\n", out.FailedOut)
	default:
		_, err = fmt.Fprintf(c.stdout, "failed rows written to %s\n", out.FailedOut)
	}
	return err
}
