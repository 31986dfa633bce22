package reconcile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

// FuzzReadPayments: any input either fails with ParseErrors or gives valid payments with distinct ids.
func FuzzReadPayments(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "reconcile", "*", "payments.*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("id,amount,currency\npay_1,1,TRY\n")
	f.Add(`[{"id":"p","amount":1,"currency":"TRY"}]`)
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := reconcile.ReadPayments(strings.NewReader(in))
		if err != nil {
			assert.ErrorIs(t, err, reconcile.ErrParse)
			assert.Nil(t, ps)
			return
		}
		ids := map[string]bool{}
		for _, p := range ps {
			require.NotEmpty(t, p.ID)
			require.False(t, ids[string(p.ID)], "duplicate id %s", p.ID)
			ids[string(p.ID)] = true
			require.Positive(t, p.Amount)
			require.True(t, p.Currency.Valid(), "currency %q", p.Currency)
		}
	})
}

// FuzzMatch: whatever the texts and amounts, matching terminates, reports every entry once and uses
// no payment twice.
func FuzzMatch(f *testing.F) {
	f.Add("INV-2024-001", "/REMI/INV 2024 001", int64(125000), int64(125000), 0)
	f.Add("ödeme-İ", "ODEME I", int64(1), int64(2), 3)
	f.Fuzz(func(t *testing.T, ref, text string, payAmount, entryAmount int64, day int) {
		p := pay(1, func(p *reconcile.Payment) { p.Reference, p.Amount = ref, payAmount })
		q := pay(2, func(p *reconcile.Payment) { p.Reference, p.Amount = text, entryAmount })
		e := entry("line 1", text, func(e *reconcile.Entry) {
			e.Amount, e.CustomerRef = entryAmount, ref
			e.ValueDate = e.ValueDate.AddDays(day % 5)
		})
		r := match(t, reconcile.Options{DateWindow: 1}, []reconcile.Statement{statement(e, entry("line 2", ref))},
			[]reconcile.Payment{p, q})
		require.Equal(t, 2, len(r.Matches)+len(r.UnmatchedEntries)+len(r.Anomalies))
		if len(r.Matches) == 2 {
			require.NotEqual(t, r.Matches[0].PaymentID, r.Matches[1].PaymentID)
		}
	})
}
