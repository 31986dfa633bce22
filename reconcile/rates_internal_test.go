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

// TestAmountRateBeyondFloatPrecision: one kuruş unmatched beside 2^60 matched is not a rate of 1,
// though float64 cannot tell the two totals apart; nor is a second currency fully matched enough
// to round a first one's shortfall away.
func TestAmountRateBeyondFloatPrecision(t *testing.T) {
	s := Summary{Entries: 2, Exact: 1,
		Currencies: []CurrencySummary{{Currency: "TRY", Entries: 2, Matched: 1, Amount: 1<<60 + 1, MatchedAmount: 1 << 60}}}
	finishRates(&s)
	assert.Equal(t, 0.5, s.MatchRate)
	assert.Equal(t, 0.9999, s.MatchRateAmount)

	s = Summary{Entries: 4, Exact: 3, Currencies: []CurrencySummary{
		{Currency: "EUR", Entries: 2, Matched: 2, Amount: 500, MatchedAmount: 500},
		{Currency: "TRY", Entries: 2, Matched: 1, Amount: 1<<60 + 1, MatchedAmount: 1 << 60}}}
	finishRates(&s)
	assert.Equal(t, 0.9999, s.MatchRateAmount)
}
