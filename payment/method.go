package payment

import "github.com/orkesta/orkesta/fsm"

// Method is how a payment moves. Wire values are a public contract.
type Method string

// The payment methods.
const (
	MethodBankTransfer   Method = "bank_transfer"
	MethodCard           Method = "card"
	MethodVirtualAccount Method = "virtual_account"
	MethodEFT            Method = "eft"
	MethodDirectDebit    Method = "direct_debit"
)

// Methods returns every method.
func Methods() []Method {
	return []Method{MethodBankTransfer, MethodCard, MethodVirtualAccount, MethodEFT, MethodDirectDebit}
}

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	switch m {
	case MethodBankTransfer, MethodCard, MethodVirtualAccount, MethodEFT, MethodDirectDebit:
		return true
	}
	return false
}

// Status is the payment status of package fsm, re-exported so that most callers need only this package.
type Status = fsm.Status

// Statuses, re-exported from package fsm.
const (
	StatusPending    = fsm.StatusPending
	StatusApproved   = fsm.StatusApproved
	StatusProcessing = fsm.StatusProcessing
	StatusSettled    = fsm.StatusSettled
	StatusReconciled = fsm.StatusReconciled
	StatusFailed     = fsm.StatusFailed
	StatusCancelled  = fsm.StatusCancelled
)

// EventCreate names the history record of a payment's creation. It is not a machine event: nothing
// leads into pending but creation.
const EventCreate fsm.Event = "create"
