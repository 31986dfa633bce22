package batch

import (
	"errors"
	"strconv"

	"github.com/orkesta/orkesta/payment"
)

// Sentinel errors. Both batch-size errors also match payment.ErrInvalid.
var (
	// ErrEmpty: the batch has no items. Nothing is created.
	ErrEmpty = errors.New("batch: no payments")
	// ErrTooLarge: the batch has more items than Options.MaxItems. Nothing is created.
	ErrTooLarge = errors.New("batch: too many payments")
	// ErrDuplicateKey: an item repeats the idempotency key of an earlier item of the same batch. It is
	// an item error; the earlier item is processed normally.
	ErrDuplicateKey = errors.New("batch: idempotency key repeated within the batch")
)

// SizeError refuses a batch with no items or too many. It matches ErrEmpty or ErrTooLarge, and
// payment.ErrInvalid through the *payment.ValidationError (field "payments") it wraps.
type SizeError struct {
	Count, Max int
}

func (e *SizeError) Error() string {
	if e.Count == 0 {
		return "batch: no payments; send 1 to " + strconv.Itoa(e.Max)
	}
	return "batch: " + strconv.Itoa(e.Count) + " payments; the limit is " + strconv.Itoa(e.Max)
}

// Is makes a *SizeError match ErrEmpty or ErrTooLarge.
func (e *SizeError) Is(target error) bool {
	return (target == ErrEmpty && e.Count == 0) || (target == ErrTooLarge && e.Count > e.Max)
}

// Unwrap returns the field error, so payment.FieldErrors and errors.Is(err, payment.ErrInvalid) see it.
func (e *SizeError) Unwrap() error {
	reason := "must hold 1 to " + strconv.Itoa(e.Max) + " items, not " + strconv.Itoa(e.Count)
	return &payment.ValidationError{Field: "payments", Reason: reason}
}

// DuplicateKeyError fails an item whose idempotency key an earlier item of the batch already uses. It
// matches ErrDuplicateKey, and payment.ErrInvalid through the *payment.ValidationError (field
// "idempotency_key") it wraps.
type DuplicateKeyError struct {
	// First is the index of the earlier item with the same key.
	First int
}

func (e *DuplicateKeyError) Error() string {
	return "batch: idempotency_key is the same as item " + strconv.Itoa(e.First) + "'s"
}

// Is makes a *DuplicateKeyError match ErrDuplicateKey.
func (e *DuplicateKeyError) Is(target error) bool { return target == ErrDuplicateKey }

// Unwrap returns the field error, so payment.FieldErrors and errors.Is(err, payment.ErrInvalid) see it.
func (e *DuplicateKeyError) Unwrap() error {
	return &payment.ValidationError{Field: "idempotency_key",
		Reason: "is the same as item " + strconv.Itoa(e.First) + "'s; each item needs its own key"}
}
