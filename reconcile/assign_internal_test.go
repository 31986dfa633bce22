package reconcile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestSortLongIsComparePairs: the integer keys sortLong sorts a long candidate list by give the order
// of comparePairs, including a payment named by its id or end-to-end key before the date distance,
// and pairs without a date (noDate) last among their kind.
func TestSortLongIsComparePairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pays := make([]Payment, 60)
	for i := range pays {
		p := &pays[i]
		p.ID = payment.ID(fmt.Sprintf("P-%02d", i))
		p.Amount, p.Currency, p.Status = 100, "TRY", payment.StatusSettled
		p.ValueDate = payment.MustDate("2026-01-10").AddDays(rng.IntN(5))
		if i%7 == 0 {
			p.BatchID = payment.BatchID(fmt.Sprintf("bat_%d", i%3))
		}
	}
	m := newMatcher(nil, buildPaymentIndex(pays, &Options{}, false), &Options{})
	require.NotEmpty(t, m.refs.batches)
	w := &worker{m: m}
	keys := []uint8{keyReference, keyID, keyEndToEnd, keyBatch}
	dists := []int32{0, 1, 2, 3, noDate}
	for round := range 200 {
		mine := make([]pair, 33+rng.IntN(40))
		for i := range mine {
			pr := &mine[i]
			pr.pay = int32(rng.IntN(len(pays)))
			pr.crit = uint8(rng.IntN(8))
			pr.key = keys[rng.IntN(len(keys))]
			pr.dist = dists[rng.IntN(len(dists))]
			if rng.IntN(6) == 0 {
				pr.flags |= flagBatch
				pr.pay = int32(rng.IntN(len(m.refs.batches)))
			}
		}
		w.sortLong(mine)
		require.True(t, slices.IsSortedFunc(mine, m.comparePairs), "round %d", round)
	}
}
