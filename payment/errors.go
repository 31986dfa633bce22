package payment

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/orkesta/orkesta/fsm"
)

// Sentinel errors: the classes callers branch on with errors.Is. Typed errors below carry the details
// and match one of these.
var (
	// ErrNotFound: no such payment, account, workspace or key in this workspace.
	ErrNotFound = errors.New("payment: not found")
	// ErrInvalid: the input breaks a rule; the error tree holds one *ValidationError per problem.
	ErrInvalid = errors.New("payment: invalid")
	// ErrConflict: a concurrent change won a compare-and-set race; reload and decide again.
	ErrConflict = errors.New("payment: conflict")
	// ErrDuplicate: a store already holds a record with this unique key (idempotency key, id).
	ErrDuplicate = errors.New("payment: duplicate")
	// ErrInvalidTransition: the status machine refuses the move. The same value as fsm.ErrInvalidTransition.
	ErrInvalidTransition = fsm.ErrInvalidTransition
	// ErrIdempotencyMismatch: an idempotency key was reused with a different request.
	ErrIdempotencyMismatch = errors.New("payment: idempotency key reused with a different request")
	// ErrNotAllowed: the workspace's rules forbid the action (maker-checker, approval required).
	ErrNotAllowed = errors.New("payment: not allowed")
)

// ValidationError is one problem with one field. It matches ErrInvalid.
type ValidationError struct {
	Field  string // wire name: "amount", "from_account", "payments[3].currency"
	Reason string
}

func (e *ValidationError) Error() string { return "payment: " + e.Field + ": " + e.Reason }

// Is makes a *ValidationError match ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// FieldErrors returns every *ValidationError in err's tree, in order. It sees through errors.Join and
// wrapping, so a caller (an HTTP adapter, a CLI) can list every invalid field.
func FieldErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case nil:
		case *ValidationError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, c := range x.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// NotFoundError names what was not found: the kind of object, its id and the workspace searched.
// It matches ErrNotFound, and unwraps to the store's error.
type NotFoundError struct {
	Kind      string      // "workspace", "payment", "account", "run"
	ID        string      // the id asked for
	Workspace WorkspaceID // the workspace searched; "" for a workspace itself
	Err       error       // the store's error (ErrNotFound), if any
}

func (e *NotFoundError) Error() string {
	msg := "payment: no " + e.Kind + " " + printableID(e.ID)
	if e.Workspace != "" {
		msg += " in workspace " + printableID(string(e.Workspace))
	}
	return msg
}

// Is makes a *NotFoundError match ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

func (e *NotFoundError) Unwrap() error { return e.Err }

// notFound returns err as a *NotFoundError of kind and id in workspace ws when it is a bare
// ErrNotFound (as stores return it), and err as it is otherwise: nil, another error, or one that
// names what is missing already.
func notFound(err error, kind, id string, ws WorkspaceID) error {
	var nf *NotFoundError
	if !errors.Is(err, ErrNotFound) || errors.As(err, &nf) {
		return err
	}
	return &NotFoundError{Kind: kind, ID: id, Workspace: ws, Err: err}
}

// printableID is an id as it is when it looks like one (letters, digits, '_', '-', at most 64),
// else quoted and cut: an id a caller passed unchecked never garbles a message.
func printableID(id string) string {
	if id == "" || len(id) > 64 {
		return quote(id)
	}
	for _, r := range id {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return quote(id)
		}
	}
	return id
}

// StatusError is a refused transition on a stored payment: it names the payment, its current status
// and the event. It matches ErrInvalidTransition.
type StatusError struct {
	ID     ID
	Status Status
	Event  fsm.Event
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("payment: %s: cannot %s a payment that is %s", e.ID, e.Event, e.Status)
}

// Is makes a *StatusError match ErrInvalidTransition.
func (e *StatusError) Is(target error) bool { return target == ErrInvalidTransition }

// NotAllowedError says which workspace rule refused an action. It matches ErrNotAllowed.
type NotAllowedError struct {
	Rule   string // "maker_checker", "approval_required"
	Reason string
}

func (e *NotAllowedError) Error() string { return "payment: " + e.Reason }

// Is makes a *NotAllowedError match ErrNotAllowed.
func (e *NotAllowedError) Is(target error) bool { return target == ErrNotAllowed }

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
