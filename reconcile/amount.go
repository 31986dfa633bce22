package reconcile

import (
	"errors"
	"fmt"
	"strconv"
)

// NumberFormat says how a file writes amounts: the decimal mark and the thousands separator
// (0 for none). MT940 is {',', 0}; Turkish exports {',', '.'}; English ones {'.', ','}.
type NumberFormat struct {
	Decimal   byte
	Thousands byte
}

// Common number formats.
var (
	NumberDot         = NumberFormat{Decimal: '.'}
	NumberComma       = NumberFormat{Decimal: ','}
	NumberDotGrouped  = NumberFormat{Decimal: '.', Thousands: ','}
	NumberCommaDotted = NumberFormat{Decimal: ',', Thousands: '.'}
)

// Errors of ParseMinor.
var (
	ErrAmountSyntax    = errors.New("not an amount")
	ErrAmountPrecision = errors.New("more decimal places than the currency has")
	ErrAmountRange     = errors.New("amount out of range")
)

// ParseMinor converts an amount written in format f ("1.234,56", "9,", "-12.50") into minor units of
// a currency with minorUnits decimal places, exactly: more decimals than the currency has is an error,
// never a rounding. A leading sign is allowed; thousands separators must group digits by three. It
// does not allocate; it agrees with shopspring/decimal on every input it accepts (a differential fuzz
// test proves it).
func ParseMinor(s string, f NumberFormat, minorUnits int) (int64, error) {
	if minorUnits < 0 || minorUnits > 4 {
		return 0, ErrAmountPrecision
	}
	if v, ok := parsePlain(s, f, minorUnits); ok {
		return v, nil
	}
	return parseMinor(s, f, minorUnits)
}

// parsePlain reads the amount nearly every file writes, digits, then maybe the decimal mark and 1
// to minorUnits digits ("60451.15"), when they make at most 18 digits in minor units, so that
// nothing can overflow. It reports false for anything else, which parseMinor reads (it alone
// reports errors).
func parsePlain(s string, f NumberFormat, minorUnits int) (int64, bool) {
	n := len(s)
	if n == 0 || n > 19 || f.Thousands == f.Decimal {
		return 0, false
	}
	var v uint64
	i := 0
	for ; i < n && s[i]-'0' <= 9; i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	whole, frac := i, 0
	if whole == 0 {
		return 0, false
	}
	if i < n {
		frac = n - i - 1
		if s[i] != f.Decimal || frac == 0 || frac > minorUnits {
			return 0, false
		}
		for i++; i < n; i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, false
			}
			v = v*10 + uint64(d)
		}
	}
	if whole+minorUnits > 18 {
		return 0, false
	}
	for ; frac < minorUnits; frac++ {
		v *= 10
	}
	return int64(v), true
}

// parseMinor is ParseMinor for every text (minorUnits checked).
func parseMinor(s string, f NumberFormat, minorUnits int) (int64, error) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	// The whole text is checked before a range or precision problem is reported: "1.234,56" read
	// with a decimal dot is not an amount at all, rather than one with too many decimals.
	var v uint64
	const limit = 1<<63 - 1
	overflow, excess := false, false
	intDigits, group, grouped := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			d := uint64(c - '0')
			if !overflow && v > (limit-d)/10 {
				overflow = true
			}
			v = v*10 + d
			intDigits++
			group++
		case f.Thousands != 0 && c == f.Thousands:
			// first group 1–3 digits, later groups exactly 3
			if intDigits == 0 || (grouped && group != 3) || (!grouped && group > 3) {
				return 0, ErrAmountSyntax
			}
			grouped, group = true, 0
		case c == f.Decimal:
			goto frac
		default:
			return 0, ErrAmountSyntax
		}
	}
	if intDigits == 0 || (grouped && group != 3) {
		return 0, ErrAmountSyntax
	}
	if overflow {
		return 0, ErrAmountRange
	}
	return scale(v, 0, minorUnits, neg)
frac:
	if intDigits == 0 || (grouped && group != 3) {
		return 0, ErrAmountSyntax
	}
	i++
	fd := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrAmountSyntax
		}
		if fd == minorUnits {
			if c != '0' { // trailing zeros beyond the precision are harmless: "1.500" TRY = 150
				excess = true
			}
			continue
		}
		d := uint64(c - '0')
		if !overflow && v > (limit-d)/10 {
			overflow = true
		}
		v = v*10 + d
		fd++
	}
	switch {
	case overflow:
		return 0, ErrAmountRange
	case excess:
		return 0, ErrAmountPrecision
	}
	return scale(v, fd, minorUnits, neg)
}

func scale(v uint64, have, want int, neg bool) (int64, error) {
	const limit = 1<<63 - 1
	for ; have < want; have++ {
		if v > limit/10 {
			return 0, ErrAmountRange
		}
		v *= 10
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// FormatAmountError describes an amount error for a ParseError: the text, quoted, and why. It wraps
// err, so errors.Is still finds ErrAmountSyntax, ErrAmountPrecision or ErrAmountRange.
func FormatAmountError(text string, err error) error {
	return fmt.Errorf("%s: %w", strconv.Quote(text), err)
}
