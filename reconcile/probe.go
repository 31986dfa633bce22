package reconcile

import (
	"github.com/orkesta/orkesta/payment"
)

// batchSize is how many entries are probed together. Matching is bound by cache misses (a probe of a
// table of millions of slots, then the payment it leads to); probing a batch in stages — every slot
// first, then every payment record, then the decisions — lets the processor overlap the misses of
// independent probes instead of waiting for each in turn.
const batchSize = 32

// Probe kinds.
const (
	probeRefs    uint8 = iota // tabs[0]
	probeE2E                  // tabs[1]
	probeID                   // a "pay_" id: its end-to-end part in tabs[1]
	probeAmounts              // the amount index
)

// probe is one lookup an entry needs.
type probe struct {
	h          uint64
	at         uint64 // the slot locate found
	entry      int32
	keyOff     int32 // the key in w.keys; for an id probe the whole "PAY…" key
	keyLen     int32
	start, end int32 // where the key is in the entry field
	date       payment.Date
	kind       uint8
	field      uint8
}

func (w *worker) key(p *probe) []byte { return w.keys[p.keyOff : p.keyOff+p.keyLen] }

// probeBatch prepares the probes of entries lo..hi and brings the memory they will read into the
// cache: the slots first, then the payment records the slots point to.
func (w *worker) probeBatch(lo, hi int32) {
	m := w.m
	x := m.refs
	w.probes, w.keys = w.probes[:0], w.keys[:0]
	for ei := lo; ei < hi; ei++ {
		e, _ := m.entry(ei)
		for f := range numFields {
			text := entryField(e, f)
			if text == "" {
				continue
			}
			w.tok.split(text)
			toks, buf := w.tok.tokens, w.tok.buf
			for i := range toks {
				from := int(toks[i].normStart)
				for j := i; j < len(toks); j++ {
					l := int(toks[j].normEnd) - from
					if l > x.maxLen {
						break
					}
					if x.hasLen(l) {
						w.addProbes(ei, buf[from:toks[j].normEnd], f, toks[i].origStart, toks[j].origEnd)
					}
				}
			}
		}
		if date := entryDate(e); date != 0 {
			for d := date - payment.Date(m.opts.DateWindow); d <= date+payment.Date(m.opts.DateWindow); d++ {
				w.probes = append(w.probes, probe{h: amountHash(e.Amount, d), entry: ei, date: d, kind: probeAmounts})
			}
		}
	}
	// Touch every slot in a tight loop: the loads are independent, so their misses overlap.
	var sink uint64
	for i := range w.probes {
		p := &w.probes[i]
		switch p.kind {
		case probeAmounts:
			sink += m.amts.slots[p.h&m.amts.mask]
		case probeRefs:
			sink += x.tabs[0].slots[p.h&x.tabs[0].mask]
		default:
			sink += x.tabs[1].slots[p.h&x.tabs[1].mask]
		}
	}
	for i := range w.probes {
		p := &w.probes[i]
		var s uint64
		switch p.kind {
		case probeAmounts:
			p.at = locate(m.amts.slots, m.amts.mask, p.h)
			if s = m.amts.slots[p.at]; s != 0 {
				sink += uint64(m.info[int32(s&0x7FFFFFFF)-1].amount)
			}
			continue
		case probeRefs:
			p.at = locate(x.tabs[0].slots, x.tabs[0].mask, p.h)
			s = x.tabs[0].slots[p.at]
		default:
			p.at = locate(x.tabs[1].slots, x.tabs[1].mask, p.h)
			s = x.tabs[1].slots[p.at]
		}
		switch {
		case s == 0:
		case s&slotChained != 0:
			sink += uint64(x.tabs[min(p.kind, probeE2E)].nodes[s&slotVal].v)
		default:
			sink += x.touchItem(uint32(s))
		}
	}
	// Most references are shared by a few payments (a chain): touch the payment records of every
	// chain found, once their head nodes are in the cache. Without this stage each chained probe
	// costs two or three misses in turn later, in candidates (the head node, the head's record for
	// the fingerprint check) and in entry (the records of the other payments of the chain).
	for i := range w.probes {
		p := &w.probes[i]
		if p.kind == probeAmounts {
			continue
		}
		t := &x.tabs[min(p.kind, probeE2E)]
		s := t.slots[p.at]
		if s == 0 || s&slotChained == 0 {
			continue
		}
		n := int32(s & slotVal)
		for k := 0; n >= 0 && k < maxTouched; k++ {
			sink += x.touchItem(t.nodes[n].v)
			n = t.nodes[n].next
		}
	}
	w.sink += sink
}

// maxTouched is how many items of one chain probeBatch brings into the cache ahead of use.
const maxTouched = 8

// touchItem reads the payment record of item v (nothing for a batch), to bring it into the cache.
func (x *refIndex) touchItem(v uint32) uint64 {
	if k := kindOf(v); k == keyBatch || k == keyPaymentInfo {
		return 0
	}
	return x.info[valOf(v)].refFP
}

// addProbes records the lookups of one key: in each table that may hold it, and as a payment id.
func (w *worker) addProbes(ei int32, key []byte, field uint8, start, end int32) {
	x := w.m.refs
	add := func(kind uint8, hashed []byte) {
		off := int32(len(w.keys))
		w.keys = append(w.keys, key...)
		w.probes = append(w.probes, probe{h: hashKey(x.seed, hashed), entry: ei, keyOff: off, keyLen: int32(len(key)),
			start: start, end: end, kind: kind, field: field})
	}
	if x.idByE2E && len(key) == idKeyLen && string(key[:3]) == "PAY" {
		if e2e := key[idKeyLen-16:]; x.tabs[1].mayHave(e2e) {
			add(probeID, e2e)
		}
	}
	for ti := range x.tabs {
		if t := &x.tabs[ti]; t.hasLen(len(key)) && t.mayHave(key) {
			add(uint8(ti), key)
		}
	}
}

// candidates fills w.cands with what entry ei's probes found; *next is the index of its first probe
// and is moved past its last.
func (w *worker) candidates(ei int32, next *int) {
	m := w.m
	x := m.refs
	w.cands, w.hits = w.cands[:0], w.hits[:0]
	for ; *next < len(w.probes) && w.probes[*next].entry == ei; *next++ {
		p := &w.probes[*next]
		switch p.kind {
		case probeAmounts:
			e, _ := m.entry(ei)
			q, more := m.amts.findFrom(e.Amount, p.date, p.h, p.at)
			for ; q >= 0; q = m.amts.next[q] {
				w.addPayment(ei, q, false, 0, 0, 0, 0)
				if !more {
					break
				}
			}
		case probeID:
			key := w.key(p)
			t := &x.tabs[1]
			t.each(t.findFrom(x, key[idKeyLen-16:], p.h, p.at, &w.verify), func(v uint32) {
				if kindOf(v) != keyEndToEnd {
					return
				}
				q := &x.pays[valOf(v)]
				if idFollowsE2E(q) && string(q.ID)[len(payment.PrefixPayment):] == string(key[3:]) {
					w.addPayment(ei, valOf(v), true, p.field, keyID, p.start, p.end)
				}
			})
		default:
			t := &x.tabs[p.kind]
			t.each(t.findFrom(x, w.key(p), p.h, p.at, &w.verify), func(v uint32) {
				switch kind, val := kindOf(v), valOf(v); kind {
				case keyBatch:
					w.addBatch(val, p.field, keyBatch, p.start, p.end)
				case keyPaymentInfo:
					w.addBatch(x.infos[val].batch, p.field, keyPaymentInfo, p.start, p.end)
				default:
					w.addPayment(ei, val, true, p.field, kind, p.start, p.end)
				}
			})
		}
	}
}
