package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// Format is the value of Statement.Format and ParseError.Format for this decoder.
const Format = "xlsx"

// Default limits; see Options.
const (
	DefaultMaxFileSize    = 64 << 20  // the zipped workbook
	DefaultMaxUnzipSize   = 256 << 20 // everything inside it, unzipped: the zip-bomb guard
	DefaultMaxXMLInMemory = 4 << 20   // a shared-string table above this is kept in a temp file
)

// ErrTooLarge: the workbook is larger than the limits in Options allow.
var ErrTooLarge = errors.New("xlsx: workbook too large")

// Options configure Decode. The zero value reads any workbook one of the built-in presets recognises,
// within the default limits.
type Options struct {
	// Mapping says where the columns are; nil means Preset, or when that is empty every built-in
	// preset, the one whose header is found first winning.
	Mapping *tabular.Mapping
	Preset  string
	// Mappings, when neither Mapping nor Preset is set, are tried before the presets: the exports
	// of a user's banks, each in its own mapping.
	Mappings []*tabular.Mapping
	// Sheet is the worksheet to read; empty means the first sheet in which a header row is found,
	// visible sheets before hidden ones.
	Sheet string
	// Account and Currency override what the file says.
	Account  string
	Currency payment.Currency
	// AccountCurrency, when set, gives the currency of a statement whose file says none, from its
	// account ("" when the file names none either); it must be safe for concurrent use. See
	// tabular.Options.
	AccountCurrency func(account string) payment.Currency
	// Strict makes statement warnings (a balance that does not add up, skipped rows) errors.
	Strict bool
	// MaxFileSize caps the zipped file (0: DefaultMaxFileSize).
	MaxFileSize int64
	// MaxUnzipSize caps the total unzipped size of the workbook's parts (0: DefaultMaxUnzipSize),
	// checked before anything is inflated, so a zip bomb or a 1 GB sheet is refused at once. It
	// caps as well the text a sheet's cells take from the shared strings, which repeat a string
	// stored once; and a row's text is capped at 4 MiB.
	MaxUnzipSize int64
	// MaxXMLInMemory is the size of shared-string table (xl/sharedStrings.xml, unzipped) above which
	// its text is kept in a temporary file rather than in memory (0: DefaultMaxXMLInMemory).
	// Worksheets are always streamed, whatever their size.
	MaxXMLInMemory int64
	// TmpDir is where that temporary file goes (empty: the system's); it is removed before Decode
	// returns.
	TmpDir string
}

// Decode reads an XLSX bank export into statements. It streams the sheet row by row from the zip
// entry, reading r in place (the file is never copied): dates stay serial numbers and are
// converted exactly, amounts are read exactly from number cells (see appendNumber) or text cells.
// Memory beyond the entries it returns stays flat; for a workbook too large to hold its entries,
// use Stream. Every problem is a *reconcile.ParseError with its cell ("Sheet1!C7"); they are
// collected (up to reconcile.MaxErrors) and returned joined, with no statements. A workbook with
// no header row in any sheet fails with one error matching reconcile.ErrNotStatement; one over the
// size limits with one matching ErrTooLarge.
func Decode(r io.ReaderAt, size int64, opts Options) ([]reconcile.Statement, error) {
	return decode(r, size, opts, nil)
}

// decode is Decode, or with stream set Stream.
func decode(r io.ReaderAt, size int64, opts Options, stream func(*reconcile.Statement, *reconcile.Entry) error) (
	sts []reconcile.Statement, err error) {
	inStream := false // a panic there is the caller's, not to be hidden
	if stream != nil {
		fn := stream
		stream = func(st *reconcile.Statement, e *reconcile.Entry) error {
			inStream = true
			err := fn(st, e)
			inStream = false
			return err
		}
	}
	defer func() {
		if p := recover(); p != nil { // a bug on hostile input: report, never crash the caller
			if inStream {
				panic(p)
			}
			sts, err = nil, &reconcile.ParseError{Format: Format, Err: fmt.Errorf("unreadable workbook: %v", p)}
		}
	}()
	maps, err := tabular.ChooseFrom(opts.Mapping, opts.Preset, opts.Mappings)
	if err != nil {
		return nil, err
	}
	wb, err := open(r, size, opts)
	if err != nil {
		return nil, err
	}
	defer wb.close()

	sheets := wb.sheets
	if opts.Sheet != "" {
		i := slices.IndexFunc(sheets, func(s sheetPart) bool { return s.name == opts.Sheet })
		if i < 0 {
			return nil, &reconcile.ParseError{Format: Format, Field: "Options.Sheet",
				Err: fmt.Errorf("%w: no sheet %q (sheets: %s)", reconcile.ErrNotStatement, opts.Sheet, strings.Join(wb.sheetNames(), ", "))}
		}
		sheets = sheets[i : i+1]
	} else {
		// The sheets the user sees first: a hidden one (an earlier copy, a template, lookup data)
		// is read only when no visible sheet has a header.
		sheets = slices.Clone(sheets)
		slices.SortStableFunc(sheets, func(a, b sheetPart) int {
			switch {
			case a.hidden == b.hidden:
				return 0
			case a.hidden:
				return 1
			}
			return -1
		})
	}
	// Only one sheet is read: the others that have a header row are named in a warning, so that a
	// workbook of one sheet a month does not lose all but the first without a word.
	var withHeader []string
	if opts.Sheet == "" && len(sheets) > 1 {
		withHeader = sheetsWithHeader(wb, sheets, maps)
	}
	var first error
	for _, sheet := range sheets {
		var warnings []reconcile.Warning
		if others := slices.DeleteFunc(slices.Clone(withHeader), func(n string) bool { return n == sheet.name }); len(others) > 0 {
			warnings = []reconcile.Warning{{Code: WarningSheetsNotRead, Message: fmt.Sprintf("only sheet %q was read; "+
				"the workbook's sheets %s have a header row too (name one in Options.Sheet to read it)",
				sheet.name, quoteAll(others))}}
		}
		sts, found, err := readSheet(wb, sheet, size, tabular.Options{
			Format: Format, Sheet: sheet.name, Mappings: maps, Account: opts.Account, Currency: opts.Currency,
			AccountCurrency: opts.AccountCurrency, Strict: opts.Strict, NumericCells: true, Date1904: wb.date1904,
			Stream: stream, FileWarnings: warnings,
		})
		if err == nil || found {
			return sts, err
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = &reconcile.ParseError{Format: Format, Err: fmt.Errorf("%w: the workbook has no sheets", reconcile.ErrNotStatement)}
	}
	return nil, first
}

// WarningSheetsNotRead is the code of the warning that other sheets of the workbook than the one
// read have a header row.
const WarningSheetsNotRead = "sheets_not_read"

// sheetsWithHeader names the sheets in which a header row is found among the first rows, as a
// Builder with maps would find it; a sheet that cannot be read is left out.
func sheetsWithHeader(wb *workbook, sheets []sheetPart, maps []*tabular.Mapping) []string {
	scorer := tabular.NewHeaderScorer(maps)
	var names []string
	for _, sheet := range sheets {
		rows, err := wb.openSheet(sheet)
		if err != nil {
			continue
		}
		var head [][]string
		for len(head) < tabular.DefaultHeaderScan {
			n, cells, err := rows.next()
			if err != nil || n == 0 {
				break
			}
			for len(head) < min(n-1, tabular.DefaultHeaderScan) { // the blank rows the sheet leaves out
				head = append(head, nil)
			}
			if len(head) < tabular.DefaultHeaderScan {
				head = append(head, slices.Clone(cells))
			}
		}
		_ = rows.close()
		if scorer.Header(head).Row >= 0 {
			names = append(names, sheet.name)
		}
	}
	return names
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// readSheet streams one sheet's rows into a tabular.Builder and returns its statements (none when
// topts.Stream is set); found says whether a header row was found.
func readSheet(wb *workbook, sheet sheetPart, size int64, topts tabular.Options) (sts []reconcile.Statement, found bool, err error) {
	fail := func(row, col int, err error) ([]reconcile.Statement, bool, error) {
		cell := sheet.name + "!" + cellName(max(col, 1), max(row, 1))
		if damagedZip(err) { // an entry inflating past its declared size, a bad checksum, bad deflate data
			err = fmt.Errorf("%w: not a readable XLSX workbook (%v)", reconcile.ErrNotStatement, err)
		}
		return nil, true, &reconcile.ParseError{Format: Format, Cell: cell, Err: fmt.Errorf("reading sheet: %w", err)}
	}
	rows, err := wb.openSheet(sheet)
	if err != nil {
		return fail(1, 1, err)
	}
	defer rows.close()
	var sample []sampledRow
	if topts.Stream == nil { // streaming keeps no entries to presize
		hint := rows.declaredRows()
		if hint == 0 { // the declared range is missing or just "A1", as excelize's StreamWriter writes it
			sample, hint, err = rows.sample(64)
		}
		topts.RowsHint = rowsHint(hint, size)
	}
	b, berr := tabular.NewBuilder(topts)
	if berr != nil {
		return nil, true, berr
	}
	last := 0
	// feed gives row n to the builder, after the rows the sheet leaves out as blank rows, as
	// excelize's Rows gave them; it reports false once the builder needs no more. numbers says
	// which cells are number cells: their text is a stored number, read as one.
	feed := func(n int, cells []string, numbers []bool) bool {
		for last++; last < n; last++ {
			if !b.Row(last, nil) {
				return false
			}
		}
		return b.RowNumbers(n, cells, numbers)
	}
	more := true
	for _, s := range sample {
		if more = feed(s.n, s.cells, s.numbers); !more {
			break
		}
	}
	for more && err == nil {
		var n int
		var cells []string
		if n, cells, err = rows.next(); err == nil && n > 0 {
			more = feed(n, cells, rows.numbers)
		} else if n == 0 {
			more = false
		}
	}
	if err != nil {
		var ce *cellError
		if errors.As(err, &ce) {
			return fail(ce.row, ce.col, ce.err)
		}
		return fail(last+1, 1, err)
	}
	sts, err = b.Finish()
	return sts, b.HeaderFound(), err
}

func damagedZip(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.As(err, &corrupt)
}

// cellName is "C7" for column 3, row 7.
func cellName(col, row int) string {
	var letters [3]byte
	i := len(letters)
	for ; col > 0 && i > 0; col = (col - 1) / 26 {
		i--
		letters[i] = byte('A' + (col-1)%26)
	}
	return string(letters[i:]) + strconv.Itoa(row)
}

// rowsHint turns the row count the sheet declares (<dimension ref="A1:G100001">) or the one
// sheetReader.sample estimates into a hint, so the entries are allocated once. The count may be wrong (the
// declaration is too small in some Akbank exports, or hostile), so it is only a hint, capped at
// Excel's row limit and at one row per 10 zipped bytes.
func rowsHint(rows int, size int64) int {
	return int(min(int64(rows), size/10, maxRows))
}

// open checks the first bytes and the size, then opens the workbook with the limits set.
func open(r io.ReaderAt, size int64, opts Options) (*workbook, error) {
	maxFile := orDefault(opts.MaxFileSize, DefaultMaxFileSize)
	maxUnzip := orDefault(opts.MaxUnzipSize, DefaultMaxUnzipSize)
	maxXML := min(orDefault(opts.MaxXMLInMemory, DefaultMaxXMLInMemory), maxUnzip)
	fail := func(err error) (*workbook, error) { return nil, &reconcile.ParseError{Format: Format, Err: err} }
	if size > maxFile {
		return fail(fmt.Errorf("%w: the file is %d bytes, more than the %d allowed (Options.MaxFileSize)", ErrTooLarge, size, maxFile))
	}
	head := make([]byte, min(max(size, 0), 512))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return fail(fmt.Errorf("reading: %w", err))
	}
	if err := notXLSX(head); err != nil {
		return fail(err)
	}
	wb, err := openWorkbook(r, size, maxUnzip, maxXML, opts.TmpDir)
	if err != nil {
		switch {
		case errors.As(err, new(errNoWorkbook)):
			return fail(fmt.Errorf("%w: %w", reconcile.ErrNotStatement, err))
		case errors.As(err, new(errUnzipLimit)):
			return fail(fmt.Errorf("%w: its parts unzip to more than %d bytes (Options.MaxUnzipSize): a zip bomb "+
				"or a sheet too large to read", ErrTooLarge, maxUnzip))
		case strings.Contains(err.Error(), "zip: "):
			return fail(fmt.Errorf("%w: not a readable XLSX workbook (%v)", reconcile.ErrNotStatement, err))
		}
		return fail(fmt.Errorf("opening workbook: %w", err))
	}
	return wb, nil
}

func orDefault(v, d int64) int64 {
	if v <= 0 {
		return d
	}
	return v
}

// notXLSX explains files that are not XLSX workbooks at all: old binary .xls, HTML tables saved with
// an .xls name, text.
func notXLSX(head []byte) error {
	t := bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return fmt.Errorf("%w: a legacy binary .xls workbook or a password-protected one, which this decoder "+
			"does not read; save it as .xlsx", reconcile.ErrNotStatement)
	case len(t) > 0 && t[0] == '<' && bytes.Contains(bytes.ToLower(t), []byte("<html")) ||
		bytes.Contains(bytes.ToLower(t), []byte("<table")):
		return fmt.Errorf("%w: an HTML page saved with a spreadsheet name, not an XLSX workbook", reconcile.ErrNotStatement)
	case len(head) == 0:
		return fmt.Errorf("%w: the file is empty", reconcile.ErrNotStatement)
	}
	return fmt.Errorf("%w: not an XLSX workbook (no zip signature)", reconcile.ErrNotStatement)
}
