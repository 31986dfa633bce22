package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/orkesta/orkesta/fsm"
)

// Store persists workspaces, accounts, payments and their history. Adapters: adapters/memory,
// adapters/sqlite, adapters/postgres; paymenttest.StoreSuite is the conformance test every Store runs.
//
// Every method is scoped to a workspace: a record of another workspace is ErrNotFound. Writes of a
// payment are atomic with their history record and their event (the outbox): all three or none.
type Store interface {
	CreateWorkspace(ctx context.Context, w Workspace) error
	GetWorkspace(ctx context.Context, id WorkspaceID) (Workspace, error)

	// CreateAccount stores a new account; ErrDuplicate if the id exists.
	CreateAccount(ctx context.Context, a Account) error
	GetAccount(ctx context.Context, ws WorkspaceID, id AccountID) (Account, error)
	// ListAccounts returns the workspace's accounts, oldest first: by CreatedAt, then by id.
	ListAccounts(ctx context.Context, ws WorkspaceID) ([]Account, error)

	// CreatePayment stores a new payment with its first history record and event. It returns
	// ErrDuplicate when the payment's idempotency key (unique per workspace) or id already exists,
	// and stores nothing then.
	CreatePayment(ctx context.Context, c Change) error
	GetPayment(ctx context.Context, ws WorkspaceID, id ID) (Payment, error)
	// GetPaymentByKey finds a payment by its idempotency key.
	GetPaymentByKey(ctx context.Context, ws WorkspaceID, key string) (Payment, error)
	// ListPayments returns up to f.Limit payments matching f, newest first (descending id).
	ListPayments(ctx context.Context, ws WorkspaceID, f ListFilter) ([]Payment, error)
	// UpdatePayment replaces a payment, with a history record and an event, if and only if the stored
	// version is still prevVersion (compare-and-set). A lost race is ErrConflict and changes nothing;
	// an unknown payment is ErrNotFound. A change that is not a legal move of the status machine from
	// the stored payment (Change.CheckUpdate, Change.CheckFrom) is ErrInvalid and changes nothing.
	UpdatePayment(ctx context.Context, c Change, prevVersion int64) error
	// History returns the payment's transitions in order (Seq ascending).
	History(ctx context.Context, ws WorkspaceID, id ID) ([]Transition, error)
}

// Change is one atomic write: a payment, the history record that explains it, and the event it
// publishes (an Event with an empty Type publishes nothing).
type Change struct {
	Payment Payment
	History Transition
	Event   Event
	// Outside, on the move to processing (Service.SubmitOutside), says that the payment goes to the
	// bank outside every rail of the service. A store that implements Claimer records it in the same
	// write: from then on Claim never returns the payment, whatever its lease, Sent or Polled.
	Outside bool
}

// CheckUpdate reports whether c is a legal update of its payment from version prevVersion: the next
// version, with the history record of that number, for that payment, of a move the status machine
// allows (History.Event from History.From) to the payment's new status, or of no move at all (no
// event, the status stays). Every store calls it in
// UpdatePayment before it writes, and refuses with CheckFrom, in the same write, a payment that is
// not in status History.From at prevVersion: no write bypasses the machine. The problems are
// *ValidationError (ErrInvalid).
func (c *Change) CheckUpdate(prevVersion int64) error {
	p, h := &c.Payment, &c.History
	if p.Version != prevVersion+1 || h.Seq != int(p.Version) {
		return &ValidationError{Field: "version", Reason: fmt.Sprintf("an update from version %d writes version %d and history seq %d, not %d and %d",
			prevVersion, prevVersion+1, prevVersion+1, p.Version, h.Seq)}
	}
	if h.PaymentID != p.ID {
		return &ValidationError{Field: "history.payment_id", Reason: fmt.Sprintf("is %s, not the payment %s", quote(string(h.PaymentID)), p.ID)}
	}
	if h.Event == "" && h.From == h.To && h.To == p.Status {
		return nil // no move: the status stays what it is
	}
	to, err := fsm.Next(h.From, h.Event)
	if err != nil {
		return &ValidationError{Field: "status", Reason: err.Error()}
	}
	if to != h.To || to != p.Status {
		return &ValidationError{Field: "status", Reason: fmt.Sprintf("%s leads from %s to %s, not to %s with the payment %s",
			h.Event, h.From, to, h.To, p.Status)}
	}
	return nil
}

// CheckFrom returns the error of an update c whose payment is in status stored, not History.From, at
// the version the update starts from: nil when they are the same.
func (c *Change) CheckFrom(stored Status) error {
	if stored == c.History.From {
		return nil
	}
	return &ValidationError{Field: "history.from", Reason: fmt.Sprintf("is %s, but payment %s is %s", c.History.From, c.Payment.ID, stored)}
}

// BatchCreator is implemented by stores that can write many new payments in one transaction with one
// savepoint per item: one commit for the batch, yet each item fails on its own. errs has one entry per
// change, nil where the payment was stored.
type BatchCreator interface {
	CreatePayments(ctx context.Context, cs []Change) (errs []error, err error)
}

// ListFilter selects payments. Zero fields do not filter.
type ListFilter struct {
	Statuses    []Status
	Method      Method
	Currency    Currency
	Account     AccountID // either side
	FromAccount AccountID
	ToAccount   AccountID
	Reference   string
	BatchID     BatchID
	// CreatedFrom and CreatedTo bound created_at, both inclusive.
	CreatedFrom, CreatedTo time.Time
	// ValueFrom and ValueTo bound the value date, both inclusive.
	ValueFrom, ValueTo Date
	// After is a cursor: only payments with an id less than After (older ones) are returned.
	After ID
	// Limit caps the number returned; 0 means no limit.
	Limit int
}

// Match reports whether p passes the filter (cursor and limit aside). Stores that filter in memory use it.
func (f *ListFilter) Match(p *Payment) bool {
	if len(f.Statuses) > 0 {
		ok := false
		for _, s := range f.Statuses {
			if p.Status == s {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	switch {
	case f.Method != "" && p.Method != f.Method,
		f.Currency != "" && p.Currency != f.Currency,
		f.Account != "" && p.FromAccount != f.Account && p.ToAccount != f.Account,
		f.FromAccount != "" && p.FromAccount != f.FromAccount,
		f.ToAccount != "" && p.ToAccount != f.ToAccount,
		f.Reference != "" && p.Reference != f.Reference,
		f.BatchID != "" && p.BatchID != f.BatchID,
		!f.CreatedFrom.IsZero() && p.CreatedAt.Before(f.CreatedFrom),
		!f.CreatedTo.IsZero() && p.CreatedAt.After(f.CreatedTo),
		!f.ValueFrom.IsZero() && p.ValueDate < f.ValueFrom,
		!f.ValueTo.IsZero() && p.ValueDate > f.ValueTo:
		return false
	}
	return true
}

// EventLog is implemented by stores that keep the events they write (the outbox) for durable delivery,
// read by package webhook. Sequence numbers are positive, increase in commit order and are never reused.
// A log may be pruned from its start (EventPruner; adapters/webhook prunes events 30 days old that
// it has fanned out, unless told otherwise): a reader that reads the log itself sees the first event
// kept come after its cursor with a number above cursor+1 when what it had not read yet was pruned.
type EventLog interface {
	// EventsAfter returns up to limit events with a sequence number greater than after, in order,
	// across all workspaces.
	EventsAfter(ctx context.Context, after int64, limit int) ([]LoggedEvent, error)
}

// An EventPruner forgets the oldest events of its EventLog. The log keeps every event it is given,
// so without pruning it grows for ever; adapters/webhook prunes the events it has fanned out once
// they are older than its retention, and an application that reads the log itself can do the same.
type EventPruner interface {
	// PruneEvents deletes the events at the start of the log, lowest sequence number first, as long
	// as they are numbered at most upTo and occurred before before: the first event that is not
	// stops it, so the log stays one unbroken run of numbers. It deletes at most limit events and
	// returns how many. The numbers of the events that stay, and of events to come, do not change.
	PruneEvents(ctx context.Context, upTo int64, before time.Time, limit int) (int, error)
}

// LoggedEvent is an event with its position in the log.
type LoggedEvent struct {
	Seq int64
	Event
}
