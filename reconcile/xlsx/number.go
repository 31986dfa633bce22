package xlsx

// Number cells.
//
// Excel keeps a number as a binary double and shows at most 15 significant digits of it, but
// writes the stored double into the file with up to 17: an amount typed as 1234.57 may be stored
// as "1234.5699999999999", and =0.1+0.2 as "0.30000000000000004". appendNumber reads such a text
// the way Excel shows it: rounded, in decimal and exactly (never through float64), to 15
// significant digits, half away from zero, and written out without exponent or trailing zeros.
//
//	"1234.5"              → "1234.5"   (15 digits or fewer, no exponent: unchanged, as nearly all are)
//	"1234.5699999999999"  → "1234.57"
//	"0.30000000000000004" → "0.3"
//	"2.9999999999999996"  → "3"
//	"1.2E-2"              → "0.012"
//	"1234.5650000000001"  → "1234.565" (then too precise for a 2-decimal currency: an error, not a guess)
//
// 15 digits hold amounts up to 9,999,999,999,999.99 exactly. A magnitude of 1e15 or more cannot be
// told from its binary noise, and is left as written (tabular refuses it as out of range), as is
// anything that is not a plain decimal number. Serial dates go through the same rule, which
// matters only for a time within a microsecond of midnight.

// maxDigits is Excel's precision: 15 significant decimal digits.
const maxDigits = 15

// appendNumber appends the text of a number cell, made exact as described above.
func appendNumber(dst, v []byte) []byte {
	var digits [24]byte // significant digits kept (rounding needs the 16th; the rest only decide nothing)
	nd := 0             // significant digits seen, even past len(digits)
	point := 0          // the value is 0.d1d2d3… × 10^point
	neg, dot, seen, some := false, false, false, false
	i := 0
	if i < len(v) && (v[i] == '-' || v[i] == '+') {
		neg = v[i] == '-'
		i++
	}
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			some = true
			if c == '0' && !seen {
				if dot {
					point--
				}
				continue
			}
			seen = true
			if nd < len(digits) {
				digits[nd] = c
			}
			nd++
			if !dot {
				point++
			}
		case c == '.' && !dot:
			dot = true
		case c == 'e' || c == 'E':
			goto exponent
		default:
			return append(dst, v...)
		}
	}
	if !some {
		return append(dst, v...)
	}
	if nd <= maxDigits {
		return append(dst, v...) // as Excel shows it already
	}
	return appendRounded(dst, neg, digits[:min(nd, len(digits))], point, v)

exponent:
	if !some {
		return append(dst, v...)
	}
	{
		i++
		eneg := false
		if i < len(v) && (v[i] == '-' || v[i] == '+') {
			eneg = v[i] == '-'
			i++
		}
		if i == len(v) {
			return append(dst, v...)
		}
		e := 0
		for ; i < len(v); i++ {
			c := v[i]
			if c < '0' || c > '9' {
				return append(dst, v...)
			}
			if e < 10_000 {
				e = e*10 + int(c-'0')
			}
		}
		if eneg {
			e = -e
		}
		point += e
	}
	return appendRounded(dst, neg, digits[:min(nd, len(digits))], point, v)
}

// appendRounded writes ±0.digits × 10^point rounded to maxDigits significant digits, or orig when
// its magnitude is 1e15 or more.
func appendRounded(dst []byte, neg bool, digits []byte, point int, orig []byte) []byte {
	if len(digits) > maxDigits {
		up := digits[maxDigits] >= '5'
		digits = digits[:maxDigits]
		for k := len(digits) - 1; up && k >= 0; k-- {
			if digits[k] == '9' {
				digits[k] = '0'
				continue
			}
			digits[k]++
			up = false
		}
		if up { // 999…9 became 1000…0
			digits[0] = '1'
			point++
		}
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return append(dst, '0')
	}
	if point > maxDigits {
		return append(dst, orig...)
	}
	// A hostile exponent cannot make the text long: below 1e-1000 the value is only "too precise".
	point = max(point, -1000)
	if neg {
		dst = append(dst, '-')
	}
	switch {
	case point <= 0:
		dst = append(dst, '0', '.')
		for ; point < 0; point++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case point >= len(digits):
		dst = append(dst, digits...)
		for k := len(digits); k < point; k++ {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, digits[:point]...)
	dst = append(dst, '.')
	return append(dst, digits[point:]...)
}
