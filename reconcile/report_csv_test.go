package reconcile_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestWriteCSVNeutralizesEveryCell: no cell of the CSV report starts with what a spreadsheet takes
// for a formula, whichever column the text reached it through: entry text, payment references, and
// payment and batch ids, which a payments file may give in any form.
func TestWriteCSVNeutralizesEveryCell(t *testing.T) {
	e := reconcile.Entry{BookingDate: payment.MustDate("2026-01-15"), ValueDate: payment.MustDate("2026-01-15"),
		Amount: 1000, Direction: reconcile.Debit, Currency: "TRY", CustomerRef: "-2+3",
		Remittance: `=HYPERLINK("http://evil","x")`, CounterpartyName: "+90 Yılmaz", Position: "@line 4", Fingerprint: "fp"}
	r := &reconcile.Report{
		Matches: []reconcile.Match{{PaymentID: "=1+2", PaymentIDs: []payment.ID{"=1+2", "pay_B"}, BatchID: `=HYPERLINK("http://evil","b")`,
			Score: reconcile.ScoreFuzzy, Review: reconcile.ReviewPending, Entry: e, Account: "=acct", Statement: "+stmt",
			Notes: []string{"-note"}}},
		UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: e, Account: "@a"}},
		UnmatchedPayments: []reconcile.UnmatchedPayment{{PaymentID: "@pay", BatchID: "-bat", Amount: 5, Currency: "TRY",
			ValueDate: payment.MustDate("2026-01-15"), Status: payment.StatusSettled, Reference: "=ref", Description: "+desc"}},
		Anomalies: []reconcile.Anomaly{{Kind: reconcile.AnomalyFailedPayment, PaymentID: "\tpay", PaymentStatus: payment.StatusFailed, Entry: e}},
	}
	var buf bytes.Buffer
	require.NoError(t, reconcile.WriteCSV(&buf, r))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 5)
	for i, row := range rows[1:] {
		for c, v := range row {
			if v != "" {
				assert.NotContains(t, "=+-@\t\r", v[:1], "row %d, column %s: %q", i+1, rows[0][c], v)
			}
		}
	}
	assert.Equal(t, "'=1+2", rows[1][1], "the text stays readable after the apostrophe")
}

// TestWriteCSVSaysReversal: an entry the bank booked as a reversal (MT940 RC/RD, camt RvslInd) says
// so in the notes of every section it can be in; the direction column alone would read as an
// ordinary credit or debit.
func TestWriteCSVSaysReversal(t *testing.T) {
	back := reconcile.Entry{ValueDate: payment.MustDate("2026-03-10"), Amount: 4000, Direction: reconcile.Credit, Reversal: true,
		Currency: "JPY", CustomerRef: "INV-JP-4", Position: "line 7", Fingerprint: "fp1"}
	out := back
	out.Direction, out.Fingerprint = reconcile.Debit, "fp2"
	plain := back
	plain.Reversal, plain.Fingerprint = false, "fp3"
	r := &reconcile.Report{
		Matches: []reconcile.Match{{PaymentID: "pay_A", Score: reconcile.ScoreFuzzy, Review: reconcile.ReviewPending, Entry: back,
			Notes: []string{"a person must choose"}}},
		UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: out}, {Entry: plain}, {Entry: back, Dismissed: true, Note: "refund"}},
		Anomalies:        []reconcile.Anomaly{{Kind: reconcile.AnomalyFailedPayment, PaymentID: "pay_F", PaymentStatus: payment.StatusFailed, Entry: back}},
	}
	var buf bytes.Buffer
	require.NoError(t, reconcile.WriteCSV(&buf, r))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 6)
	notes := len(reconcile.CSVHeader) - 1
	require.Equal(t, "notes", rows[0][notes])
	assert.Equal(t, "reversal of an earlier debit; a person must choose", rows[1][notes])
	assert.Equal(t, "reversal of an earlier credit", rows[2][notes])
	assert.Empty(t, rows[3][notes], "not a reversal")
	assert.Equal(t, "reversal of an earlier debit; dismissed: refund", rows[4][notes])
	assert.Equal(t, "failed_payment; reversal of an earlier debit", rows[5][notes])
}

// TestReportRowsTakeTheStatementCurrency: an entry without a currency of its own is in its
// statement's; every report row says so, so its amount is written in major units with that
// currency's decimals rather than as a bare count of minor units.
func TestReportRowsTakeTheStatementCurrency(t *testing.T) {
	noCur := func(e *reconcile.Entry) { e.Currency = "" }
	st := statement(entry("line 1", "INV-2024-001", func(e *reconcile.Entry) { e.Amount = 125050; e.Currency = "" }),
		entry("line 2", "masraf", func(e *reconcile.Entry) { e.Amount = 700 }, noCur),
		entry("line 3", "INV-2024-009", func(e *reconcile.Entry) { e.Amount = 9900 }, noCur))
	failed := pay(3, func(p *reconcile.Payment) {
		p.Amount, p.Reference, p.Status = 9900, "INV-2024-009", payment.StatusFailed
	})
	r := match(t, reconcile.Options{}, []reconcile.Statement{st},
		[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.Amount = 125050 }), failed})
	require.Len(t, r.Matches, 1)
	require.Len(t, r.UnmatchedEntries, 1)
	require.Len(t, r.Anomalies, 1)
	assert.Equal(t, payment.Currency("TRY"), r.Matches[0].Entry.Currency)
	assert.Equal(t, payment.Currency("TRY"), r.UnmatchedEntries[0].Entry.Currency)
	assert.Equal(t, payment.Currency("TRY"), r.Anomalies[0].Entry.Currency)
	var buf bytes.Buffer
	require.NoError(t, reconcile.WriteCSV(&buf, r))
	assert.Contains(t, buf.String(), ",1250.50,TRY,")
	assert.Contains(t, buf.String(), ",7.00,TRY,")
	assert.Contains(t, buf.String(), ",99.00,TRY,")
}

// TestSafeCellAfterLeadingSpace: text that starts like a formula after leading white space
// (" =HYPERLINK(…)", a reference padded by the bank) is neutralized as well: spreadsheets that trim
// a cell before they read it would otherwise evaluate it. Text that merely starts with a space is
// left as it is.
func TestSafeCellAfterLeadingSpace(t *testing.T) {
	for in, want := range map[string]string{
		` =HYPERLINK("http://evil","x")`: `' =HYPERLINK("http://evil","x")`,
		"  @SUM(A1:A9)":                  "'  @SUM(A1:A9)",
		"\n+90 212":                      "'\n+90 212",
		"\u00a0-2+3":                     "'\u00a0-2+3",
		" \tINV-1":                       "' \tINV-1",
		"=1+2":                           "'=1+2",
		"\rINV-1":                        "'\rINV-1",
		" INV-1 =2":                      " INV-1 =2",
		"INV-1":                          "INV-1",
		"   ":                            "   ",
		"":                               "",
	} {
		assert.Equal(t, want, reconcile.SafeCell(in), "%q", in)
	}
	e := reconcile.Entry{ValueDate: payment.MustDate("2026-01-15"), Amount: 1000, Direction: reconcile.Debit, Currency: "TRY",
		Remittance: ` =HYPERLINK("http://evil","x")`, Position: "line 4", Fingerprint: "fp"}
	var buf bytes.Buffer
	require.NoError(t, reconcile.WriteCSV(&buf, &reconcile.Report{UnmatchedEntries: []reconcile.UnmatchedEntry{{Entry: e}}}))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, `' =HYPERLINK("http://evil","x")`, rows[1][14])
}
