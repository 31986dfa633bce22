package reconcile_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// genLongWorld: like genWorld, but crowded enough that entries have more than 32 candidates (the
// sortLong path) and more than MaxCandidates, with entries naming payments by id or end-to-end key.
func genLongWorld(rng *rand.Rand, missingDates bool) world {
	w := world{window: rng.IntN(3)}
	amounts := []int64{10000, 20000}
	refs := []string{"INV-1", "RENT"}
	day := func() payment.Date {
		if missingDates && rng.IntN(5) == 0 {
			return 0
		}
		return payment.MustDate("2026-01-10").AddDays(rng.IntN(8))
	}
	np := 40 + rng.IntN(40)
	for i := range np {
		p := pay(i+1, func(p *reconcile.Payment) {
			p.Amount = amounts[rng.IntN(len(amounts))]
			p.ValueDate = day()
			p.Reference = refs[rng.IntN(len(refs))]
		})
		w.pays = append(w.pays, p)
	}
	st := reconcile.Statement{Format: "test", Account: ownIBAN, Currency: "TRY"}
	for j := range 10 + rng.IntN(40) {
		e := reconcile.Entry{ValueDate: day(), Amount: amounts[rng.IntN(len(amounts))], Direction: reconcile.Debit,
			Currency: st.Currency, Position: fmt.Sprintf("line %d", j+1)}
		switch r := rng.IntN(4); r {
		case 0:
			e.Remittance = "EFT " + string(w.pays[rng.IntN(np)].ID)
		case 1:
			e.EndToEnd = w.pays[rng.IntN(np)].EndToEnd
		default:
			e.CustomerRef = refs[rng.IntN(len(refs))]
		}
		st.Entries = append(st.Entries, e)
	}
	st.Fingerprint()
	w.stmts = []reconcile.Statement{st}
	return w
}

// TestLongListsAgainstBruteForce: with entries of many candidates the engine decides as the brute force.
func TestLongListsAgainstBruteForce(t *testing.T) {
	fails := 0
	for seed := range uint64(200) {
		w := genLongWorld(rand.New(rand.NewPCG(seed, 99)), false)
		got := decisions(w.match(t, 1))
		want := bruteForce(w)
		if !assert.Equal(t, want, got, "seed %d", seed) {
			if fails++; fails > 2 {
				return
			}
		}
	}
}

// TestLongListsShuffled: with entries of many candidates and missing dates, shuffling the payments
// gives the same report, and shuffling the entries the same decisions.
func TestLongListsShuffled(t *testing.T) {
	fails := 0
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 98))
		w := genLongWorld(rng, true)
		want := w.match(t, 1)
		wantJSON := jsonOf(t, want)
		shuffled := w
		shuffled.pays = slices.Clone(w.pays)
		rng.Shuffle(len(shuffled.pays), func(i, j int) { shuffled.pays[i], shuffled.pays[j] = shuffled.pays[j], shuffled.pays[i] })
		ok := assert.Equal(t, wantJSON, jsonOf(t, shuffled.match(t, 1)), "seed %d payments shuffled", seed)
		shuffled.stmts = slices.Clone(w.stmts)
		es := slices.Clone(shuffled.stmts[0].Entries)
		rng.Shuffle(len(es), func(a, b int) { es[a], es[b] = es[b], es[a] })
		shuffled.stmts[0].Entries = es
		ok = assert.Equal(t, decisions(want), decisions(shuffled.match(t, 1)), "seed %d entries shuffled", seed) && ok
		if !ok {
			if fails++; fails > 2 {
				return
			}
		}
	}
}
