package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

// CSVResult is the outcome of SubmitCSV: one item per row of the file, in file order.
type CSVResult struct {
	Items    []batch.Item
	Totals   []payment.Total
	BatchIDs []payment.BatchID
}

// CSVKeyPrefix returns the prefix of the idempotency keys SubmitCSV gives the rows of f that have
// none of their own when opts.IdempotencyKey is empty: "csv:" and the file's Fingerprint.
func CSVKeyPrefix(f *CSVFile) string { return "csv:" + f.Fingerprint() }

// SubmitCSV creates the payments of a parsed CSV with package batch, in batches of at most
// batch.DefaultMaxItems, each with opts (set opts.Actor: it is recorded as the creator of every
// payment). Rows that did not parse fail with their parse error and are not sent.
//
// Submitting the same file again is safe: a retry after a crash or a kill, a double click, a
// browser that sends the upload twice. Every row without an idempotency_key of its own gets
// "<prefix>:<n>", n being the row's place among the file's rows (from 1), and prefix
// opts.IdempotencyKey or, when that is empty, CSVKeyPrefix(f), which depends on the file's
// content alone. A row whose payment an earlier submit of the file created comes back as created
// with Item.Replayed set, that payment and its batch; only the missing rows are created. To create
// the payments of a file that was submitted before once more, on purpose, pass an
// opts.IdempotencyKey not used before (a row's own idempotency_key still creates its payment once).
// A prefix too long for the keys derived from it is refused before anything is created; the prefix
// used is kept in f, for WriteFailedCSV.
//
// A row that repeats the key of an earlier row of the file fails with a *batch.DuplicateKeyError
// (First being that row's index in f.Rows), in the same batch of 500 or not, and is not sent; the
// earlier row holds its key even when it did not parse, so that, fixed, it is created under it.
//
// A batch refused as a whole (batch.Submit's error: the store failed, ctx was cancelled) stops the
// file. When nothing was sent before it, the result is nil. Otherwise the payments of the earlier
// batches exist, and SubmitCSV returns the result with the error, which names the first row not
// sent: the rows of the earlier batches as they came out (Totals and BatchIDs theirs), the others
// batch.ItemNotAttempted with the error.
func SubmitCSV(ctx context.Context, svc *payment.Service, ws payment.WorkspaceID, f *CSVFile, opts batch.Options) (*CSVResult, error) {
	prefix := opts.IdempotencyKey
	if prefix == "" {
		prefix = CSVKeyPrefix(f)
	} else if err := batch.CheckKeyPrefix(prefix, len(f.Rows)); err != nil {
		return nil, err
	}
	f.keyPrefix = prefix // for WriteFailedCSV
	// The rows' keys are theirs; batch would derive per-batch keys from its own and clash across
	// the file's batches.
	opts.IdempotencyKey = ""
	res := &CSVResult{Items: make([]batch.Item, len(f.Rows))}
	// batch fails an item that repeats a key only within one batch; across two the later one would be
	// taken for a retry of the earlier. Derived keys are distinct by construction: only a row's own
	// key can repeat one.
	var first map[string]int // key → the file's first row with it
	if slices.ContainsFunc(f.Rows, func(r CSVRow) bool { return r.Request.IdempotencyKey != "" }) {
		first = make(map[string]int, len(f.Rows))
	}
	var idx []int
	var reqs []payment.Request
	for i, row := range f.Rows {
		if row.Err != nil {
			res.Items[i] = batch.Item{Index: i, Status: batch.ItemFailed, Err: row.Err}
			// Its own key is its, though it is not sent: a later row with the key is a repeat.
			if k := row.Request.IdempotencyKey; k != "" && first != nil {
				if _, dup := first[k]; !dup {
					first[k] = i
				}
			}
			continue
		}
		req := row.Request
		if req.IdempotencyKey == "" {
			req.IdempotencyKey = rowKey(prefix, i)
		}
		if first != nil {
			if j, dup := first[req.IdempotencyKey]; dup {
				res.Items[i] = batch.Item{Index: i, Status: batch.ItemFailed, Err: &batch.DuplicateKeyError{First: j}}
				continue
			}
			first[req.IdempotencyKey] = i
		}
		idx = append(idx, i)
		reqs = append(reqs, req)
	}
	// The file's totals must fit, not only each batch's (which package batch checks): refused here,
	// before anything is created, rather than after every batch, with the results lost.
	var totals payment.Totals
	for _, req := range reqs {
		if req.Amount <= 0 {
			continue // refused by validation; created payments are positive
		}
		if err := totals.Add(payment.Amount{Minor: req.Amount, Currency: req.Currency}); err != nil {
			return nil, errors.Join(&payment.ValidationError{Field: "payments",
				Reason: "the total in " + string(req.Currency) + " does not fit in 64-bit minor units; split the file"}, err)
		}
	}
	totals = payment.Totals{}
	for start := 0; start < len(reqs); start += batch.DefaultMaxItems {
		end := min(start+batch.DefaultMaxItems, len(reqs))
		r, err := batch.Submit(ctx, svc, ws, reqs[start:end], opts)
		if err != nil {
			if start == 0 {
				return nil, err // nothing was sent
			}
			// The earlier batches' payments exist: say which, and that the rest were not sent.
			for _, i := range idx[start:] {
				res.Items[i] = batch.Item{Index: i, Status: batch.ItemNotAttempted, Err: err}
			}
			res.Totals = totals.List()
			return res, fmt.Errorf("dashboard: the rows from line %d on were not sent, the rows before it were: %w", f.Rows[idx[start]].Line, err)
		}
		res.BatchIDs = append(res.BatchIDs, r.BatchID)
		for j, it := range r.Items {
			i := idx[start+j]
			it.Index = i
			res.Items[i] = it
			if it.Status == batch.ItemCreated && it.Payment != nil {
				if err := totals.Add(it.Payment.Money()); err != nil {
					return res, err
				}
			}
		}
	}
	res.Totals = totals.List()
	return res, nil
}

// rowKey is the key of the row f.Rows[i] of a file whose keys are derived from prefix: rows are numbered
// from 1. SubmitCSV, WriteFailedCSV and the dashboard's "again" check all derive it here.
func rowKey(prefix string, i int) string { return batch.ItemKey(prefix, i+1) }

// derivedKey reports whether a row is sent under a key derived from the file's prefix: it parsed,
// and has no key of its own.
func derivedKey(r *CSVRow) bool { return r.Err == nil && r.Request.IdempotencyKey == "" }
