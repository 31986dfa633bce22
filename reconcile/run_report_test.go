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
