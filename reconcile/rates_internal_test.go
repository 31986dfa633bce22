package reconcile

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRatesNeverRoundToAllOrNothing: 19,999 of 20,000 entries matched is not a match rate of 1, which
// a gate checking match_rate == 1 would take for "everything matched"; one of 20,000 is not 0.
func TestRatesNeverRoundToAllOrNothing(t *testing.T) {
	s := Summary{Entries: 20000, Exact: 19999,
		Currencies: []CurrencySummary{{Currency: "TRY", Entries: 20000, Matched: 19999, Amount: 2_000_000_000, MatchedAmount: 1_999_999_999}}}
	finishRates(&s)
	assert.Equal(t, 0.9999, s.MatchRate)
	assert.Equal(t, 0.9999, s.MatchRateAmount)

	s = Summary{Entries: 20000, Exact: 1,
		Currencies: []CurrencySummary{{Currency: "TRY", Entries: 20000, Matched: 1, Amount: 2_000_000_000, MatchedAmount: 1}}}
	finishRates(&s)
	assert.Equal(t, 0.0001, s.MatchRate)
	assert.Equal(t, 0.0001, s.MatchRateAmount)

	s = Summary{Entries: 3, Exact: 2, Currencies: []CurrencySummary{{Currency: "TRY", Entries: 3, Matched: 2, Amount: 300, MatchedAmount: 200}}}
	finishRates(&s)
	assert.Equal(t, 0.6667, s.MatchRate, "otherwise rounded to the nearest")
	s = Summary{Entries: 3, Exact: 3, Currencies: []CurrencySummary{{Currency: "TRY", Entries: 3, Matched: 3, Amount: 300, MatchedAmount: 300}}}
	finishRates(&s)
	assert.Equal(t, 1.0, s.MatchRate)
	assert.Equal(t, 1.0, s.MatchRateAmount)
}
