package tabular

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

// TestSortByGroup checks the group-after-group layout against a stable reference, in place and
// through a buffer, whichever group stays (the first or the last, the larger).
func TestSortByGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, weights := range [][]int{{1, 1}, {5, 1, 1}, {1, 1, 5}, {1, 3, 2, 1}, {1, 0, 1}, {0, 1}, {1, 0}} {
		for _, inPlace := range []bool{false, true} {
			n := 500
			groups := make([]*group, len(weights))
			for g := range groups {
				groups[g] = &group{idx: g}
			}
			total := 0
			for _, w := range weights {
				total += w
			}
			s := &entryStore{}
			all := make([]reconcile.Entry, n)
			var want [][]int64
			for range weights {
				want = append(want, nil)
			}
			for i := range all {
				r, g := rng.IntN(total), 0
				for r >= weights[g] {
					r -= weights[g]
					g++
				}
				all[i].Amount = int64(i)
				s.owner = append(s.owner, int32(g))
				groups[g].tally.n++
				want[g] = append(want[g], int64(i))
			}
			if inPlace {
				s.sortInPlace(all, groups)
			} else {
				s.sortByGroup(all, groups)
			}
			k := 0
			for g := range groups {
				for _, v := range want[g] {
					require.Equal(t, v, all[k].Amount, "weights %v, place %d", weights, k)
					k++
				}
			}
		}
	}
}

// TestTextsPosition: positions counted up from the last one, across carries, and set anew after a
// jump, read as strconv writes them; earlier texts stay as they were.
func TestTextsPosition(t *testing.T) {
	var tx texts
	tx.prefix = "line "
	var got, want []string
	for _, n := range []int{1, 2, 3, 9, 10, 11, 98, 99, 100, 101, 7, 8, 999, 1000, 1001, 99999, 100000, 5, 6} {
		got = append(got, tx.position(n))
		want = append(want, "line "+strconv.Itoa(n))
	}
	for n := 1; n <= 100_000; n++ {
		got = append(got, tx.position(n))
		want = append(want, "line "+strconv.Itoa(n))
	}
	require.Equal(t, want, got)
}

// TestChooseFromReusesPresetPlans: the presets ChooseFrom lists after a user's mapping are not
// compiled again by a Builder (compiling folds every header name): they cost a copy each.
func TestChooseFromReusesPresetPlans(t *testing.T) {
	bank, err := ParseMapping(strings.NewReader(`{"columns": {"booking_date": "Booked on", "amount": "Money"}}`))
	require.NoError(t, err)
	maps, err := ChooseFrom(nil, "", []*Mapping{bank})
	require.NoError(t, err)
	require.Len(t, maps, 1+len(PresetNames()))
	plans, err := compileAll(maps)
	require.NoError(t, err)
	for i, p := range plans[1:] {
		assert.Equal(t, presetMappings()[i], p.m)
		assert.NotSame(t, presetMappings()[i], maps[1+i], "the caller's copies are its own")
	}
	// A preset the caller changed is compiled as it now is.
	maps[1].Currency = "TRY"
	changed, err := compileAll(maps)
	require.NoError(t, err)
	assert.Equal(t, payment.Currency("TRY"), changed[1].m.Currency)
	assert.Empty(t, presetMappings()[0].Currency)
	maps[1].Currency = ""
	bankOnly := testing.AllocsPerRun(20, func() { _, _ = compileAll([]*Mapping{bank}) })
	withPresets := testing.AllocsPerRun(20, func() { _, _ = compileAll(maps) })
	onePreset := testing.AllocsPerRun(20, func() { _, _ = compile(Presets()[0]) })
	assert.Less(t, withPresets-bankOnly, onePreset/2, "the presets' plans are copied, not compiled")
}
