package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/orkesta/orkesta/reconcile/internal/xmlscan"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Excel's grid: 1,048,576 rows of 16,384 columns (A to XFD).
const (
	maxRows    = 1 << 20
	maxColumns = 1 << 14
)

// maxRowBytes caps the text of one row, as the CSV decoder caps a line: a shared string is stored
// once but may fill every cell of a row, so a workbook of a few KB could otherwise make one row of
// gigabytes. A cell holds at most 32,767 characters in Excel; a bank export's row, a few hundred.
const maxRowBytes = 4 << 20

// cellError is a problem at a cell (col > 0) or a row (col 0) of the sheet being read.
type cellError struct {
	row, col int
	err      error
}

func (e *cellError) Error() string { return e.err.Error() }

// sheetReader streams the rows of one worksheet straight from its zip entry. It returns the
// cells as excelize's Rows did with raw values: the text of string cells, the stored value of
// number, date, boolean and error cells (numbers made exact by excelNumber), and "" for the
// blanks between cells; trailing blanks are not returned. It keeps one row at a time.
type sheetReader struct {
	sc   *xmlscan.Scanner
	rc   io.Closer
	sst  *sharedStrings
	size int64 // the part's unzipped size

	// shared is how many bytes the cells read so far took from the shared strings; maxShared caps
	// it (Options.MaxUnzipSize): a few KB of cells that refer to one long string again and again
	// would otherwise expand to more text than any limit on the unzipped parts allows.
	shared, maxShared int64

	dimension []byte // the declared range, "A1:G100001", if the sheet has one
	data      bool   // inside <sheetData>
	last      int    // the number of the last row returned

	buf     []byte   // the row's cell texts, one after another
	spans   [][2]int // cell i is buf[spans[i][0]:spans[i][1]]
	numbers []bool   // cell i is a number cell (its text is the stored number, not text the sheet shows)
	cells   []string
	val     []byte // the current cell's <v>
	inl     []byte // the current cell's inline string
}

func newSheetReader(rc io.ReadCloser, size int64, sst *sharedStrings) (*sheetReader, error) {
	r := &sheetReader{sc: xmlscan.New(rc), rc: rc, sst: sst, size: size}
	// Read up to <sheetData>, noting the declared dimension on the way.
	for {
		_, t, err := r.sc.Next()
		if err != nil {
			return r, err
		}
		switch {
		case t.Kind == xmlscan.EOF:
			return r, nil // no sheetData: no rows (a chart sheet, say)
		case t.Is("dimension"):
			if ref, ok := t.Attr("ref"); ok {
				r.dimension = bytes.Clone(ref)
			}
		case t.Is("sheetData"):
			r.data = !t.Empty
			return r, nil
		}
	}
}

func (r *sheetReader) close() error { return r.rc.Close() }

// declaredRows is the last row of the declared dimension, or 0.
func (r *sheetReader) declaredRows() int {
	_, last, ok := bytes.Cut(r.dimension, []byte(":"))
	if !ok {
		return 0
	}
	_, row, err := cellRef(last)
	if err != nil {
		return 0
	}
	return row
}

// sampledRow is a row read ahead by sample.
type sampledRow struct {
	n       int
	cells   []string
	numbers []bool
}

// sample reads up to k rows ahead and estimates how many rows the sheet has from the bytes the
// later half of them took (the first rows of a bank export are a title and a header, shorter than
// its bookings) and the part's size. The estimate sizes the statement's entries up front: a good
// one saves a copy of all of them (see tabular.Options.RowsHint). An error is returned with the
// rows read before it.
func (r *sheetReader) sample(k int) (rows []sampledRow, estimate int, err error) {
	var mid int64
	for len(rows) < k {
		n, cells, err := r.next()
		if err != nil || n == 0 {
			return rows, len(rows), err
		}
		rows = append(rows, sampledRow{n: n, cells: slices.Clone(cells), numbers: slices.Clone(r.numbers)})
		if len(rows) == k/2 {
			mid = r.sc.Offset()
		}
	}
	per := (r.sc.Offset() - mid) / int64(k-k/2)
	return rows, k + int((r.size-r.sc.Offset())/max(per, 1)), nil
}

// next returns the next row and its number; n is 0 after the last row. The cells are valid until
// the next call, their strings for good (they share one allocation per row); r.numbers says which
// of them are number cells, until the next call.
func (r *sheetReader) next() (n int, cells []string, err error) {
	for r.data {
		_, t, err := r.sc.Next()
		if err != nil {
			return 0, nil, &cellError{row: r.last + 1, err: err}
		}
		switch {
		case t.Kind == xmlscan.EOF:
			return 0, nil, &cellError{row: r.last + 1, err: io.ErrUnexpectedEOF}
		case t.Kind == xmlscan.End && string(t.Name) == "sheetData":
			r.data = false
		case t.Is("row"):
			n = r.last + 1
			if v, ok := t.Attr("r"); ok {
				if n, err = strconv.Atoi(string(v)); err != nil || n < 1 || n > maxRows {
					return 0, nil, &cellError{row: r.last + 1, err: fmt.Errorf("invalid row number %.20q", v)}
				}
				if n <= r.last {
					return 0, nil, &cellError{row: n, err: fmt.Errorf("row %d comes after row %d", n, r.last)}
				}
			}
			if n > maxRows { // rows without r="…" count on past what a sheet can hold
				return 0, nil, &cellError{row: n, err: fmt.Errorf("more than %d rows, the most a sheet holds", maxRows)}
			}
			r.last = n
			if t.Empty {
				r.numbers = r.numbers[:0]
				return n, nil, nil
			}
			cells, err := r.row(n)
			return n, cells, err
		case t.Kind == xmlscan.Start && !t.Empty && len(t.Name) > 0:
			if err := r.sc.Skip(); err != nil {
				return 0, nil, &cellError{row: r.last + 1, err: err}
			}
		}
	}
	return 0, nil, nil
}

// row reads the cells of row n up to </row>.
func (r *sheetReader) row(n int) ([]string, error) {
	r.buf, r.spans, r.numbers = r.buf[:0], r.spans[:0], r.numbers[:0]
	col := 0
	for {
		_, t, err := r.sc.Next()
		if err != nil {
			return nil, &cellError{row: n, col: col + 1, err: err}
		}
		switch {
		case t.Kind == xmlscan.EOF:
			return nil, &cellError{row: n, col: col + 1, err: io.ErrUnexpectedEOF}
		case t.Kind == xmlscan.End && string(t.Name) == "row":
			if !utf8.Valid(r.buf) {
				return nil, &cellError{row: n, err: errors.New("the row's text is not valid UTF-8")}
			}
			return r.strings(), nil
		case t.Is("c"):
			col++
			if ref, ok := t.Attr("r"); ok {
				if col, _, err = cellRef(ref); err != nil {
					return nil, &cellError{row: n, err: err}
				}
			} else if col > maxColumns { // cells without r="…" count on past what a row can hold
				return nil, &cellError{row: n, err: fmt.Errorf("more than %d columns, the most a row holds", maxColumns)}
			}
			typ, _ := t.Attr("t")
			if err := r.cell(col, typ, t.Empty); err != nil {
				return nil, &cellError{row: n, col: col, err: err}
			}
		case t.Kind == xmlscan.Start && !t.Empty && len(t.Name) > 0:
			if err := r.sc.Skip(); err != nil {
				return nil, &cellError{row: n, col: col + 1, err: err}
			}
		}
	}
}

// cell reads one cell whose start tag was just read, and sets column col to its value if it has
// one (a formula cell always has one, maybe "").
func (r *sheetReader) cell(col int, typ []byte, empty bool) error {
	r.val, r.inl = r.val[:0], r.inl[:0]
	formula, inline := false, false
	kind := byte('o')    // other: the stored value as it is
	switch string(typ) { // typ points into the scanner's buffer: decide before reading on
	case "", "n":
		kind = 'n'
	case "s":
		kind = 's'
	case "inlineStr":
		kind = 'i'
	}
	for !empty {
		_, t, err := r.sc.Next()
		if err != nil {
			return err
		}
		switch {
		case t.Kind == xmlscan.EOF:
			return io.ErrUnexpectedEOF
		case t.Kind == xmlscan.End:
			empty = true // </c>: children are read or skipped whole below
		case t.Kind != xmlscan.Start || len(t.Name) == 0:
		case string(t.Name) == "v":
			if !t.Empty {
				if r.val, err = r.sc.AppendContent(r.val[:0]); err != nil {
					return err
				}
			}
		case string(t.Name) == "f":
			formula = true
			if !t.Empty {
				if err := r.sc.Skip(); err != nil {
					return err
				}
			}
		case string(t.Name) == "is":
			inline = true
			if !t.Empty {
				if r.inl, err = appendRich(r.sc, r.inl[:0]); err != nil {
					return err
				}
			}
		case !t.Empty:
			if err := r.sc.Skip(); err != nil {
				return err
			}
		}
	}
	start := len(r.buf)
	switch {
	case kind == 'n':
		r.buf = appendNumber(r.buf, r.val)
	case kind == 's' && len(r.val) > 0:
		i, err := strconv.Atoi(string(bytes.TrimSpace(r.val)))
		if err != nil {
			return fmt.Errorf("invalid shared string index %.20q", r.val)
		}
		if r.buf, err = r.sst.appendTo(r.buf, i); err != nil {
			return err
		}
		if r.shared += int64(len(r.buf) - start); r.maxShared > 0 && r.shared > r.maxShared {
			return fmt.Errorf("%w: the cells take more than %d bytes of text from the shared strings "+
				"(Options.MaxUnzipSize)", ErrTooLarge, r.maxShared)
		}
	case kind == 'i' && inline:
		r.buf = appendBstr(r.buf, r.inl)
	default:
		r.buf = append(r.buf, r.val...)
	}
	if len(r.buf) > maxRowBytes {
		return fmt.Errorf("%w: the row's text is longer than %d bytes", ErrTooLarge, maxRowBytes)
	}
	if len(r.buf) == start && !formula {
		return nil
	}
	for len(r.spans) < col {
		r.spans = append(r.spans, [2]int{start, start})
		r.numbers = append(r.numbers, false)
	}
	r.spans[col-1] = [2]int{start, len(r.buf)}
	r.numbers[col-1] = kind == 'n'
	return nil
}

// strings turns the row into strings: one allocation for the row, the cells slices of it.
func (r *sheetReader) strings() []string {
	s := string(r.buf)
	r.cells = r.cells[:0]
	for _, sp := range r.spans {
		r.cells = append(r.cells, s[sp[0]:sp[1]])
	}
	return r.cells
}

// cellRef reads a cell reference such as "C7" (column letters in either case, then the row).
func cellRef(ref []byte) (col, row int, err error) {
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	j := i
	for ; j < len(ref) && j-i < 8 && ref[j] >= '0' && ref[j] <= '9'; j++ {
		row = row*10 + int(ref[j]-'0')
	}
	if i == 0 || j == i || j != len(ref) || col > maxColumns || row < 1 || row > maxRows {
		return 0, 0, fmt.Errorf("invalid cell reference %.20q", ref)
	}
	return col, row, nil
}
