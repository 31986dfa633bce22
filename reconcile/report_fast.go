package reconcile

import (
	"io"
	"strconv"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// The JSON report of a Result is the largest thing this package writes (about 800 bytes per matched
// entry), so Result has its own writer: rows are rendered straight from the decisions into byte
// buffers, without building Match values or any string, in chunks rendered by several goroutines and
// written in order. It writes exactly what the general path (WriteJSON over the ReportSource
// methods) writes; TestFastJSON holds the two together.

// renderChunk is how many entries one rendering job covers.
const renderChunk = 4096

// writeJSON writes the report of r with summary (r's own, or with a caller's warnings).
func (r *Result) writeJSON(w io.Writer, summary Summary) error {
	jw := &jsonWriter{w: w, b: make([]byte, 0, 256<<10)}
	jw.b = append(jw.b, `{"summary":`...)
	jw.b = appendSummary(jw.b, summary)
	r.renderEntries(jw, "matches", outMatched, func(b []byte, rb *rowBuilder, ei int32, e *Entry, si int) []byte {
		if o := &r.m.out[ei]; o.flags&(flagBatch|flagAmbiguous|flagDeadTie|flagNotes) == 0 {
			return r.appendMatchRow(b, rb, ei, e, si)
		}
		return appendMatch(b, rb.match(r, ei, e, si))
	})
	r.renderEntries(jw, "unmatched_entries", outUnmatched, func(b []byte, rb *rowBuilder, ei int32, e *Entry, si int) []byte {
		return appendUnmatchedEntry(b, rb.unmatched(r, ei, e, si))
	})
	writeRows(jw, "unmatched_payments", r.UnmatchedPaymentRows(), appendUnmatchedPayment)
	r.renderEntries(jw, "anomalies", outAnomaly, func(b []byte, rb *rowBuilder, ei int32, e *Entry, si int) []byte {
		return appendAnomaly(b, rb.anomaly(r, ei, e, si))
	})
	jw.b = append(jw.b, '}')
	jw.flush(0)
	return jw.err
}

// renderEntries writes one section of entry rows ("name":[…]) of the given outcome kind: chunks of
// entries are rendered concurrently (each row preceded by a comma) and written in order.
func (r *Result) renderEntries(jw *jsonWriter, name string, kind uint8, row func(b []byte, rb *rowBuilder, ei int32, e *Entry, si int) []byte) {
	if jw.err != nil {
		return
	}
	jw.b = append(jw.b, `,"`...)
	jw.b = append(jw.b, name...)
	jw.b = append(jw.b, `":[`...)
	m := r.m
	n := int32(m.numEntries())
	chunks := int((n + renderChunk - 1) / renderChunk)
	workers := min(m.workers(), max(chunks, 1))
	type job struct {
		buf  []byte
		done chan struct{}
	}
	jobs := make([]job, chunks)
	for i := range jobs {
		jobs[i].done = make(chan struct{})
	}
	render := func(c int, rb *rowBuilder, buf []byte) []byte {
		lo := int32(c) * renderChunk
		hi := min(lo+renderChunk, n)
		var sink byte
		for b := lo; b < hi; b += batchSize {
			end := min(b+batchSize, hi)
			// Touch the payments (both cache lines a row reads: a Payment is 176 bytes) and the text of
			// their ids and references first, in a tight loop whose cache misses overlap.
			for ei := b; ei < end; ei++ {
				if o := &m.out[ei]; o.kind == kind && o.pay >= 0 && o.flags&flagBatch == 0 {
					p := &m.pays[o.pay]
					sink += byte(p.ValueDate)
					if p.ID != "" {
						sink += p.ID[0]
					}
					if p.Reference != "" {
						sink += p.Reference[0]
					}
				}
			}
			for ei := b; ei < end; ei++ {
				if m.out[ei].kind != kind {
					continue
				}
				e, si := m.entry(ei)
				buf = append(buf, ',')
				buf = row(buf, rb, ei, e, si)
			}
		}
		rb.sink += sink
		return buf
	}
	// Workers take chunks in order; at most 2*workers chunks wait to be written, so memory stays flat.
	var (
		next  int
		mu    sync.Mutex
		slots = make(chan struct{}, 2*workers)
		wg    sync.WaitGroup
		stop  = make(chan struct{})
		free  = jw.free
	)
	if free == nil { // buffers outlive the section: the next one reuses them
		free = make(chan []byte, 2*workers+1)
		jw.free = free
	}
	for range workers {
		wg.Go(func() {
			var rb rowBuilder
			for {
				select {
				case slots <- struct{}{}:
				case <-stop:
					return
				}
				mu.Lock()
				c := next
				next++
				mu.Unlock()
				if c >= chunks {
					<-slots
					return
				}
				var buf []byte
				select {
				case buf = <-free:
				default: // about the size a chunk of matches takes, so that it is not regrown row by row
					buf = make([]byte, 0, min(renderChunk, int(n))*1024)
				}
				jobs[c].buf = render(c, &rb, buf[:0])
				close(jobs[c].done)
			}
		})
	}
	first := true
	for c := range jobs {
		<-jobs[c].done
		buf := jobs[c].buf
		if first && len(buf) > 0 {
			buf, first = buf[1:], false // no comma before the first row
		}
		switch {
		case len(buf) >= bigWrite/2: // write the chunk as it is: no copy into the writer's buffer
			jw.flush(0)
			if jw.err == nil {
				_, jw.err = jw.w.Write(buf)
			}
		case len(buf) > 0: // a chunk of few rows of this kind: gathered with the next ones
			jw.room(len(buf))
			jw.b = append(jw.b, buf...)
			jw.flush(bigWrite)
		}
		select {
		case free <- jobs[c].buf:
		default:
		}
		jobs[c].buf = nil
		<-slots
		if jw.err != nil {
			close(stop)
			break
		}
	}
	wg.Wait()
	jw.b = append(jw.b, ']')
}

// appendMatchRow writes the JSON of a simple match (one payment, no tie, no notes) from the decision
// itself: the bytes rowBuilder.match and appendMatch would give.
func (r *Result) appendMatchRow(b []byte, rb *rowBuilder, ei int32, e *Entry, si int) []byte {
	m := r.m
	o := &m.out[ei]
	p := &m.pays[o.pay]
	info := &m.infos[si]
	b = append(b, `{"payment_id":`...)
	b = appendString(b, string(p.ID))
	exact := score(o.crit) == 3
	if exact {
		b = append(b, `,"score":"exact","entry":`...)
	} else {
		b = append(b, `,"score":"fuzzy","entry":`...)
	}
	cur := info.currencyOf(e) // as rowBuilder.match
	b = appendEntry(b, e, cur)
	b = append(b, `,"criteria":`...)
	b = appendCriteria(b, criteriaOf(o.crit))
	// reasons, as appendReasonValues builds them
	if cur == "" {
		cur = p.Currency
	}
	b = append(b, `,"reasons":[{"criterion":"amount","matched":`...)
	b = strconv.AppendBool(b, o.crit&critAmount != 0)
	b = append(b, `,"entry":`...)
	b = rb.units.appendMoney(b, e.Amount, cur)
	b = append(b, `,"payment":`...)
	b = rb.units.appendMoney(b, p.Amount, p.Currency)
	diff := e.Amount - p.Amount
	b = appendIntField(b, `,"difference":`, diff)
	b = append(b, `},{"criterion":"date","matched":`...)
	b = strconv.AppendBool(b, o.crit&critDate != 0)
	ed := entryDate(e)
	b = append(b, `,"entry":`...)
	b = appendDate(b, ed)
	b = append(b, `,"payment":`...)
	b = appendDate(b, p.ValueDate)
	var dd int64
	if ed != 0 && p.ValueDate != 0 {
		dd = int64(ed - p.ValueDate)
	}
	b = appendIntField(b, `,"difference":`, dd)
	b = append(b, `},{"criterion":"reference","matched":`...)
	if o.crit&critReference != 0 {
		span := spanOf(e, o.field, o.start, o.end)
		b = append(b, `true,"entry":`...)
		b = appendString(b, span)
		b = append(b, `,"payment":`...)
		b = appendString(b, r.keyText(o, span))
		b = append(b, `,"difference":0,"field":"`...)
		b = append(b, fieldNames[o.field]...)
		b = append(b, `","key":"`...)
		b = append(b, keyNames[o.key]...)
		b = append(b, `"}]`...)
	} else {
		b = append(b, `false,"entry":`...)
		b = appendString(b, e.CustomerRef)
		b = append(b, `,"payment":`...)
		b = appendString(b, p.Reference)
		b = append(b, `,"difference":0}]`...)
	}
	if exact {
		b = append(b, `,"review":"auto"`...)
	} else {
		b = append(b, `,"review":"pending"`...)
	}
	b = appendStringField(b, `,"account":`, info.account)
	b = appendStringField(b, `,"statement":`, info.name)
	if diff != 0 {
		b = appendIntField(b, `,"amount_difference":`, diff)
	}
	return append(b, '}')
}

// unitsCache remembers the minor units of the last currency written: a report row writes two
// amounts, nearly always in one currency, and the lookup in the currency table cost more than the
// digits.
type unitsCache struct {
	cur   payment.Currency
	units int
}

func (u *unitsCache) of(c payment.Currency) int {
	if c != u.cur || u.cur == "" {
		u.cur, u.units = c, c.MinorUnits()
	}
	return u.units
}

// appendMoney writes money(amount, c) as a JSON string: the amount in major units and the code.
func (u *unitsCache) appendMoney(b []byte, amount int64, c payment.Currency) []byte {
	b = append(b, '"')
	b = appendMinor(b, amount, u.of(c))
	if c != "" {
		b = append(b, ' ')
		b = append(b, c...)
	}
	return append(b, '"')
}

// appendMinor writes payment.FormatMinor(minor, c) without allocating; mu is c.MinorUnits().
func appendMinor(b []byte, minor int64, mu int) []byte {
	if mu <= 0 {
		return strconv.AppendInt(b, minor, 10)
	}
	u := uint64(minor)
	if minor < 0 {
		b = append(b, '-')
		u = -u
	}
	var d [24]byte
	digits := strconv.AppendUint(d[:0], u, 10)
	for len(digits) <= mu {
		digits = append([]byte{'0'}, digits...)
	}
	b = append(b, digits[:len(digits)-mu]...)
	b = append(b, '.')
	return append(b, digits[len(digits)-mu:]...)
}
