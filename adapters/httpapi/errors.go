package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// Error types: the "type" member of every error body, the class a client branches on first.
const (
	TypeInvalidRequest = "invalid_request_error" // the request itself is wrong: fix it before retrying
	TypeAuthentication = "authentication_error"  // 401: no usable API key
	TypePermission     = "permission_error"      // 403: the key or actor may not do this
	TypeIdempotency    = "idempotency_error"     // Idempotency-Key in use or reused with another body
	TypeAPI            = "api_error"             // 5xx: our fault; retrying with the same key is safe
)

// Error codes of the top-level "code" member. Field-level codes (in "errors") are FieldRequired,
// FieldInvalid, FieldInvalidType, FieldInvalidFormat, FieldUnknown and FieldDuplicate.
const (
	CodeInvalidJSON           = "invalid_json"            // 400: not well-formed JSON
	CodeDuplicateKey          = "duplicate_key"           // 400: an object repeats a member name
	CodeUnknownField          = "unknown_field"           // 400: a member the endpoint does not know
	CodeInvalidType           = "invalid_type"            // 400: wrong JSON type (1.5, "100" or 1e3 for an amount)
	CodeInvalidFormat         = "invalid_format"          // 400: a string that does not parse (a date)
	CodeTrailingData          = "trailing_data"           // 400: anything after the JSON value
	CodeEmptyBody             = "empty_body"              // 400: a body is required
	CodeInvalidParameter      = "invalid_parameter"       // 400: a bad query parameter
	CodeUnknownParameter      = "unknown_parameter"       // 400: a query parameter the endpoint does not know
	CodeBodyTooLarge          = "body_too_large"          // 413
	CodeUnsupportedMediaType  = "unsupported_media_type"  // 415: Content-Type is not application/json
	CodeValidationFailed      = "validation_failed"       // 422: one or more fields break a rule
	CodeBatchEmpty            = "batch_empty"             // 422: a batch without payments
	CodeBatchTooLarge         = "batch_too_large"         // 422: more than MaxBatchSize payments
	CodeNotFound              = "not_found"               // 404: no such object in this workspace
	CodeRouteNotFound         = "route_not_found"         // 404: no such endpoint
	CodeMethodNotAllowed      = "method_not_allowed"      // 405
	CodePaymentNotCancellable = "payment_not_cancellable" // 409: cancel after processing began
	CodeInvalidTransition     = "invalid_transition"      // 409: any other refused status change
	CodeApprovalRequired      = "approval_required"       // 409: the payment must be approved first
	CodeMakerChecker          = "maker_checker"           // 403: the creator may not approve
	CodeConflict              = "conflict"                // 409: a concurrent change won; reload and retry
	CodeDuplicate             = "duplicate"               // 409: the object exists already
	CodeMissingAPIKey         = "missing_api_key"         // 401
	CodeInvalidAPIKey         = "invalid_api_key"         // 401: unknown, expired or revoked
	CodeInsufficientScope     = "insufficient_scope"      // 403: the key's scope does not allow the call
	CodeIdempotencyKeyInvalid = "idempotency_key_invalid" // 400: empty, too long or not printable ASCII
	CodeIdempotencyKeyInUse   = "idempotency_key_in_use"  // 409: a request with the key is still running
	CodeIdempotencyKeyReused  = "idempotency_key_reused"  // 422: the key was used with another request
	CodeStatementInvalid      = "statement_invalid"       // 422: a statement file with errors
	CodeNotStatement          = "not_a_statement"         // 422: the file is no statement at all
	CodeNotAllowed            = "not_allowed"             // 409: another workspace rule refused the action
	CodeBodyUnreadable        = "body_unreadable"         // 400: the body could not be read
	CodeNotAttempted          = "not_attempted"           // batch item: the request ended before it started
	CodeInternal              = "internal_error"          // 500: logged with the request id
)

// Field-level codes, in the "errors" list of an error body.
const (
	FieldRequired      = "required"       // the member is missing or empty
	FieldInvalid       = "invalid_value"  // present, but breaks a rule (the message says which)
	FieldInvalidType   = "invalid_type"   // wrong JSON type
	FieldInvalidFormat = "invalid_format" // a string that does not parse
	FieldUnknown       = "unknown_field"  // not a member of this object
	FieldDuplicate     = "duplicate_key"  // the member appears twice
)

// maxListedErrors caps the "errors" list of one response: hostile input cannot make it unbounded.
const maxListedErrors = 100

// FieldError is one problem with one member of the request. Param is the JSON path of the member as
// the client sent it: "amount", "payments[3].currency".
type FieldError struct {
	Param   string `json:"param"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an API error: the HTTP status and the body's "error" object. Handlers mounted on a Handler
// may return one through WriteError; every other error is mapped by the rules in the package doc.
type Error struct {
	Status  int          `json:"-"`
	Type    string       `json:"type"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Param   string       `json:"param,omitempty"`
	Errors  []FieldError `json:"errors,omitempty"`
	// PaymentStatus is the payment's current status when a transition was refused.
	PaymentStatus payment.Status `json:"payment_status,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("httpapi: %d %s: %s", e.Status, e.Code, e.Message)
}

// errorBody is the wire shape: {"error":{...}}.
type errorBody struct {
	Error *Error `json:"error"`
}

func newError(status int, typ, code, msg string) *Error {
	return &Error{Status: status, Type: typ, Code: code, Message: msg}
}

func badRequest(code, param, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequest, Code: code, Message: msg, Param: param}
}

// fieldProblems turns decode problems into one 400 error: the first problem names the code and param,
// all of them are listed.
func fieldProblems(probs []FieldError) *Error {
	first := probs[0]
	e := badRequest(first.Code, first.Param, first.Message)
	if len(probs) > 1 {
		e.Message = first.Message + andMore(len(probs)-1)
	}
	e.Errors = probs
	return e
}

// toError is THE mapping from errors to HTTP: every error any endpoint returns passes through here.
// The second result is false for errors that are our fault (5xx); their details are logged, never sent.
func toError(err error) (*Error, bool) {
	var (
		apiErr *Error
		se     *payment.StatusError
		na     *payment.NotAllowedError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr, apiErr.Status < 500
	case errors.Is(err, batch.ErrEmpty):
		return newError(http.StatusUnprocessableEntity, TypeInvalidRequest, CodeBatchEmpty,
			"payments is empty: send 1 to 500 payments"), true
	case errors.Is(err, batch.ErrTooLarge):
		return newError(http.StatusUnprocessableEntity, TypeInvalidRequest, CodeBatchTooLarge,
			err.Error()[len("batch: "):]), true
	case errors.Is(err, payment.ErrIdempotencyMismatch):
		return newError(http.StatusUnprocessableEntity, TypeIdempotency, CodeIdempotencyKeyReused,
			"the Idempotency-Key was already used with a different request"), true
	case errors.Is(err, payment.ErrInvalid):
		return validationError(payment.FieldErrors(err)), true
	case errors.Is(err, payment.ErrNotFound):
		return newError(http.StatusNotFound, TypeInvalidRequest, CodeNotFound, "no such object in this workspace"), true
	case errors.As(err, &se):
		e := newError(http.StatusConflict, TypeInvalidRequest, CodeInvalidTransition,
			fmt.Sprintf("payment %s is %s and cannot %s", se.ID, se.Status, se.Event))
		if se.Event == "cancel" {
			e.Code = CodePaymentNotCancellable
			e.Message = fmt.Sprintf("payment %s is %s; only pending or approved payments can be cancelled", se.ID, se.Status)
		}
		e.PaymentStatus = se.Status
		return e, true
	case errors.Is(err, payment.ErrInvalidTransition):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeInvalidTransition, "the payment's status does not allow this"), true
	case errors.As(err, &na):
		if na.Rule == "maker_checker" {
			return newError(http.StatusForbidden, TypePermission, CodeMakerChecker, na.Reason), true
		}
		code := CodeNotAllowed
		if na.Rule == "approval_required" {
			code = CodeApprovalRequired
		}
		return newError(http.StatusConflict, TypeInvalidRequest, code, na.Reason), true
	case errors.Is(err, payment.ErrNotAllowed):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeNotAllowed, "the workspace's rules do not allow this"), true
	case errors.Is(err, payment.ErrConflict):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeConflict,
			"the object was changed by another request at the same time; reload it and try again"), true
	case errors.Is(err, payment.ErrDuplicate):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeDuplicate, "the object exists already"), true
	case errors.Is(err, reconcile.ErrParse):
		return statementError(err), true
	case errors.Is(err, reconcile.ErrNotStatement):
		return newError(http.StatusUnprocessableEntity, TypeInvalidRequest, CodeNotStatement,
			"the file is not a bank statement in a supported format"), true
	}
	return internalError(), false
}

// andMore is " (and 2 more problems)", " (and 1 more problem)" or "".
func andMore(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " (and 1 more problem)"
	}
	return fmt.Sprintf(" (and %d more problems)", n)
}

func internalError() *Error {
	return newError(http.StatusInternalServerError, TypeAPI, CodeInternal,
		"an internal error occurred; it has been logged with the request id")
}

// validationError lists every invalid field of a payment.ErrInvalid.
func validationError(fes []*payment.ValidationError) *Error {
	e := newError(http.StatusUnprocessableEntity, TypeInvalidRequest, CodeValidationFailed, "the request is invalid")
	for i, fe := range fes {
		if i == maxListedErrors {
			break
		}
		code := FieldInvalid
		if fe.Reason == "is required" {
			code = FieldRequired
		}
		e.Errors = append(e.Errors, FieldError{Param: fe.Field, Code: code, Message: fe.Field + ": " + fe.Reason})
	}
	if len(e.Errors) > 0 {
		e.Param = e.Errors[0].Param
		e.Message = e.Errors[0].Message
		e.Message += andMore(len(fes) - 1)
	}
	return e
}

// statementError lists the problems of a statement file with their line or cell.
func statementError(err error) *Error {
	e := newError(http.StatusUnprocessableEntity, TypeInvalidRequest, CodeStatementInvalid, "the statement file has errors")
	var walk func(error)
	walk = func(x error) {
		if len(e.Errors) == maxListedErrors {
			return
		}
		var pe *reconcile.ParseError
		switch v := x.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range v.Unwrap() {
				walk(c)
			}
			return
		}
		if errors.As(x, &pe) {
			param := pe.Field
			switch {
			case pe.Cell != "":
				param = pe.Cell
			case pe.Line > 0:
				param = fmt.Sprintf("line %d", pe.Line)
			}
			e.Errors = append(e.Errors, FieldError{Param: param, Code: FieldInvalid, Message: pe.Error()})
		}
	}
	walk(err)
	if len(e.Errors) > 0 {
		e.Message = e.Errors[0].Message
	}
	return e
}

// WriteError writes err as an API error body with the right status. Errors that are not the client's
// fault are logged with the request id and answered with a generic 500. Handlers mounted with
// Handler.Mount use it so that every endpoint fails the same way.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := toError(err)
	c := callFrom(r.Context())
	if c != nil {
		c.errCode = e.Code
	}
	if !ok {
		logger := slog.Default()
		if c != nil {
			logger = c.h.log
		}
		logger.LogAttrs(r.Context(), slog.LevelError, "httpapi: internal error",
			slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="orkesta"`)
	}
	writeJSON(w, e.Status, errorBody{Error: e})
}
