package reconcile

import (
	"slices"
	"strings"
)

// assign turns candidate pairs into one decision per entry: one payment goes to at most one entry and
// one entry gets at most one payment (or batch). Pairs are taken greedily in a total order that does
// not depend on the order of the input: more criteria first, then the smaller date distance, then the
// earlier payment, then the payment id, then the entry. An entry and a payment that are each other's
// only candidate are decided at once, without sorting.
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
	// A payment, or a batch, that fits two entries equally well is not given to either for certain.
	ties := make(map[tieKey]int)
	for i := range hard {
		ties[m.tieKeyOf(&hard[i])]++
	}
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
		if ties[m.tieKeyOf(pr)] > 1 {
			m.out[pr.entry].flags |= flagAmbiguous
		}
	}
	// entries that lost every candidate: say where their best one went
	for i := range hard {
		pr := &hard[i]
		if m.out[pr.entry].kind != outUnmatched {
			continue
		}
		if _, ok := m.taken[pr.entry]; !ok {
			code := hintTaken
			if pr.flags&flagBatch != 0 {
				code = hintBatchTaken
			}
			m.taken[pr.entry] = hint{pay: pr.pay, code: code, crit: pr.crit, dist: pr.dist}
		}
	}
}

// tieKey is what two pairs that are equally good for one payment or batch share.
type tieKey struct {
	pay   int32 // a payment, or -1 - a batch
	dist  int32
	score int
	date  int32 // for a batch counted within the date window, the entry's date: it decides the members
}

func (m *matcher) tieKeyOf(pr *pair) tieKey {
	k := tieKey{pay: pr.pay, dist: pr.dist, score: score(pr.crit)}
	if pr.flags&flagBatch != 0 {
		k.pay = -1 - pr.pay
		if pr.flags&flagWindow != 0 {
			e, _ := m.entry(pr.entry)
			k.date = int32(entryDate(e))
		}
	}
	return k
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
