package tabular

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// numFmt is one way of writing amounts.
type numFmt struct {
	reconcile.NumberFormat
	// canonical is a spreadsheet's number cell as stored: digits, an optional "." and fraction,
	// maybe an exponent; never thousands separators.
	canonical bool
}

func (f numFmt) String() string {
	if f.canonical {
		return "a spreadsheet number"
	}
	s := "1"
	if f.Thousands != 0 {
		s += string(rune(f.Thousands))
	}
	return s + "234" + string(rune(f.Decimal)) + "56"
}

// autoFormats are the candidates when the mapping does not say: Turkish and German "1.234,56",
// English "1,234.56", Swiss "1'234.56", French "1 234,56". Plain "1234,56" and "1234.56" are covered
// by the first two.
func autoFormats() []numFmt {
	return []numFmt{
		{NumberFormat: reconcile.NumberCommaDotted},
		{NumberFormat: reconcile.NumberDotGrouped},
		{NumberFormat: reconcile.NumberFormat{Decimal: '.', Thousands: '\''}},
		{NumberFormat: reconcile.NumberFormat{Decimal: ',', Thousands: ' '}},
	}
}

// parseNumberFormat reads a NumberFormat example such as "1.234,56"; ok is false for "" (detect).
func parseNumberFormat(example string) (f reconcile.NumberFormat, ok bool, err error) {
	s := strings.TrimLeft(strings.TrimSpace(example), "+-")
	if s == "" || strings.EqualFold(s, "auto") {
		return f, false, nil
	}
	var seps []byte
	lastDigits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			lastDigits++
		case c == '.' || c == ',' || c == '\'' || c == ' ':
			seps = append(seps, c)
			lastDigits = 0
		default:
			return f, false, fmt.Errorf("%q: only digits and the separators . , ' and space are allowed", example)
		}
	}
	if len(seps) == 0 || lastDigits == 0 {
		return f, false, fmt.Errorf("%q: show the decimal part, as in 1.234,56 or 1,234.56", example)
	}
	if len(seps) == 1 && lastDigits == 3 {
		return f, false, fmt.Errorf("%q: the separator %q could be decimal or thousands; write an example "+
			"with both, such as 1.234,56", example, seps[0])
	}
	f.Decimal = seps[len(seps)-1]
	for _, c := range seps[:len(seps)-1] {
		switch {
		case c == f.Decimal:
			return f, false, fmt.Errorf("%q: the decimal mark %q appears twice", example, c)
		case f.Thousands != 0 && c != f.Thousands:
			return f, false, fmt.Errorf("%q: two different thousands separators", example)
		}
		f.Thousands = c
	}
	return f, true, nil
}

// Errors about amounts, wrapped in ParseErrors.
var (
	errAmbiguousAmount = errors.New("ambiguous amount")
	errCurrencyMix     = errors.New("amount is in another currency")
)

// splitAmount takes the number out of an amount cell: surrounding spaces, a currency code or symbol
// before or after ("150,00 TL", "₺150,00", "USD 5"), a trailing sign ("150,00-") or accounting
// parentheses ("(150,00)"). neg is true when the decoration says negative; the number itself may
// still carry a leading sign. It does not allocate.
func splitAmount(s string) (num string, neg bool, cur string, ok bool) {
	if n := len(s); n > 0 && isDigit(s[n-1]) && (isDigit(s[0]) || (s[0] == '-' && n > 1 && isDigit(s[1]))) {
		return s, false, "", true
	}
	s = trimSpace(s)
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		neg = true
		s = trimSpace(s[1 : len(s)-1])
	}
	if n := len(s); n > 1 && (s[n-1] == '-' || s[n-1] == '+') {
		if s[n-1] == '-' {
			neg = !neg
		}
		s = trimSpace(s[:n-1])
	}
	if rest, c := cutCurrencySuffix(s); c != "" {
		s, cur = trimSpace(rest), c
	}
	if cur == "" {
		sign := byte(0)
		t := s
		if len(t) > 0 && (t[0] == '-' || t[0] == '+') {
			sign, t = t[0], trimSpace(t[1:])
		}
		if rest, c := cutCurrencyPrefix(t); c != "" {
			s, cur = trimSpace(rest), c
			if sign == '-' {
				neg = !neg
			}
		}
	}
	return s, neg, cur, s != ""
}

func trimSpace(s string) string {
	// Most cells have nothing to trim: a first and last byte above the space and not part of a
	// no-break space (0xC2 0xA0) say so at once.
	if n := len(s); n == 0 || (s[0] > ' ' && s[0] != 0xC2 && s[n-1] > ' ' && s[n-1] != 0xA0) {
		return s
	}
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	for strings.HasPrefix(s, "\u00a0") {
		s = trimSpace(s[2:])
	}
	for strings.HasSuffix(s, "\u00a0") {
		s = trimSpace(s[:len(s)-2])
	}
	return s
}

// plainSpaces writes the no-break spaces of an amount grouped with spaces as plain ones: French
// software groups "1 234,56" with U+00A0 or the narrow U+202F, which a Windows code page turns into
// the byte 0xA0, decoded as U+00A0 too.
func plainSpaces(s string) string {
	if strings.IndexByte(s, 0xC2) < 0 && strings.IndexByte(s, 0xE2) < 0 {
		return s
	}
	return noBreakSpaces.Replace(s)
}

var noBreakSpaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

type currencySymbol struct{ sym, code string }

// currencySymbols are the symbols written next to amounts.
func currencySymbols() [4]currencySymbol {
	return [4]currencySymbol{{"₺", "TRY"}, {"€", "EUR"}, {"$", "USD"}, {"£", "GBP"}}
}

// cutCurrencySuffix removes a trailing currency code (2–3 letters) or symbol.
func cutCurrencySuffix(s string) (string, string) {
	for _, cs := range currencySymbols() {
		if strings.HasSuffix(s, cs.sym) {
			return s[:len(s)-len(cs.sym)], cs.code
		}
	}
	i := len(s)
	for i > 0 && isLetter(s[i-1]) {
		i--
	}
	if n := len(s) - i; n >= 2 && n <= 3 && i > 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// cutCurrencyPrefix removes a leading currency code (2–3 letters) or symbol.
func cutCurrencyPrefix(s string) (string, string) {
	for _, cs := range currencySymbols() {
		if strings.HasPrefix(s, cs.sym) {
			return s[len(cs.sym):], cs.code
		}
	}
	i := 0
	for i < len(s) && isLetter(s[i]) {
		i++
	}
	if i >= 2 && i <= 3 && i < len(s) {
		return s[i:], s[:i]
	}
	return s, ""
}

// currencyCode turns a currency cell or amount decoration into an ISO code: "TL" and "₺" are TRY.
// It reports false for anything that is not a currency payments can be made in.
func currencyCode(s string) (string, bool) {
	s = trimSpace(s)
	switch s {
	case "TL", "tl", "Tl", "YTL", "TRL":
		return "TRY", true
	}
	for _, cs := range currencySymbols() {
		if s == cs.sym {
			return cs.code, true
		}
	}
	if len(s) != 3 {
		return "", false
	}
	if s[0] >= 'a' {
		s = strings.ToUpper(s)
	}
	return s, payment.Currency(s).Valid()
}

// parseAmount parses an amount cell in format f into minor units of a currency with mu decimals.
// cur is the currency code written next to the number, if any.
func parseAmount(text string, f numFmt, mu int) (v int64, cur string, err error) {
	num, neg, c, ok := splitAmount(text)
	if !ok {
		return 0, "", reconcile.ErrAmountSyntax
	}
	if c != "" {
		code, ok := currencyCode(c)
		if !ok {
			return 0, "", reconcile.ErrAmountSyntax
		}
		cur = code
	}
	if f.canonical {
		v, err = parseCanonical(num, mu)
	} else {
		if f.Thousands == ' ' {
			num = plainSpaces(num)
		}
		v, err = reconcile.ParseMinor(num, f.NumberFormat, mu)
	}
	if err != nil {
		return 0, "", err
	}
	if neg {
		if num[0] == '-' || num[0] == '+' {
			return 0, "", reconcile.ErrAmountSyntax
		}
		v = -v
	}
	return v, cur, nil
}

// parseCanonical reads a spreadsheet number as stored in the file ("1234.5", "-14000", "1.2E-2",
// "1234.5599999999999", and "3480.00" as writers other than Excel store it). A binary float stored
// for a decimal amount may carry noise in its last digits; it is accepted only when it lies within
// 1e-6 of a whole minor unit, and is otherwise a precision error, never rounded silently.
func parseCanonical(s string, mu int) (int64, error) {
	exp := strings.ContainsAny(s, "eE")
	if !exp {
		v, err := reconcile.ParseMinor(s, reconcile.NumberDot, mu)
		if err == nil || !errors.Is(err, reconcile.ErrAmountPrecision) || len(s) < 15 {
			return v, err
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, reconcile.ErrAmountSyntax
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, reconcile.ErrAmountSyntax
	}
	scaled := x * math.Pow10(mu)
	r := math.Round(scaled)
	if math.Abs(r) >= 1<<53 {
		return 0, reconcile.ErrAmountRange
	}
	if math.Abs(scaled-r) > 1e-6 {
		return 0, reconcile.ErrAmountPrecision
	}
	return int64(r), nil
}

// numState is the number format of a file's amount columns, decided by the mapping or by the
// values seen so far: mask holds the candidates still possible.
type numState struct {
	fmts []numFmt
	mask uint8
}

// spreadsheetNumber reads a spreadsheet's number cell: the stored number, never a format to decide.
var spreadsheetNumber = numFmt{NumberFormat: reconcile.NumberDot, canonical: true}

// newNumState starts with the mapping's number format, or every format the file's text amounts
// may be written in.
func newNumState(m *Mapping) numState {
	var fmts []numFmt
	if f, ok, _ := parseNumberFormat(m.NumberFormat); ok {
		fmts = []numFmt{{NumberFormat: f}}
	} else {
		fmts = autoFormats()
	}
	return numState{fmts: fmts, mask: uint8(1)<<len(fmts) - 1}
}

// decided reports whether no value can read two ways any more: every candidate left has the same
// decimal mark. Such candidates differ only in their thousands separator, and a text valid under two
// of them holds neither separator, so it means the same under both.
func (n *numState) decided() bool {
	var dec byte
	for i, f := range n.fmts {
		if n.mask&(1<<i) == 0 {
			continue
		}
		if dec != 0 && f.Decimal != dec {
			return false
		}
		dec = f.Decimal
	}
	return true
}

// parse reads text under the first candidate left that accepts it; the error is the first
// candidate's.
func (n *numState) parse(text string, mu int) (int64, string, error) {
	var first error
	for i, f := range n.fmts {
		if n.mask&(1<<i) == 0 {
			continue
		}
		v, cur, err := parseAmount(text, f, mu)
		if err == nil {
			return v, cur, nil
		}
		if first == nil {
			first = err
		}
	}
	return 0, "", first
}

// readings parses text under every candidate in mask: ok has a bit per candidate that accepts it,
// and vals their values. agree reports whether all accepting candidates give the same value.
func (n *numState) readings(text string, mu int, mask uint8) (ok uint8, vals [8]int64, agree bool) {
	agree = true
	first := true
	var v0 int64
	for i := range n.fmts {
		if mask&(1<<i) == 0 {
			continue
		}
		v, _, err := parseAmount(text, n.fmts[i], mu)
		if err != nil {
			continue
		}
		ok |= 1 << i
		vals[i] = v
		if first {
			v0, first = v, false
		} else if v != v0 {
			agree = false
		}
	}
	return ok, vals, agree
}
