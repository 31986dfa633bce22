package reconcile_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestWithWarnings: a caller's warnings (a statement whose balances do not add up) come first in the
// summary of every report, and the JSON of a Result with them is the JSON of the same report read
// into a Report.
func TestWithWarnings(t *testing.T) {
	st := reconcile.Statement{Format: "mt940", Account: "TR330006100519786457841326", Currency: "TRY",
		Entries: []reconcile.Entry{{ValueDate: payment.MustDate("2026-03-02"), Amount: 125050, Direction: reconcile.Debit,
			Currency: "TRY", CustomerRef: "INV-1", Position: "line 4", Fingerprint: "fp1"}}}
	g, err := reconcile.NewEngine(reconcile.Options{})
	require.NoError(t, err)
	res := g.Match([]reconcile.Statement{st}, nil)
	require.NotEmpty(t, res.ReportSummary().Warnings, "the matching's own warning about the unknown account")
	own := res.ReportSummary().Warnings

	src := reconcile.WithWarnings(res, "statement 1: the balances do not add up")
	assert.Equal(t, append([]string{"statement 1: the balances do not add up"}, own...), src.ReportSummary().Warnings)
	assert.Equal(t, own, res.ReportSummary().Warnings, "the result itself is not changed")
	assert.Same(t, reconcile.ReportSource(res), reconcile.WithWarnings(res), "no warnings: the source as it is")

	var fast, slow bytes.Buffer
	require.NoError(t, reconcile.WriteJSON(&fast, src))
	require.NoError(t, reconcile.WriteJSON(&slow, reconcile.WithWarnings(reconcile.Collect(res), "statement 1: the balances do not add up")))
	assert.Equal(t, slow.String(), fast.String())
	var rep reconcile.Report
	require.NoError(t, json.Unmarshal(fast.Bytes(), &rep))
	assert.Equal(t, src.ReportSummary().Warnings, rep.Summary.Warnings)
}
