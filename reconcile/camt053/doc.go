// Package camt053 decodes ISO 20022 bank-to-customer statements (camt.053) into reconcile.Statement
// values, streaming.
//
//	sts, err := camt053.Decode(file, camt053.Options{})
//
// Versions camt.053.001.02 to .001.08, and national variants, are read by the same code: elements
// are matched by local name whatever their namespace, and the differences between versions are
// absorbed (Sts as text or Sts/Cd, party names as Nm or Pty/Nm, dates as Dt or DtTm, TxDtls/Amt or
// the .02 AmtDtls/TxAmt/Amt). camt.052 account reports (Rpt) and camt.054 debit/credit notifications
// (Ntfctn) share the entry structure and are decoded too: Statement.Format is "camt052" or
// "camt054", and notifications have no balances (HasOpening/HasClosing false).
//
// Entries:
//
//   - An Ntry without details, or with one TxDtls, is one Entry: the booked amount, direction and
//     currency of the Ntry, the references and parties of the detail.
//   - A batch Ntry with several TxDtls becomes one Entry per detail, with the detail's amount
//     (TxDtls/Amt, else AmtDtls/TxAmt/Amt) and direction (TxDtls/CdtDbtInd, else the entry's),
//     provided every detail has an amount in the entry's currency and they add up to the entry's
//     amount. Otherwise (details without amounts, in another currency, or not adding up) the batch
//     stays one Entry with the batch references (Btch/PmtInfId as the customer reference, the
//     number of details in Fields["TxDtls"]) and the statement gets a "batch_not_split" warning
//     saying why: the balance always adds up, nothing is guessed.
//   - Entries whose status is not BOOK (PDNG, INFO, FUTR) are not booked and are left out, counted in
//     an "entries_not_booked" warning.
//   - RvslInd true sets Reversal; the direction stays the booking's (a reversed debit is a CRDT).
//   - Dates (BookgDt, ValDt, balances, FrToDt) are the calendar date written, whether as a Dt, a
//     Dt with a time zone ("2024-01-15+03:00", "2024-01-15Z") or a DtTm at its own offset.
//   - Mapping: EndToEnd ← Refs/EndToEndId (not NOTPROVIDED); CustomerRef ← Refs/InstrId, else
//     AcctOwnrTxId, else PmtInfId, else Btch/PmtInfId; BankRef ← Refs/AcctSvcrRef, else the entry's;
//     Remittance ← RmtInf/Ustrd lines, else structured creditor references, else AddtlTxInf, else
//     AddtlNtryInf; the counterparty is the creditor of money going out and the debtor of money
//     coming in (for a reversal, those of the booking reversed); BankTxCode ← Domn/Fmly/SubFmly
//     ("PMNT/RCDT/ESCT"), else Prtry/Cd. Other references go into Fields under their path
//     ("Refs/MsgId", "Btch/PmtInfId", "CdtrRefInf/Ref", "NtryRef", "RtrInf/Rsn/Cd", …).
//   - Entry.Position is the line of the <Ntry> start tag (every Entry of a batch has it).
//
// Statements: Account is Acct/Id/IBAN or Acct/Id/Othr/Id; Currency is Acct/Ccy, else the opening
// balance's; the opening balance is OPBD (else PRCD), the closing CLBD, and a balance in another
// currency is left out with a "balance_currency" warning, as is a balance after the statement's
// first entry (where the schema has none) with a "balance_after_entries" warning; the period is
// FrToDt, else the entries' dates and the closing balance date. Amounts with more decimals than the
// currency has are accepted when the extra digits are zeros ("18.150" EUR) and are an error
// otherwise.
//
// Encodings: the XML declaration decides (ISO-8859-1, ISO-8859-9, Windows-1254 …, any IANA name;
// UTF-8 when there is none, and text that is not valid UTF-8 is then an error); a UTF-16
// byte-order mark (little- or big-endian) wins over the declaration, and a document without one
// that starts with its declaration in UTF-16 is read as UTF-16; Options.Charset overrides a
// declaration that lies.
//
// Memory and speed: the document is read token by token (reconcile/internal/xmlscan, a tokenizer
// that reads tags and text in place from one buffer; encoding/xml read about 60 MB/s here, this
// about 160) and only the entry being read is held, so Stream's memory stays flat whatever the file
// size; Decode holds the result and nothing else. Start and end tags are paired here, by name and
// namespace prefix; the tokenizer does not check well-formedness beyond what it needs.
//
// Errors: every problem is a *reconcile.ParseError with the line and the element path; they are
// collected, up to reconcile.MaxErrors, and nothing is returned from a file that has any. Input
// that is not XML, or XML that is not a bank-to-customer message (a pain.001, an HTML page), is one
// error wrapping reconcile.ErrNotStatement.
package camt053
