// Package reconcile matches bank statement entries to payments and carries a reconciliation run from
// import to finalization.
//
// The statement model (Statement, Entry) is format-neutral: the decoders in reconcile/mt940,
// reconcile/camt053, reconcile/bai2, reconcile/csv and reconcile/xlsx produce it from an io.Reader,
// and this package never imports them. Matching is pure and deterministic: no I/O, no clock, no randomness in the
// result (the goroutines it may use change nothing but the time it takes).
//
// # Matching rules
//
// Engine.Match compares every entry with the payments (reconcile.Payment, a slim copy of
// payment.Payment) under these rules, which are the package's contract:
//
//   - Candidates: payments in processing or settled, in the entry's currency (the statement's when
//     the entry has none; not checked when neither says), moving money in the entry's direction on
//     the statement's account: a debit on account A is compared with payments from A, a credit with
//     payments to A. The statement's account is its IBAN or number (Options.Account when the file
//     names none); it is known when Options.Accounts has an account with that IBAN or id, or when a
//     payment names it directly. When it is not known, the direction is not checked (the report
//     says so in a warning).
//   - Amount: equal minor units.
//   - Date: |entry value date − payment value date| ≤ Options.DateWindow days (default 0: the same
//     day). An entry without a value date uses its booking date.
//   - Reference: the payment's reference, normalized (upper-cased with Turkish case rules, i → İ and
//     ı → I, then folded to the SWIFT character set banks transliterate to — İ → I, Ç → C, Ğ → G,
//     Ö → O, Ş → S, Ü → U — and only letters and digits kept: see NormalizeReference), equals the normalized
//     concatenation of one or more consecutive tokens (runs of letters and digits) of one of the
//     entry's texts: the customer reference, the bank reference, the end-to-end id, the remittance
//     text or the reference a statement gives by keyword (MT940's German KREF+,
//     Dutch /PREF/). So INV-2024-001 matches "/REMI/INV 2024 001" but never "INV-2024-0010". The payment's id
//     and its end-to-end key count as references too; the SEPA placeholder NOTPROVIDED never does.
//     An id or end-to-end key identifies one payment for certain: when an entry names a payment that
//     way, other payments that merely share its reference text are not counted as named by it (a
//     payment whose own, different reference the entry quotes as well still is). An
//     id or key found only inside a longer quote of another payment's reference (P1's id plus "-2"
//     is P2's reference) is part of that reference: the entry names P2, not P1.
//   - Score: all three criteria → exact, approved automatically; two → fuzzy, for a person to
//     approve or reject; fewer → not a candidate.
//   - Assignment: one payment goes to at most one entry and one entry gets at most one payment (or
//     one batch). Pairs are taken greedily in one total order that does not depend on the order of
//     the input: more criteria first (exact before fuzzy), then an entry that identifies the payment
//     (by its id or end-to-end key) before one that only shares its reference text, then the smaller
//     date distance, then the earlier payment (value date), then the payment id, then the entry. An
//     entry with two equally good candidates (same number of criteria, both or neither identified,
//     same date distance), or whose payment or batch has two equally good entries, is never approved
//     automatically: the match is reported as fuzzy with the alternatives.
//   - Batch bookings: an entry whose reference names a batch (payment.BatchID, in full or as the
//     pain.001 payment-information id, see Options.PaymentInfoIDs) is compared with the batch's
//     candidate payments together: amount = their sum, date = the farthest of them. When only the
//     batch's payments inside the date window add up to the entry (one booking per execution
//     date), they alone are taken. A batch match holds all its payments.
//   - Anomalies: an entry that names (by reference, id or end-to-end key) a cancelled or failed
//     payment that fits it better than any candidate is reported as an anomaly — money moved that
//     should not have — and never matched. When a candidate fits as well, the match is made but
//     not approved automatically, and the note names the cancelled or failed payment.
//   - Reasons: every match and anomaly carries one Reason per criterion with the values on both
//     sides (amounts with their currency, both dates and their distance, the entry text that named
//     the payment and the payment's value it named); an unmatched entry carries notes about near
//     misses (a payment named but in another currency, status or direction; a candidate that went
//     to a better-fitting entry).
//
// Each entry keeps its MaxCandidates best candidates; an entry that shares its reference or its
// amount and date with more payments than that can, in rare crowded cases, stay unmatched where an
// exhaustive search would have found it a fuzzy match. When a candidate not kept is as good as the
// last one kept, a match with one of those is never approved automatically.
//
// # Speed
//
// Matching never compares every entry with every payment: payments are indexed by normalized
// reference, by end-to-end key (which also finds "pay_" ids) and by (amount, value date), and each
// entry costs a few lookups, whatever the number of payments. The indexes are open-addressing tables
// of 64-bit slots over 32-byte payment records; entries are probed in small batches so that the
// cache misses of independent lookups overlap, and the work is spread over Options.Workers
// goroutines. A million entries against a million payments take 0.33–0.49 s on two cores once the
// payment index is built (0.16–0.29 s more to build it); docs/performance.md has the figures, and
// the machines they were taken on.
//
// # Runs
//
// Service keeps reconciliation runs (one account, one period) in a Store. An account has at most
// one run not finalized yet for any day: CreateRun refuses a period that overlaps an open or
// finalizing run of the account (a *RunOverlapError, a payment.ErrConflict), since both would book
// the same entries and payments; see CreateRun for what the Store does not enforce. Import adds
// statements (an entry already in the run, by Entry.Fingerprint, is not added twice) and matches
// every open entry; Approve, Reject, Map, Dismiss and Unmatch are the review actions; Finalize
// moves the matched payments to reconciled through payment.Service (processing ones through
// settled), closes the run and publishes a reconciliation.completed event. Unmatch on a finalized
// run undoes a match (payment.Service.Unreconcile) with the actor and reason in the payment's
// history. Every one of these actions requires an actor (who took it, for the run's history and the
// payments'): an empty one is a *payment.ValidationError of field actor.
//
// A transfer between two of the workspace's own accounts is booked on both accounts' statements,
// but a payment has one status: the first run to finalize reconciles it, and the other account's
// run refuses to finalize its match ("reconciled by someone else") until that entry is unmatched
// and dismissed. An offline run given both statements matches the payment to one line and leaves
// the other unmatched. Reconciling each side of such a transfer on its own is not supported yet.
//
// # Reports and the offline run
//
// Offline reads a payments file (CSV or JSON, ReadPayments) and an accounts file (ReadAccounts) and
// matches them with decoded statements: it is what `orkesta reconcile` runs. WriteJSON, WriteCSV
// and reconcile/xlsx.WriteReport write any ReportSource (a *Result, or a *Report from a run).
package reconcile
