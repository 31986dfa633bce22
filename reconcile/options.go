package reconcile

import (
	"strconv"

	"github.com/orkesta/orkesta/payment"
)

// MaxDateWindow is the largest date window Options accepts, in days.
const MaxDateWindow = 366

// parallelFrom is the input size from which matching spreads its work over several goroutines.
const parallelFrom = 4096

// MaxCandidates is how many candidate payments matching keeps per entry, best first. Only entries
// that share their reference or their amount and value date with more payments than this have more;
// the rest are never needed unless all of the kept ones go to better-fitting entries.
const MaxCandidates = 8

// Options tunes matching. The zero value matches on the same value date, resolves no account ids and
// uses up to GOMAXPROCS (at most 4) goroutines.
type Options struct {
	// DateWindow is how many days an entry's value date and a payment's value date may differ and
	// still match on date: 0 means the same day. 0 to MaxDateWindow.
	DateWindow int `json:"date_window"`
	// Accounts are the workspace's accounts: a statement whose account (IBAN or account number) is the
	// IBAN or id of one of them is that account, so its debits are compared only with payments from it
	// and its credits only with payments to it.
	Accounts []payment.Account `json:"-"`
	// Account is the account of statements that do not name one (the CLI's --account).
	Account string `json:"account,omitempty"`
	// PaymentInfoIDs maps payment-information ids (pain.001 PmtInfId) to the batch they carried, so a
	// batch booking that quotes one matches the batch. A batch's own id always counts.
	PaymentInfoIDs map[string]payment.BatchID `json:"-"`
	// Exclude, when set, keeps p from being proposed for e, for instance because a reviewer rejected
	// that pair. It must be a pure function; it is called from several goroutines.
	Exclude func(e *Entry, p *Payment) bool `json:"-"`
	// Workers bounds the goroutines matching uses; 0 means GOMAXPROCS, at most 4. The result does
	// not depend on it.
	Workers int `json:"-"`
}

func (o *Options) validate() error {
	if o.DateWindow < 0 || o.DateWindow > MaxDateWindow {
		return &payment.ValidationError{Field: "date_window",
			Reason: "must be between 0 and " + strconv.Itoa(MaxDateWindow) + " days, not " + strconv.Itoa(o.DateWindow)}
	}
	return nil
}
