package xlsx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// checkStream reads book with Decode and with Stream (reconciletest.StreamMatchesDecode).
func checkStream(t *testing.T, book []byte, opts xlsx.Options) {
	t.Helper()
	reconciletest.StreamMatchesDecode(t,
		func() ([]reconcile.Statement, error) {
			return xlsx.Decode(bytes.NewReader(book), int64(len(book)), opts)
		},
		func(fn func(*reconcile.Statement, *reconcile.Entry) error) error {
			return xlsx.Stream(bytes.NewReader(book), int64(len(book)), opts, fn)
		})
}

// workbookFromTSV turns a tab-separated sheet (testdata/reconcile's *.xlsx.tsv) into a workbook:
// a cell that parses as a number becomes a number cell.
func workbookFromTSV(t testing.TB, tsv string) []byte {
	var rows [][]any
	for line := range strings.Lines(tsv) {
		var row []any
		for _, c := range strings.Split(strings.TrimRight(line, "\r\n"), "\t") {
			if v, err := strconv.ParseFloat(c, 64); err == nil {
				row = append(row, v)
			} else {
				row = append(row, c)
			}
		}
		rows = append(rows, row)
	}
	return workbook(t, false, sheet{name: "Sheet1", rows: rows})
}

// TestStreamMatchesDecode streams every fixture (plain and Strict), sheets with several statements
// and with warnings, the XLSX statement of the end-to-end corpus, workbooks that fail, and the
// perf-floor statement (inline and shared strings), comparing with Decode.
func TestStreamMatchesDecode(t *testing.T) {
	for _, tc := range fixtures(t) {
		t.Run(tc.name, func(t *testing.T) { checkStream(t, tc.book, tc.opts) })
		strict := tc.opts
		strict.Strict = true
		t.Run(tc.name+"/strict", func(t *testing.T) { checkStream(t, tc.book, strict) })
	}

	warnings := workbook(t, false, sheet{name: "Hesap", rows: [][]any{
		{"Tarih", "Açıklama", "Tutar", "Bakiye"},
		{day("2026-02-03"), "b", -1.0, 15.0},
		{day("2026-02-02"), "limit", "", ""},
		{day("2026-02-01"), "a", 1.0, 11.0},
	}})
	several := workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
		{"Date", "Account", "Currency", "Amount", "Balance"},
		{day("2026-02-01"), "TR330006100519786457841326", "EUR", 10.5, 110.5},
		{day("2026-02-01"), "TR330006100519786457841326", "USD", -3.0, 97.0},
		{day("2026-02-02"), "TR960004600001234567890123", "EUR", 1.0, 1.0},
		{day("2026-02-03"), "TR330006100519786457841326", "EUR", -0.5, 110.0},
	}})
	for _, tc := range []struct {
		name string
		book []byte
		opts xlsx.Options
	}{
		{"balance mismatch and skipped rows", warnings, xlsx.Options{Currency: "TRY"}},
		{"balance mismatch and skipped rows, strict", warnings, xlsx.Options{Currency: "TRY", Strict: true}},
		{"several statements", several, xlsx.Options{}},
		{"sheet option", workbook(t, false, sheet{name: "Kapak", rows: [][]any{{"x"}}}, ziraat()), xlsx.Options{Sheet: "Ekstre"}},
		{"no such sheet", workbook(t, false, ziraat()), xlsx.Options{Sheet: "Yok"}},
		{"over the unzip limit", several, xlsx.Options{MaxUnzipSize: 1 << 10}},
		{"over the file size", several, xlsx.Options{MaxFileSize: 1000}},
		{"not a workbook", []byte("Tarih;Tutar\n01.02.2026;1,00\n"), xlsx.Options{}},
		{"broken zip", []byte("PK\x03\x04garbage"), xlsx.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkStream(t, tc.book, tc.opts) })
	}

	for _, c := range reconciletest.Cases(t, filepath.Join("..", "..", "testdata", "reconcile")) {
		for _, name := range c.Statements {
			if !strings.HasSuffix(name, ".xlsx.tsv") {
				continue
			}
			tsv, err := os.ReadFile(filepath.Join(c.Dir, name))
			require.NoError(t, err)
			book := workbookFromTSV(t, string(tsv))
			opts := xlsx.Options{Preset: c.Preset, Account: c.Account, Currency: c.Currency}
			t.Run(c.Name+"/"+name, func(t *testing.T) { checkStream(t, book, opts) })
		}
	}

	t.Run("perf-floor statement", func(t *testing.T) {
		checkStream(t, statementBook(t, 3_000), xlsx.Options{})
	})
	t.Run("perf-floor statement, shared strings", func(t *testing.T) {
		checkStream(t, sharedStringBook(t, 3_000), xlsx.Options{})
	})
}

// TestStreamStopsAtTheCallersError: an error from fn, for an entry or for the end of a statement,
// stops the decoder and comes back as is; a panic in fn is the caller's and is not turned into an
// "unreadable workbook" error.
func TestStreamStopsAtTheCallersError(t *testing.T) {
	book := statementBook(t, 2_000)
	reconciletest.StopsAtTheCallersError(t, 2_000, 500, func(fn func(*reconcile.Statement, *reconcile.Entry) error) error {
		return xlsx.Stream(bytes.NewReader(book), int64(len(book)), xlsx.Options{}, fn)
	})
	t.Run("a panic in fn", func(t *testing.T) {
		assert.PanicsWithValue(t, "caller's bug", func() {
			_ = xlsx.Stream(bytes.NewReader(book), int64(len(book)), xlsx.Options{}, func(*reconcile.Statement, *reconcile.Entry) error {
				panic("caller's bug")
			})
		})
	})
}
