package tabular_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// Every test that builds through build also streams; these are the cases that only streaming has,
// and balances at the edge of int64, where streaming must replay CheckBalances' overflow exactly.

func TestStreamBalancesAtTheEdge(t *testing.T) {
	const maxAmount = "92233720368547758,07" // math.MaxInt64 kuruş
	tests := []struct {
		name  string
		lines []string
	}{
		{"a running balance overflows", []string{
			"01.02.2026;" + maxAmount + ";" + maxAmount, "02.02.2026;1,00;1,00"}},
		{"newest first, overflowing", []string{
			"02.02.2026;1,00;1,00", "01.02.2026;" + maxAmount + ";" + maxAmount}},
		{"negative overflow", []string{
			"01.02.2026;-" + maxAmount + ";-" + maxAmount, "02.02.2026;-1,00;1,00"}},
		{"net movement beyond int64, balances within", []string{
			"01.02.2026;" + maxAmount + ";0,00", "02.02.2026;1,00;2,00"}},
		{"opening balance the least int64", []string{
			"01.02.2026;0,01;-" + maxAmount, "02.02.2026;" + maxAmount + ";0,05"}},
		{"in balance", []string{"01.02.2026;" + maxAmount + ";0,00", "02.02.2026;1,00;1,00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := build(t, tabular.Options{Currency: "TRY"}, append([]string{"Tarih;Tutar;Bakiye"}, tc.lines...)...)
			require.NoError(t, err)
			require.Len(t, sts, 1)
			assert.True(t, sts[0].HasOpening && sts[0].HasClosing, "balances derived")
		})
	}
}

func TestStreamSkippedRows(t *testing.T) {
	lines := []string{"Tarih;Açıklama;Tutar"}
	for range 8 {
		lines = append(lines, "01.02.2026;limit değişikliği;")
	}
	lines = append(lines, "02.02.2026;x;1,00")
	sts, err := build(t, tabular.Options{Currency: "TRY"}, lines...)
	require.NoError(t, err)
	assert.Equal(t, "8 rows with a date but no amount were skipped (line 2, line 3, line 4, line 5, line 6, …)",
		sts[0].Warnings[0].Message)
	_, err = build(t, tabular.Options{Currency: "TRY", Strict: true}, lines...)
	assert.ErrorContains(t, err, "csv: line 2: 8 rows with a date but no amount were skipped")
}

func TestStreamStopsAtTheCallersError(t *testing.T) {
	lines := [][]string{{"Date", "Currency", "Amount"}, {"2026-02-01", "EUR", "1.00"}, {"2026-02-02", "USD", "2.00"},
		{"2026-02-03", "EUR", "3.00"}}
	stop := errors.New("stop")
	for _, at := range []int{1, 2, 3, 4} { // entries 1 to 3, then the end of the first statement
		t.Run(strings.Repeat("x", at), func(t *testing.T) {
			calls := 0
			b, err := tabular.NewBuilder(tabular.Options{Format: "csv", Stream: func(st *reconcile.Statement, e *reconcile.Entry) error {
				calls++
				if calls == at {
					return stop
				}
				return nil
			}})
			require.NoError(t, err)
			for i, row := range lines {
				if !b.Row(i+1, row) {
					assert.Equal(t, at, i, "Row reports false after the row whose entry was refused")
					break
				}
			}
			sts, err := b.Finish()
			assert.Same(t, stop, err, "returned as is")
			assert.Nil(t, sts)
			assert.Equal(t, at, calls, "no call after the error")
		})
	}
}

func TestStreamHandsOverNothingAfterAProblem(t *testing.T) {
	var got []string
	b, err := tabular.NewBuilder(tabular.Options{Format: "csv", Currency: "TRY", Stream: func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			got = append(got, "end")
		} else {
			got = append(got, e.Position)
		}
		return nil
	}})
	require.NoError(t, err)
	for i, l := range []string{"Tarih;Tutar", "01.02.2026;1,00", "02.02.2026;x", "03.02.2026;3,00", "04.02.2026;y"} {
		b.Row(i+1, strings.Split(l, ";"))
	}
	_, err = b.Finish()
	assert.ErrorIs(t, err, reconcile.ErrParse)
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 2, "every problem is still collected")
	assert.Equal(t, []string{"line 2"}, got)
}
