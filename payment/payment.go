package payment

import (
	"time"

	"github.com/orkesta/orkesta/fsm"
)

// Payment is one corporate payment and where it is in its lifecycle.
type Payment struct {
	ID          ID          `json:"id"`
	Workspace   WorkspaceID `json:"workspace_id"`
	Amount      int64       `json:"amount"` // minor units of Currency, always positive
	Currency    Currency    `json:"currency"`
	Method      Method      `json:"method"`
	FromAccount AccountID   `json:"from_account"`
	ToAccount   AccountID   `json:"to_account"`
	Description string      `json:"description"`
	Reference   string      `json:"reference"`
	ValueDate   Date        `json:"value_date,omitzero"`
	Status      Status      `json:"status"`
	// EndToEnd is the compact end-to-end key sent to rails and expected back on statements
	// (see ID.EndToEndKey).
	EndToEnd       string  `json:"end_to_end_id"`
	BatchID        BatchID `json:"batch_id,omitempty"`
	IdempotencyKey string  `json:"idempotency_key,omitempty"`
	CreatedBy      string  `json:"created_by,omitempty"`
	// FailureCode and FailureReason say why a payment failed (the rail's code and message).
	FailureCode   string    `json:"failure_code,omitempty"`
	FailureReason string    `json:"failure_reason,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	// Version increases by one with every stored change; stores compare-and-set on it.
	Version int64 `json:"version"`
}

// Money returns the amount with its currency.
func (p *Payment) Money() Amount { return Amount{Minor: p.Amount, Currency: p.Currency} }

// Request is what a caller gives to create a payment.
type Request struct {
	Amount      int64     `json:"amount"`
	Currency    Currency  `json:"currency"`
	Method      Method    `json:"method"`
	FromAccount AccountID `json:"from_account"`
	ToAccount   AccountID `json:"to_account"`
	Description string    `json:"description"`
	Reference   string    `json:"reference"`
	ValueDate   Date      `json:"value_date,omitzero"`
	// IdempotencyKey, when set, makes Create safe to retry: the same key and request return the
	// original payment; the same key with another request is ErrIdempotencyMismatch.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// CreatedBy is the actor creating the payment (a user or API key id); maker-checker uses it.
	CreatedBy string `json:"created_by,omitempty"`
	// BatchID is set by package batch on every payment of a batch.
	BatchID BatchID `json:"batch_id,omitempty"`
}

// sameAs reports whether r asks for the payment p already is (for idempotent replays).
func (r *Request) sameAs(p *Payment) bool {
	return r.Amount == p.Amount && r.Currency == p.Currency && r.Method == p.Method &&
		canonicalAccountID(r.FromAccount) == p.FromAccount && canonicalAccountID(r.ToAccount) == p.ToAccount &&
		r.Description == p.Description && r.Reference == p.Reference &&
		(r.ValueDate == p.ValueDate || r.ValueDate.IsZero()) && canonicalBatchID(r.BatchID) == p.BatchID
}

// Transition is one line of a payment's history: who moved it from where to where, when and why.
// History is append-only.
type Transition struct {
	PaymentID ID        `json:"payment_id"`
	Seq       int       `json:"seq"` // 1 for creation, then +1 per transition
	From      Status    `json:"from,omitempty"`
	To        Status    `json:"to"`
	Event     fsm.Event `json:"event"`
	Actor     string    `json:"actor,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	At        time.Time `json:"at"`
}
