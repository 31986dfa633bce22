// Package bai2 decodes BAI2 files (the Bank Administration Institute's "Cash Management Balance
// Reporting Specifications, Version 2"), the balance and transaction report US and Canadian banks
// send, into reconcile.Statements: one statement per account of each group.
//
// A file is comma-separated records, each ending with "/" and on a line of its own (fixed-length
// records with no line breaks are refused, with an error that says so): 01 file header, 02 group
// header (the as-of date and the default currency), 03 account identifier with its summary and
// status items, 16 transaction details, 49 account trailer, 98 group trailer, 99 file trailer; an
// 88 record continues the record before it. What is read, and how:
//
//   - Amounts carry no decimal point: they are already in the currency's smallest unit
//     ("000000000208500" CAD is 2,085.00). The currency is the account's (03), else the group's (02),
//     else USD, as the specification says.
//   - Direction comes from the detail type code: 100–399 are credits, 400–699 debits. Codes 700–999
//     are the bank's own: Options.TypeCodes says which way each goes, and one it does not name is an
//     error, never a guess. 890 (non-monetary information) is not an entry, nor is a detail of no
//     amount (counted in a "zero_amount" warning).
//   - Dates: the group's as-of date is each entry's booking date; a value-dated funds type ("V")
//     gives the value date, otherwise it is the as-of date. Years 70–99 are 19xx, 00–69 20xx.
//   - Balances: status code 010 (opening ledger) and 015 (closing ledger) of the 03 record, signed,
//     become Opening and Closing; a statement with both is checked (balance_mismatch).
//   - References: the detail's bank reference becomes BankRef, its customer reference CustomerRef,
//     and its text (which may contain commas and continue in 88 records) Remittance; the type code
//     is BankTxCode. A detail may end with "/" before its text, or within the fields its funds
//     type brings: the 88 record after it then goes on with the fields, not with the text.
//   - Integrity: every trailer is checked against what it closes: the 49's control total (the sum of
//     the account's amounts) and record count, the 98's and 99's totals and counts of accounts,
//     groups and records, so that an account lost from the middle of a file is noticed
//     (control_total_mismatch, a warning on the statements concerned, an error under
//     Options.Strict); an account, group or file that is not closed by its trailer is an error: the
//     file was cut short. A group whose status is 2 (deletion) or 4 (test only) is refused.
//
// Every problem is a *reconcile.ParseError with the line and record field; on error no statement is
// returned.
package bai2
