// Package reconcile matches bank statement entries to payments and carries a reconciliation run from
// import to finalization.
//
// The statement model (Statement, Entry) is format-neutral: the decoders in reconcile/mt940,
// reconcile/camt053, reconcile/csv and reconcile/xlsx produce it from an io.Reader, and this package
// never imports them. Everything here is pure and deterministic: no I/O, no clock, no randomness.
package reconcile
