package tabular

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

func TestReadDate(t *testing.T) {
	auto := dateSpec{orders: bothOrders}
	dmy := dateSpec{orders: dayFirst}
	mdy := dateSpec{orders: monthFirst}
	excel := dateSpec{orders: dayFirst, excel: true}
	tests := []struct {
		in     string
		spec   dateSpec
		want   string
		orders uint8 // orders that accept it; bothOrders for self-describing forms
	}{
		{"02.01.2026", dmy, "2026-01-02", dayFirst},
		{"2.1.2026", dmy, "2026-01-02", dayFirst},
		{"02/01/2026", dmy, "2026-01-02", dayFirst},
		{"02-01-2026", dmy, "2026-01-02", dayFirst},
		{"02.01.26", dmy, "2026-01-02", dayFirst},
		{"02.01.99", dmy, "1999-01-02", dayFirst},
		{"01/02/2026", mdy, "2026-01-02", monthFirst},
		{"2026-01-02", dmy, "2026-01-02", bothOrders},
		{"2026.01.02", mdy, "2026-01-02", bothOrders},
		{"2026/1/2", auto, "2026-01-02", bothOrders},
		{"20260102", dmy, "2026-01-02", bothOrders},
		{"02.01.2026 14:35", dmy, "2026-01-02", dayFirst},
		{"02.01.2026 14:35:59", dmy, "2026-01-02", dayFirst},
		{"2026-01-02T10:00:00+03:00", auto, "2026-01-02", bothOrders},
		{"02 Jan 2026", auto, "2026-01-02", bothOrders},
		{"02-Jan-2026", auto, "2026-01-02", bothOrders},
		{"Jan 2, 2026", auto, "2026-01-02", bothOrders},
		{"2 Ocak 2026", auto, "2026-01-02", bothOrders},
		{"29 Şubat 2028", auto, "2028-02-29", bothOrders},
		{"15/04/2026", auto, "2026-04-15", dayFirst},
		{"04/15/2026", auto, "2026-04-15", monthFirst},
		{"46024", excel, "2026-01-02", bothOrders},
		{"46024.75", excel, "2026-01-02", bothOrders},
		{"25569", excel, "1970-01-01", bothOrders},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := readDate(tc.in, tc.spec, false)
			require.NoError(t, err)
			assert.Equal(t, tc.orders, r.ok)
			assert.Equal(t, payment.MustDate(tc.want), r.value(r.ok))
		})
	}
}

func TestReadDateAmbiguous(t *testing.T) {
	r, err := readDate("03/04/2026", dateSpec{orders: bothOrders}, false)
	require.NoError(t, err)
	assert.Equal(t, bothOrders, r.ok)
	assert.False(t, r.agree(bothOrders))
	assert.Equal(t, payment.MustDate("2026-04-03"), r.value(dayFirst))
	assert.Equal(t, payment.MustDate("2026-03-04"), r.value(monthFirst))
	r, _ = readDate("04/04/2026", dateSpec{orders: bothOrders}, false)
	assert.True(t, r.agree(bothOrders), "the same date either way")
}

func TestReadDateErrors(t *testing.T) {
	tests := []struct {
		in   string
		spec dateSpec
		err  error
	}{
		{"32.01.2026", dateSpec{orders: dayFirst}, errDate},
		{"29.02.2026", dateSpec{orders: dayFirst}, errDate},
		{"15/04/2026", dateSpec{orders: monthFirst}, errDate},
		{"01.01.1969", dateSpec{orders: dayFirst}, errDateRange},
		{"2026-13-01", dateSpec{orders: dayFirst}, errDate},
		{"yesterday", dateSpec{orders: dayFirst}, errDate},
		{"02.01", dateSpec{orders: dayFirst}, errDate},
		{"02.01.2026x", dateSpec{orders: dayFirst}, errDate},
		{"46024", dateSpec{orders: dayFirst}, errDate}, // serials only where numbers are cells
		{"60", dateSpec{orders: dayFirst, excel: true}, errDate},
		{"100", dateSpec{orders: dayFirst, excel: true}, errDateRange},
		{"", dateSpec{orders: dayFirst}, errDate},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := readDate(tc.in, tc.spec, false)
			assert.ErrorIs(t, err, tc.err)
		})
	}
}

func TestExcelSerial(t *testing.T) {
	tests := []struct {
		n        int
		date1904 bool
		want     string
	}{
		{25569, false, "1970-01-01"},
		{46024, false, "2026-01-02"},
		{2958465, false, "9999-12-31"},
		{24107, true, "1970-01-01"},
		{44562, true, "2026-01-02"},
	}
	for _, tc := range tests {
		d, err := excelSerial(tc.n, tc.date1904)
		require.NoError(t, err)
		assert.Equal(t, tc.want, d.String(), "serial %d (1904: %v)", tc.n, tc.date1904)
	}
}

func TestParseDateFormat(t *testing.T) {
	tests := []struct {
		in   string
		want dateSpec
	}{
		{"", dateSpec{orders: bothOrders}},
		{"02.01.2006", dateSpec{orders: dayFirst}},
		{"DD/MM/YYYY", dateSpec{orders: dayFirst}},
		{"dd.mm.yy", dateSpec{orders: dayFirst}},
		{"01/02/2006", dateSpec{orders: monthFirst}},
		{"MM/DD/YYYY", dateSpec{orders: monthFirst}},
		{"2006-01-02", dateSpec{orders: bothOrders}},
		{"YYYY-MM-DD", dateSpec{orders: bothOrders}},
		{"excel", dateSpec{orders: bothOrders, excel: true}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseDateFormat(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := parseDateFormat("tomorrow")
	assert.Error(t, err)
}

// TestFixedDateAgreesWithGeneralPath checks the fast path for "2006-01-02" and "02.01.2006"
// against the general one on every kind of ten-character text: valid days in and around leap
// years, days and months out of range, years out of range, and a non-digit in each place.
func TestFixedDateAgreesWithGeneralPath(t *testing.T) {
	var texts []string
	for _, y := range []string{"1969", "1970", "1999", "2000", "2024", "2026", "2100", "9999", "0000"} {
		for _, m := range []string{"00", "01", "02", "04", "09", "10", "12", "13", "99"} {
			for _, d := range []string{"00", "01", "09", "28", "29", "30", "31", "32", "99"} {
				texts = append(texts, y+"-"+m+"-"+d, d+"."+m+"."+y, d+"/"+m+"/"+y, y+"."+m+"."+d)
			}
		}
	}
	for _, valid := range []string{"2026-05-27", "27.05.2026"} {
		for i := range len(valid) {
			for _, c := range []byte{'/', ':', ' ', 'a', '.', '-', '0' - 1, '9' + 1, 0xC3} {
				b := []byte(valid)
				b[i] = c
				texts = append(texts, string(b))
			}
		}
	}
	for _, spec := range []dateSpec{{orders: dayFirst}, {orders: monthFirst}, {orders: bothOrders}} {
		for _, s := range texts {
			got, gotErr := readDate(s, spec, false)
			want, wantErr := readDateText(trimSpace(s), spec)
			require.Equal(t, wantErr, gotErr, "%q %v", s, spec)
			require.Equal(t, want, got, "%q %v", s, spec)
		}
	}
}
