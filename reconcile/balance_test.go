package reconcile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

func TestCheckBalancesAddsUp(t *testing.T) {
	st := reconcile.Statement{Currency: "TRY", Opening: 10000, HasOpening: true, Closing: 11250, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: 1500, Direction: reconcile.Credit, Currency: "TRY"}, {Amount: 250, Direction: reconcile.Debit}}}
	assert.Nil(t, st.CheckBalances())
	assert.Empty(t, st.Warnings)
}

// An entry in another currency cannot be added to the statement's balances: 12.50 USD is not
// 12.50 TRY, and a statement whose balances only add up when it is must not pass unremarked.
func TestCheckBalancesEntryInAnotherCurrency(t *testing.T) {
	st := reconcile.Statement{Currency: "TRY", Opening: 10000, HasOpening: true, Closing: 11250, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: 1250, Direction: reconcile.Credit, Currency: "USD"}}}
	assert.Nil(t, st.CheckBalances(), "not a mismatch: the balances could not be checked")
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.WarningBalanceUnchecked, st.Warnings[0].Code)
	assert.Equal(t, "the balances were not checked: 1 entry is in USD, not in the statement's TRY", st.Warnings[0].Message)
	assert.Empty(t, st.Warnings[0].DifferenceText("TRY"))

	st = reconcile.Statement{Currency: "TRY", Opening: 10000, HasOpening: true, Closing: 10000, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: 1, Currency: "USD"}, {Amount: 1, Direction: reconcile.Debit, Currency: "EUR"}}}
	assert.Nil(t, st.CheckBalances())
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, "the balances were not checked: 2 entries are in USD, EUR, not in the statement's TRY", st.Warnings[0].Message)
}

// A running balance beyond the int64 range of minor units is a mismatch told as such, not a sum
// that wrapped around or stopped part-way.
func TestCheckBalancesOverflow(t *testing.T) {
	const maxMinor = 1<<63 - 1
	st := reconcile.Statement{Currency: "EUR", Opening: maxMinor, HasOpening: true, Closing: 0, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: 1, Direction: reconcile.Credit}}}
	w := st.CheckBalances()
	require.NotNil(t, w)
	assert.Equal(t, reconcile.WarningBalanceMismatch, w.Code)
	assert.Equal(t, "opening balance 92233720368547758.07 plus entries leaves the range of amounts "+
		"(-92233720368547758.08 to 92233720368547758.07); the closing balance is 0.00", w.Message)
	assert.Zero(t, w.Difference)
	assert.Empty(t, w.DifferenceText("EUR"), "no difference to give")

	// Below the range, at the last of two entries: the message says neither "beyond the largest" nor
	// "before the last entry".
	st = reconcile.Statement{Currency: "EUR", Opening: 10000, HasOpening: true, Closing: 10000, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: maxMinor, Direction: reconcile.Debit}, {Amount: maxMinor, Direction: reconcile.Debit}}}
	w = st.CheckBalances()
	require.NotNil(t, w)
	assert.Equal(t, "opening balance 100.00 plus entries leaves the range of amounts "+
		"(-92233720368547758.08 to 92233720368547758.07); the closing balance is 100.00", w.Message)

	// The sum fits, the difference does not: it is left out.
	st = reconcile.Statement{Currency: "EUR", Opening: -maxMinor, HasOpening: true, Closing: maxMinor, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: 1, Direction: reconcile.Debit}}}
	w = st.CheckBalances()
	require.NotNil(t, w)
	assert.Equal(t, "opening balance -92233720368547758.07 plus entries -0.01 is -92233720368547758.08, "+
		"but the closing balance is 92233720368547758.07", w.Message)
	assert.Zero(t, w.Difference)
	assert.Empty(t, w.DifferenceText("EUR"))

	// The sum fits, the entries' total does not: it is left out, not wrapped to -0.02.
	st = reconcile.Statement{Currency: "EUR", Opening: -maxMinor, HasOpening: true, Closing: 0, HasClosing: true,
		Entries: []reconcile.Entry{{Amount: maxMinor, Direction: reconcile.Credit}, {Amount: maxMinor, Direction: reconcile.Credit}}}
	w = st.CheckBalances()
	require.NotNil(t, w)
	assert.Equal(t, "opening balance -92233720368547758.07 plus entries is 92233720368547758.07, "+
		"but the closing balance is 0.00", w.Message)

	// At the edge, the difference fits.
	st = reconcile.Statement{Currency: "EUR", Opening: maxMinor, HasOpening: true, Closing: -1, HasClosing: true}
	st.Entries = []reconcile.Entry{{Amount: 0, Direction: reconcile.Credit}}
	w = st.CheckBalances()
	require.NotNil(t, w)
	assert.Equal(t, int64(-1<<63), w.Difference)
	assert.Equal(t, "; difference (closing − opening − entries): -92233720368547758.08 EUR", w.DifferenceText("EUR"))
}
