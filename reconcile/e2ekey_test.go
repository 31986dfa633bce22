package reconcile_test

import (
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndToEndKeyOutranksSharedReference: eight payments share amount, date and reference; the bank
// echoes one payment's end-to-end key. That entry belongs to exactly that payment, exactly.
func TestEndToEndKeyOutranksSharedReference(t *testing.T) {
	var pays []reconcile.Payment
	for i := 1; i <= 8; i++ {
		pays = append(pays, pay(i, func(p *reconcile.Payment) { p.Reference = "PAYROLL-2026-01" }))
	}
	target := pays[5]
	e := entry("line 1", "/REMI/PAYROLL-2026-01", func(e *reconcile.Entry) { e.EndToEnd = target.EndToEnd })
	r := match(t, reconcile.Options{}, []reconcile.Statement{statement(e)}, pays)
	require.Len(t, r.Matches, 1)
	assert.Equal(t, target.ID, r.Matches[0].PaymentID)
	assert.Equal(t, "exact", string(r.Matches[0].Score))
}
