package reconcile_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestFastJSONNoCurrency: WriteJSON equals encoding/json when neither the entry nor the
// statement has a currency, for a simple match, a tie, an unmatched entry and an anomaly.
func TestFastJSONNoCurrency(t *testing.T) {
	for _, stCur := range []payment.Currency{"", "TRY"} {
		noCur := func(e *reconcile.Entry) { e.Currency = "" }
		st := statement(
			entry("l1", "INV-2024-001", noCur),
			entry("l2", "RENT", noCur, func(e *reconcile.Entry) { e.Amount = 5000 }),
			entry("l3", "INV-9", noCur),
			entry("l4", "NOPE", noCur, func(e *reconcile.Entry) { e.Amount = 1 }),
			entry("l5", "CANC-1", noCur, func(e *reconcile.Entry) { e.Amount = 777 }),
		)
		st.Currency = stCur
		pays := []reconcile.Payment{
			pay(1),
			pay(2, func(p *reconcile.Payment) { p.Reference = "RENT"; p.Amount = 5000 }),
			pay(3, func(p *reconcile.Payment) { p.Reference = "RENT"; p.Amount = 5000 }),
			pay(4, func(p *reconcile.Payment) { p.Reference = "INV-9" }),
			pay(5, func(p *reconcile.Payment) { p.Reference = "CANC-1"; p.Amount = 777; p.Status = payment.StatusCancelled }),
		}
		g, err := reconcile.NewEngine(reconcile.Options{Accounts: accounts})
		require.NoError(t, err)
		res := g.Match([]reconcile.Statement{st}, pays)
		want, err := json.Marshal(res.Report())
		require.NoError(t, err)
		var got bytes.Buffer
		require.NoError(t, reconcile.WriteJSON(&got, res))
		require.Equal(t, string(want), got.String(), "statement currency %q", stCur)
	}
}
