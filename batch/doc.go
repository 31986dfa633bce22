// Package batch creates up to 500 payments in one call, each processed on its own.
//
// Submit validates every request exactly as payment.Service.Create does, writes the valid ones and
// returns one Item per request, in input order: created (with the payment), failed (with the error the
// single create would give: joined *payment.ValidationError field errors, payment.ErrIdempotencyMismatch,
// a store error) or not_attempted (the context was cancelled before the item started; safe to retry).
// One item's failure never affects another.
//
// Only the batch as a whole can be refused, and then nothing is created: no items or more than
// Options.MaxItems (ErrEmpty, ErrTooLarge), an unknown workspace, a batch idempotency key too long to
// derive item keys from, or per-currency totals that overflow int64 minor units.
//
// Every payment of a batch carries the same batch id ("bat_" + ULID) in payment.Payment.BatchID, so a
// batch can be listed (payment.ListFilter.BatchID), exported and retried. Retrying is safe when the items
// carry idempotency keys, or when Options.IdempotencyKey is set and the items carry none (item i's key is
// then derived as "<key>:<i>"): the originals come back as created (Item.Replayed), and only what was
// not created before is created now, under the original batch id. A batch is recognised as a retry by
// its keys: when an item's key belongs to a payment of an earlier batch that matches the item in
// everything but the batch id, the new payments join that earlier batch. An item whose key belongs to
// a payment made outside any batch, or to a different request, fails with
// payment.ErrIdempotencyMismatch, as the single create would.
//
// When the store implements payment.BatchCreator, the whole batch is written in one transaction with
// one savepoint per item: one commit for 500 payments, while items still fail one by one. Other stores
// get one write per payment.
package batch
