package reconcile_test

import (
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

func TestParseMinor(t *testing.T) {
	dot, comma := reconcile.NumberDot, reconcile.NumberComma
	grouped, dotted := reconcile.NumberDotGrouped, reconcile.NumberCommaDotted
	tests := []struct {
		name  string
		in    string
		f     reconcile.NumberFormat
		minor int
		want  int64
		err   error
	}{
		{"MT940 amount", "1234,56", comma, 2, 123456, nil},
		{"MT940 amount without decimals", "9,", comma, 2, 900, nil},
		{"MT940 one decimal", "11,8", comma, 2, 1180, nil},
		{"MT940 zero padded", "000000000025,00", comma, 2, 2500, nil},
		{"zero", "0,00", comma, 2, 0, nil},
		{"negative", "-12.50", dot, 2, -1250, nil},
		{"plus sign", "+5", dot, 2, 500, nil},
		{"negative zero", "-0", dot, 2, 0, nil},
		{"integer", "1000", dot, 2, 100000, nil},
		{"Turkish thousands dot", "1.234,56", dotted, 2, 123456, nil},
		{"Turkish millions", "-14.000.000,00", dotted, 2, -1400000000, nil},
		{"1.500 with thousands dot is 1500", "1.500", dotted, 2, 150000, nil},
		{"1.500 with decimal dot is 1.5", "1.500", dot, 2, 150, nil},
		{"English grouping", "1,234,567.89", grouped, 2, 123456789, nil},
		{"grouping is optional", "1234567.89", grouped, 2, 123456789, nil},
		{"trailing zeros past the precision", "18.150", dot, 2, 1815, nil},
		{"JPY", "2700", dot, 0, 2700, nil},
		{"JPY with a zero fraction", "2700.0", dot, 0, 2700, nil},
		{"KWD", "1.234", dot, 3, 1234, nil},
		{"four decimals", "1.2345", dot, 4, 12345, nil},
		{"decimal mark then nothing", "5.", dot, 2, 500, nil},
		{"largest", "92233720368547758.07", dot, 2, math.MaxInt64, nil},
		{"most negative accepted", "-92233720368547758.07", dot, 2, -math.MaxInt64, nil},
		{"largest integer", "9223372036854775807", dot, 0, math.MaxInt64, nil},

		{"more decimals than TRY", "18.155", dot, 2, 0, reconcile.ErrAmountPrecision},
		{"fraction in JPY", "1.5", dot, 0, 0, reconcile.ErrAmountPrecision},
		{"1.500 is 1.5 JPY", "1.500", dot, 0, 0, reconcile.ErrAmountPrecision},
		{"five minor units unsupported", "1", dot, 5, 0, reconcile.ErrAmountPrecision},
		{"negative minor units", "1", dot, -1, 0, reconcile.ErrAmountPrecision},
		{"one past the largest", "92233720368547758.08", dot, 2, 0, reconcile.ErrAmountRange},
		{"MinInt64 is out of the symmetric range", "-9223372036854775808", dot, 0, 0, reconcile.ErrAmountRange},
		{"scaling overflows", "92233720368547759", dot, 2, 0, reconcile.ErrAmountRange},
		{"huge", strings.Repeat("9", 40), dot, 2, 0, reconcile.ErrAmountRange},

		{"empty", "", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"sign only", "-", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"no integer part", ".5", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"comma without thousands", "1,5", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"two decimal marks", "1.2.3", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"group of two", "1,23", grouped, 2, 0, reconcile.ErrAmountSyntax},
		{"first group of four", "1234,567.00", grouped, 2, 0, reconcile.ErrAmountSyntax},
		{"group after the decimal mark", "1.234,56", grouped, 2, 0, reconcile.ErrAmountSyntax},
		{"leading separator", ",123", grouped, 2, 0, reconcile.ErrAmountSyntax},
		{"trailing separator", "123,", grouped, 2, 0, reconcile.ErrAmountSyntax},
		{"space", "1 000", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"exponent", "1e5", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"currency suffix", "1,00 TL", dotted, 2, 0, reconcile.ErrAmountSyntax},
		{"Arabic-Indic digit", "١٢", dot, 2, 0, reconcile.ErrAmountSyntax},
		{"double sign", "--1", dot, 2, 0, reconcile.ErrAmountSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := reconcile.ParseMinor(tt.in, tt.f, tt.minor)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseMinorDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = reconcile.ParseMinor("1.234.567,89", reconcile.NumberCommaDotted, 2)
		_, _ = reconcile.ParseMinor("1.5", reconcile.NumberDot, 0)
	})
	assert.Zero(t, allocs)
}

var formats = []reconcile.NumberFormat{reconcile.NumberDot, reconcile.NumberComma, reconcile.NumberDotGrouped, reconcile.NumberCommaDotted}

// plain matches, per decimal mark, an amount with one optional sign, digits and at most one
// decimal mark: ParseMinor must never call it a syntax error.
var plain = map[byte]*regexp.Regexp{
	'.': regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]*)?$`),
	',': regexp.MustCompile(`^[+-]?[0-9]+(,[0-9]*)?$`),
}

// FuzzParseMinorMatchesDecimal is the differential test: on every input ParseMinor accepts it gives
// exactly shopspring/decimal's value; when it refuses for precision decimal would have had to round;
// when it refuses for range the value is outside ±MaxInt64; and it never refuses a plain amount that
// decimal reads and that fits.
func FuzzParseMinorMatchesDecimal(f *testing.F) {
	for _, s := range []string{"1234,56", "9,", "-12.50", "1.234,56", "1,234,567.89", "18.150", "18.155",
		"92233720368547758.07", "92233720368547758.08", "-9223372036854775808", "0", "+0.001", "5.", "00012.3400",
		"123456789012345678", "1234567890123456.78", "99999999999999.9999", "999999999999999.9999",
		"1234567890123456789", "0.5", "60451.15"} {
		for i := range formats {
			for mu := range 5 {
				f.Add(s, uint8(i), uint8(mu))
			}
		}
	}
	maxInt := decimal.NewFromInt(math.MaxInt64)
	f.Fuzz(func(t *testing.T, s string, fi, mu uint8) {
		nf := formats[int(fi)%len(formats)]
		minor := int(mu) % 5
		got, err := reconcile.ParseMinor(s, nf, minor)

		// The same text in decimal's syntax: grouping removed, the decimal mark a dot, no plus sign.
		canon := s
		if nf.Thousands != 0 {
			canon = strings.ReplaceAll(canon, string(nf.Thousands), "")
		}
		canon = strings.Replace(canon, string(nf.Decimal), ".", 1)
		canon = strings.TrimPrefix(canon, "+")
		d, derr := decimal.NewFromString(canon)
		shifted := d.Shift(int32(minor))

		switch {
		case err == nil:
			if derr != nil {
				t.Fatalf("ParseMinor(%q) = %d but decimal refuses %q: %v", s, got, canon, derr)
			}
			if !shifted.IsInteger() || !shifted.Equal(decimal.NewFromInt(got)) {
				t.Fatalf("ParseMinor(%q, %d) = %d, decimal says %s", s, minor, got, shifted)
			}
		case errors.Is(err, reconcile.ErrAmountPrecision):
			if derr != nil || shifted.IsInteger() {
				t.Fatalf("ParseMinor(%q, %d): precision error, but decimal reads %s (err %v)", s, minor, shifted, derr)
			}
		case errors.Is(err, reconcile.ErrAmountRange):
			if derr != nil || shifted.Abs().LessThanOrEqual(maxInt) {
				t.Fatalf("ParseMinor(%q, %d): range error, but decimal reads %s (err %v)", s, minor, shifted, derr)
			}
		case errors.Is(err, reconcile.ErrAmountSyntax):
			if plain[nf.Decimal].MatchString(s) {
				t.Fatalf("ParseMinor(%q, %d) calls a plain amount a syntax error (decimal reads %s, err %v)", s, minor, shifted, derr)
			}
		default:
			t.Fatalf("ParseMinor(%q): unexpected error %v", s, err)
		}
	})
}

func TestFormatAmountErrorKeepsTheCause(t *testing.T) {
	for _, cause := range []error{reconcile.ErrAmountSyntax, reconcile.ErrAmountPrecision, reconcile.ErrAmountRange} {
		err := reconcile.FormatAmountError("12,345", cause)
		require.ErrorIs(t, err, cause)
		require.Equal(t, `"12,345": `+cause.Error(), err.Error())
	}
}
