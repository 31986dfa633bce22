package dashboard

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// MaxCSVRows caps the data rows of one payments CSV.
const MaxCSVRows = 10000

// ErrCSV is the class of file-level problems of a payments CSV (no header, a missing or unknown
// column, too many rows); errors.As with *CSVError gives the line.
var ErrCSV = errors.New("dashboard: bad payments CSV")

// CSVError is a problem with a payments CSV file as a whole, or with one cell.
type CSVError struct {
	Line   int    // 1-based line; 0 for the file as a whole
	Column string // the column, when the problem is one cell
	Reason string
}

func (e *CSVError) Error() string {
	var b strings.Builder
	b.WriteString("payments csv: ")
	if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Column != "" {
		b.WriteString(e.Column + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes a *CSVError match ErrCSV.
func (e *CSVError) Is(target error) bool { return target == ErrCSV }

// CSVRow is one data row of a payments CSV: where it is, its cells as written, and the request it asks
// for, or Err when a cell does not parse (the row is then not submitted).
type CSVRow struct {
	Line    int
	Record  []string
	Request payment.Request
	Err     error
}

// CSVFile is a parsed payments CSV.
type CSVFile struct {
	Header []string
	Comma  rune
	Rows   []CSVRow
	// keyPrefix is the prefix of the keys the last SubmitCSV of the file derived for its rows.
	keyPrefix string
	// errCol and keyCol are the header's (last) error and idempotency_key columns, -1 when it has
	// none. A file with an error column is a file of failed rows, whose cells WriteFailedCSV guarded
	// against spreadsheet formulas: one leading apostrophe of a cell is not part of its value.
	errCol, keyCol int
}

// guarded reports whether f is a file of failed rows (it has an error column).
func (f *CSVFile) guarded() bool { return f.errCol >= 0 }

// Fingerprint returns the SHA-256, in lower-case hex, of the file's header and rows as read: each
// cell as written, in order. A file saved again with other line endings, the other separator, a
// byte-order mark or blank lines added or removed has the same fingerprint; one that differs in
// any cell, or in the order of its rows, has another. SubmitCSV derives the rows' idempotency keys
// from it, so that the same file submitted twice creates its payments once.
func (f *CSVFile) Fingerprint() string {
	h := sha256.New()
	var buf []byte
	record := func(rec []string) {
		// Length-prefixed: no choice of cells can make two different files write the same bytes.
		buf = binary.AppendUvarint(buf[:0], uint64(len(rec)))
		for _, c := range rec {
			buf = binary.AppendUvarint(buf, uint64(len(c)))
			buf = append(buf, c...)
		}
		_, _ = h.Write(buf)
	}
	record(f.Header)
	for i := range f.Rows {
		record(f.Rows[i].Record)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// csvColumns are the columns a payments CSV may have, in any order. Exactly one of amount (major
// units, "1250.00") and amount_minor (integer minor units, 125000) is required, with currency,
// from_account and to_account. method defaults to bank_transfer. A column named "error" is ignored,
// and makes the file a file of failed rows, as WriteFailedCSV writes it: every cell of such a file
// that starts with an apostrophe (the guard against spreadsheet formulas) reads without that one
// apostrophe. In any other file an apostrophe is part of the cell, but a reference or idempotency_key
// that starts as a guarded cell (an apostrophe before = + - @ ' a tab or a carriage return) is
// refused: it is most likely a file of failed rows whose error column was deleted, and read as
// written it would create the payment under another key and send the bank the apostrophe. So is
// one that, in a file of failed rows, still starts so without the guard.
var csvColumns = []string{"amount", "amount_minor", "currency", "method", "from_account", "to_account", "reference",
	"description", "value_date", "idempotency_key"}

// ReadPaymentsCSV reads a payments CSV: a header row, then one payment per row. Comma or semicolon
// separated (found from the header), UTF-8 with or without a byte-order mark. Amounts are converted
// exactly; a cell that does not parse makes that row's Err, not the file's, and so does a cell past
// the header's last column.
func ReadPaymentsCSV(r io.Reader) (*CSVFile, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	first, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(first, []byte("\n"))
	comma := ','
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		comma = ';'
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &CSVError{Reason: "the file is empty; the first line must name the columns"}
	}
	if err != nil {
		return nil, csvReadError(err)
	}
	col := map[string]int{}
	errCol := -1
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "error":
			errCol = i
			continue
		case !contains(csvColumns, name):
			return nil, &CSVError{Line: 1, Reason: fmt.Sprintf("unknown column %q; the columns are %s", h,
				strings.Join(csvColumns, ", "))}
		}
		if _, dup := col[name]; dup {
			return nil, &CSVError{Line: 1, Reason: fmt.Sprintf("column %q appears twice", name)}
		}
		col[name] = i
	}
	_, hasMajor := col["amount"]
	_, hasMinor := col["amount_minor"]
	var missing []string
	if hasMajor == hasMinor {
		missing = append(missing, "exactly one of amount (major units) and amount_minor")
	}
	for _, c := range []string{"currency", "from_account", "to_account"} {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &CSVError{Line: 1, Reason: "the header needs " + strings.Join(missing, ", ")}
	}
	keyCol, ok := col["idempotency_key"]
	if !ok {
		keyCol = -1
	}
	f := &CSVFile{Header: header, Comma: comma, errCol: errCol, keyCol: keyCol}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvReadError(err)
		}
		lineNo, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(f.Rows) == MaxCSVRows {
			return nil, &CSVError{Line: lineNo, Reason: fmt.Sprintf("more than %d payments; split the file", MaxCSVRows)}
		}
		row := CSVRow{Line: lineNo, Record: rec}
		row.Request, row.Err = rowRequest(rec, col, lineNo, f.guarded())
		if err := pastHeader(rec, len(header), lineNo); err != nil {
			row.Err = errors.Join(append([]error{err}, unjoin(row.Err)...)...)
		}
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		return nil, &CSVError{Reason: "the file has a header but no payments"}
	}
	return f, nil
}

// pastHeader refuses a row with cells past the header's last column: most likely a separator in a
// cell that is not quoted (1,250.00 in a comma-separated file), which shifted the cells, so that the
// row reads as another payment (of 1.00) than the one written. Empty cells there are fine (a
// spreadsheet's trailing separators).
func pastHeader(rec []string, width, line int) error {
	var extra []string
	for _, c := range rec[min(width, len(rec)):] {
		if strings.TrimSpace(c) != "" {
			extra = append(extra, strconv.Quote(c))
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return &CSVError{Line: line, Reason: fmt.Sprintf("%s past the header's last column (%d columns): a separator inside a cell "+
		"that is not quoted? (write 1,250.00 as 1250.00, and quote a text that holds the separator)", strings.Join(extra, ", "), width)}
}

func csvReadError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &CSVError{Line: pe.Line, Reason: pe.Err.Error()}
	}
	return &CSVError{Reason: err.Error()}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowRequest reads the request of a row; guarded: the row is one of a file of failed rows. The
// request has the row's idempotency_key even when a cell does not parse.
func rowRequest(rec []string, col map[string]int, line int, guarded bool) (payment.Request, error) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			c := rec[i]
			if guarded {
				c = unguard(c) // before trimming: WriteFailedCSV guards the cell as it is
			}
			return strings.TrimSpace(c)
		}
		return ""
	}
	var errs []error
	// A key or reference with the guard's apostrophe would make another payment than the one the
	// row was written for (see csvColumns).
	for _, name := range []string{"reference", "idempotency_key"} {
		if v := get(name); looksGuarded(v) {
			why := "looks like a guarded cell of a failed-rows file (the apostrophe is not part of the value): " +
				"keep its error column, or remove the leading apostrophe"
			if guarded {
				// The value as read, its guard taken off, still starts as a guarded cell: a row whose cell
				// was refused, written to the failed rows with a guard more.
				why = "(without this failed-rows file's guard) still looks like a guarded cell: remove the leading apostrophe"
			}
			errs = append(errs, &CSVError{Line: line, Column: name, Reason: fmt.Sprintf("%q %s", v, why)})
		}
	}
	req := payment.Request{
		Currency:       payment.Currency(get("currency")),
		Method:         payment.Method(get("method")),
		FromAccount:    payment.AccountID(get("from_account")),
		ToAccount:      payment.AccountID(get("to_account")),
		Reference:      get("reference"),
		Description:    get("description"),
		IdempotencyKey: get("idempotency_key"),
	}
	if req.Method == "" {
		req.Method = payment.MethodBankTransfer
	}
	if _, ok := col["amount"]; ok {
		text := get("amount")
		switch {
		case text == "":
			errs = append(errs, &CSVError{Line: line, Column: "amount", Reason: "is empty"})
		case req.Currency == "":
			errs = append(errs, &CSVError{Line: line, Column: "currency", Reason: "is empty"})
		case !req.Currency.Valid():
			// The amount cannot be read without its currency: the row fails on the currency, not on an
			// amount of zero that validation would refuse too.
			_, err := payment.ParseCurrency(string(req.Currency))
			errs = append(errs, &CSVError{Line: line, Column: "currency", Reason: strings.TrimPrefix(err.Error(), "payment: currency: ")})
		default:
			m, err := payment.ParseMinor(text, req.Currency)
			if err != nil {
				errs = append(errs, &CSVError{Line: line, Column: "amount", Reason: strings.TrimPrefix(err.Error(), "payment: amount: ")})
			}
			req.Amount = m
		}
	} else {
		text := get("amount_minor")
		m, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			errs = append(errs, &CSVError{Line: line, Column: "amount_minor", Reason: fmt.Sprintf("%q is not a whole number of minor units", text)})
		}
		req.Amount = m
	}
	if v := get("value_date"); v != "" {
		d, err := payment.ParseDate(v)
		if errors.Is(err, payment.ErrDateOutOfRange) {
			errs = append(errs, &CSVError{Line: line, Column: "value_date", Reason: fmt.Sprintf("%q is outside 1970-01-01 to 9999-12-31", v)})
		} else if err != nil {
			errs = append(errs, &CSVError{Line: line, Column: "value_date", Reason: fmt.Sprintf("%q is not a date (YYYY-MM-DD)", v)})
		}
		req.ValueDate = d
	}
	return req, errors.Join(errs...)
}

// WriteFailedCSV writes the header and the given rows as they were uploaded, in the upload's
// separator, with an "error" column saying why each failed and an "idempotency_key" column holding the
// key each was submitted under: its own, or the one SubmitCSV derived for it, "<prefix>:<n>" with the
// prefix of the last SubmitCSV of f (CSVKeyPrefix(f) when f was not submitted). Fix the rows and
// submit that file: its rows keep the original rows' keys, so it and the original file, run in any
// order and again, create each payment once. A column the file already has (error, idempotency_key)
// is filled in, not added again; a row's own key is kept as written.
//
// A cell a spreadsheet would take for a formula (starting with = + - @, a tab or a carriage return,
// other than a negative number), and a cell starting with an apostrophe, is written with an
// apostrophe before it; ReadPaymentsCSV takes exactly that one off again, in a file with an error
// column, so that every cell of the failed rows reads as it did in f.
func WriteFailedCSV(w io.Writer, f *CSVFile, failed map[int]string) error {
	cw := csv.NewWriter(w)
	cw.Comma = f.Comma
	header := append([]string(nil), f.Header...)
	errCol, keyCol := f.errCol, f.keyCol
	if keyCol < 0 {
		keyCol, header = len(header), append(header, "idempotency_key")
	}
	if errCol < 0 {
		errCol, header = len(header), append(header, "error")
	}
	if err := cw.Write(neutralize(header)); err != nil {
		return err
	}
	prefix := f.keyPrefix
	if prefix == "" {
		prefix = CSVKeyPrefix(f)
	}
	for i, row := range f.Rows {
		msg, ok := failed[i]
		if !ok {
			continue
		}
		// Cells past the header's are read as nothing; they would land in the added columns.
		rec := make([]string, len(header))
		copy(rec, row.Record[:min(len(row.Record), len(f.Header))])
		if f.guarded() {
			// Guarded already, as read; neutralize guards them again.
			for j := range rec {
				rec[j] = unguard(rec[j])
			}
		}
		if strings.TrimSpace(rec[keyCol]) == "" {
			rec[keyCol] = rowKey(prefix, i)
		}
		rec[errCol] = msg
		if err := cw.Write(neutralize(rec)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// looksGuarded reports whether a cell, as read, starts as neutralize guards a cell: an apostrophe
// before = + - @ ', a tab or a carriage return.
func looksGuarded(c string) bool {
	return len(c) > 1 && c[0] == '\'' && strings.IndexByte("=+-@'\t\r", c[1]) >= 0
}

// unguard undoes neutralize for one cell of a file of failed rows: it takes off one leading
// apostrophe, which neutralize put there.
func unguard(c string) string { return strings.TrimPrefix(c, "'") }

// neutralize guards cells against spreadsheet formula injection: a cell starting with = + - @ (or a
// tab or carriage return) gets a leading apostrophe, except plain negative numbers. So does a cell
// starting with an apostrophe, so that unguard, taking one off every cell that has one, gives every
// cell back.
func neutralize(rec []string) []string {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = c
		if c == "" {
			continue
		}
		switch c[0] {
		case '=', '+', '@', '\t', '\r', '\'':
			out[i] = "'" + c
		case '-':
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				out[i] = "'" + c
			}
		}
	}
	return out
}
