package tabular

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Date orders for numeric dates whose first part is not a four-digit year.
const (
	dayFirst   uint8 = 1 << iota // 02.01.2006
	monthFirst                   // 01/02/2006
	bothOrders = dayFirst | monthFirst
)

// dateSpec is how a mapping's dates are read.
type dateSpec struct {
	orders uint8 // the orders allowed for dd/mm vs mm/dd
	excel  bool  // serial day numbers are dates
}

// parseDateFormat reads Mapping.DateFormat.
func parseDateFormat(s string) (dateSpec, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	switch t {
	case "", "AUTO":
		return dateSpec{orders: bothOrders}, nil
	case "EXCEL", "SERIAL":
		return dateSpec{orders: bothOrders, excel: true}, nil
	}
	day := firstIndex(t, "DD", "02", "2")
	mon := firstIndex(t, "MM", "01", "1")
	year := firstIndex(t, "YYYY", "2006", "YY", "06")
	if day < 0 || mon < 0 || year < 0 {
		return dateSpec{}, fmt.Errorf("%q: use a layout such as 02.01.2006, DD/MM/YYYY, 2006-01-02 or excel", s)
	}
	switch {
	case year < day && year < mon:
		return dateSpec{orders: bothOrders}, nil
	case day < mon:
		return dateSpec{orders: dayFirst}, nil
	}
	return dateSpec{orders: monthFirst}, nil
}

// firstIndex returns the position of the first of tokens found in s, trying them in order, with
// the year tokens masked out so that "2006" is not read as a day "2" or a month "06".
func firstIndex(s string, tokens ...string) int {
	masked := strings.NewReplacer("YYYY", "____", "2006", "____", "YY", "__").Replace(s)
	for _, t := range tokens {
		src := masked
		if strings.HasPrefix(t, "Y") || t == "2006" || t == "06" {
			src = s
		}
		if i := strings.Index(src, t); i >= 0 {
			return i
		}
	}
	return -1
}

// Errors about dates, wrapped in ParseErrors.
var (
	errDate          = errors.New("not a date")
	errDateRange     = errors.New("date before 1970 or after 9999")
	errAmbiguousDate = errors.New("ambiguous date")
)

// dateReadings holds a date cell read under each order: vals[0] day first, vals[1] month first.
type dateReadings struct {
	ok   uint8 // dayFirst and/or monthFirst, for the orders that accept the text
	vals [2]payment.Date
}

func (r dateReadings) agree(mask uint8) bool {
	m := r.ok & mask
	return m != bothOrders || r.vals[0] == r.vals[1]
}

func (r dateReadings) value(mask uint8) payment.Date {
	if r.ok&mask&dayFirst != 0 {
		return r.vals[0]
	}
	return r.vals[1]
}

// readDate parses a date cell: "02.01.2006", "2.1.2006", "02/01/06", "2006-01-02", "20060102",
// "02 Jan 2006", "2 Ocak 2006", with an optional time after a space or "T"; and, when excel is set,
// spreadsheet serial day numbers ("46023", "46023.5"). Forms that say their own order are valid
// under both orders.
func readDate(s string, spec dateSpec, date1904 bool) (dateReadings, error) {
	s = trimSpace(s)
	var r dateReadings
	if s == "" {
		return r, errDate
	}
	if spec.excel {
		if whole, ok := serialText(s); ok {
			v, err := excelSerial(atoi(whole), date1904)
			if err != nil {
				return r, err
			}
			return dateReadings{ok: bothOrders, vals: [2]payment.Date{v, v}}, nil
		}
	}
	if len(s) == 10 && isDigit(s[0]) && isDigit(s[9]) {
		if r, ok := fixedDate(s, spec); ok {
			return r, nil
		}
	}
	return readDateText(s, spec)
}

// readDateText is readDate for a trimmed cell that is not a serial number, by the general path.
func readDateText(s string, spec dateSpec) (dateReadings, error) {
	var r dateReadings
	var num [3]int
	var digits [3]int
	month := [3]int{}
	i, n := 0, 0
	for n < 3 && i < len(s) {
		if n > 0 {
			j := i
			for j < len(s) && (s[j] == '.' || s[j] == '/' || s[j] == '-' || s[j] == ' ' || s[j] == ',') {
				j++
			}
			if j == i || j-i > 2 {
				break
			}
			i = j
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > start {
			if i-start > 8 {
				return r, errDate
			}
			num[n], digits[n] = atoi(s[start:i]), i-start
			n++
			continue
		}
		for i < len(s) && s[i] != ' ' && s[i] != '.' && s[i] != '-' && s[i] != '/' && s[i] != ',' && (s[i] < '0' || s[i] > '9') {
			i++
		}
		if i == start {
			return r, errDate
		}
		m := monthNumber(s[start:i])
		if m == 0 {
			return r, errDate
		}
		month[n] = m
		n++
	}
	rest := s[i:]
	if rest != "" && rest[0] != ' ' && rest[0] != 'T' {
		return r, errDate
	}
	both := func(y, m, d int) (dateReadings, error) {
		v, err := civil(y, m, d)
		if err != nil {
			return r, err
		}
		return dateReadings{ok: bothOrders, vals: [2]payment.Date{v, v}}, nil
	}
	switch {
	case n == 1 && digits[0] == 8:
		return both(num[0]/10000, num[0]/100%100, num[0]%100)
	case n != 3:
		return r, errDate
	case month[1] != 0 && digits[0] > 0 && digits[2] > 0: // 02 Jan 2006
		return both(year(num[2], digits[2]), month[1], num[0])
	case month[0] != 0 && digits[1] > 0 && digits[2] > 0: // Jan 02, 2006
		return both(year(num[2], digits[2]), month[0], num[1])
	case month != [3]int{}:
		return r, errDate
	case digits[0] == 4: // 2006-01-02
		return both(num[0], num[1], num[2])
	case digits[0] > 2 || digits[1] > 2 || (digits[2] != 2 && digits[2] != 4):
		return r, errDate
	}
	y := year(num[2], digits[2])
	var lastErr error = errDate
	if spec.orders&dayFirst != 0 {
		if v, err := civil(y, num[1], num[0]); err == nil {
			r.ok |= dayFirst
			r.vals[0] = v
		} else {
			lastErr = err
		}
	}
	if spec.orders&monthFirst != 0 {
		if v, err := civil(y, num[0], num[1]); err == nil {
			r.ok |= monthFirst
			r.vals[1] = v
		} else {
			lastErr = err
		}
	}
	if r.ok == 0 {
		return r, lastErr
	}
	return r, nil
}

// fixedDate is the fast path for the two commonest forms, "2006-01-02" and "02.01.2006"; it
// reports false for anything else (and for invalid dates, which the general path then explains).
// A four-digit year is within civil's range, so payment.CivilDate's checks are civil's.
func fixedDate(s string, spec dateSpec) (dateReadings, bool) {
	var c, yy, m, d int // century, year in it, month, day
	switch {
	case s[4] == '-' && s[7] == '-':
		c, yy, m, d = digits2(s, 0), digits2(s, 2), digits2(s, 5), digits2(s, 8)
	case s[2] == '.' && s[5] == '.' && spec.orders == dayFirst:
		d, m, c, yy = digits2(s, 0), digits2(s, 3), digits2(s, 6), digits2(s, 8)
	default:
		return dateReadings{}, false
	}
	if min(c, yy, m, d) < 0 {
		return dateReadings{}, false
	}
	v, ok := payment.CivilDate(c*100+yy, m, d)
	if !ok {
		return dateReadings{}, false
	}
	if s[4] == '-' {
		return dateReadings{ok: bothOrders, vals: [2]payment.Date{v, v}}, true
	}
	return dateReadings{ok: dayFirst, vals: [2]payment.Date{v, 0}}, true
}

// digits2 reads the two digits at s[i:], or returns -1 when they are not both digits.
func digits2(s string, i int) int {
	a, b := s[i]-'0', s[i+1]-'0' // a byte below '0' wraps around to above 9
	if a > 9 || b > 9 {
		return -1
	}
	return int(a)*10 + int(b)
}

// serialText reports whether s is a spreadsheet serial ("46023" or "46023.5") and returns the
// whole days.
func serialText(s string) (string, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if len(whole) == 0 || len(whole) > 7 || !allDigits(whole) || (dot && !allDigits(frac)) {
		return "", false
	}
	return whole, true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// year expands a two-digit year: 70–99 are 1970–1999, 00–69 are 2000–2069.
func year(y, digits int) int {
	if digits == 2 {
		if y >= 70 {
			return 1900 + y
		}
		return 2000 + y
	}
	return y
}

// monthNumber reads an English or Turkish month name or abbreviation ("Jan", "Ocak", "Şub").
func monthNumber(word string) int {
	w := Fold(word)
	if len(w) < 3 {
		return 0
	}
	switch w[:3] {
	case "jan", "oca":
		return 1
	case "feb", "sub":
		return 2
	case "mar":
		return 3
	case "apr", "nis":
		return 4
	case "may":
		return 5
	case "jun", "haz":
		return 6
	case "jul", "tem":
		return 7
	case "aug", "agu":
		return 8
	case "sep", "eyl":
		return 9
	case "oct", "eki":
		return 10
	case "nov", "kas":
		return 11
	case "dec", "ara":
		return 12
	}
	return 0
}

// civil returns the Date of a calendar day, checking that it exists and is in 1970–9999.
func civil(y, m, d int) (payment.Date, error) {
	if m < 1 || m > 12 || d < 1 || d > payment.DaysIn(y, time.Month(m)) {
		return 0, errDate
	}
	dt, ok := payment.CivilDate(y, m, d)
	if !ok || y > 9999 {
		return 0, errDateRange
	}
	return dt, nil
}

// excelSerial converts a spreadsheet day number. In the 1900 system day 1 is 1900-01-01 and day 60
// is the 29 February 1900 that Lotus and Excel pretend existed; in the 1904 system day 0 is
// 1904-01-01.
func excelSerial(n int, date1904 bool) (payment.Date, error) {
	// Days from 1970-01-01 to the systems' origins and to the last date accepted.
	const day1904, day18991231, day18991230, day99991231 = -24107, -25568, -25569, 2932896
	var days int
	switch {
	case date1904:
		days = day1904 + n
	case n == 60 || n < 1:
		return 0, errDate
	case n < 60:
		days = day18991231 + n
	default:
		days = day18991230 + n
	}
	if days < 0 || days > day99991231 {
		return 0, errDateRange
	}
	return payment.Date(days + 1), nil
}
