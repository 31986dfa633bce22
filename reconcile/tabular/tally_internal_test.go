package tabular

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// TestTallyJoin checks that the tally of entries read in two parts and joined is the tally of the
// entries read one by one, cut at every place: balances that add up oldest first, newest first,
// missing ones, amounts that overflow int64 on the way.
func TestTallyJoin(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	type row struct {
		e   reconcile.Entry
		bal int64
	}
	series := func(n int, newestFirst bool, big bool) []row {
		rows := make([]row, n)
		bal := int64(100_000)
		for i := range rows {
			amt := rng.Int64N(50_000) + 1
			if big && i%3 == 0 {
				amt = math.MaxInt64 - rng.Int64N(10)
			}
			dir := reconcile.Credit
			if rng.IntN(2) == 0 {
				dir = reconcile.Debit
			}
			e := reconcile.Entry{Amount: amt, Direction: dir, ValueDate: payment.Date(20000 + rng.IntN(30))}
			bal, _ = payment.AddMinor(bal, e.Signed())
			rows[i] = row{e: e, bal: bal}
			if rng.IntN(10) == 0 {
				rows[i].bal = noBalance
			}
		}
		if newestFirst {
			for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
		return rows
	}
	for _, rows := range [][]row{series(40, false, false), series(40, true, false), series(25, false, true), series(1, false, false)} {
		var want tally
		for i, r := range rows {
			want.add(i+2, &r.e, r.bal)
		}
		for cut := 0; cut <= len(rows); cut++ {
			var a, b tally
			for i, r := range rows[:cut] {
				a.add(i+2, &r.e, r.bal)
			}
			for i, r := range rows[cut:] {
				b.add(cut+i+2, &r.e, r.bal)
			}
			a.join(&b)
			require.Equal(t, want, a, "cut at %d", cut)
		}
	}
}
