// Package fsm is the payment status machine: the statuses a payment can be in, the events that move it,
// and the one transition table that decides which moves are legal.
//
// The table is declared once, in the terms of github.com/looplab/fsm, which validates it and renders the
// diagram. At package initialisation it is flattened into an immutable typed table, so the hot path
// (Next, CanCancel) is a pair of array lookups: no allocation, no lock, safe for concurrent use. No type
// or error of looplab/fsm escapes this package.
//
// Business rules that depend on more than the status (whether a workspace requires approval, who may
// approve) are not the machine's concern: they live in package payment, which asks the machine only
// whether a move is legal at all.
package fsm
