package payment

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is money: an integer count of the currency's minor units (kuruş, cents) and the currency.
// It is comparable with == and usable as a map key. It is never a float.
type Amount struct {
	Minor    int64
	Currency Currency
}

// ErrOverflow: a sum or conversion does not fit in int64 minor units.
var ErrOverflow = errors.New("payment: amount overflows int64 minor units")

var maxInt64 = decimal.NewFromInt(math.MaxInt64)
var minInt64 = decimal.NewFromInt(math.MinInt64)

// ParseMinor converts decimal text in major units ("1234.56", "-0.5", "1000") to minor units of c,
// exactly. Text with more decimal places than c has ("12.345" TRY, "1.5" JPY), exponents, thousands
// separators, or a value outside int64 is an error; nothing is ever rounded. Locale formats
// ("1.234,56") are the statement decoders' business, not this function's.
func ParseMinor(text string, c Currency) (int64, error) {
	mu := c.MinorUnits()
	switch {
	case mu < 0 && c.Numeric() != 0:
		return 0, &ValidationError{Field: "currency", Reason: string(c) + " has no minor units and cannot be paid in"}
	case mu < 0:
		return 0, &ValidationError{Field: "currency", Reason: "unknown currency " + quote(string(c))}
	}
	if err := checkDecimalText(text); err != nil {
		return 0, err
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return 0, &ValidationError{Field: "amount", Reason: "not a decimal number: " + quote(text)}
	}
	d = d.Shift(int32(mu))
	if !d.IsInteger() {
		return 0, &ValidationError{Field: "amount", Reason: fmt.Sprintf("%s has more than %d decimal places for %s", quote(text), mu, c)}
	}
	if d.GreaterThan(maxInt64) || d.LessThan(minInt64) {
		return 0, &ValidationError{Field: "amount", Reason: quote(text) + " is out of range"}
	}
	return d.IntPart(), nil
}

// checkDecimalText accepts [+-]digits[.digits] and nothing else (decimal.NewFromString alone would
// also take exponents such as "1e3").
func checkDecimalText(s string) error {
	bad := func() error { return &ValidationError{Field: "amount", Reason: "not a decimal number: " + quote(s)} }
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return bad()
		}
	}
	if digits == 0 {
		return bad()
	}
	return nil
}

// ParseAmount is ParseMinor returning an Amount.
func ParseAmount(text string, c Currency) (Amount, error) {
	m, err := ParseMinor(text, c)
	return Amount{Minor: m, Currency: c}, err
}

// FormatMinor writes minor units of c as decimal text in major units: 123456 TRY → "1234.56",
// 1000 JPY → "1000", -5 TRY → "-0.05". Unknown currencies are written as integers.
func FormatMinor(minor int64, c Currency) string {
	mu := c.MinorUnits()
	if mu <= 0 {
		return strconv.FormatInt(minor, 10)
	}
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= mu {
		digits = strings.Repeat("0", mu-len(digits)+1) + digits
	}
	s := digits[:len(digits)-mu] + "." + digits[len(digits)-mu:]
	if neg {
		s = "-" + s
	}
	return s
}

// String is the amount in major units with its code: "1234.56 TRY".
func (a Amount) String() string { return FormatMinor(a.Minor, a.Currency) + " " + string(a.Currency) }

// Add returns a+b; different currencies or int64 overflow are errors.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("payment: cannot add %s to %s", b.Currency, a.Currency)
	}
	s, ok := AddMinor(a.Minor, b.Minor)
	if !ok {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: s, Currency: a.Currency}, nil
}

// AddMinor adds two minor-unit counts, reporting false on int64 overflow.
func AddMinor(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// Total is the count and overflow-checked sum of amounts in one currency.
type Total struct {
	Currency Currency `json:"currency"`
	Count    int      `json:"count"`
	Sum      int64    `json:"sum"`
}

// Totals accumulates amounts per currency. The zero value is ready to use.
type Totals struct {
	byCur map[Currency]int
	list  []Total
}

// Add counts a; it returns ErrOverflow (and leaves the totals unchanged) when the sum would overflow.
func (t *Totals) Add(a Amount) error {
	if t.byCur == nil {
		t.byCur = make(map[Currency]int)
	}
	i, ok := t.byCur[a.Currency]
	if !ok {
		i = len(t.list)
		t.byCur[a.Currency] = i
		t.list = append(t.list, Total{Currency: a.Currency})
	}
	s, ok := AddMinor(t.list[i].Sum, a.Minor)
	if !ok {
		return fmt.Errorf("%w: total of %s", ErrOverflow, a.Currency)
	}
	t.list[i].Sum = s
	t.list[i].Count++
	return nil
}

// List returns the totals sorted by currency code.
func (t *Totals) List() []Total {
	out := append([]Total(nil), t.list...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Currency < out[j-1].Currency; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
