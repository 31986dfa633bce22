package csv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
)

// TestValuePastTheHeaderIsAnError: in a comma-separated file, an amount written with a decimal comma
// and no quotes (1234,56) splits into two cells; reading the first as the amount took 1234.00 for
// 1234.56 and dropped the rest without a word. A value in a column the header does not have is an
// error at its line; empty cells there (a trailing separator) are not.
func TestValuePastTheHeaderIsAnError(t *testing.T) {
	text := "Date,Description,Amount\n" +
		"2026-01-05,Rent,-1500.00\n" +
		"2026-01-06,Invoice 7,1234,56\n"
	_, err := csv.Decode(strings.NewReader(text), csv.Options{Preset: "en", Currency: "EUR"})
	require.Error(t, err)
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 3, pe.Line)
	assert.Contains(t, pe.Error(), `column 4 holds "56", but the header has 3 columns`)

	sts, err := csv.Decode(strings.NewReader("Date,Description,Amount\n2026-01-05,Rent,-1500.00,,\n"), csv.Options{Preset: "en", Currency: "EUR"})
	require.NoError(t, err, "empty cells past the header are a trailing separator")
	require.Len(t, sts, 1)
	assert.Equal(t, int64(150000), sts[0].Entries[0].Amount)
}
