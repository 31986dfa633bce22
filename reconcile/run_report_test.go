package reconcile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestRunReportNamesStatements: every row of a run's report names the statement its entry came from,
// as the offline report does: matches, proposals, anomalies, unmatched and dismissed entries. An
// entry without a currency of its own is stored in its statement's.
func TestRunReportNamesStatements(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	f.pay(payment.StatusSettled, "INV-3", func(r *payment.Request) { r.Amount = 50000 })
	f.pay(payment.StatusFailed, "INV-4", func(r *payment.Request) { r.Amount = 70000 })
	run := f.newRun()
	st := f.statement(
		entry("line 1", "Fatura INV-1"),
		entry("line 3", "kira ödemesi", func(e *reconcile.Entry) { e.Amount = 50000 }),
		entry("line 4", "INV 4", func(e *reconcile.Entry) { e.Amount = 70000 }),
		entry("line 5", "HESAP İŞLETİM ÜCRETİ", func(e *reconcile.Entry) { e.Amount = 1500 }),
		entry("line 6", "BSMV", func(e *reconcile.Entry) { e.Amount = 75; e.Currency = "" }),
	)
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "ayse@example.com")
	require.NoError(t, err)
	want := run.Entries[0].Statement
	require.NotEmpty(t, want)
	_, err = f.svc.Dismiss(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 6"), "mehmet@example.com", "tax")
	require.NoError(t, err)

	rep, err := f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Len(t, rep.Matches, 2)
	require.Len(t, rep.Anomalies, 1)
	require.Len(t, rep.UnmatchedEntries, 2)
	for _, m := range rep.Matches {
		assert.Equal(t, want, m.Statement, "match %s", m.Entry.Position)
	}
	assert.Equal(t, want, rep.Anomalies[0].Statement)
	for _, u := range rep.UnmatchedEntries {
		assert.Equal(t, want, u.Statement, "unmatched %s (dismissed %v)", u.Entry.Position, u.Dismissed)
		assert.Equal(t, payment.Currency("TRY"), u.Entry.Currency, "an entry without a currency is in its statement's")
	}
}

// TestRunReportGivesStatementWarnings: a statement whose balances do not add up (or that warns of
// anything else) is named in the run's report, with the difference in its currency, as in the
// offline report, for as long as the run is kept: after another import, a re-import of the same
// statement (once, not twice) and from another Service on the same store. A statement none of whose
// entries is in the run's period adds no warning.
func TestRunReportGivesStatementWarnings(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	run := f.newRun()
	st := f.statement(entry("line 1", "Fatura INV-1"))
	st.Opening, st.Closing, st.HasOpening, st.HasClosing = 1_000_000, 880_000, true, true
	require.NotNil(t, st.CheckBalances())
	st.Warnings = append(st.Warnings, reconcile.CharsetWarning("windows-1254"))
	mismatch := "statement STMT-2026-01: opening balance 10000.00 plus entries -1250.00 is 8750.00, but the closing " +
		"balance is 8800.00; difference (closing − opening − entries): 50.00 TRY"
	charset := "statement STMT-2026-01: the file is not valid UTF-8; it was read as windows-1254"

	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "ayse@example.com")
	require.NoError(t, err)
	rep, err := f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{mismatch, charset}, rep.Summary.Warnings)

	// The same statement again, a statement without an id (named by its period), and one of
	// February, outside the run's period.
	noID := f.statement(entry("line 2", "kira", func(e *reconcile.Entry) { e.Amount = 5000 }))
	noID.ID, noID.From, noID.To = "", payment.MustDate("2026-01-15"), payment.MustDate("2026-01-16")
	noID.Opening, noID.Closing, noID.HasOpening, noID.HasClosing = 0, -4000, true, true
	require.NotNil(t, noID.CheckBalances())
	feb := f.statement(entry("line 3", "şubat", func(e *reconcile.Entry) { e.ValueDate = payment.MustDate("2026-02-03") }))
	feb.ID, feb.Opening, feb.Closing, feb.HasOpening, feb.HasClosing = "STMT-2026-02", 0, 1, true, true
	require.NotNil(t, feb.CheckBalances())
	_, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st, noID, feb}, "ayse@example.com")
	require.NoError(t, err)
	want := []string{mismatch, charset, "statement of 2026-01-15 to 2026-01-16: opening balance 0.00 plus entries " +
		"-50.00 is -50.00, but the closing balance is -40.00; difference (closing − opening − entries): 10.00 TRY"}
	rep, err = f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, want, rep.Summary.Warnings)

	// Kept with the run: another Service on the same store reads them back.
	other := reconcile.NewService(f.env.Service, f.runs, reconcile.ServiceOptions{})
	rep, err = other.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, want, rep.Summary.Warnings)
	got, err := other.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Len(t, got.StatementWarnings, 3)
	assert.Equal(t, reconcile.StatementWarning{Statement: "STMT-2026-01", Currency: "TRY", Warning: reconcile.Warning{
		Code: "balance_mismatch", Message: "opening balance 10000.00 plus entries -1250.00 is 8750.00, but the closing balance is 8800.00",
		Difference: 5000}}, got.StatementWarnings[0])
}
