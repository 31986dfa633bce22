package tabular

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

func TestParseNumberFormat(t *testing.T) {
	tests := []struct {
		in   string
		want reconcile.NumberFormat
		set  bool
	}{
		{"", reconcile.NumberFormat{}, false},
		{"auto", reconcile.NumberFormat{}, false},
		{"1.234,56", reconcile.NumberCommaDotted, true},
		{"1,234.56", reconcile.NumberDotGrouped, true},
		{"1234,56", reconcile.NumberComma, true},
		{"1234.56", reconcile.NumberDot, true},
		{"1'234.56", reconcile.NumberFormat{Decimal: '.', Thousands: '\''}, true},
		{"1 234,56", reconcile.NumberFormat{Decimal: ',', Thousands: ' '}, true},
		{"-1.234.567,8", reconcile.NumberCommaDotted, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			f, set, err := parseNumberFormat(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.set, set)
			assert.Equal(t, tc.want, f)
		})
	}
	for _, bad := range []string{"1.500", "1234", "1.234.567", "1,234,56.7.8", "1x2", "1.234,5,6"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, _, err := parseNumberFormat(bad)
			assert.Error(t, err)
		})
	}
}

func TestParseAmount(t *testing.T) {
	tr := numFmt{NumberFormat: reconcile.NumberCommaDotted}
	en := numFmt{NumberFormat: reconcile.NumberDotGrouped}
	xl := numFmt{NumberFormat: reconcile.NumberDot, canonical: true}
	fr := numFmt{NumberFormat: reconcile.NumberFormat{Decimal: ',', Thousands: ' '}}
	tests := []struct {
		name string
		in   string
		f    numFmt
		mu   int
		want int64
		cur  string
		err  error
	}{
		{"turkish", "1.234,56", tr, 2, 123456, "", nil},
		{"turkish negative", "-14.000,00", tr, 2, -1400000, "", nil},
		{"turkish no thousands", "125430,50", tr, 2, 12543050, "", nil},
		{"TL suffix", "1.500,50 TL", tr, 2, 150050, "TRY", nil},
		{"TL suffix no space", "150,00TL", tr, 2, 15000, "TRY", nil},
		{"lira sign", "₺150,00", tr, 2, 15000, "TRY", nil},
		{"negative lira sign", "-₺150,00", tr, 2, -15000, "TRY", nil},
		{"code prefix", "USD 5", en, 2, 500, "USD", nil},
		{"euro suffix", "12,50 €", tr, 2, 1250, "EUR", nil},
		{"trailing minus", "150,00-", tr, 2, -15000, "", nil},
		{"parentheses", "(1,234.56)", en, 2, -123456, "", nil},
		{"nbsp", "\u00a01.234,56\u00a0", tr, 2, 123456, "", nil},
		{"english", "1,234.56", en, 2, 123456, "", nil},
		{"french", "1 234 567,89", fr, 2, 123456789, "", nil},
		{"french no-break space", "-1\u00a0234,56\u00a0€", fr, 2, -123456, "EUR", nil},
		{"french narrow no-break space", "12\u202f345,00", fr, 2, 1234500, "", nil},
		{"no-break space is no turkish grouping", "1\u00a0234,56", tr, 2, 0, "", reconcile.ErrAmountSyntax},
		{"yen", "1,234", en, 0, 1234, "", nil},
		{"dinar", "1.234,567", tr, 3, 1234567, "", nil},
		{"too precise", "1,234", tr, 2, 0, "", reconcile.ErrAmountPrecision},
		{"bad grouping", "12.50", tr, 2, 0, "", reconcile.ErrAmountSyntax},
		{"double sign", "-150,00-", tr, 2, 0, "", reconcile.ErrAmountSyntax},
		{"unknown code", "150,00 XYZ", tr, 2, 0, "", reconcile.ErrAmountSyntax},
		{"empty", " ", tr, 2, 0, "", reconcile.ErrAmountSyntax},
		{"excel number", "1234.5", xl, 2, 123450, "", nil},
		{"excel integer", "-14000", xl, 2, -1400000, "", nil},
		{"excel float noise", "1234.5599999999999", xl, 2, 123456, "", nil},
		{"excel float noise up", "0.30000000000000004", xl, 2, 30, "", nil},
		{"excel exponent", "1.5E+3", xl, 2, 150000, "", nil},
		{"excel small exponent", "1.2E-2", xl, 2, 0, "", reconcile.ErrAmountPrecision},
		{"excel real precision", "1.234", xl, 2, 0, "", reconcile.ErrAmountPrecision},
		{"a number cell with trailing zeros (not Excel's writing)", "1.500", xl, 2, 150, "", nil},
		{"excel no grouping", "1,234.5", xl, 2, 0, "", reconcile.ErrAmountSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, cur, err := parseAmount(tc.in, tc.f, tc.mu)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
			assert.Equal(t, tc.cur, cur)
		})
	}
}

func TestParseAmountDoesNotAllocate(t *testing.T) {
	f := numFmt{NumberFormat: reconcile.NumberCommaDotted}
	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := parseAmount("-1.234,56 TL", f, 2); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestNumStateReadings(t *testing.T) {
	var n numState
	n.fmts, n.mask = autoFormats(), 0b111
	ok, vals, agree := n.readings("1.500", 2, n.mask)
	assert.Equal(t, uint8(0b111), ok)
	assert.False(t, agree)
	assert.Equal(t, [3]int64{150000, 150, 150}, [3]int64(vals[:3]))
	ok, _, agree = n.readings("1500", 2, n.mask)
	assert.Equal(t, uint8(0b111), ok)
	assert.True(t, agree)
	ok, _, _ = n.readings("1.234,56", 2, n.mask)
	assert.Equal(t, uint8(0b001), ok)
	ok, _, _ = n.readings("11'373.94", 2, n.mask)
	assert.Equal(t, uint8(0b100), ok)
}

// TestTrimSpace checks trimSpace, and its shortcut for cells with nothing to trim, against a plain
// loop that cuts spaces, tabs, line breaks and no-break spaces from both ends.
func TestTrimSpace(t *testing.T) {
	slow := func(s string) string {
		for {
			switch {
			case strings.HasPrefix(s, "\u00a0"):
				s = s[2:]
			case strings.HasSuffix(s, "\u00a0"):
				s = s[:len(s)-2]
			case s != "" && strings.IndexByte(" \t\r\n", s[0]) >= 0:
				s = s[1:]
			case s != "" && strings.IndexByte(" \t\r\n", s[len(s)-1]) >= 0:
				s = s[:len(s)-1]
			default:
				return s
			}
		}
	}
	ends := []string{"", " ", "\t", "\r\n", "\u00a0", " \u00a0 ", "\xc2", "\xa0", "\x00", "é"}
	for _, mid := range []string{"", "x", "1.234,56", "\u00a0x\u00a0", "a b", "\xc2\xa0"} {
		for _, pre := range ends {
			for _, post := range ends {
				s := pre + mid + post
				assert.Equal(t, slow(s), trimSpace(s), "%q", s)
			}
		}
	}
}
