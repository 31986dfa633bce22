package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// Report sheet names, in workbook order.
const (
	SheetSummary           = "Summary"
	SheetExact             = "Exact"
	SheetFuzzy             = "Fuzzy"
	SheetUnmatchedEntries  = "Unmatched entries"
	SheetUnmatchedPayments = "Unmatched payments"
	SheetAnomalies         = "Anomalies"
)

// ErrTooManyRows: a report section does not fit in one worksheet (1,048,576 rows); write CSV or JSON.
var ErrTooManyRows = errors.New("xlsx: too many rows for a worksheet")

// entryHeader are the columns that describe a statement entry on every sheet that lists entries.
var entryHeader = []string{"Value date", "Booking date", "Amount", "Currency", "Direction", "Reference",
	"Bank reference", "End-to-end ID", "Description", "Counterparty", "Counterparty IBAN", "Position", "Account",
	"Statement"}

// WriteReport writes src as a workbook with the sheets Summary, Exact, Fuzzy, Unmatched entries,
// Unmatched payments and Anomalies. Amounts are number cells in major units with the currency's
// decimals (text with the exact figure beyond the 15 digits a number cell keeps), dates are date
// cells, and every text from a statement or payment goes through reconcile.SafeCell, so nothing
// starting with = + - @ is ever taken for a formula. The same source gives the same bytes. Rows are
// streamed to the sheets, but excelize keeps the zipped workbook in memory until it is written to w.
func WriteReport(w io.Writer, src reconcile.ReportSource) error {
	f := excelize.NewFile()
	defer f.Close()
	rw, err := newReportWriter(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return err
	}
	for _, name := range []string{SheetExact, SheetFuzzy, SheetUnmatchedEntries, SheetUnmatchedPayments, SheetAnomalies} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	steps := []func(reconcile.ReportSource) error{rw.summary, rw.matches, rw.unmatchedEntries, rw.unmatchedPayments, rw.anomalies}
	for _, step := range steps {
		if err := step(src); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	book, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	return writeSorted(w, book.Bytes())
}

// writeSorted copies the zip archive book to w with its parts in one fixed order ([Content_Types].xml
// first, then by name), as they are, without compressing them again: excelize writes the parts of
// streamed sheets in map order, so the same report would otherwise give different bytes each time.
func writeSorted(w io.Writer, book []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		return err
	}
	parts := slices.Clone(zr.File)
	slices.SortFunc(parts, func(a, b *zip.File) int {
		const first = "[Content_Types].xml"
		switch {
		case a.Name == b.Name:
			return 0
		case a.Name == first:
			return -1
		case b.Name == first:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	zw := zip.NewWriter(w)
	for _, p := range parts {
		if err := zw.Copy(p); err != nil {
			return err
		}
	}
	return zw.Close()
}

// reportWriter holds the workbook and its styles.
type reportWriter struct {
	f                   *excelize.File
	bold, date, percent int
	money               map[int]int // decimals → style
}

func newReportWriter(f *excelize.File) (*reportWriter, error) {
	rw := &reportWriter{f: f, money: make(map[int]int)}
	var err error
	if rw.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	dateFmt := "yyyy-mm-dd"
	if rw.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, err
	}
	if rw.percent, err = f.NewStyle(&excelize.Style{NumFmt: 10}); err != nil { // 0.00%
		return nil, err
	}
	return rw, nil
}

// moneyStyle is the number format of a currency: #,##0.00 with its decimals.
func (rw *reportWriter) moneyStyle(c payment.Currency) (int, error) {
	d := max(c.MinorUnits(), 0)
	if s, ok := rw.money[d]; ok {
		return s, nil
	}
	format := "#,##0"
	if d > 0 {
		format += "." + strings.Repeat("0", d)
	}
	s, err := rw.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	rw.money[d] = s
	return s, err
}

// sheetWriter streams rows into one sheet.
type sheetWriter struct {
	sw  *excelize.StreamWriter
	row int
	buf []any
}

func (rw *reportWriter) sheet(name string, header []string, widths []float64) (*sheetWriter, error) {
	sw, err := rw.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, wd := range widths {
		if wd > 0 {
			if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
				return nil, err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	s := &sheetWriter{sw: sw}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: rw.bold, Value: h}
	}
	return s, s.add(cells)
}

func (s *sheetWriter) add(cells []any) error {
	if s.row >= excelize.TotalRows {
		return fmt.Errorf("%w (%d)", ErrTooManyRows, excelize.TotalRows)
	}
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, cells)
}

// safeText is a cell of text from a statement or payment, neutralized against formula injection.
func safeText(s string) any {
	if s == "" {
		return nil
	}
	return reconcile.SafeCell(s)
}

// maxNumberDigits is the most significant digits a number cell keeps: Excel holds 15, and a float64
// gives back every decimal of up to 15 digits exactly.
const maxNumberDigits = 15

// amount is a number cell in major units; an amount of more than 15 digits, which a number cell
// would round, is text with the exact figure.
func (rw *reportWriter) amount(minor int64, c payment.Currency) (any, error) {
	style, err := rw.moneyStyle(c)
	if err != nil {
		return nil, err
	}
	if limit := int64(math.Pow10(maxNumberDigits)); minor >= limit || minor <= -limit {
		return payment.FormatMinor(minor, c), nil
	}
	return excelize.Cell{StyleID: style, Value: float64(minor) / math.Pow10(max(c.MinorUnits(), 0))}, nil
}

func (rw *reportWriter) dateCell(d payment.Date) any {
	if d == 0 {
		return nil
	}
	return excelize.Cell{StyleID: rw.date, Value: d.Time()}
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// entryCells appends the entry columns.
func (rw *reportWriter) entryCells(cells []any, e *reconcile.Entry, account, statement string) ([]any, error) {
	amt, err := rw.amount(e.Amount, e.Currency)
	if err != nil {
		return nil, err
	}
	return append(cells, rw.dateCell(e.ValueDate), rw.dateCell(e.BookingDate), amt, string(e.Currency), string(e.Direction),
		safeText(e.CustomerRef), safeText(e.BankRef), safeText(e.EndToEnd), safeText(e.Remittance), safeText(e.CounterpartyName),
		safeText(e.CounterpartyIBAN), safeText(e.Position), safeText(account), safeText(statement)), nil
}

func reasonsText(rs []reconcile.Reason) string {
	parts := make([]string, len(rs))
	for i := range rs {
		parts[i] = rs[i].String()
	}
	return strings.Join(parts, "\n")
}

// notesText is the Notes cell of an entry's row: a reversal says so first, then the notes, one a line.
func notesText(e *reconcile.Entry, notes []string) string {
	if rev := reconcile.ReversalNote(e); rev != "" {
		notes = append([]string{rev}, notes...)
	}
	return strings.Join(notes, "\n")
}

func idList(list []payment.ID) string {
	s := make([]string, len(list))
	for i, id := range list {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
}

func (rw *reportWriter) summary(src reconcile.ReportSource) error {
	s := src.ReportSummary()
	sh, err := rw.sheet(SheetSummary, []string{"Figure", "Value"}, []float64{28, 18, 12, 20, 20})
	if err != nil {
		return err
	}
	rows := [][]any{
		{"Entries", s.Entries}, {"Payments", s.Payments}, {"Exact", s.Exact}, {"Fuzzy", s.Fuzzy},
		{"Unmatched entries", s.UnmatchedEntries}, {"Unmatched payments", s.UnmatchedPayments},
		{"Anomalies", s.Anomalies}, {"Matched payments", s.MatchedPayments}, {"Dismissed", s.Dismissed},
		{"Match rate", excelize.Cell{StyleID: rw.percent, Value: s.MatchRate}},
		{"Match rate by amount", excelize.Cell{StyleID: rw.percent, Value: s.MatchRateAmount}},
		{},
		{excelize.Cell{StyleID: rw.bold, Value: "Currency"}, excelize.Cell{StyleID: rw.bold, Value: "Entries"},
			excelize.Cell{StyleID: rw.bold, Value: "Matched"}, excelize.Cell{StyleID: rw.bold, Value: "Amount"},
			excelize.Cell{StyleID: rw.bold, Value: "Matched amount"}},
	}
	for _, c := range s.Currencies {
		a, err := rw.amount(c.Amount, c.Currency)
		if err != nil {
			return err
		}
		m, err := rw.amount(c.MatchedAmount, c.Currency)
		if err != nil {
			return err
		}
		rows = append(rows, []any{string(c.Currency), c.Entries, c.Matched, a, m})
	}
	for _, w := range s.Warnings {
		rows = append(rows, []any{"Warning", safeText(w)})
	}
	for _, r := range rows {
		if err := sh.add(r); err != nil {
			return err
		}
	}
	return sh.sw.Flush()
}

func (rw *reportWriter) matches(src reconcile.ReportSource) error {
	header := append([]string{"Payment ID"}, entryHeader...)
	header = append(header, "Amount match", "Date match", "Reference match", "Review", "Batch", "Payments",
		"Amount difference", "Alternatives", "Reasons", "Notes")
	widths := []float64{32, 12, 12, 14, 9, 9, 20, 18, 18, 40, 24, 28, 10, 28}
	var sheets [2]*sheetWriter
	for i, name := range []string{SheetExact, SheetFuzzy} {
		sh, err := rw.sheet(name, header, widths)
		if err != nil {
			return err
		}
		sheets[i] = sh
	}
	var err error
	for m := range src.MatchRows() {
		sh := sheets[1]
		if m.Score == reconcile.ScoreExact {
			sh = sheets[0]
		}
		cells := append(sh.buf[:0], safeText(string(m.PaymentID)))
		if cells, err = rw.entryCells(cells, &m.Entry, m.Account, m.Statement); err != nil {
			return err
		}
		var diff any
		if m.AmountDifference != 0 {
			if diff, err = rw.amount(m.AmountDifference, m.Entry.Currency); err != nil {
				return err
			}
		}
		cells = append(cells, boolText(m.Criteria.Amount), boolText(m.Criteria.Date), boolText(m.Criteria.Reference),
			string(m.Review), safeText(string(m.BatchID)), safeText(idList(m.PaymentIDs)), diff, safeText(idList(m.Alternatives)),
			safeText(reasonsText(m.Reasons)), safeText(notesText(&m.Entry, m.Notes)))
		sh.buf = cells
		if err := sh.add(cells); err != nil {
			return err
		}
	}
	for _, sh := range sheets {
		if err := sh.sw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func (rw *reportWriter) unmatchedEntries(src reconcile.ReportSource) error {
	header := append(append([]string{}, entryHeader...), "Dismissed", "Note", "Notes")
	sh, err := rw.sheet(SheetUnmatchedEntries, header, []float64{12, 12, 14, 9, 9, 20, 18, 18, 40, 24, 28, 10, 28, 10, 30, 50})
	if err != nil {
		return err
	}
	for u := range src.UnmatchedEntryRows() {
		cells, err := rw.entryCells(sh.buf[:0], &u.Entry, u.Account, u.Statement)
		if err != nil {
			return err
		}
		cells = append(cells, boolText(u.Dismissed), safeText(u.Note), safeText(notesText(&u.Entry, u.Notes)))
		sh.buf = cells
		if err := sh.add(cells); err != nil {
			return err
		}
	}
	return sh.sw.Flush()
}

func (rw *reportWriter) unmatchedPayments(src reconcile.ReportSource) error {
	sh, err := rw.sheet(SheetUnmatchedPayments, []string{"Payment ID", "Value date", "Amount", "Currency", "Status",
		"Reference", "Description", "Method", "From account", "To account", "Batch"}, []float64{32, 12, 14, 9, 11, 20, 40, 14, 32, 32, 32})
	if err != nil {
		return err
	}
	for p := range src.UnmatchedPaymentRows() {
		amt, err := rw.amount(p.Amount, p.Currency)
		if err != nil {
			return err
		}
		cells := append(sh.buf[:0], safeText(string(p.PaymentID)), rw.dateCell(p.ValueDate), amt, string(p.Currency), string(p.Status),
			safeText(p.Reference), safeText(p.Description), string(p.Method), safeText(string(p.FromAccount)), safeText(string(p.ToAccount)),
			safeText(string(p.BatchID)))
		sh.buf = cells
		if err := sh.add(cells); err != nil {
			return err
		}
	}
	return sh.sw.Flush()
}

func (rw *reportWriter) anomalies(src reconcile.ReportSource) error {
	header := append([]string{"Kind", "Payment ID", "Payment status"}, entryHeader...)
	header = append(header, "Amount match", "Date match", "Reference match", "Reasons", "Dismissed", "Note", "Notes")
	sh, err := rw.sheet(SheetAnomalies, header, []float64{18, 32, 14, 12, 12, 14, 9, 9, 20, 18, 18, 40, 24, 28, 10, 28})
	if err != nil {
		return err
	}
	for a := range src.AnomalyRows() {
		cells := append(sh.buf[:0], string(a.Kind), safeText(string(a.PaymentID)), string(a.PaymentStatus))
		if cells, err = rw.entryCells(cells, &a.Entry, a.Account, a.Statement); err != nil {
			return err
		}
		cells = append(cells, boolText(a.Criteria.Amount), boolText(a.Criteria.Date), boolText(a.Criteria.Reference),
			safeText(reasonsText(a.Reasons)), boolText(a.Dismissed), safeText(a.Note), safeText(notesText(&a.Entry, nil)))
		sh.buf = cells
		if err := sh.add(cells); err != nil {
			return err
		}
	}
	return sh.sw.Flush()
}
