package reconcile

import (
	"io"
	"iter"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/orkesta/orkesta/payment"
)

// WriteJSON writes src as a JSON report:
//
//	{"summary":{…},"matches":[{"payment_id",…,"entry":{…},"criteria":{…},"reasons":[…]}],
//	 "unmatched_entries":[…],"unmatched_payments":[…],"anomalies":[…]}
//
// The bytes are exactly what encoding/json writes for Collect(src), but the report is written row by
// row: a million matches never sit in memory at once, and it is several times faster.
func WriteJSON(w io.Writer, src ReportSource) error {
	if r, ok := src.(*Result); ok {
		return r.writeJSON(w, r.summary)
	}
	if ws, ok := src.(*warnedSource); ok {
		if r, ok := ws.ReportSource.(*Result); ok {
			return r.writeJSON(w, ws.ReportSummary())
		}
	}
	jw := &jsonWriter{w: w, b: make([]byte, 0, 128<<10)}
	jw.b = append(jw.b, `{"summary":`...)
	jw.b = appendSummary(jw.b, src.ReportSummary())
	writeRows(jw, "matches", src.MatchRows(), appendMatch)
	writeRows(jw, "unmatched_entries", src.UnmatchedEntryRows(), appendUnmatchedEntry)
	writeRows(jw, "unmatched_payments", src.UnmatchedPaymentRows(), appendUnmatchedPayment)
	writeRows(jw, "anomalies", src.AnomalyRows(), appendAnomaly)
	jw.b = append(jw.b, '}')
	jw.flush(0)
	return jw.err
}

// jsonWriter appends to a buffer and writes it out in large pieces; the first error sticks.
type jsonWriter struct {
	w    io.Writer
	b    []byte
	err  error
	free chan []byte // rendered chunks' buffers, once written (see renderEntries)
}

// bigWrite is the size the writer gathers before it writes: writing a file in pieces of megabytes
// rather than of tens of kilobytes lets the kernel take its page cache in large folios (800 MB
// written with dd on a development machine, ext4: 1.5 s of system time in 64 KiB pieces, 0.15-0.2 s
// in 4 MiB pieces). Rendered chunks of at least half that are written as they are.
const bigWrite = 4 << 20

// flush writes the buffer once it holds at least min bytes (and anything).
func (jw *jsonWriter) flush(min int) {
	if jw.err != nil || len(jw.b) < min || len(jw.b) == 0 {
		return
	}
	_, jw.err = jw.w.Write(jw.b)
	jw.b = jw.b[:0]
}

// bufferCap is the capacity the buffer takes once a report outgrows its first one: what flush(bigWrite)
// lets it hold, and a piece of up to half that.
const bufferCap = bigWrite + bigWrite/2

// room makes the buffer able to take n more bytes without append growing it. Grown by append, step by
// step, the buffer of a large report leaves each smaller array behind as garbage (22 MB of them for
// a million entries, all of it still in the heap when the report is done, as no collection runs
// while it is written); room grows it once, to bufferCap, and writes what it holds rather than
// growing it further.
func (jw *jsonWriter) room(n int) {
	if len(jw.b)+n <= cap(jw.b) {
		return
	}
	if len(jw.b)+n > bufferCap {
		jw.flush(0)
		if n <= cap(jw.b) {
			return
		}
	}
	b := make([]byte, len(jw.b), max(bufferCap, len(jw.b)+n))
	copy(b, jw.b)
	jw.b = b
}

// rowRoom is the room writeRows makes before each row: more than nearly any row takes (a longer one
// grows the buffer as append does).
const rowRoom = 4 << 10

func writeRows[T any](jw *jsonWriter, name string, rows iter.Seq[*T], app func([]byte, *T) []byte) {
	if jw.err != nil {
		return
	}
	jw.b = append(jw.b, `,"`...)
	jw.b = append(jw.b, name...)
	jw.b = append(jw.b, `":[`...)
	n := 0
	for r := range rows {
		if n > 0 {
			jw.b = append(jw.b, ',')
		}
		n++
		jw.room(rowRoom)
		jw.b = app(jw.b, r)
		if jw.flush(bigWrite); jw.err != nil {
			return
		}
	}
	jw.b = append(jw.b, ']')
}

func appendSummary(b []byte, s Summary) []byte {
	b = appendIntField(b, `{"entries":`, int64(s.Entries))
	b = appendIntField(b, `,"payments":`, int64(s.Payments))
	b = appendIntField(b, `,"exact":`, int64(s.Exact))
	b = appendIntField(b, `,"fuzzy":`, int64(s.Fuzzy))
	b = appendIntField(b, `,"unmatched_entries":`, int64(s.UnmatchedEntries))
	b = appendIntField(b, `,"unmatched_payments":`, int64(s.UnmatchedPayments))
	b = appendIntField(b, `,"anomalies":`, int64(s.Anomalies))
	b = append(b, `,"match_rate":`...)
	b = appendFloat(b, s.MatchRate)
	b = append(b, `,"match_rate_amount":`...)
	b = appendFloat(b, s.MatchRateAmount)
	b = appendIntField(b, `,"matched_payments":`, int64(s.MatchedPayments))
	b = appendIntField(b, `,"dismissed":`, int64(s.Dismissed))
	b = append(b, `,"currencies":`...)
	if s.Currencies == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range s.Currencies {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"currency":`...)
			b = appendString(b, string(c.Currency))
			b = appendIntField(b, `,"entries":`, int64(c.Entries))
			b = appendIntField(b, `,"matched":`, int64(c.Matched))
			b = appendIntField(b, `,"amount":`, c.Amount)
			b = appendIntField(b, `,"matched_amount":`, c.MatchedAmount)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Warnings) > 0 {
		b = append(b, `,"warnings":`...)
		b = appendStrings(b, s.Warnings)
	}
	return append(b, '}')
}

func appendMatch(b []byte, m *Match) []byte {
	b = append(b, `{"payment_id":`...)
	b = appendString(b, string(m.PaymentID))
	b = append(b, `,"score":`...)
	b = appendString(b, string(m.Score))
	b = append(b, `,"entry":`...)
	b = appendEntry(b, &m.Entry, m.Entry.Currency)
	b = append(b, `,"criteria":`...)
	b = appendCriteria(b, m.Criteria)
	b = append(b, `,"reasons":`...)
	b = appendReasons(b, m.Reasons)
	b = append(b, `,"review":`...)
	b = appendString(b, string(m.Review))
	b = appendStringField(b, `,"account":`, m.Account)
	b = appendStringField(b, `,"statement":`, m.Statement)
	if len(m.PaymentIDs) > 0 {
		b = append(b, `,"payment_ids":`...)
		b = appendIDs(b, m.PaymentIDs)
	}
	b = appendStringField(b, `,"batch_id":`, string(m.BatchID))
	if m.AmountDifference != 0 {
		b = appendIntField(b, `,"amount_difference":`, m.AmountDifference)
	}
	if len(m.Alternatives) > 0 {
		b = append(b, `,"alternatives":`...)
		b = appendIDs(b, m.Alternatives)
	}
	if len(m.Notes) > 0 {
		b = append(b, `,"notes":`...)
		b = appendStrings(b, m.Notes)
	}
	return append(b, '}')
}

func appendUnmatchedEntry(b []byte, u *UnmatchedEntry) []byte {
	b = append(b, `{"entry":`...)
	b = appendEntry(b, &u.Entry, u.Entry.Currency)
	b = appendStringField(b, `,"account":`, u.Account)
	b = appendStringField(b, `,"statement":`, u.Statement)
	if u.Dismissed {
		b = append(b, `,"dismissed":true`...)
	}
	b = appendStringField(b, `,"note":`, u.Note)
	if len(u.Notes) > 0 {
		b = append(b, `,"notes":`...)
		b = appendStrings(b, u.Notes)
	}
	return append(b, '}')
}

func appendUnmatchedPayment(b []byte, p *UnmatchedPayment) []byte {
	b = append(b, `{"payment_id":`...)
	b = appendString(b, string(p.PaymentID))
	b = appendIntField(b, `,"amount":`, p.Amount)
	b = append(b, `,"currency":`...)
	b = appendString(b, string(p.Currency))
	if p.ValueDate != 0 {
		b = append(b, `,"value_date":`...)
		b = appendDate(b, p.ValueDate)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, string(p.Status))
	b = appendStringField(b, `,"reference":`, p.Reference)
	b = appendStringField(b, `,"description":`, p.Description)
	b = appendStringField(b, `,"method":`, string(p.Method))
	b = appendStringField(b, `,"from_account":`, string(p.FromAccount))
	b = appendStringField(b, `,"to_account":`, string(p.ToAccount))
	b = appendStringField(b, `,"batch_id":`, string(p.BatchID))
	return append(b, '}')
}

func appendAnomaly(b []byte, a *Anomaly) []byte {
	b = append(b, `{"kind":`...)
	b = appendString(b, string(a.Kind))
	b = append(b, `,"payment_id":`...)
	b = appendString(b, string(a.PaymentID))
	b = append(b, `,"payment_status":`...)
	b = appendString(b, string(a.PaymentStatus))
	b = append(b, `,"entry":`...)
	b = appendEntry(b, &a.Entry, a.Entry.Currency)
	b = append(b, `,"criteria":`...)
	b = appendCriteria(b, a.Criteria)
	b = append(b, `,"reasons":`...)
	b = appendReasons(b, a.Reasons)
	b = appendStringField(b, `,"account":`, a.Account)
	b = appendStringField(b, `,"statement":`, a.Statement)
	if a.Dismissed {
		b = append(b, `,"dismissed":true`...)
	}
	b = appendStringField(b, `,"note":`, a.Note)
	return append(b, '}')
}

// appendEntry writes an Entry as encoding/json does with its struct tags (TestEntryJSON keeps the two
// in step when Entry gains a field), with cur for its currency: a row's entry is in its statement's
// currency when it has none of its own.
func appendEntry(b []byte, e *Entry, cur payment.Currency) []byte {
	b = append(b, '{')
	if e.BookingDate != 0 {
		b = append(b, `"booking_date":`...)
		b = appendDate(b, e.BookingDate)
		b = append(b, ',')
	}
	b = append(b, `"value_date":`...)
	b = appendDate(b, e.ValueDate)
	b = appendIntField(b, `,"amount":`, e.Amount)
	b = append(b, `,"direction":`...)
	b = appendString(b, string(e.Direction))
	if e.Reversal {
		b = append(b, `,"reversal":true`...)
	}
	b = append(b, `,"currency":`...)
	b = appendString(b, string(cur))
	b = appendStringField(b, `,"reference":`, e.CustomerRef)
	b = appendStringField(b, `,"bank_reference":`, e.BankRef)
	b = appendStringField(b, `,"end_to_end_id":`, e.EndToEnd)
	b = appendStringField(b, `,"description":`, e.Remittance)
	b = appendStringField(b, `,"counterparty_name":`, e.CounterpartyName)
	b = appendStringField(b, `,"counterparty_iban":`, e.CounterpartyIBAN)
	b = appendStringField(b, `,"bank_transaction_code":`, e.BankTxCode)
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, `,"fields":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, e.Fields[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"position":`...)
	b = appendString(b, e.Position)
	b = append(b, `,"fingerprint":`...)
	b = appendString(b, e.Fingerprint)
	return append(b, '}')
}

func appendCriteria(b []byte, c Criteria) []byte {
	b = append(b, `{"amount":`...)
	b = strconv.AppendBool(b, c.Amount)
	b = append(b, `,"date":`...)
	b = strconv.AppendBool(b, c.Date)
	b = append(b, `,"reference":`...)
	b = strconv.AppendBool(b, c.Reference)
	return append(b, '}')
}

func appendReasons(b []byte, rs []Reason) []byte {
	if rs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range rs {
		r := &rs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"criterion":`...)
		b = appendString(b, string(r.Criterion))
		b = append(b, `,"matched":`...)
		b = strconv.AppendBool(b, r.Matched)
		b = append(b, `,"entry":`...)
		b = appendString(b, r.Entry)
		b = append(b, `,"payment":`...)
		b = appendString(b, r.Payment)
		b = appendIntField(b, `,"difference":`, r.Difference)
		b = appendStringField(b, `,"field":`, r.Field)
		b = appendStringField(b, `,"key":`, r.Key)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendIDs(b []byte, ids []payment.ID) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(id))
	}
	return append(b, ']')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendIntField(b []byte, name string, v int64) []byte {
	b = append(b, name...)
	return strconv.AppendInt(b, v, 10)
}

// appendStringField writes name and s unless s is empty (omitempty).
func appendStringField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, name...)
	return appendString(b, s)
}

func appendDate(b []byte, d payment.Date) []byte {
	b, _ = d.AppendText(append(b, '"'))
	return append(b, '"')
}

// appendFloat writes a float as encoding/json does for values it writes without an exponent.
func appendFloat(b []byte, f float64) []byte {
	if f != 0 && (f < 1e-6 && f > -1e-6 || f >= 1e21 || f <= -1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// encoding/json writes e-07 as e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes as they are (with HTML escaping on).
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string exactly as encoding/json does: HTML characters, control
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	if i == len(s) { // nearly every string: plain ASCII
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
