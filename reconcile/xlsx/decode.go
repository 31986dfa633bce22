package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// Format is the value of Statement.Format and ParseError.Format for this decoder.
const Format = "xlsx"

// Default limits; see Options.
const (
	DefaultMaxFileSize    = 64 << 20  // the zipped workbook, which is held in memory
	DefaultMaxUnzipSize   = 256 << 20 // everything inside it, unzipped: the zip-bomb guard
	DefaultMaxXMLInMemory = 4 << 20   // a sheet or string table above this is read from a temp file
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
	// Sheet is the worksheet to read; empty means the first sheet in which a header row is found.
	Sheet string
	// Account and Currency override what the file says.
	Account  string
	Currency payment.Currency
	// Strict makes statement warnings (a balance that does not add up, skipped rows) errors.
	Strict bool
	// MaxFileSize caps the zipped file (0: DefaultMaxFileSize). excelize reads it into memory.
	MaxFileSize int64
	// MaxUnzipSize caps the total unzipped size of the workbook's parts (0: DefaultMaxUnzipSize),
	// checked before anything is inflated, so a zip bomb or a 1 GB sheet is refused at once.
	MaxUnzipSize int64
	// MaxXMLInMemory is the size above which a worksheet or the shared-string table is unzipped to a
	// temporary file and streamed from there (0: DefaultMaxXMLInMemory); it bounds memory whatever the
	// row count.
	MaxXMLInMemory int64
	// TmpDir is where those temporary files go (empty: the system's); they are removed before Decode
	// returns.
	TmpDir string
}

// Decode reads an XLSX bank export into statements. It streams the sheet row by row (excelize's
// Rows with raw cell values: dates stay serial numbers and are converted here, amounts are read
// exactly from numeric or text cells). Every problem is a *reconcile.ParseError with its cell
// ("Sheet1!C7"); they are collected (up to reconcile.MaxErrors) and returned joined, with no
// statements. A workbook with no header row in any sheet fails with one error matching
// reconcile.ErrNotStatement; one over the size limits with one matching ErrTooLarge.
func Decode(r io.ReaderAt, size int64, opts Options) (sts []reconcile.Statement, err error) {
	defer func() {
		if p := recover(); p != nil { // excelize on hostile input: report, never crash the caller
			sts, err = nil, &reconcile.ParseError{Format: Format, Err: fmt.Errorf("unreadable workbook: %v", p)}
		}
	}()
	maps, err := tabular.Choose(opts.Mapping, opts.Preset)
	if err != nil {
		return nil, err
	}
	f, err := open(r, size, opts)
	if err != nil {
		return nil, err
	}
	defer f.Close()

	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	if opts.Sheet != "" {
		if !contains(sheets, opts.Sheet) {
			return nil, &reconcile.ParseError{Format: Format, Field: "Options.Sheet",
				Err: fmt.Errorf("%w: no sheet %q (sheets: %s)", reconcile.ErrNotStatement, opts.Sheet, strings.Join(sheets, ", "))}
		}
		sheets = []string{opts.Sheet}
	}
	var first error
	for _, sheet := range sheets {
		b, err := tabular.NewBuilder(tabular.Options{
			Format: Format, Sheet: sheet, Mappings: maps, Account: opts.Account, Currency: opts.Currency,
			Strict: opts.Strict, NumericCells: true, Date1904: date1904, RowsHint: rowsHint(f, sheet, size),
		})
		if err != nil {
			return nil, err
		}
		if err := readSheet(f, sheet, b); err != nil {
			return nil, err
		}
		sts, err := b.Finish()
		if err == nil || b.HeaderFound() {
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

// readSheet streams one sheet's rows into b.
func readSheet(f *excelize.File, sheet string, b *tabular.Builder) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return &reconcile.ParseError{Format: Format, Cell: sheet + "!A1", Err: fmt.Errorf("reading sheet: %w", err)}
	}
	defer rows.Close()
	raw := excelize.Options{RawCellValue: true}
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(raw)
		if err != nil {
			return &reconcile.ParseError{Format: Format, Cell: fmt.Sprintf("%s!A%d", sheet, n), Err: fmt.Errorf("reading row: %w", err)}
		}
		if !b.Row(n, cells) {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return &reconcile.ParseError{Format: Format, Cell: sheet + "!A1", Err: fmt.Errorf("reading sheet: %w", err)}
	}
	return nil
}

// rowsHint reads the row count the sheet declares (<dimension ref="A1:G100001">), so the entries are
// allocated once. The declaration may be wrong (too small in some Akbank exports, or hostile), so it
// is only a hint, and capped at one row per 10 zipped bytes.
func rowsHint(f *excelize.File, sheet string, size int64) int {
	ref, err := f.GetSheetDimension(sheet)
	if err != nil {
		return 0
	}
	_, last, ok := strings.Cut(ref, ":")
	if !ok {
		return 0
	}
	_, rows, err := excelize.CellNameToCoordinates(last)
	if err != nil {
		return 0
	}
	return int(min(int64(rows), size/10))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// open checks the first bytes and the size, then opens the workbook with the limits set.
func open(r io.ReaderAt, size int64, opts Options) (*excelize.File, error) {
	maxFile := orDefault(opts.MaxFileSize, DefaultMaxFileSize)
	maxUnzip := orDefault(opts.MaxUnzipSize, DefaultMaxUnzipSize)
	maxXML := min(orDefault(opts.MaxXMLInMemory, DefaultMaxXMLInMemory), maxUnzip)
	fail := func(err error) (*excelize.File, error) { return nil, &reconcile.ParseError{Format: Format, Err: err} }
	if size > maxFile {
		return fail(fmt.Errorf("%w: the file is %d bytes, more than the %d allowed (Options.MaxFileSize)", ErrTooLarge, size, maxFile))
	}
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return fail(fmt.Errorf("reading: %w", err))
	}
	if err := notXLSX(head); err != nil {
		return fail(err)
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue: true, UnzipSizeLimit: maxUnzip, UnzipXMLSizeLimit: maxXML, TmpDir: opts.TmpDir,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		switch {
		case strings.Contains(err.Error(), "unzip size exceeds"):
			return fail(fmt.Errorf("%w: its parts unzip to more than %d bytes (Options.MaxUnzipSize): a zip bomb "+
				"or a sheet too large to read", ErrTooLarge, maxUnzip))
		case strings.Contains(err.Error(), "zip: "):
			return fail(fmt.Errorf("%w: not a readable XLSX workbook (%v)", reconcile.ErrNotStatement, err))
		}
		return fail(fmt.Errorf("opening workbook: %w", err))
	}
	return f, nil
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
