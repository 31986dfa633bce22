package paymenttest

import (
	"context"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// Rail is a scriptable fake payment.Rail. It records every submission; Script (when set) decides each
// answer, otherwise every payment is accepted. Safe for concurrent use.
type Rail struct {
	// Script returns the answer for one submission; attempt counts from 1 per payment id.
	Script func(p payment.Payment, attempt int) (payment.RailReceipt, error)

	mu       sync.Mutex
	attempts map[payment.ID]int
	accepted map[payment.ID]int
	log      []payment.Payment
}

// Submit implements payment.Rail.
func (r *Rail) Submit(_ context.Context, p payment.Payment) (payment.RailReceipt, error) {
	r.mu.Lock()
	if r.attempts == nil {
		r.attempts = make(map[payment.ID]int)
		r.accepted = make(map[payment.ID]int)
	}
	r.attempts[p.ID]++
	n := r.attempts[p.ID]
	r.log = append(r.log, p)
	script := r.Script
	r.mu.Unlock()

	rec, err := payment.RailReceipt{Reference: "fake-" + p.EndToEnd}, error(nil)
	if script != nil {
		rec, err = script(p, n)
	}
	if err == nil {
		r.mu.Lock()
		r.accepted[p.ID]++
		r.mu.Unlock()
	}
	return rec, err
}

// Attempts is how many times the payment was submitted (accepted or not).
func (r *Rail) Attempts(id payment.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[id]
}

// Accepted is how many submissions of the payment the rail accepted. More than one would be a double
// transfer on a rail that did not de-duplicate.
func (r *Rail) Accepted(id payment.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.accepted[id]
}

// Submissions returns every submission in order.
func (r *Rail) Submissions() []payment.Payment {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]payment.Payment(nil), r.log...)
}
