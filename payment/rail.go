package payment

import (
	"context"
	"errors"
	"fmt"
)

// Rail moves a payment on a payment network (a bank API, a card gateway, a file for upload).
// Submit must be idempotent on the payment id: a retry after a timeout never creates a second
// transfer. Optional capabilities are separate interfaces found by type assertion (RailStatusPoller,
// RailCanceller).
type Rail interface {
	Submit(ctx context.Context, p Payment) (RailReceipt, error)
}

// RailReceipt is the rail's answer to an accepted submission.
type RailReceipt struct {
	// Reference is the rail's own id for the transfer.
	Reference string
	// Settled is true when the rail settles synchronously (the payment can go straight to settled).
	Settled bool
}

// RailOutcome is what a rail reports later about a submitted payment.
type RailOutcome struct {
	Status  Status // StatusProcessing (still in flight), StatusSettled or StatusFailed
	Code    string // for failures: the rail's code ("insufficient_funds")
	Message string
}

// RailStatusPoller is a Rail that can be asked how a submitted payment is doing.
type RailStatusPoller interface {
	Status(ctx context.Context, p Payment) (RailOutcome, error)
}

// RailCanceller is a Rail that can recall a submitted payment.
type RailCanceller interface {
	Cancel(ctx context.Context, p Payment) error
}

// RailError is a rail's refusal. Temporary ones are retried with backoff; permanent ones fail the
// payment with Code and Message.
type RailError struct {
	Code      string
	Message   string
	Temporary bool
}

func (e *RailError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return "payment: rail " + kind + " error " + e.Code + ": " + e.Message
}

// IsTemporary reports whether err is a temporary rail error (or a context deadline toward the rail),
// worth retrying with the same payment id.
func IsTemporary(err error) bool {
	var re *RailError
	if errors.As(err, &re) {
		return re.Temporary
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// railCallError is an error of the rail's call that the rail did not classify as a permanent
// refusal, as Dispatch returns it. It unwraps to the rail's error, but marks it as the rail's: a rail
// may wrap ErrConflict or ErrNotFound (a bank's 409 or 404), which from the store would mean that
// another actor moved the payment first; from the rail they mean the payment still needs it.
type railCallError struct{ err error }

func (e *railCallError) Error() string { return e.err.Error() }
func (e *railCallError) Unwrap() error { return e.err }

// fromRail reports whether err is a rail's answer rather than the store's.
func fromRail(err error) bool {
	var rc *railCallError
	return errors.As(err, &rc)
}

// railSubmit calls rail.Submit, turning a panic into an error. A rail is code of its own, often a
// bank's SDK; a panic in it must not take down the processor, or the server it runs in, with every
// payment it was working on. The error is not a *RailError: as for any answer the rail did not
// classify, the rail may or may not have the payment, and a retry under the same id is what is safe.
func railSubmit(ctx context.Context, rail Rail, p Payment) (rec RailReceipt, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = RailReceipt{}, railPanic(p.Method, "submit", r)
		}
	}()
	return rail.Submit(ctx, p)
}

// railStatus is railSubmit for RailStatusPoller.Status.
func railStatus(ctx context.Context, poller RailStatusPoller, p Payment) (out RailOutcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = RailOutcome{}, railPanic(p.Method, "status", r)
		}
	}()
	return poller.Status(ctx, p)
}

func railPanic(m Method, call string, r any) error {
	return fmt.Errorf("payment: the %s rail panicked in %s: %v", m, call, r)
}
