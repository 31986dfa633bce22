package tabular

import (
	"math"
	"math/bits"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// tally is what a statement keeps of its entries besides the entries themselves, updated as each
// one is read, in constant space: the period, what the running balance column says about the
// opening and closing balances, and the running total of the amounts. Decode derives the header
// of a statement from it; streaming, which keeps no entries, derives the balance check from it too.
type tally struct {
	n           int
	from, to    payment.Date
	lastRow     int      // the row of the last entry, where a Strict balance error points
	first, prev balanced // the first and the latest entry
	fwd, rev    int      // consecutive balances that add up when read oldest first, newest first
	total       runningTotal
}

// balanced is an entry as the running balance column sees it.
type balanced struct {
	bal    int64 // the balance after the entry, noBalance when the row had none
	signed int64
	date   payment.Date
}

// add counts entry e, read from row n with balance bal (noBalance for none).
func (t *tally) add(n int, e *reconcile.Entry, bal int64) {
	cur := balanced{bal: bal, signed: e.Signed(), date: entryDate(e)}
	if t.from == 0 || cur.date < t.from {
		t.from = cur.date
	}
	t.to = max(t.to, cur.date)
	if t.n == 0 {
		t.first = cur
	} else {
		t.follow(t.prev, cur)
	}
	t.prev = cur
	t.lastRow = n
	t.n++
	t.total.add(cur.signed)
}

// follow counts whether the balances of consecutive entries prev and cur add up read oldest first
// (prev's balance plus cur's amount is cur's), newest first, or both.
func (t *tally) follow(prev, cur balanced) {
	p, c := prev.bal, cur.bal
	if p == noBalance || c == noBalance {
		return
	}
	if s, ok := payment.AddMinor(p, cur.signed); ok && s == c {
		t.fwd++
	}
	if s, ok := payment.AddMinor(c, prev.signed); ok && s == p {
		t.rev++
	}
}

// join adds the tally of the entries that follow t's (read by a fork): the result is the tally
// of all of them read one by one.
func (t *tally) join(u *tally) {
	switch {
	case u.n == 0:
		return
	case t.n == 0:
		*t = *u
		return
	}
	if t.from == 0 || (u.from != 0 && u.from < t.from) {
		t.from = u.from
	}
	t.to = max(t.to, u.to)
	t.follow(t.prev, u.first) // the pair across the seam, as add would have seen it
	t.fwd += u.fwd
	t.rev += u.rev
	t.prev = u.prev
	t.lastRow = u.lastRow
	t.n += u.n
	t.total.join(&u.total)
}

// balances derives the opening and closing balance from the running balance column. Exports list
// lines oldest first or newest first; consecutive balances tell which (the dates when they do not).
func (t *tally) balances(st *reconcile.Statement) {
	if t.n == 0 || t.first.bal == noBalance || t.prev.bal == noBalance {
		return
	}
	first, last := t.first, t.prev
	if t.rev > t.fwd || (t.rev == t.fwd && first.date > last.date) {
		first, last = last, first
	}
	open, ok := payment.AddMinor(first.bal, -first.signed)
	if !ok {
		return
	}
	st.Opening, st.HasOpening = open, true
	st.Closing, st.HasClosing = last.bal, true
}

// checkBalances gives st (which has no entries) the warning st.CheckBalances would give it with
// all of them. CheckBalances adds the entries to the opening balance one by one and stops at the
// first overflow; which one that is depends on the opening balance, known only at the end, so the
// running total keeps its least and greatest values, and CheckBalances runs over at most three
// entries that take the balance where the real ones do.
func (t *tally) checkBalances(st *reconcile.Statement) {
	if !st.HasOpening || !st.HasClosing {
		return
	}
	st.Entries = t.total.replay(st.Opening)
	st.CheckBalances()
	st.Entries = nil
}

// runningTotal adds signed amounts in 128 bits, which no count of int64 amounts overflows, and
// keeps the least and greatest running total after each one.
type runningTotal struct {
	sum, lo, hi int128
	n           int
}

func (r *runningTotal) add(v int64) {
	r.sum = r.sum.plus(v)
	if r.n == 0 || r.sum.less(r.lo) {
		r.lo = r.sum
	}
	if r.n == 0 || r.hi.less(r.sum) {
		r.hi = r.sum
	}
	r.n++
}

// join adds the amounts of u after r's.
func (r *runningTotal) join(u *runningTotal) {
	switch {
	case u.n == 0:
		return
	case r.n == 0:
		*r = *u
		return
	}
	lo, hi := r.sum.add(u.lo), r.sum.add(u.hi)
	if lo.less(r.lo) {
		r.lo = lo
	}
	if r.hi.less(hi) {
		r.hi = hi
	}
	r.sum = r.sum.add(u.sum)
	r.n += u.n
}

// replay returns entries that, added to open one by one, reach the same sum as the real entries
// (or overflow, when they do).
func (r *runningTotal) replay(open int64) []reconcile.Entry {
	moves := func(vs ...int64) []reconcile.Entry {
		es := make([]reconcile.Entry, len(vs))
		for i, v := range vs {
			es[i] = reconcile.Entry{Amount: v, Direction: reconcile.Credit} // Signed() is v, even negative
		}
		return es
	}
	switch {
	case r.n == 0:
		return nil
	case !r.lo.plus(open).fits() || !r.hi.plus(open).fits(): // some running balance overflows
		if open >= 0 {
			return moves(math.MaxInt64, math.MaxInt64)
		}
		return moves(math.MinInt64)
	case r.sum.fits():
		return moves(int64(r.sum.lo))
	}
	// The sum is in range but the net movement is not: go through zero.
	sum := int64(r.sum.plus(open).lo)
	if open == math.MinInt64 {
		return moves(math.MaxInt64, 1, sum)
	}
	return moves(-open, sum)
}

// int128 is a two's complement 128-bit integer.
type int128 struct {
	hi int64
	lo uint64
}

func (x int128) plus(v int64) int128 {
	lo, carry := bits.Add64(x.lo, uint64(v), 0)
	return int128{hi: x.hi + int64(carry) + v>>63, lo: lo} // v>>63 is v's high half: -1 or 0
}

func (x int128) add(y int128) int128 {
	lo, carry := bits.Add64(x.lo, y.lo, 0)
	return int128{hi: x.hi + y.hi + int64(carry), lo: lo}
}

func (x int128) less(y int128) bool { return x.hi < y.hi || (x.hi == y.hi && x.lo < y.lo) }

// fits reports whether x is an int64.
func (x int128) fits() bool { return x.hi == int64(x.lo)>>63 }

func entryDate(e *reconcile.Entry) payment.Date {
	if e.BookingDate != 0 {
		return e.BookingDate
	}
	return e.ValueDate
}
