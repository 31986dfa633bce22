// Package mt940 decodes SWIFT MT940 customer statements, and MT942 interim transaction reports,
// into reconcile.Statement values.
//
//	sts, err := mt940.Decode(file, mt940.Options{})
//
// It reads what banks really send, not only the SWIFT standard:
//
//   - Envelopes: bare fields; full SWIFT blocks {1:}{2:}{3:}{4: … -}{5:}, on one line or several;
//     proprietary headers and trailers (ING "0000 01INGBNL2AXXXX00001" / "940 00" / "-XXX", ABN AMRO
//     "ABNANL2A" / "940", Rabobank ":940:"), SOH/ETX framing (mBank), a free-text preamble and lines
//     of dashes (Danske), empty lines, CRLF or LF, no final newline. Several statements per file;
//     a statement starts at every :20: (not at "-"), so back-to-back statements split correctly.
//   - :20: and :28:/:28C: make Statement.ID ("REF/1/1"); :25: is the account as written (IBAN,
//     BLZ/account, BIC/account/currency…); :60F:/:60M: and :62F:/:62M: the opening and closing
//     booked balances, whose currency is the statement's. :21:, :64:, :65:, :NS: and unknown tags
//     are tolerated. A missing closing balance is a "missing_closing_balance" warning.
//   - MT942 (intraday): a statement with a :34F: floor limit (one, or a debit and a credit one) is
//     an interim report; without a :60F: it takes its currency from the floor limit, and a :62F:
//     must be in that currency too. :13D: is its date when it has no entries; :90D: and :90C: (the
//     number and sum of the debit and credit entries) are checked against the entries
//     ("entry_totals_mismatch", an error under Options.Strict). Its Format is FormatInterim,
//     "mt942"; it usually has no balances, and gets no missing_closing_balance warning.
//   - :61: in full: value date YYMMDD (00–79 → 20xx); optional entry date MMDD, or four spaces,
//     whose year is the one nearest the value date (value 231231 + entry 0102 → 2024-01-02); mark C,
//     D, RC (reversal of a credit: a debit, Reversal true), RD (reversal of a debit: a credit), EC/ED;
//     an optional funds-code letter (so "CR" is a credit in euro, "DK" a debit in DKK); an amount of
//     up to 15 characters with a decimal comma ("9,", "11,8", "000000000025,00"), exact in the
//     currency's minor units; a transaction type N/F/S + 3 characters (BankTxCode), absent in some
//     banks' files ("D20,00NONREF", "CN220000,00//…"); the customer reference (any length) up to
//     "//"; the bank reference; supplementary details on the next line (Fields
//     "supplementary_details", and CounterpartyIBAN when it is a valid IBAN). A date that does not
//     exist (30 February in German interest closings) is clamped to the month's end with a
//     "date_adjusted" warning.
//   - :86: after a :61: describes that entry (before the first :61: or after the closing balance it
//     describes the statement and is not attached to an entry). Dialects:
//     German DK/ZKA "166?00…?20…?31…?32…" with SEPA keywords EREF+ KREF+ MREF+ CRED+ SVWZ+ … in the
//     purpose lines, Polish "^NN", Triodos ">NN" (lines joined without separator first, so a ?NN
//     marker or word split over two lines is whole); Dutch codewords "/EREF/…/NAME/…/IBAN/…/REMI/…"
//     (Rabobank, ING, ABN AMRO, bunq; /CNTP/ blocks; HSBC's /OCMT/); solarisBank/Penta
//     "999TYPE:purpose:name:IBAN"; anything else is free text, its lines joined with spaces. The
//     end-to-end id (EREF, unless NOTPROVIDED), counterparty name and IBAN and the remittance text go
//     into the Entry fields; the sub-fields themselves into Entry.Fields.
//
// Encodings: the file is read as UTF-8 when it is valid UTF-8 (a BOM is dropped), otherwise as
// Windows-1254 (Turkish; a "charset" warning says so). Options.Charset forces one: "windows-1254",
// "iso-8859-9" (the real Latin-5, not the WHATWG alias of 1254), "iso-8859-1", "windows-1252",
// "iso-8859-2", "cp852", any IANA name.
//
// Integrity: every statement gets Fingerprint and CheckBalances; a statement whose opening balance
// plus entries is not its closing balance keeps a "balance_mismatch" warning with the difference,
// or fails under Options.Strict (reconcile.ErrBalanceMismatch).
//
// Errors: every problem is a *reconcile.ParseError with the line and the field (":61:", ":60F:");
// they are collected, up to reconcile.MaxErrors, and nothing is returned from a file that has any.
// Input without a :20: field is one error wrapping reconcile.ErrNotStatement.
//
// Speed: the file is read into memory once and every string of the result shares it; large files
// are parsed in parallel at statement boundaries (the result is the same as one pass).
package mt940
