// Package payment is the core of Orkesta: corporate payments, their money, their accounts and
// workspaces, and the use cases that move them through their lifecycle.
//
// A Payment is an amount in integer minor units of an ISO 4217 Currency (kuruş, cents; never a
// float), a Method, a debited internal account and a credited account, a free description and a
// reference (the caller's invoice or PO number) that drives reconciliation. Its Status follows the
// machine of package fsm:
//
//	pending → approved → processing → settled → reconciled
//	pending|approved → cancelled      processing → failed      reconciled → settled (undo)
//
// Service is the only way a status changes. Every change is checked with fsm.Next and the
// workspace's rules (plan, approval policy, maker-checker), then written with compare-and-set on the
// payment's version together with one history record and one outbox event, all atomically: two
// racing changes never both succeed (the loser gets ErrConflict), and nothing is overwritten silently.
//
// The Service consumes small interfaces: Store (adapters/memory, adapters/sqlite, adapters/postgres),
// Rail (a payment network: adapters/rail/...), Clock, IDSource and Publisher. Optional capabilities
// are separate interfaces found by type assertion: BatchCreator, EventLog, KeyStore, RailStatusPoller,
// RailCanceller.
//
// Errors are classes to branch on with errors.Is (ErrNotFound, ErrInvalid, ErrConflict,
// ErrInvalidTransition, ErrIdempotencyMismatch, ErrNotAllowed) and typed errors with the details
// (*ValidationError per invalid field, joined; *StatusError; *NotAllowedError; *RailError).
//
// Package paymenttest has fixtures, a fixed clock, a fake rail and StoreSuite for tests.
package payment
