package sandbox

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Failure codes the sandbox answers with (RailError.Code and RailOutcome.Code).
const (
	CodeCounterpartyRejected = "counterparty_rejected"
	CodeInsufficientFunds    = "insufficient_funds"
	CodeNetworkUnavailable   = "network_unavailable"
	CodeAccountClosed        = "account_closed"
)

// TemporaryFailures is how many times an amount ending in 99 is refused before it is accepted.
const TemporaryFailures = 2

// Options configures a Rail. The zero value: the wall clock, synchronous settlement, no rejected
// counterparty.
type Options struct {
	Clock payment.Clock
	// SettleDelay is how long after acceptance a payment settles (or is returned). Zero settles at
	// once, in Submit.
	SettleDelay time.Duration
	// RejectAccounts are counterparties every payment to which is refused (counterparty_rejected),
	// their ids in either letter case.
	RejectAccounts []payment.AccountID
}

// Result is what the rail did with one submission.
type Result string

// Submission results.
const (
	Accepted  Result = "accepted"  // a new transfer
	Duplicate Result = "duplicate" // the payment was already accepted: the same receipt, no new transfer
	Refused   Result = "refused"   // refused for good
	Retry     Result = "retry"     // refused temporarily
)

// Submission is one call of Submit, as the rail saw it.
type Submission struct {
	PaymentID payment.ID
	EndToEnd  string
	Amount    payment.Amount
	Attempt   int // 1 for the payment's first submission
	At        time.Time
	Result    Result
	Code      string // for refusals
}

// Transfer is a payment the rail accepted: at most one per payment id.
type Transfer struct {
	PaymentID  payment.ID
	Workspace  payment.WorkspaceID
	EndToEnd   string
	Amount     payment.Amount
	From, To   payment.AccountID
	Reference  string
	AcceptedAt time.Time
	// SettlesAt is when the outcome is known; Returned says the outcome is a failure (account_closed).
	SettlesAt time.Time
	Returned  bool
}

// Rail is the simulated network. It is safe for concurrent use.
type Rail struct {
	opts Options

	mu        sync.Mutex
	attempts  map[payment.ID]int
	transfers map[payment.ID]*Transfer
	order     []payment.ID
	log       []Submission
}

var (
	_ payment.Rail             = (*Rail)(nil)
	_ payment.RailStatusPoller = (*Rail)(nil)
)

// New returns a rail with no history.
func New(opts Options) *Rail {
	if opts.Clock == nil {
		opts.Clock = payment.SystemClock
	}
	opts.RejectAccounts = slices.Clone(opts.RejectAccounts)
	for i, a := range opts.RejectAccounts {
		// Payments name accounts as stored, upper-case; a ULID is case-insensitive.
		if id, err := payment.ParseAccountID(string(a)); err == nil {
			opts.RejectAccounts[i] = id
		}
	}
	return &Rail{opts: opts, attempts: make(map[payment.ID]int), transfers: make(map[payment.ID]*Transfer)}
}

// Submit implements payment.Rail. A cancelled ctx is answered with its error before anything is
// recorded, as a network call that never left would be.
func (r *Rail) Submit(ctx context.Context, p payment.Payment) (payment.RailReceipt, error) {
	if err := ctx.Err(); err != nil {
		return payment.RailReceipt{}, err
	}
	now := r.opts.Clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[p.ID]++
	s := Submission{PaymentID: p.ID, EndToEnd: p.EndToEnd, Amount: p.Money(), Attempt: r.attempts[p.ID], At: now}
	if t, ok := r.transfers[p.ID]; ok {
		s.Result = Duplicate
		r.log = append(r.log, s)
		return r.receipt(t), nil
	}
	refuse := func(code, msg string, temporary bool) (payment.RailReceipt, error) {
		s.Result, s.Code = Refused, code
		if temporary {
			s.Result = Retry
		}
		r.log = append(r.log, s)
		return payment.RailReceipt{}, &payment.RailError{Code: code, Message: msg, Temporary: temporary}
	}
	switch ending := p.Amount % 100; {
	case slices.Contains(r.opts.RejectAccounts, p.ToAccount):
		return refuse(CodeCounterpartyRejected, "the sandbox refuses every payment to this counterparty", false)
	case ending == 13:
		return refuse(CodeInsufficientFunds, "the sandbox refuses amounts ending in 13", false)
	case ending == 99 && s.Attempt <= TemporaryFailures:
		return refuse(CodeNetworkUnavailable, fmt.Sprintf("the sandbox is unavailable for amounts ending in 99 (attempt %d of %d)",
			s.Attempt, TemporaryFailures+1), true)
	case ending == 31 && r.opts.SettleDelay <= 0:
		return refuse(CodeAccountClosed, "the beneficiary's account is closed (amounts ending in 31)", false)
	}
	t := &Transfer{
		PaymentID: p.ID, Workspace: p.Workspace, EndToEnd: p.EndToEnd, Amount: p.Money(),
		From: p.FromAccount, To: p.ToAccount, Reference: "SBX" + p.EndToEnd,
		AcceptedAt: now, SettlesAt: now.Add(r.opts.SettleDelay), Returned: p.Amount%100 == 31,
	}
	r.transfers[p.ID] = t
	r.order = append(r.order, p.ID)
	s.Result = Accepted
	r.log = append(r.log, s)
	return r.receipt(t), nil
}

func (r *Rail) receipt(t *Transfer) payment.RailReceipt {
	return payment.RailReceipt{Reference: t.Reference, Settled: r.opts.SettleDelay <= 0}
}

// Status implements payment.RailStatusPoller: processing until the settle delay has passed, then
// settled (or failed with account_closed for amounts ending in 31). A payment the rail never accepted
// is payment.ErrNotFound.
func (r *Rail) Status(ctx context.Context, p payment.Payment) (payment.RailOutcome, error) {
	if err := ctx.Err(); err != nil {
		return payment.RailOutcome{}, err
	}
	now := r.opts.Clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.transfers[p.ID]
	switch {
	case !ok:
		return payment.RailOutcome{}, fmt.Errorf("sandbox: %s: %w", p.ID, payment.ErrNotFound)
	case now.Before(t.SettlesAt):
		return payment.RailOutcome{Status: payment.StatusProcessing}, nil
	case t.Returned:
		return payment.RailOutcome{Status: payment.StatusFailed, Code: CodeAccountClosed,
			Message: "returned by the beneficiary's bank: account closed"}, nil
	}
	return payment.RailOutcome{Status: payment.StatusSettled, Message: "settled on the sandbox as " + t.Reference}, nil
}

// Submissions returns every submission in the order received.
func (r *Rail) Submissions() []Submission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// Transfers returns every transfer in the order accepted.
func (r *Rail) Transfers() []Transfer {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Transfer, len(r.order))
	for i, id := range r.order {
		out[i] = *r.transfers[id]
	}
	return out
}

// Transfer returns the transfer made for a payment, if any.
func (r *Rail) Transfer(id payment.ID) (Transfer, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.transfers[id]; ok {
		return *t, true
	}
	return Transfer{}, false
}

// Attempts is how many times the payment was submitted.
func (r *Rail) Attempts(id payment.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts[id]
}
