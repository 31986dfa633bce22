// Package tabular is the column-mapping model shared by the CSV and XLSX statement decoders
// (reconcile/csv, reconcile/xlsx): it turns rows of cell texts into reconcile.Statements.
//
// A Mapping says where each Field is (by header name or by 1-based index), how amounts and dates
// are written, and for CSV the separator and character set. Built-in presets cover Turkish bank
// exports ("tr": Tarih, Valör, Açıklama, Tutar, Borç, Alacak, B/A, Bakiye, Dekont No, Referans …),
// generic English ones ("en"), German-language ones ("de": Buchungstag, Wertstellung,
// Verwendungszweck, Betrag, Soll/Haben …) and French-language ones ("fr": Date de valeur, Libellé,
// Montant, Débit, Crédit, Solde …); ParseMapping reads a user's own from JSON or YAML.
//
// What the Builder does with the rows:
//
//   - Header: the first row (of the first 40) that names a date column and the amount columns is the
//     header; summary rows above it (account holder, IBAN, currency, available balance) are read for
//     the account and currency. Names are compared after Fold, which applies Turkish case rules
//     (AÇIKLAMA = açıklama, I/ı/İ/i) and drops diacritics, punctuation and "(TL)"-style suffixes.
//     A column the caller's own mapping names that the header lacks (a misspelt name) is left empty
//     with a columns_not_found warning; a built-in preset's names are many banks', so not there.
//   - Direction: one signed amount column (negative = debit, or inverted for card exports), separate
//     debit and credit columns, or an unsigned amount with a B/A, D/C, Borç/Alacak or -/+ flag.
//   - Amounts are exact (reconcile.ParseMinor, no floats). A number format the mapping does not give
//     is decided by all amount columns together: a value such as "1.234,56" or "12.50" proves it;
//     rows that read two ways ("1.500") wait until it is proven, and if it never is, each such cell
//     is an error. Dates work the same way for day-first against month-first; year-first dates,
//     month names and spreadsheet serial numbers say their own order.
//   - Rows that are not bookings are skipped: blank rows, section titles and footers (no date, no
//     amount), totals and carry-overs (Toplam, Devreden Bakiye, …) and repeated header rows. Rows
//     with a date but no amount are skipped with a rows_skipped warning.
//   - Balance: a running balance column gives the opening (first balance minus first entry) and
//     closing balance, for files listed oldest or newest first, so Statement.CheckBalances works.
//   - Streaming (Options.Stream): each entry is handed over as soon as its row is read and only a
//     tally is kept per statement (period, balances, running total), so memory stays flat in the
//     number of rows; the statements' headers, balances and warnings come at Finish, the same as
//     without streaming.
//   - Errors: every bad cell is a *reconcile.ParseError with its line ("line 7", column) or cell
//     ("Sheet1!C7") and the reason, collected up to reconcile.MaxErrors; nothing is returned when
//     any was found. A file with no header is one error matching reconcile.ErrNotStatement.
//
// Spreadsheet cells come from excelize's streaming reader without their type, so a numeric cell is
// known by its stored form (digits, ".", no grouping, no trailing zeros). A value that fits both a
// stored number and Turkish text ("1.234": a number with too many decimals, or 1234,00) waits for
// the rest of the column like any other ambiguous amount.
package tabular
