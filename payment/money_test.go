package payment_test

import (
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/orkesta/orkesta/payment"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCurrencyTable(t *testing.T) {
	cases := []struct {
		code  string
		minor int
		valid bool
	}{
		{"TRY", 2, true}, {"USD", 2, true}, {"EUR", 2, true}, {"JPY", 0, true}, {"KRW", 0, true},
		{"KWD", 3, true}, {"BHD", 3, true}, {"TND", 3, true}, {"UYW", 4, true},
		{"CLF", 4, false}, // fund code
		{"XAU", -1, false}, {"XXX", -1, false}, {"XTS", -1, false},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			cur := payment.Currency(c.code)
			assert.Equal(t, c.minor, cur.MinorUnits())
			assert.Equal(t, c.valid, cur.Valid())
			_, err := payment.ParseCurrency(c.code)
			assert.Equal(t, c.valid, err == nil, "%v", err)
		})
	}
	for _, bad := range []string{"", "try", "TRYY", "TR", "ZWL", "HRK", "BGN", "ANG"} {
		_, err := payment.ParseCurrency(bad)
		assert.ErrorIs(t, err, payment.ErrInvalid, bad)
	}
	all := payment.Currencies()
	assert.Len(t, all, 178-13-9, "every active code less the 13 without minor units and the 9 fund codes")
	assert.True(t, slicesSorted(all))
	assert.Equal(t, 949, payment.Currency("TRY").Numeric())
	assert.Equal(t, "Turkish Lira", payment.Currency("TRY").Name())
}

func slicesSorted(cs []payment.Currency) bool {
	for i := 1; i < len(cs); i++ {
		if cs[i-1] >= cs[i] {
			return false
		}
	}
	return true
}

func TestParseMinor(t *testing.T) {
	ok := []struct {
		text string
		cur  payment.Currency
		want int64
	}{
		{"12.34", "TRY", 1234}, {"12.3", "TRY", 1230}, {"12", "TRY", 1200}, {"0.01", "TRY", 1},
		{"-0.05", "TRY", -5}, {"+7", "TRY", 700}, {"1000", "JPY", 1000}, {"0.125", "KWD", 125},
		{"12.340", "TRY", 1234}, {"92233720368547758.07", "TRY", math.MaxInt64},
		{"-92233720368547758.08", "TRY", math.MinInt64}, {"9223372036854775807", "JPY", math.MaxInt64},
		{"1.2345", "UYW", 12345}, {".5", "TRY", 50}, {"5.", "TRY", 500},
	}
	for _, c := range ok {
		t.Run(c.text+c.cur.String(), func(t *testing.T) {
			got, err := payment.ParseMinor(c.text, c.cur)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
	bad := []struct {
		text string
		cur  payment.Currency
	}{
		{"12.345", "TRY"}, {"1.5", "JPY"}, {"0.0001", "KWD"}, {"1e3", "TRY"}, {"1,000.00", "TRY"},
		{"12,34", "TRY"}, {"", "TRY"}, {"-", "TRY"}, {".", "TRY"}, {" 1", "TRY"}, {"1 ", "TRY"},
		{"NaN", "TRY"}, {"Inf", "TRY"}, {"0x10", "TRY"}, {"92233720368547758.08", "TRY"},
		{"1.2.3", "TRY"}, {"1", "XAU"}, {"1", "ZZZ"}, {"١٢", "TRY"},
	}
	for _, c := range bad {
		t.Run("bad/"+c.text+c.cur.String(), func(t *testing.T) {
			_, err := payment.ParseMinor(c.text, c.cur)
			assert.ErrorIs(t, err, payment.ErrInvalid)
		})
	}
}

func TestFormatMinor(t *testing.T) {
	cases := []struct {
		minor int64
		cur   payment.Currency
		want  string
	}{
		{123456, "TRY", "1234.56"}, {5, "TRY", "0.05"}, {-5, "TRY", "-0.05"}, {0, "TRY", "0.00"},
		{1000, "JPY", "1000"}, {1, "KWD", "0.001"}, {math.MaxInt64, "TRY", "92233720368547758.07"},
		{math.MinInt64, "TRY", "-92233720368547758.08"}, {12345, "UYW", "1.2345"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, payment.FormatMinor(c.minor, c.cur))
		back, err := payment.ParseMinor(c.want, c.cur)
		require.NoError(t, err)
		assert.Equal(t, c.minor, back, "round trip of %s", c.want)
	}
	assert.Equal(t, "1250.00 TRY", payment.Amount{Minor: 125000, Currency: "TRY"}.String())
}

func TestAmountArithmetic(t *testing.T) {
	a := payment.Amount{Minor: math.MaxInt64 - 1, Currency: "TRY"}
	s, err := a.Add(payment.Amount{Minor: 1, Currency: "TRY"})
	require.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), s.Minor)
	_, err = s.Add(payment.Amount{Minor: 1, Currency: "TRY"})
	assert.ErrorIs(t, err, payment.ErrOverflow)
	_, err = a.Add(payment.Amount{Minor: 1, Currency: "EUR"})
	assert.Error(t, err)
	_, ok := payment.AddMinor(math.MinInt64, -1)
	assert.False(t, ok)

	// comparable and usable as a map key
	m := map[payment.Amount]int{{Minor: 100, Currency: "TRY"}: 1}
	m[payment.Amount{Minor: 100, Currency: "TRY"}]++
	assert.Equal(t, 2, m[payment.Amount{Minor: 100, Currency: "TRY"}])
	assert.NotEqual(t, payment.Amount{Minor: 100, Currency: "TRY"}, payment.Amount{Minor: 100, Currency: "EUR"})

	var tot payment.Totals
	require.NoError(t, tot.Add(payment.Amount{Minor: 5, Currency: "USD"}))
	require.NoError(t, tot.Add(payment.Amount{Minor: math.MaxInt64 - 10, Currency: "TRY"}))
	require.NoError(t, tot.Add(payment.Amount{Minor: 7, Currency: "USD"}))
	assert.ErrorIs(t, tot.Add(payment.Amount{Minor: 11, Currency: "TRY"}), payment.ErrOverflow)
	assert.Equal(t, []payment.Total{{Currency: "TRY", Count: 1, Sum: math.MaxInt64 - 10}, {Currency: "USD", Count: 2, Sum: 12}}, tot.List())
}

// plainDecimal is the syntax ParseMinor documents: a sign, digits and at most one decimal point.
var plainDecimal = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// FuzzParseMinor: parsing never panics, agrees with shopspring/decimal, and formatting round-trips.
func FuzzParseMinor(f *testing.F) {
	for _, s := range []string{"12.34", "0.001", "-5", "92233720368547758.07", "1e3", "", ".", "12.345"} {
		f.Add(s, uint8(0))
	}
	curs := []payment.Currency{"TRY", "JPY", "KWD", "UYW"}
	f.Fuzz(func(t *testing.T, s string, ci uint8) {
		cur := curs[int(ci)%len(curs)]
		got, err := payment.ParseMinor(s, cur)
		if err != nil {
			// refused: only for syntax, or for a value decimal would round or that does not fit
			if d, derr := decimal.NewFromString(s); derr == nil && plainDecimal.MatchString(s) {
				v := d.Shift(int32(cur.MinorUnits()))
				require.False(t, v.IsInteger() && v.Abs().LessThan(decimal.NewFromInt(math.MaxInt64)), "refused %q (%s): %v", s, cur, err)
			}
			return
		}
		d, derr := decimal.NewFromString(s)
		require.NoError(t, derr, "accepted %q that decimal rejects", s)
		want := d.Shift(int32(cur.MinorUnits()))
		require.True(t, want.IsInteger())
		require.Equal(t, want.String(), strconv.FormatInt(got, 10), "%q", s)
		back, err := payment.ParseMinor(payment.FormatMinor(got, cur), cur)
		require.NoError(t, err)
		require.Equal(t, got, back)
	})
}

// TestParseMinorCurrencyReasons: a code ISO lists without minor units is not called unknown.
func TestParseMinorCurrencyReasons(t *testing.T) {
	for cur, want := range map[payment.Currency]string{
		"XAU": "payment: currency: XAU has no minor units and cannot be paid in",
		"XXX": "payment: currency: XXX has no minor units and cannot be paid in",
		"ZZZ": `payment: currency: unknown currency "ZZZ"`,
		"":    `payment: currency: unknown currency ""`,
	} {
		_, err := payment.ParseMinor("1", cur)
		require.Error(t, err)
		assert.Equal(t, want, err.Error())
		assert.ErrorIs(t, err, payment.ErrInvalid)
	}
}
