package dashboard

import (
	"context"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

// CSVResult is the outcome of SubmitCSV: one item per row of the file, in file order.
type CSVResult struct {
	Items    []batch.Item
	Totals   []payment.Total
	BatchIDs []payment.BatchID
}

// SubmitCSV creates the payments of a parsed CSV with package batch, in batches of at most
// batch.DefaultMaxItems, each with opts (set opts.Actor: it is recorded as the creator of every
// payment). Rows that did not parse fail with their parse error and are not sent.
func SubmitCSV(ctx context.Context, svc *payment.Service, ws payment.WorkspaceID, f *CSVFile, opts batch.Options) (*CSVResult, error) {
	res := &CSVResult{Items: make([]batch.Item, len(f.Rows))}
	var idx []int
	var reqs []payment.Request
	for i, row := range f.Rows {
		if row.Err != nil {
			res.Items[i] = batch.Item{Index: i, Status: batch.ItemFailed, Err: row.Err}
			continue
		}
		idx = append(idx, i)
		reqs = append(reqs, row.Request)
	}
	var totals payment.Totals
	for start := 0; start < len(reqs); start += batch.DefaultMaxItems {
		end := min(start+batch.DefaultMaxItems, len(reqs))
		r, err := batch.Submit(ctx, svc, ws, reqs[start:end], opts)
		if err != nil {
			return nil, err
		}
		res.BatchIDs = append(res.BatchIDs, r.BatchID)
		for j, it := range r.Items {
			i := idx[start+j]
			it.Index = i
			res.Items[i] = it
			if it.Status == batch.ItemCreated && it.Payment != nil {
				if err := totals.Add(it.Payment.Money()); err != nil {
					return nil, err
				}
			}
		}
	}
	res.Totals = totals.List()
	return res, nil
}
