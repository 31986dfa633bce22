package reconcile

import "testing"

// FuzzParsePlain: where the shortcut for plain amounts answers, it gives what the full parser gives.
func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{"60451.15", "0,5", "12", "9,", "1.234,56", "123456789012345678", "99999999999999.9999",
		"999999999999999.9999", "1234567890123456789", "00012.34", ".5", "-1.00", "1e5"} {
		for mu := range 5 {
			f.Add(s, byte('.'), byte(0), uint8(mu))
			f.Add(s, byte(','), byte('.'), uint8(mu))
		}
	}
	f.Fuzz(func(t *testing.T, s string, decimal, thousands byte, mu uint8) {
		nf, minor := NumberFormat{Decimal: decimal, Thousands: thousands}, int(mu)%5
		v, ok := parsePlain(s, nf, minor)
		if !ok {
			return
		}
		want, err := parseMinor(s, nf, minor)
		if err != nil || v != want {
			t.Fatalf("parsePlain(%q, %q, %d) = %d, parseMinor = %d, %v", s, nf, minor, v, want, err)
		}
	})
}

// TestParsePlainTakesThePlainAmounts: the shortcut answers for the amounts it is for, and leaves
// the rest to the full parser.
func TestParsePlainTakesThePlainAmounts(t *testing.T) {
	for _, c := range []struct {
		s    string
		f    NumberFormat
		mu   int
		want int64
		ok   bool
	}{
		{"60451.15", NumberDot, 2, 6045115, true},
		{"60451,15", NumberCommaDotted, 2, 6045115, true},
		{"12", NumberDot, 2, 1200, true},
		{"0.5", NumberDot, 2, 50, true},
		{"1234567890123456.78", NumberDot, 2, 123456789012345678, true},
		{"99999999999999.9999", NumberDot, 4, 999999999999999999, true},
		{"999999999999999.9999", NumberDot, 4, 0, false}, // 19 digits in minor units
		{"9,", NumberComma, 2, 0, false},
		{"1.234,56", NumberCommaDotted, 2, 0, false},
		{"1.5", NumberDot, 0, 0, false}, // more decimals than the currency has
		{"-1.00", NumberDot, 2, 0, false},
		{".5", NumberDot, 2, 0, false},
		{"", NumberDot, 2, 0, false},
	} {
		v, ok := parsePlain(c.s, c.f, c.mu)
		if ok != c.ok || v != c.want {
			t.Errorf("parsePlain(%q, %q, %d) = %d, %v; want %d, %v", c.s, c.f, c.mu, v, ok, c.want, c.ok)
		}
	}
}
