// Package pain001 is a file rail: it collects approved bank_transfer and eft payments of one debtor
// account into an ISO 20022 pain.001 CustomerCreditTransferInitiation file for upload to the bank,
// and reads the bank's pain.002 status reports back.
//
// # Files
//
// File is the model of one file: one debtor account, batches (PmtInf) of transfers (CdtTrfTxInf).
// Encode writes it as pain.001.001.09 (the default) or pain.001.001.03, valid against the official
// XSDs. NbOfTxs and CtrlSum, per file and per batch, are the count and the exact sum of the amounts,
// written from int64 minor units with payment.FormatMinor: no float is ever involved. A file that
// breaks a schema rule (a text too long, a bad IBAN or BIC, more than 18 digits) is refused by
// Validate with every problem named, and Encode writes nothing.
//
// Build makes a File from payments: the debtor's IBAN from the payments' FromAccount, each
// creditor's from its ToAccount. The EndToEndId of every transfer is the payment's end-to-end key
// (payment.Payment.EndToEnd: 16 upper-case letters and digits, so it survives MT940's 16-character
// reference field as well as camt.053's EndToEndId), and it is repeated at the end of the remittance
// text for statements that only carry free text. Payments are grouped into batches by requested
// execution date (ReqdExctnDt: the value date, or the file's date when the value date is past; the
// file's date is today in the debtor bank's time zone, Options.Location, UTC by default) and batch
// id; a batch id becomes the PmtInfId, and a generated "PMT…" id is used for payments without one.
//
// # The rail
//
// Rail implements payment.Rail for a Processor: Submit accepts a payment into its debtor account's
// pending set (idempotently: a payment is never collected twice; after a restart, MarkWritten with the
// files already written keeps it so), WriteFile writes one debtor account's pending payments as a file
// (as many as its 18-digit control sum holds; the others wait for the next file) and returns its
// FileInfo. Payments stay processing: the bank
// settles them (a statement, matched by reconciliation through the end-to-end key) or rejects them
// (a pain.002 status report).
//
// # Status reports
//
// ParseStatusReport reads a pain.002 (ISO or Swiss namespace). ApplyStatusReport fails the payments
// the bank rejected (TxSts, PmtInfSts or GrpSts RJCT), with the ISO reason code as failure code and
// its meaning and the bank's text as reason, and keeps the others processing (ACCP, ACSP, ACTC, PDNG,
// …). Applying a report twice changes nothing the second time.
package pain001
