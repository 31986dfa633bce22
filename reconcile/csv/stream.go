package csv

import (
	"io"

	"github.com/orkesta/orkesta/reconcile"
)

// Stream reads a CSV bank export like Decode but hands over each entry as soon as its line is read,
// keeping none, so memory stays flat however large the file: fn(st, e) is called for every entry,
// with st the statement it belongs to (Format, Account, Currency, and From and To so far;
// st.Entries stays empty), then, once the whole file is read and found good, fn(st, nil) once for
// each statement, in Decode's order, with st what Decode would return without its entries: the
// opening and closing balances, every warning (balance_mismatch, rows_skipped). A file with several
// accounts or currencies has one statement for each, and their entries come interleaved, in file
// order.
//
// Entries from Stream have no Fingerprint: it numbers identical bookings across a whole statement,
// so compute it with Statement.Fingerprint over the entries you keep, or use Decode. st and e are
// reused: copy what you keep. The strings of an entry share memory with the 64 KiB block of the
// file they were read from, so keeping a few entries of a large file pins their blocks (clone the
// strings to avoid that). An error returned by fn stops decoding and is returned as is.
//
// Problems are reported as by Decode, with the same *reconcile.ParseError values, and with Strict
// a warning is the same error; no fn(st, nil) call is made then. But the entries read before the
// first problem was found have been handed over already (none after it): a caller that must not
// import half a file stages the entries (a transaction, a temporary table) and commits them only at
// the fn(st, nil) calls, which all come after the last entry and only when Stream will return nil
// (unless fn itself fails).
//
// Memory: the builder keeps a few numbers per statement, not the entries. Rows wait in memory only
// while a file's number format or date order is undecided ("1.500" reads two ways until a value
// such as "1.500,00" decides it), so only a file whose amounts and dates never decide grows it.
func Stream(r io.Reader, opts Options, fn func(st *reconcile.Statement, e *reconcile.Entry) error) error {
	b, records, lineOffset, err := open(r, opts, fn)
	if err != nil {
		return err
	}
	if err := readRows(b, records, lineOffset); err != nil {
		return err
	}
	_, err = b.Finish()
	return err
}
