package reconcile

import (
	"slices"
	"strings"
)

// assign turns candidate pairs into one decision per entry: one payment goes to at most one entry and
// one entry gets at most one payment (or batch). Pairs are taken greedily in a total order that does
// not depend on the order of the input: more criteria first, then a pair whose entry names the payment
// by its id or end-to-end key before one that only shares its reference text (or names a batch), then
// the smaller date distance, then the earlier payment, then the payment id, then the entry. So a line
// that identifies a payment gets it even when a line that only quotes its reference is closer in
// date. An entry and a payment that are each other's only candidate are decided at once, without
// sorting.
//
// A match is uncertain (never approved automatically) when the entry has another candidate as good,
// or its payment or batch another entry as good (sameFit), unless that candidate or entry went to a
// fit that is strictly better in the same order: more criteria, a payment named by id or end-to-end
// key rather than by shared text, or a smaller date distance. So a line that a same-day line has
// beaten to its other candidate, or whose payment another line identifies, is decided for certain.
func (m *matcher) assign() {
	m.payEntry = make([]int32, len(m.pays))
	for i := range m.payEntry {
		m.payEntry[i] = -1
	}
	deg := make([]uint8, len(m.pays))
	bump := func(p int32) {
		if deg[p] < 255 {
			deg[p]++
		}
	}
	for _, pairs := range m.pairs {
		for i := range pairs {
			pr := &pairs[i]
			if pr.flags&flagBatch != 0 {
				for _, p := range m.refs.batches[pr.pay].members {
					bump(p)
				}
				continue
			}
			bump(pr.pay)
		}
	}
	var hard []pair
	for _, pairs := range m.pairs { // an entry's pairs are in one chunk, next to each other
		for i := 0; i < len(pairs); {
			j := i + 1
			for j < len(pairs) && pairs[j].entry == pairs[i].entry {
				j++
			}
			if pr := &pairs[i]; j-i == 1 && pr.flags&flagBatch == 0 && deg[pr.pay] == 1 {
				m.take(pr)
			} else {
				hard = append(hard, pairs[i:j]...)
			}
			i = j
		}
	}
	if len(hard) == 0 {
		return
	}
	slices.SortFunc(hard, func(a, b pair) int {
		if c := m.comparePairs(a, b); c != 0 {
			return c
		}
		if a.pay != b.pay { // same lead payment: a batch of one, or the same payment
			return int(a.pay) - int(b.pay)
		}
		ea, _ := m.entry(a.entry)
		eb, _ := m.entry(b.entry)
		if c := compareEntries(ea, eb); c != 0 {
			return c
		}
		return int(a.entry) - int(b.entry)
	})
	var took []int32 // the pairs taken, by index in hard
	for i := range hard {
		pr := &hard[i]
		if m.out[pr.entry].kind == outMatched {
			continue
		}
		if pr.flags&flagBatch != 0 {
			e, s := m.entry(pr.entry)
			free := true
			m.batchMembers(pr.pay, e, s, pr.flags&flagWindow != 0, func(p int32) { free = free && m.payEntry[p] < 0 })
			if !free {
				continue
			}
			m.take(pr)
			m.batchMembers(pr.pay, e, s, pr.flags&flagWindow != 0, func(p int32) { m.payEntry[p] = pr.entry })
		} else {
			if m.payEntry[pr.pay] >= 0 {
				continue
			}
			m.take(pr)
		}
		took = append(took, int32(i))
	}
	// A candidate as good as the one an entry got, or an entry as good for its payment or batch,
	// leaves the match uncertain, unless that candidate or entry went to a fit strictly better.
	for _, i := range took {
		pr := &hard[i]
		o := &m.out[pr.entry]
		if pr.flags&flagEntryTie != 0 && !m.entryTied(pr) {
			o.flags &^= flagEntryTie
			if pr.flags&(flagDeadTie|flagTieCut) == 0 {
				o.flags &^= flagAmbiguous
			}
		}
		if m.payTied(hard, int(i)) {
			o.flags |= flagAmbiguous
		}
	}
	// entries that lost every candidate: say where their best one went, and whether to a better fit
	for i := range hard {
		pr := &hard[i]
		if m.out[pr.entry].kind != outUnmatched {
			continue
		}
		if _, ok := m.taken[pr.entry]; !ok {
			code := hintTaken
			switch {
			case pr.flags&flagBatch != 0:
				code = hintBatchTaken
				if m.batchTakenAsWell(pr) {
					code = hintBatchTakenTie
				}
			case !m.lostToBetter(m.payEntry[pr.pay], pr):
				code = hintTakenTie
			}
			m.taken[pr.entry] = hint{pay: pr.pay, code: code, crit: pr.crit, dist: pr.dist}
		}
	}
}

// batchTakenAsWell reports whether the batch of pr, whose entry did not get it, went whole to an
// entry that fits it no better.
func (m *matcher) batchTakenAsWell(pr *pair) bool {
	e, s := m.entry(pr.entry)
	taker := int32(-1)
	m.batchMembers(pr.pay, e, s, pr.flags&flagWindow != 0, func(p int32) {
		if taker < 0 {
			taker = m.payEntry[p]
		}
	})
	if taker < 0 {
		return false
	}
	o := &m.out[taker]
	return o.flags&flagBatch != 0 && o.pay == pr.pay && !m.lostToBetter(taker, pr)
}

// identified reports whether the entry of pr names its payment by the payment's id or end-to-end
// key, which no other payment shares, rather than by a reference text several payments may have.
func identified(pr *pair) bool {
	return pr.flags&flagBatch == 0 && pr.crit&critReference != 0 && identifies(pr.key)
}

// identified is identified for the pair an entry was matched through.
func (o *outcome) identified() bool {
	return o.flags&flagBatch == 0 && o.crit&critReference != 0 && identifies(o.key)
}

// sameFit reports whether pairs a and b fit equally well: the same number of criteria, both or
// neither naming their payment by its id or end-to-end key, and the same date distance.
func sameFit(a, b *pair) bool {
	return score(a.crit) == score(b.crit) && identified(a) == identified(b) && a.dist == b.dist
}

// lostToBetter reports whether entry ei is matched with a fit strictly better than q, in the order of
// comparePairs: more criteria, or as many but naming its payment by id or end-to-end key where q
// does not, or as many and as named but a smaller date distance.
func (m *matcher) lostToBetter(ei int32, q *pair) bool {
	o := &m.out[ei]
	if o.kind != outMatched {
		return false
	}
	if so, sq := score(o.crit), score(q.crit); so != sq {
		return so > sq
	}
	if oi, qi := o.identified(), identified(q); oi != qi {
		return oi
	}
	return o.dist < q.dist
}

// payTied reports whether the payment or batch of hard[i], which its entry got, fits another entry as
// well and that entry did not get a strictly better fit. The pairs of one payment or batch that fit
// equally well are neighbours in hard.
func (m *matcher) payTied(hard []pair, i int) bool {
	pr := &hard[i]
	same := func(q *pair) bool {
		if q.pay != pr.pay || q.flags&flagBatch != pr.flags&flagBatch || !sameFit(q, pr) {
			return false
		}
		if pr.flags&flagBatch != 0 && (q.flags|pr.flags)&flagWindow != 0 {
			// counted within the date window, the entry's date decides the members
			if q.flags&pr.flags&flagWindow == 0 {
				return false
			}
			eq, _ := m.entry(q.entry)
			ep, _ := m.entry(pr.entry)
			if entryDate(eq) != entryDate(ep) {
				return false
			}
		}
		return true
	}
	tied := func(q *pair) bool { return q.entry != pr.entry && !m.lostToBetter(q.entry, q) }
	for j := i - 1; j >= 0 && same(&hard[j]); j-- {
		if tied(&hard[j]) {
			return true
		}
	}
	for j := i + 1; j < len(hard) && same(&hard[j]); j++ {
		if tied(&hard[j]) {
			return true
		}
	}
	return false
}

// entryTied reports whether the entry of pr, matched through it, has another candidate as good that
// did not go to an entry it fits strictly better.
func (m *matcher) entryTied(pr *pair) bool {
	for _, q := range m.pairsOf(pr.entry) {
		if q.pay == pr.pay && q.flags&flagBatch == pr.flags&flagBatch || !sameFit(&q, pr) {
			continue
		}
		if q.flags&flagBatch != 0 {
			return true // a batch as good: not worth telling apart
		}
		if pe := m.payEntry[q.pay]; pe < 0 || !m.lostToBetter(pe, &q) {
			return true
		}
	}
	return false
}

// pairsOf returns the candidate pairs of entry ei, from m.pairs: a span's pairs are in entry order,
// and spans cover consecutive ranges of entries (some spans have no pairs at all).
func (m *matcher) pairsOf(ei int32) []pair {
	for _, ps := range m.pairs {
		if len(ps) == 0 || ps[len(ps)-1].entry < ei {
			continue
		}
		if ps[0].entry > ei {
			return nil
		}
		return entryRun(ps, ei, func(p *pair) int32 { return p.entry })
	}
	return nil
}

func (m *matcher) take(pr *pair) {
	o := &m.out[pr.entry]
	o.setPair(pr)
	o.kind = outMatched
	if pr.flags&(flagEntryTie|flagDeadTie) != 0 {
		o.flags |= flagAmbiguous
	}
	if pr.flags&flagBatch == 0 {
		m.payEntry[pr.pay] = pr.entry
	}
}

// compareEntries orders entries by what they are, not where they are in the input, so that shuffled
// input gives the same decisions.
func compareEntries(a, b *Entry) int {
	if da, db := entryDate(a), entryDate(b); da != db {
		return int(da) - int(db)
	}
	if a.Amount != b.Amount {
		if a.Amount < b.Amount {
			return -1
		}
		return 1
	}
	for _, f := range [...][2]string{
		{string(a.Direction), string(b.Direction)}, {string(a.Currency), string(b.Currency)},
		{a.CustomerRef, b.CustomerRef}, {a.BankRef, b.BankRef}, {a.EndToEnd, b.EndToEnd},
		{a.Remittance, b.Remittance}, {a.CounterpartyIBAN, b.CounterpartyIBAN}, {a.Position, b.Position},
		{a.Fingerprint, b.Fingerprint},
	} {
		if c := strings.Compare(f[0], f[1]); c != 0 {
			return c
		}
	}
	return 0
}
