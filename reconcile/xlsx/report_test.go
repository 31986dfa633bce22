package xlsx_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// reportUpdating reports whether the test binary runs with -update (the flag is the package's).
func reportUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func reportFixture() *reconcile.Report {
	e := reconcile.Entry{BookingDate: payment.MustDate("2026-01-15"), ValueDate: payment.MustDate("2026-01-16"),
		Amount: 125050, Direction: reconcile.Debit, Currency: "TRY", CustomerRef: "INV-1",
		Remittance: `=HYPERLINK("http://evil","click")`, CounterpartyName: "+90 Yılmaz", CounterpartyIBAN: "TR330006100519786457841326",
		Position: "line 4", Fingerprint: "fp1"}
	bad := e
	bad.Remittance, bad.CustomerRef, bad.Position = "@SUM(A1:A9)", "-2+3", "line 5"
	jpy := e
	jpy.Amount, jpy.Currency, jpy.Remittance, jpy.Position = 1500, "JPY", "fee", "line 6"
	reasons := []reconcile.Reason{
		{Criterion: reconcile.CriterionAmount, Matched: true, Entry: "1250.50 TRY", Payment: "1250.50 TRY"},
		{Criterion: reconcile.CriterionDate, Matched: false, Entry: "2026-01-16", Payment: "2026-01-14", Difference: 2},
		{Criterion: reconcile.CriterionReference, Matched: true, Entry: "INV-1", Payment: "INV-1", Field: "reference", Key: "reference"},
	}
	r := &reconcile.Report{
		Matches: []reconcile.Match{
			{PaymentID: "pay_A", Score: reconcile.ScoreExact, Entry: e, Criteria: reconcile.Criteria{Amount: true, Date: true, Reference: true},
				Reasons: reasons, Review: reconcile.ReviewAuto, Account: "TR330006100519786457841326"},
			{PaymentID: "pay_B", Score: reconcile.ScoreFuzzy, Entry: bad, Criteria: reconcile.Criteria{Amount: true, Reference: true},
				Reasons: reasons, Review: reconcile.ReviewPending, PaymentIDs: []payment.ID{"pay_B", "pay_C"}, BatchID: "bat_1",
				AmountDifference: -50, Alternatives: []payment.ID{"pay_D"}, Notes: []string{"=cmd|' /C calc'!A0"}},
		},
		UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: jpy, Dismissed: true, Note: "bank fee", Notes: []string{"names payment pay_X"}}},
		UnmatchedPayments: []reconcile.UnmatchedPayment{{PaymentID: "-pay_E", Amount: 999, Currency: "KWD", ValueDate: payment.MustDate("2026-01-20"),
			Status: payment.StatusSettled, Reference: "=1+1", Description: "kira", Method: payment.MethodEFT, FromAccount: "acc_1", ToAccount: "acc_2"}},
		Anomalies: []reconcile.Anomaly{{Kind: reconcile.AnomalyFailedPayment, PaymentID: "pay_F", PaymentStatus: payment.StatusFailed,
			Entry: e, Criteria: reconcile.Criteria{Reference: true}, Reasons: reasons[2:], Note: ""}},
	}
	r.Summary = reconcile.Summary{Entries: 5, Payments: 4, Exact: 1, Fuzzy: 1, UnmatchedEntries: 1, UnmatchedPayments: 1,
		Anomalies: 1, MatchRate: 0.4, MatchRateAmount: 0.4123, MatchedPayments: 3, Dismissed: 1,
		Currencies: []reconcile.CurrencySummary{{Currency: "TRY", Entries: 4, Matched: 2, Amount: 500200, MatchedAmount: 250100}},
		Warnings:   []string{"-careful"}}
	return r
}

func TestWriteReport(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, xlsx.WriteReport(&buf, reportFixture()))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{xlsx.SheetSummary, xlsx.SheetExact, xlsx.SheetFuzzy, xlsx.SheetUnmatchedEntries,
		xlsx.SheetUnmatchedPayments, xlsx.SheetAnomalies}, f.GetSheetList())

	got := map[string][][]string{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		require.NoError(t, err)
		got[sheet] = rows
		for r, row := range rows {
			for c, v := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				require.NoError(t, err)
				formula, err := f.GetCellFormula(sheet, cell)
				require.NoError(t, err)
				assert.Empty(t, formula, "%s!%s holds a formula", sheet, cell)
				typ, err := f.GetCellType(sheet, cell)
				require.NoError(t, err)
				if v != "" && (typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString) {
					assert.NotContains(t, "=+-@", v[:1], "%s!%s = %q is not neutralized", sheet, cell, v)
				}
			}
		}
	}
	isNumber := func(t *testing.T, sheet, cell string) {
		t.Helper()
		typ, err := f.GetCellType(sheet, cell)
		require.NoError(t, err)
		assert.Contains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, typ, "%s!%s", sheet, cell)
	}
	t.Run("amounts and dates are typed cells", func(t *testing.T) {
		isNumber(t, xlsx.SheetExact, "D2")
		isNumber(t, xlsx.SheetExact, "B2")
		isNumber(t, xlsx.SheetFuzzy, "V2")
		raw, err := f.GetCellValue(xlsx.SheetExact, "D2", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		assert.Equal(t, "1250.5", raw)
		raw, err = f.GetCellValue(xlsx.SheetUnmatchedPayments, "C2", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		assert.Equal(t, "0.999", raw, "KWD has three decimals")
		raw, err = f.GetCellValue(xlsx.SheetExact, "B2", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		assert.Equal(t, "46038", raw, "2026-01-16 as a date serial")
	})

	golden := filepath.Join("testdata", "report.golden.json")
	js, err := json.MarshalIndent(got, "", " ")
	require.NoError(t, err)
	if reportUpdating() {
		require.NoError(t, os.WriteFile(golden, append(js, '\n'), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(js))
}

func TestWriteReportEmpty(t *testing.T) {
	var buf bytes.Buffer
	r := &reconcile.Report{Summary: reconcile.Summary{Currencies: []reconcile.CurrencySummary{}}}
	require.NoError(t, xlsx.WriteReport(&buf, r))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(xlsx.SheetExact)
	require.NoError(t, err)
	assert.Len(t, rows, 1, "the header only")
}

// TestWriteReportSameBytes: the same report gives the same workbook byte for byte, so a report can
// be compared, hashed or archived twice without spurious differences.
func TestWriteReportSameBytes(t *testing.T) {
	var first bytes.Buffer
	require.NoError(t, xlsx.WriteReport(&first, reportFixture()))
	for range 20 {
		var again bytes.Buffer
		require.NoError(t, xlsx.WriteReport(&again, reportFixture()))
		require.True(t, bytes.Equal(first.Bytes(), again.Bytes()), "two workbooks of the same report differ")
	}
	f, err := excelize.OpenReader(bytes.NewReader(first.Bytes()))
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestWriteReportAmountDigits: Excel keeps 15 significant digits, so an amount of 16 or more is a
// text cell with the exact figure; up to 15 it is a number cell with the exact value.
func TestWriteReportAmountDigits(t *testing.T) {
	e := reconcile.Entry{ValueDate: payment.MustDate("2026-01-16"), Direction: reconcile.Debit, Position: "line 1"}
	row := func(minor int64, c payment.Currency) reconcile.UnmatchedEntry {
		u := reconcile.UnmatchedEntry{Entry: e}
		u.Entry.Amount, u.Entry.Currency = minor, c
		return u
	}
	r := &reconcile.Report{Summary: reconcile.Summary{Currencies: []reconcile.CurrencySummary{}},
		UnmatchedEntries: []reconcile.UnmatchedEntry{
			row(999_999_999_999_999, "TRY"),   // 15 digits: 9,999,999,999,999.99
			row(9_007_199_254_740_987, "TRY"), // 16 digits, below 2^53: a float64 gives …409.88
			row(9_007_199_254_740_989, "KWD"), // …740.988 as a float64
			row(1_000_000_000_000_000, "JPY"), // 16 digits: Excel would show 1E+15 rounded
		}}
	var buf bytes.Buffer
	require.NoError(t, xlsx.WriteReport(&buf, r))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	for i, want := range []struct {
		raw    string
		number bool
	}{
		{"9999999999999.99", true}, {"90071992547409.87", false}, {"9007199254740.989", false}, {"1000000000000000", false},
	} {
		cell := "C" + strconv.Itoa(i+2)
		raw, err := f.GetCellValue(xlsx.SheetUnmatchedEntries, cell, excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		assert.Equal(t, want.raw, raw, cell)
		typ, err := f.GetCellType(xlsx.SheetUnmatchedEntries, cell)
		require.NoError(t, err)
		assert.Equal(t, want.number, typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber, "%s is a number cell", cell)
	}
}

// TestWriteReportSaysReversal: an entry the bank booked as a reversal says so in the notes of each
// sheet it can be on, as the CSV report does.
func TestWriteReportSaysReversal(t *testing.T) {
	back := reconcile.Entry{ValueDate: payment.MustDate("2026-03-10"), Amount: 4000, Direction: reconcile.Credit, Reversal: true,
		Currency: "JPY", CustomerRef: "INV-JP-4", Position: "line 7", Fingerprint: "fp1"}
	out := back
	out.Direction = reconcile.Debit
	r := &reconcile.Report{Summary: reconcile.Summary{Currencies: []reconcile.CurrencySummary{}},
		Matches: []reconcile.Match{{PaymentID: "pay_A", Score: reconcile.ScoreFuzzy, Review: reconcile.ReviewPending, Entry: back,
			Notes: []string{"a person must choose"}}},
		UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: out}},
		Anomalies:        []reconcile.Anomaly{{Kind: reconcile.AnomalyFailedPayment, PaymentID: "pay_F", PaymentStatus: payment.StatusFailed, Entry: back}},
	}
	var buf bytes.Buffer
	require.NoError(t, xlsx.WriteReport(&buf, r))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	notes := func(sheet string) string {
		rows, err := f.GetRows(sheet)
		require.NoError(t, err)
		require.Len(t, rows, 2, sheet)
		col := slices.Index(rows[0], "Notes")
		require.GreaterOrEqual(t, col, 0, "%s has a Notes column", sheet)
		if col >= len(rows[1]) {
			return ""
		}
		return rows[1][col]
	}
	assert.Equal(t, "reversal of an earlier debit\na person must choose", notes(xlsx.SheetFuzzy))
	assert.Equal(t, "reversal of an earlier credit", notes(xlsx.SheetUnmatchedEntries))
	assert.Equal(t, "reversal of an earlier debit", notes(xlsx.SheetAnomalies))
}

// TestWriteReportNeutralizesAfterLeadingSpace: a text cell that starts like a formula after leading
// white space is neutralized in the workbook too (as the CSV report does, through reconcile.SafeCell).
func TestWriteReportNeutralizesAfterLeadingSpace(t *testing.T) {
	e := reconcile.Entry{ValueDate: payment.MustDate("2026-01-16"), Amount: 1000, Direction: reconcile.Debit, Currency: "TRY",
		Remittance: ` =HYPERLINK("http://evil","x")`, Position: "line 1", Fingerprint: "fp1"}
	r := &reconcile.Report{Summary: reconcile.Summary{Currencies: []reconcile.CurrencySummary{}},
		UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: e}}}
	var buf bytes.Buffer
	require.NoError(t, xlsx.WriteReport(&buf, r))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(xlsx.SheetUnmatchedEntries)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	col := slices.Index(rows[0], "Description")
	require.GreaterOrEqual(t, col, 0)
	assert.Equal(t, `' =HYPERLINK("http://evil","x")`, rows[1][col])
}
