package mt940

import (
	"time"

	"github.com/orkesta/orkesta/payment"
)

// dateParts is a parsed YYMMDD date. A day that does not exist in its month (30 February in German
// 30/360 interest closings) is clamped to the month's last day and reported.
type dateParts struct {
	date    payment.Date
	year    int
	clamped bool
}

// date parses YYMMDD; years 00–79 are 20xx, 80–99 are 19xx. The last result is cached: statement
// lines of one day repeat the same date.
func (p *parser) date(s string) (dateParts, bool) {
	if s == p.lastYYMMDD && s != "" {
		return p.lastDate, true
	}
	if len(s) != 6 {
		return dateParts{}, false
	}
	for i := 0; i < 6; i++ {
		if !isDigit(s[i]) {
			return dateParts{}, false
		}
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	year := 2000 + yy
	if yy >= 80 {
		year = 1900 + yy
	}
	d, ok := civil(year, int(s[2]-'0')*10+int(s[3]-'0'), int(s[4]-'0')*10+int(s[5]-'0'))
	if ok {
		p.lastYYMMDD, p.lastDate = s, d
	}
	return d, ok
}

// civil builds a date, clamping a day past the month's end.
func civil(year, month, day int) (dateParts, bool) {
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return dateParts{}, false
	}
	last := payment.DaysIn(year, time.Month(month))
	clamped := day > last
	if clamped {
		day = last
	}
	return dateParts{date: payment.NewDate(year, time.Month(month), day), year: year, clamped: clamped}, true
}

// entryDate resolves the :61: entry date MMDD, which has no year: of the value date's year and the
// years before and after it, the one closest to the value date wins (value 2023-12-31 with entry
// 0102 is 2024-01-02; value 2024-01-02 with entry 1229 is 2023-12-29).
func (p *parser) entryDate(mmdd string, value dateParts) (dateParts, bool) {
	if mmdd == p.lastMMDD && value.date == p.lastMMDDValue {
		return p.lastEntryDate, true
	}
	d, ok := entryDate(mmdd, value)
	if ok {
		p.lastMMDD, p.lastMMDDValue, p.lastEntryDate = mmdd, value.date, d
	}
	return d, ok
}

func entryDate(mmdd string, value dateParts) (dateParts, bool) {
	month := int(mmdd[0]-'0')*10 + int(mmdd[1]-'0')
	day := int(mmdd[2]-'0')*10 + int(mmdd[3]-'0')
	best, ok := civil(value.year, month, day)
	if !ok {
		return dateParts{}, false
	}
	switch diff := best.date.Sub(value.date); {
	case diff > 183:
		best, ok = civil(value.year-1, month, day)
	case diff < -183:
		best, ok = civil(value.year+1, month, day)
	}
	return best, ok
}
