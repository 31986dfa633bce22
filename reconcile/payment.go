package reconcile

import (
	"github.com/orkesta/orkesta/payment"
)

// Payment is what matching reads of a payment.Payment: a copy of about half its size, so that a
// million payments fit in memory beside a million statement entries. FromPayment makes one.
type Payment struct {
	ID          payment.ID        `json:"id"`
	Amount      int64             `json:"amount"`
	Currency    payment.Currency  `json:"currency"`
	Method      payment.Method    `json:"method,omitempty"`
	FromAccount payment.AccountID `json:"from_account"`
	ToAccount   payment.AccountID `json:"to_account"`
	Reference   string            `json:"reference,omitempty"`
	Description string            `json:"description,omitempty"`
	ValueDate   payment.Date      `json:"value_date,omitzero"`
	Status      payment.Status    `json:"status"`
	// EndToEnd is the end-to-end key the rail carried (payment.Payment.EndToEnd); statements that
	// quote it lead back to the payment.
	EndToEnd string          `json:"end_to_end_id,omitempty"`
	BatchID  payment.BatchID `json:"batch_id,omitempty"`
}

// FromPayment copies the fields matching reads.
func FromPayment(p *payment.Payment) Payment {
	return Payment{
		ID: p.ID, Amount: p.Amount, Currency: p.Currency, Method: p.Method,
		FromAccount: p.FromAccount, ToAccount: p.ToAccount, Reference: p.Reference,
		Description: p.Description, ValueDate: p.ValueDate, Status: p.Status,
		EndToEnd: p.EndToEnd, BatchID: p.BatchID,
	}
}

// FromPayments copies every payment with FromPayment.
func FromPayments(ps []payment.Payment) []Payment {
	out := make([]Payment, len(ps))
	for i := range ps {
		out[i] = FromPayment(&ps[i])
	}
	return out
}

// Money returns the amount with its currency.
func (p *Payment) Money() payment.Amount {
	return payment.Amount{Minor: p.Amount, Currency: p.Currency}
}

// statusClass sorts payment statuses for matching.
type statusClass uint8

const (
	classOther statusClass = iota // pending, approved, reconciled: never matched, only hinted at
	classLive                     // processing, settled: the candidates
	classDead                     // cancelled, failed: an entry naming one is an anomaly
)

func classOf(s payment.Status) statusClass {
	switch s {
	case payment.StatusProcessing, payment.StatusSettled:
		return classLive
	case payment.StatusCancelled, payment.StatusFailed:
		return classDead
	}
	return classOther
}
