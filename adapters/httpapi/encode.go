package httpapi

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Hand-written JSON encoders for the responses that carry many payments (a page, a 500-item batch):
// encoding/json's reflection was a fifth of the CPU of a batch request. They write exactly what
// encoding/json writes for the same values (TestEncodeMatchesEncodingJSON and FuzzAppendString hold
// them to it), so the wire format has one definition: the struct tags in wire.go.

// appender is a response that can encode itself.
type appender interface {
	appendJSON(b []byte) []byte
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// encode returns v as JSON with a trailing newline, in a pooled buffer that the caller hands back
// with release.
func encode(v any) (*[]byte, error) {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	if a, ok := v.(appender); ok {
		b = a.appendJSON(b)
	} else {
		m, err := json.Marshal(v)
		if err != nil {
			release(bp)
			return nil, err
		}
		b = append(b, m...)
	}
	b = append(b, '\n')
	*bp = b
	return bp, nil
}

func release(bp *[]byte) {
	if cap(*bp) <= 1<<20 { // do not keep the odd huge buffer alive
		bufPool.Put(bp)
	}
}

func (p *Payment) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, string(p.ID))
	b = append(b, `,"status":`...)
	b = appendString(b, string(p.Status))
	b = append(b, `,"amount":`...)
	b = strconv.AppendInt(b, p.Amount, 10)
	b = append(b, `,"currency":`...)
	b = appendString(b, string(p.Currency))
	b = append(b, `,"method":`...)
	b = appendString(b, string(p.Method))
	b = append(b, `,"from_account":`...)
	b = appendString(b, string(p.FromAccount))
	b = append(b, `,"to_account":`...)
	b = appendString(b, string(p.ToAccount))
	b = append(b, `,"description":`...)
	b = appendString(b, p.Description)
	b = append(b, `,"reference":`...)
	b = appendString(b, p.Reference)
	b = append(b, `,"value_date":`...)
	b = appendString(b, p.ValueDate.String())
	b = append(b, `,"end_to_end_id":`...)
	b = appendString(b, p.EndToEndID)
	if p.BatchID != "" {
		b = append(b, `,"batch_id":`...)
		b = appendString(b, string(p.BatchID))
	}
	if p.CreatedBy != "" {
		b = append(b, `,"created_by":`...)
		b = appendString(b, p.CreatedBy)
	}
	if p.FailureCode != "" {
		b = append(b, `,"failure_code":`...)
		b = appendString(b, p.FailureCode)
	}
	if p.FailureReason != "" {
		b = append(b, `,"failure_reason":`...)
		b = appendString(b, p.FailureReason)
	}
	b = append(b, `,"created_at":`...)
	b = appendTime(b, p.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, p.UpdatedAt)
	return append(b, '}')
}

func (l *PaymentList) appendJSON(b []byte) []byte {
	b = append(b, `{"data":[`...)
	for i := range l.Data {
		if i > 0 {
			b = append(b, ',')
		}
		b = l.Data[i].appendJSON(b)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, l.HasMore)
	return append(b, '}')
}

func (r *BatchResult) appendJSON(b []byte) []byte {
	b = append(b, `{"batch_id":`...)
	b = appendString(b, string(r.BatchID))
	b = append(b, `,"results":[`...)
	for i := range r.Results {
		it := &r.Results[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(it.Index), 10)
		b = append(b, `,"status":`...)
		b = appendString(b, string(it.Status))
		if it.Replayed {
			b = append(b, `,"replayed":true`...)
		}
		if it.Payment != nil {
			b = append(b, `,"payment":`...)
			b = it.Payment.appendJSON(b)
		}
		if it.Error != nil {
			b = append(b, `,"error":`...)
			b = appendMarshal(b, it.Error)
		}
		b = append(b, '}')
	}
	b = append(b, `],"totals":`...)
	b = appendMarshal(b, &r.Totals)
	return append(b, '}')
}

func ptr[T any](v T) *T { return &v }

// appendMarshal is encoding/json for the small, rare parts (errors, totals).
func appendMarshal(b []byte, v any) []byte {
	m, err := json.Marshal(v)
	if err != nil { // only plain structs of strings and numbers pass here
		panic("httpapi: cannot encode " + err.Error())
	}
	return append(b, m...)
}

// appendTime writes t as encoding/json does: RFC 3339 with nanoseconds, trailing zeros dropped.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes a JSON string holds as they are.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string exactly as encoding/json does: HTML-sensitive characters
// (<, >, &) and U+2028/U+2029 escaped as \u00XX, invalid UTF-8 replaced with \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
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
