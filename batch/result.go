package batch

import "github.com/orkesta/orkesta/payment"

// ItemStatus is the outcome of one item. Wire values are a public contract.
type ItemStatus string

// Item statuses.
const (
	// ItemCreated: the payment exists, created by this call or, on a retry, before it (Item.Replayed).
	ItemCreated ItemStatus = "created"
	// ItemFailed: nothing was created for the item; Item.Err says why.
	ItemFailed ItemStatus = "failed"
	// ItemNotAttempted: the context was cancelled before the item started; nothing was created and the
	// item may be retried as is.
	ItemNotAttempted ItemStatus = "not_attempted"
)

// Item is the outcome of one request of the batch.
type Item struct {
	// Index is the request's position in the batch, from 0.
	Index  int
	Status ItemStatus
	// Payment is the payment, for created items; nil otherwise.
	Payment *payment.Payment
	// Replayed says the payment existed before this call (the same idempotency key and request): it is
	// the original, returned as Service.Create returns it on a retry.
	Replayed bool
	// Err is why a failed item failed: exactly the error Service.Create gives for the request alone
	// (field errors joined, payment.ErrIdempotencyMismatch, a store error), or a *DuplicateKeyError. For
	// a not_attempted item it is the context's error.
	Err error
}

// Result is the outcome of a batch: one Item per request, in input order.
type Result struct {
	// BatchID is on every payment of the batch; a retried batch keeps its original id.
	BatchID payment.BatchID
	Items   []Item
	// Totals counts and sums the created items per currency, sorted by currency code.
	Totals []payment.Total
}

// Count returns the number of items with status s.
func (r *Result) Count(s ItemStatus) int {
	n := 0
	for i := range r.Items {
		if r.Items[i].Status == s {
			n++
		}
	}
	return n
}
