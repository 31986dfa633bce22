package payment

import (
	"errors"
	"fmt"
	"time"
)

// Date is a calendar date without a time zone: a value date or a booking date. It is a count of days,
// so Sub gives a distance in days and Date is comparable and cheap to index. The zero Date means "no
// date"; Date(1) is 1970-01-01.
type Date int32

// NewDate returns the date for a year, month and day; out-of-range days roll over as in time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(daysFromCivil(y, int(m), d) + 1)
}

// ErrDateOutOfRange: a well-formed calendar day outside the dates a Date holds, 1970-01-01 to
// 9999-12-31. ParseDate's error for such a day matches it, so that a caller can say the range rather
// than the format.
var ErrDateOutOfRange = errors.New("payment: date outside 1970-01-01 to 9999-12-31")

// ParseDate parses "2006-01-02". A real day before 1970-01-01 is an error matching ErrDateOutOfRange.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("payment: date %s is not YYYY-MM-DD", quote(s))
	}
	y, ok1 := atoiN(s[0:4])
	m, ok2 := atoiN(s[5:7])
	d, ok3 := atoiN(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, fmt.Errorf("payment: %s is not a valid date", quote(s))
	}
	date, ok := CivilDate(y, m, d)
	if !ok {
		return 0, &dateRangeError{quote(s)}
	}
	return date, nil
}

// dateRangeError is ParseDate's error for a real day outside the dates kept.
type dateRangeError struct{ quoted string }

func (e *dateRangeError) Error() string {
	return "payment: date " + e.quoted + " is outside 1970-01-01 to 9999-12-31"
}

func (e *dateRangeError) Is(target error) bool { return target == ErrDateOutOfRange }

// MustDate is ParseDate for tests and constants.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func atoiN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// DaysIn is the number of days of a month (proleptic Gregorian calendar).
func DaysIn(year int, month time.Month) int { return daysIn(year, int(month)) }

// CivilDate returns the Date of year-month-day without going through time.Time, and false when that
// day does not exist or is before 1970. Decoders use it on their hot path.
func CivilDate(year, month, day int) (Date, bool) {
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || year < 1970 {
		return 0, false
	}
	return Date(daysFromCivil(year, month, day) + 1), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 (proleptic Gregorian calendar).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == 0 }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time {
	return time.Unix(int64(d-1)*86400, 0).UTC()
}

// Civil returns the year, month and day, in integer arithmetic (the inverse of daysFromCivil, after
// H. Hinnant's "chrono-compatible low-level date algorithms"): reports write several dates a row.
func (d Date) Civil() (int, time.Month, int) {
	z := int64(d) - 1 + 719468 // days since 0000-03-01; Date(1) is 1970-01-01
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365], from 1 March
	mp := (5*doy + 2) / 153                                // [0, 11], March first
	day := int(doy - (153*mp+2)/5 + 1)
	month := int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year := int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, time.Month(month), day
}

// AppendText appends "2006-01-02" to b, nothing for the zero Date (encoding.TextAppender).
func (d Date) AppendText(b []byte) ([]byte, error) {
	if d == 0 {
		return b, nil
	}
	y, mo, day := d.Civil()
	if y < 0 || y > 9999 {
		return d.Time().AppendFormat(b, time.DateOnly), nil
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+day/10), byte('0'+day%10)), nil
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return d + Date(n) }

// Sub returns the number of days from e to d (d - e).
func (d Date) Sub(e Date) int { return int(d) - int(e) }

// String is "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	var buf [10]byte
	b, _ := d.AppendText(buf[:0])
	return string(b)
}

// MarshalText writes "2006-01-02"; the zero Date is the empty string.
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(make([]byte, 0, 10)) }

// UnmarshalText reads "2006-01-02"; the empty string is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = 0
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
