package tabular

import (
	"slices"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
)

// Reading a large file on several goroutines: once the header is found and the number format is
// decided, a row's entry depends on nothing but the row and the statements (account, currency) seen
// so far. A decoder can then cut the rest of the file into runs of whole rows and read each run
// into its own fork of the builder, on its own goroutine, and join the forks back in file order.
// The result is the one the rows fed one by one would give: a fork stops at the first row that would
// change the builder's decisions or that has a problem, and its join fails, so that the decoder
// feeds those rows to the builder itself.

// Settled reports whether rows can now be read in forks: the header is found, the number format
// decided, no row is waiting and nothing has gone wrong. Never when streaming (Options.Stream):
// entries are handed over one by one, in file order.
func (b *Builder) Settled() bool {
	return b.opts.Stream == nil && b.lay != nil && !b.fatal && b.errs.Len() == 0 && len(b.queue) == 0 && b.nums.decided()
}

// Fork returns a builder for the next run of rows of the file, at most rows of them, to be fed on
// another goroutine. Forks must be joined (or dropped with Unfork) in the order they were made, and
// b must not be fed rows while forks are out. Fork is valid only when Settled reports true.
//
// The entries of a fork are written straight into b's entry array when the room reserved for the
// file (Options.RowsHint) holds them: joining then moves nothing.
func (b *Builder) Fork(rows int) *Builder {
	f := &Builder{
		opts:     b.opts,
		plans:    b.plans,
		lay:      b.lay,
		nums:     b.nums,
		dateMask: b.dateMask,
		dateSpec: b.dateSpec,

		preIBAN: b.preIBAN, preAccount: b.preAccount, accRaw: b.accRaw, accNorm: b.accNorm,
		preCurrency: b.preCurrency, preAmountCurrency: b.preAmountCurrency,
		codes:     slices.Clip(b.codes),
		decidedBy: b.decidedBy,

		forked:    true,
		inherited: len(b.groups),
	}
	f.groups = make([]*group, len(b.groups))
	for i, g := range b.groups {
		f.groups[i] = &group{account: g.account, currency: g.currency, mu: g.mu, idx: i}
	}
	f.store.cur, f.store.at = b.store.reserve(rows)
	if f.store.at >= 0 && b.store.keys != nil {
		f.store.keys = b.store.keys[f.store.at : f.store.at+rows]
	}
	f.store.hint = rows
	return f
}

// Join adds what fork f read to b, as if its rows had been fed to b. It reports false, adding
// nothing, when f stopped at a row b must read itself (a problem, or a value that would narrow the
// number format or the date order): the caller then feeds f's rows to b, after Unfork for every
// fork still out.
func (b *Builder) Join(f *Builder) bool {
	if !f.forked || f.fatal || f.errs.Len() > 0 || f.diverged {
		return false
	}
	to := make([]int32, len(f.groups)) // b's index of each of f's groups
	for j, fg := range f.groups {
		var g *group
		if j < f.inherited {
			g = b.groups[j]
		} else if g = b.findGroup(fg.account, fg.currency); g == nil {
			g = b.addGroup(fg.account, fg.currency, fg.mu)
		}
		to[j] = int32(g.idx)
		g.tally.join(&fg.tally)
	}
	b.store.join(&f.store, to, len(b.groups))
	for _, n := range f.skipped {
		if len(b.skipped) <= maxListed {
			b.skipped = append(b.skipped, n)
		}
	}
	b.nSkipped += f.nSkipped
	return true
}

// Unfork gives back the room reserved for forks not joined; their entries are dropped.
func (b *Builder) Unfork() { b.store.unreserve() }

// reserve returns room for n entries after those joined and reserved so far, in the current array
// when it has room, and where in that array it starts; nil and -1 when it has not (the fork then
// allocates its own entries, and its join copies them).
func (s *entryStore) reserve(n int) ([]reconcile.Entry, int) {
	if s.cur == nil && s.hint > 0 {
		s.cur = s.first()
	}
	if s.keys == nil && len(s.chunks) == 0 && s.cur != nil && !s.closed {
		s.keys = hugepage.Make[[16]byte](cap(s.cur), cap(s.cur))
	}
	s.tail = max(s.tail, len(s.cur))
	if s.cur == nil || s.closed || s.tail+n > cap(s.cur) {
		s.closed = true // a later fork must not take room before an earlier fork's entries
		return nil, -1
	}
	off := s.tail
	s.tail += n
	return s.cur[off:off:s.tail], off
}

func (s *entryStore) unreserve() {
	if s.tail > len(s.cur) {
		clear(s.cur[len(s.cur):s.tail])
		if s.keys != nil {
			clear(s.keys[len(s.cur):s.tail])
		}
	}
	s.tail = len(s.cur)
	s.closed = false
}

// join appends the entries of fork store f, whose group i is b's group to[i].
func (s *entryStore) join(f *entryStore, to []int32, groups int) {
	if groups > 1 && s.owner == nil {
		s.owner = make([]int32, s.n, max(s.n+f.n, cap(s.cur))) // room for the whole file, as add makes it
	}
	for k, c := range append(f.chunks, f.cur) {
		if len(c) > 0 {
			s.place(c, k == 0 && f.at >= 0, f.at)
		}
	}
	if s.owner != nil {
		if f.owner == nil {
			for range f.n {
				s.owner = append(s.owner, to[0])
			}
		} else {
			for _, g := range f.owner {
				s.owner = append(s.owner, to[g])
			}
		}
	}
	s.n += f.n
	f.chunks, f.cur, f.owner = nil, nil, nil
}

// place appends entries c of a fork. When c is the room reserved for it (starting at f.at of the
// current array), it stays where it is, or moves down over room an earlier fork left unused;
// otherwise it becomes a chunk of its own.
func (s *entryStore) place(c []reconcile.Entry, reserved bool, at int) {
	n := len(s.cur)
	if reserved && at >= n && at+len(c) <= cap(s.cur) {
		if at > n {
			copy(s.cur[n:at+len(c)], c)
			clear(s.cur[n+len(c) : at+len(c)])
			if s.keys != nil {
				copy(s.keys[n:], s.keys[at:at+len(c)])
				clear(s.keys[n+len(c) : at+len(c)])
			}
		}
		s.cur = s.cur[:n+len(c)]
		return
	}
	if len(s.cur) > 0 {
		s.chunks = append(s.chunks, s.cur)
	}
	s.cur = slices.Clip(c)
	s.closed = true
	s.keys = nil // they cover the first array only
}
