package reconcile

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
)

// Criteria bits.
const (
	critAmount uint8 = 1 << iota
	critDate
	critReference
)

func score(crit uint8) int {
	return int(crit&critAmount) + int(crit&critDate>>1) + int(crit&critReference>>2)
}

// Entry text fields searched for references, in order.
const (
	fieldCustomerRef uint8 = iota
	fieldBankRef
	fieldEndToEnd
	fieldRemittance
	fieldStructuredRef
	numFields
)

func entryField(e *Entry, f uint8) string {
	switch f {
	case fieldCustomerRef:
		return e.CustomerRef
	case fieldBankRef:
		return e.BankRef
	case fieldEndToEnd:
		return e.EndToEnd
	case fieldStructuredRef:
		return structuredReference(e)
	}
	return e.Remittance
}

// structuredRefFields are the sub-fields of Entry.Fields that hold the payer's own reference
// when a statement gives it by keyword rather than in the customer reference (which then often says
// NONREF): the German :86: KREF+ (Kundenreferenz) and the Dutch /PREF/ (the payment-information id of
// a batch). Matching searches them as it searches the customer reference.
var structuredRefFields = [...]string{"KREF", "PREF"}

// structuredReference returns the first of e's structuredRefFields that is set, or "".
func structuredReference(e *Entry) string {
	if e.Fields == nil {
		return ""
	}
	for _, k := range structuredRefFields {
		if v := e.Fields[k]; v != "" {
			return v
		}
	}
	return ""
}

// noDate is the date distance of a pair where either side has no date.
const noDate = 1 << 30

// pair flags.
const (
	flagBatch     uint8 = 1 << iota // pay is a batch index
	flagEntryTie                    // the entry has another candidate as good as this one
	flagAmbiguous                   // set on outcomes: not to be approved automatically
	flagDeadTie                     // a cancelled or failed payment fits the entry as well
	flagWindow                      // a batch pair counts only the batch's payments inside the date window
	flagNotes                       // set on outcomes: the entry names payments that are not candidates
	flagTieCut                      // a candidate as good as this one is beyond the entry's MaxCandidates
)

// pair is one candidate (entry, payment or batch) with how well they fit.
type pair struct {
	entry      int32
	pay        int32
	dist       int32
	start, end int32 // where the reference was found in the entry field
	crit       uint8
	field      uint8
	key        uint8
	flags      uint8
}

// Outcome kinds.
const (
	outUnmatched uint8 = iota
	outMatched
	outAnomaly
)

// outcome is the decision for one entry.
type outcome struct {
	pay        int32 // payment index (batch index with flagBatch), -1 when unmatched
	dist       int32
	start, end int32
	kind       uint8
	crit       uint8
	field      uint8
	key        uint8
	flags      uint8
}

func (o *outcome) setPair(p *pair) {
	o.pay, o.dist, o.start, o.end = p.pay, p.dist, p.start, p.end
	o.crit, o.field, o.key = p.crit, p.field, p.key
	o.flags = o.flags&flagNotes | p.flags&(flagBatch|flagEntryTie|flagDeadTie|flagWindow|flagTieCut)
}

// stmtInfo is what matching derived from a statement's header.
type stmtInfo struct {
	name     string   // the statement's id, or "statement N" when several have none; "" for one
	account  string   // the statement's account, normalized
	ids      []string // the strings payments use for that account: the IBAN and the ids it resolves to
	known    bool     // direction is checked
	currency payment.Currency
	from, to payment.Date // the period, from the statement or its entries
}

// currencyOf is the currency of entry e of the statement: its own, or the statement's when it has
// none. Matching and every report row go by it.
func (s *stmtInfo) currencyOf(e *Entry) payment.Currency { return cmp.Or(e.Currency, s.currency) }

// sideOK reports whether p moves money on the statement's account in e's direction.
func (s *stmtInfo) sideOK(e *Entry, p *Payment) bool {
	if !s.known {
		return true
	}
	var acct payment.AccountID
	switch e.Direction {
	case Debit:
		acct = p.FromAccount
	case Credit:
		acct = p.ToAccount
	default:
		return true
	}
	for _, id := range s.ids {
		if string(acct) == id {
			return true
		}
	}
	return false
}

// touches reports whether p moves money on the statement's account in either direction.
func (s *stmtInfo) touches(p *Payment) bool {
	if !s.known {
		return true
	}
	for _, id := range s.ids {
		if string(p.FromAccount) == id || string(p.ToAccount) == id {
			return true
		}
	}
	return false
}

// normalizeAccount strips spaces and upper-cases an IBAN or account number.
func normalizeAccount(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, payment.PrefixAccount) {
		return s
	}
	return strings.ToUpper(strings.ReplaceAll(s, " ", ""))
}

// entryDate is the date an entry is compared on: its value date, else its booking date.
func entryDate(e *Entry) payment.Date {
	if e.ValueDate != 0 {
		return e.ValueDate
	}
	return e.BookingDate
}

// paymentIndex is what matching builds from the payments alone, so it can be built while the
// statements are still being decoded (Offline does).
type paymentIndex struct {
	pays []Payment
	info []pinfo // one per payment: what evaluating a candidate reads
	refs *refIndex
	amts *amountIndex
}

// matcher holds one Match call's state.
type matcher struct {
	*paymentIndex
	stmts  []Statement
	opts   *Options
	infos  []stmtInfo
	starts []int32 // flat index of each statement's first entry; one more at the end

	dirs     []dirMask // per payment, when a statement's account is known (fillMasks)
	pairs    [][]pair  // per worker, each in entry order: together, every candidate pair in entry order
	out      []outcome
	payEntry []int32 // entry index of each matched payment, or -1
	rankOnce sync.Once
	rank     []int32        // each payment's place in (value date, id) order, for long candidate lists
	hints    [][]hintRec    // per worker, in entry order: near misses of entries
	taken    map[int32]hint // entries whose every candidate went to better-fitting entries
	warnings []string
}

// hint is a near miss worth telling a reviewer about an unmatched entry.
type hint struct {
	pay  int32
	code uint8
	crit uint8
	dist int32
}

// Hint codes.
const (
	hintWeak          uint8 = iota + 1 // the reference matches, but neither amount nor date
	hintStatus                         // the reference names a payment that is not processing or settled
	hintTaken                          // a candidate went to a better-fitting entry
	hintCurrency                       // the reference names a payment in another currency
	hintAccount                        // the reference names a payment on another account or direction
	hintCrowd                          // more near misses than are worth listing; pay holds their count
	hintBatchTaken                     // a candidate batch went to a better-fitting entry; pay is the batch
	hintTakenTie                       // a candidate went to an entry it fits as well
	hintBatchTakenTie                  // a candidate batch went to an entry it fits as well; pay is the batch
)

func (m *matcher) numEntries() int { return int(m.starts[len(m.starts)-1]) }

// entry returns the flat entry i and its statement index.
func (m *matcher) entry(i int32) (*Entry, int) {
	s := len(m.stmts) - 1
	if s > 0 {
		s, _ = slices.BinarySearch(m.starts, i+1)
		s--
	}
	return &m.stmts[s].Entries[i-m.starts[s]], s
}

func newMatcher(stmts []Statement, idx *paymentIndex, opts *Options) *matcher {
	pays := idx.pays
	m := &matcher{paymentIndex: idx, stmts: stmts, opts: opts, taken: make(map[int32]hint)}
	m.starts = make([]int32, len(stmts)+1)
	for i := range stmts {
		m.starts[i+1] = m.starts[i] + int32(len(stmts[i].Entries))
	}
	m.infos = make([]stmtInfo, len(stmts))
	var unresolved []int
	for i := range stmts {
		info := &m.infos[i]
		st := &stmts[i]
		info.account = normalizeAccount(st.Account)
		if info.account == "" {
			info.account = normalizeAccount(opts.Account)
		}
		info.currency = st.Currency
		info.from, info.to = st.From, st.To
		switch {
		case st.ID != "":
			info.name = st.ID
		case len(stmts) > 1:
			info.name = "statement " + strconv.Itoa(i+1)
		}
		if info.from == 0 || info.to == 0 {
			for j := range st.Entries {
				d := entryDate(&st.Entries[j])
				if d == 0 {
					continue
				}
				if info.from == 0 || d < info.from {
					info.from = d
				}
				if info.to == 0 || d > info.to {
					info.to = d
				}
			}
		}
		if info.account == "" {
			continue
		}
		info.ids = append(info.ids, info.account)
		for _, a := range opts.Accounts {
			if string(a.ID) == info.account || (a.IBAN != "" && normalizeAccount(a.IBAN) == info.account) {
				info.ids = append(info.ids, string(a.ID))
				info.known = true
				if info.currency == "" {
					info.currency = a.Currency // a statement that names no currency is in its account's
				}
			}
		}
		if !info.known {
			unresolved = append(unresolved, i)
		}
	}
	// A statement account no given account resolves is still known when payments name it directly.
	for _, si := range unresolved {
		info := &m.infos[si]
		for j := range pays {
			if string(pays[j].FromAccount) == info.account || string(pays[j].ToAccount) == info.account {
				info.known = true
				break
			}
		}
		w := "statement account " + payment.MaskIBAN(info.account) +
			" is not the account of any payment or known account; debits and credits were not told apart"
		if !info.known && !slices.Contains(m.warnings, w) {
			m.warnings = append(m.warnings, w)
		}
	}
	return m
}

func (m *matcher) workers() int { return workers(m.opts) }

func workers(opts *Options) int {
	w := opts.Workers
	if w <= 0 {
		w = min(runtime.GOMAXPROCS(0), 4)
	}
	return max(w, 1)
}

// run does the matching: compact payment records, both indexes, candidates per entry, assignment.
func (m *matcher) run() {
	m.fillMasks()
	n := m.numEntries()
	m.out = hugepage.Make[outcome](n, n)
	w := m.workers()
	if n < parallelFrom {
		w = 1
	}
	// Entries are handed out in spans of spanSize from a shared counter rather than split in equal
	// halves up front: a worker slowed down (by the garbage collector's marking, by another process)
	// then does fewer spans instead of holding the others up (equal halves finished 25 ms apart at
	// 1M entries). Each span's pairs and hints are kept apart and joined in entry order.
	size := min(spanSize, max(batchSize, n/(8*w)/batchSize*batchSize)) // small inputs: 8 spans per worker
	spans := make([]spanOut, (n+size-1)/size)
	var next atomic.Int32
	work := func() {
		k := newWorker(m)
		k.pairs = hugepage.Make[pair](0, n/w+n/16)
		for {
			c := int(next.Add(1) - 1)
			if c >= len(spans) {
				return
			}
			p0, h0 := len(k.pairs), len(k.hints)
			k.span(int32(c*size), int32(min((c+1)*size, n)))
			spans[c] = spanOut{pairs: k.pairs[p0:len(k.pairs):len(k.pairs)], hints: k.hints[h0:len(k.hints):len(k.hints)]}
		}
	}
	var wg sync.WaitGroup
	for range w - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	for _, sp := range spans {
		m.pairs = append(m.pairs, sp.pairs)
		if len(sp.hints) > 0 { // hintsOf finds an entry's span by binary search on the last entries
			m.hints = append(m.hints, sp.hints)
		}
	}
	m.assign()
}

// buildPaymentIndex fills the compact payment records, then the reference and amount indexes (with
// up to three goroutines when parallel is set).
func buildPaymentIndex(pays []Payment, opts *Options, parallel bool) *paymentIndex {
	x := &paymentIndex{pays: pays, info: hugepage.Make[pinfo](len(pays), len(pays))}
	if !parallel {
		keys := x.fillInfo(0, len(pays))
		x.refs = newRefIndex(pays, x.info, opts.PaymentInfoIDs, keys)
		x.refs.buildRefs()
		x.refs.buildE2E()
		x.refs.finish()
		x.amts = newAmountIndex(x.info)
		return x
	}
	var wg sync.WaitGroup
	half := len(pays) / 2
	var low keyCounts
	wg.Go(func() { low = x.fillInfo(0, half) })
	keys := x.fillInfo(half, len(pays))
	wg.Wait()
	keys.add(low)
	// The two reference tables write only their own fingerprint field of info; the amount index
	// reads only the other fields.
	x.refs = newRefIndex(pays, x.info, opts.PaymentInfoIDs, keys)
	wg.Go(x.refs.buildRefs)
	x.refs.buildE2E()
	x.amts = newAmountIndex(x.info)
	wg.Wait()
	x.refs.finish()
	return x
}

// keyCounts is how many keys of each table payments give, at most (a text may normalize to no key).
type keyCounts struct {
	refs int // references and ids not found through their end-to-end key: tabs[0]
	e2e  int // end-to-end keys: tabs[1]
}

func (k *keyCounts) add(o keyCounts) { k.refs, k.e2e = k.refs+o.refs, k.e2e+o.e2e }

// fillInfo fills the compact records of payments lo to hi and counts their keys.
func (x *paymentIndex) fillInfo(lo, hi int) (keys keyCounts) {
	for i := lo; i < hi; i++ {
		p := &x.pays[i]
		in := &x.info[i]
		in.amount, in.date = p.Amount, p.ValueDate
		in.curClass = uint32(classOf(p.Status))<<24 | packCurrency(p.Currency)
		if idFollowsE2E(p) {
			in.curClass |= idByKey
		} else if p.ID != "" {
			keys.refs++
		}
		if p.Reference != "" {
			keys.refs++
		}
		if p.EndToEnd != "" {
			keys.e2e++
		}
	}
	return keys
}

// fillMasks sets the direction masks of the payment records for this match's statements.
func (m *matcher) fillMasks() {
	known := false
	for si := range min(len(m.infos), 32) {
		known = known || m.infos[si].known
	}
	if !known {
		return
	}
	m.dirs = make([]dirMask, len(m.pays))
	fill := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p := &m.pays[i]
			in := &m.dirs[i]
			for si := range min(len(m.infos), 32) {
				s := &m.infos[si]
				if !s.known {
					continue
				}
				for _, id := range s.ids {
					if string(p.FromAccount) == id {
						in.from |= 1 << si
					}
					if string(p.ToAccount) == id {
						in.to |= 1 << si
					}
				}
			}
		}
	}
	if m.workers() > 1 && len(m.pays) >= parallelFrom {
		var wg sync.WaitGroup
		half := len(m.pays) / 2
		wg.Go(func() { fill(0, half) })
		fill(half, len(m.pays))
		wg.Wait()
		return
	}
	fill(0, len(m.pays))
}

// sideOK reports whether payment pi moves money on statement si's account in e's direction (always,
// when the account is unknown).
func (m *matcher) sideOK(si int, e *Entry, pi int32) bool {
	s := &m.infos[si]
	if !s.known {
		return true
	}
	if si >= 32 {
		return s.sideOK(e, &m.pays[pi])
	}
	switch e.Direction {
	case Debit:
		return m.dirs[pi].from>>si&1 != 0
	case Credit:
		return m.dirs[pi].to>>si&1 != 0
	}
	return true
}

// worker finds candidates for a span of entries. Each goroutine has its own.
type worker struct {
	m      *matcher
	tok    tokenizer
	verify []byte
	probes []probe
	keys   []byte // the probes' keys
	sink   uint64 // what touching memory ahead of use reads, kept so the reads are not dropped
	cands  []cand
	hits   []refHit // every place the current entry's text names a candidate (see preferIdentifiers)
	shared []refHit // the reference hits of identified candidates (preferIdentifiers)
	seen   []int32  // per payment: index+1 into cands for the current entry's stamp
	stamp  []int32  // per payment: the entry (+1) seen was set for
	pairs  []pair
	hints  []hintRec
}

// refHit is one place the current entry's text names candidate cand (its reference, id or key).
type refHit struct {
	cand       int32
	start, end int32
	field, key uint8
}

// cand is a payment or batch found for the current entry.
type cand struct {
	pay        int32
	batch      bool
	ref        bool
	covers     bool // its text holds an id or key of another candidate (see preferIdentifiers)
	own        bool // the entry quotes its reference where no identified candidate's is (see preferIdentifiers)
	field, key uint8
	start, end int32
}

func newWorker(m *matcher) *worker {
	return &worker{m: m}
}

// spanSize is how many entries a worker takes at a time at most (a multiple of batchSize); fewer
// when there are less than 8 spans of it per worker.
const spanSize = 8192

// spanOut is what a worker found for one span of entries.
type spanOut struct {
	pairs []pair
	hints []hintRec
}

// span finds the candidates of entries lo..hi, appending to w.pairs and w.hints.
func (w *worker) span(lo, hi int32) {
	m := w.m
	for b := lo; b < hi; b += batchSize {
		end := min(b+batchSize, hi)
		w.probeBatch(b, end)
		next := 0
		for i := b; i < end; i++ {
			e, s := m.entry(i)
			w.candidates(i, &next)
			w.entry(i, e, s)
		}
	}
}

// smallCands is how many candidates an entry may have before duplicates are found through
// per-payment arrays rather than a scan.
const smallCands = 16

// addPayment records that the entry names (ref) or fits on amount and date (!ref) payment p.
func (w *worker) addPayment(ei, p int32, ref bool, field, key uint8, start, end int32) {
	if i := w.candIndex(ei, p); i >= 0 {
		c := &w.cands[i]
		if ref && (!c.ref || identifies(key) && !identifies(c.key)) { // an id outranks shared text
			c.ref, c.field, c.key, c.start, c.end = true, field, key, start, end
		}
		if ref {
			w.hits = append(w.hits, refHit{cand: int32(i), start: start, end: end, field: field, key: key})
		}
		return
	}
	if ref {
		w.hits = append(w.hits, refHit{cand: int32(len(w.cands)), start: start, end: end, field: field, key: key})
	}
	if len(w.cands) >= smallCands {
		if w.stamp == nil { // a pathological entry: many payments share its reference or amount
			w.stamp, w.seen = make([]int32, len(w.m.pays)), make([]int32, len(w.m.pays))
		}
		w.stamp[p], w.seen[p] = ei+1, int32(len(w.cands))
	}
	w.cands = append(w.cands, cand{pay: p, ref: ref, field: field, key: key, start: start, end: end})
}

// identifies reports whether a key kind names one payment for certain (its id or end-to-end key),
// unlike a reference, which several payments may share.
func identifies(key uint8) bool { return key == keyID || key == keyEndToEnd }

// preferIdentifiers: when the entry names a payment by its id or end-to-end key, other payments that
// only share its reference text do not count as named by it; a payment whose own reference the entry
// quotes as well still does. So a payroll of eight equal payments with one reference is told apart
// by the key the bank echoes, instead of tying.
//
// An id or key found only inside a longer quote of another candidate's reference (P2's reference is
// P1's id plus "-2", and the line quotes P2's reference) is part of that reference, not a mention of
// P1: it does not name P1, and the payment whose whole reference is quoted keeps it.
func (w *worker) preferIdentifiers() {
	named := false
	for i := range w.cands {
		if c := &w.cands[i]; !c.batch && c.ref && identifies(c.key) {
			named = true
			break
		}
	}
	if !named {
		return
	}
	named = false
	for i := range w.cands {
		c := &w.cands[i]
		if c.batch || !c.ref || !identifies(c.key) {
			continue
		}
		id, text := -1, -1 // c's first id hit not inside another's quote; its first text hit
		for k := range w.hits {
			h := &w.hits[k]
			if int(h.cand) != i {
				continue
			}
			if !identifies(h.key) {
				if text < 0 {
					text = k
				}
			} else if w.coverer(h) < 0 {
				id = k
				break
			}
		}
		switch {
		case id >= 0:
			named = true
			h := &w.hits[id]
			c.field, c.key, c.start, c.end = h.field, h.key, h.start, h.end
		case text >= 0: // named only by its reference text
			h := &w.hits[text]
			c.field, c.key, c.start, c.end = h.field, h.key, h.start, h.end
		default:
			c.ref = false
		}
	}
	if !named {
		return
	}
	for k := range w.hits { // a candidate whose quote holds an id keeps its reference
		if h := &w.hits[k]; identifies(h.key) {
			if g := w.coverer(h); g >= 0 {
				w.cands[w.hits[g].cand].covers = true
			}
		}
	}
	// The text an identified payment's reference shares with others names none of them; a text only
	// others have (their own reference) still names them.
	w.shared = w.shared[:0]
	for k := range w.hits {
		if h := &w.hits[k]; h.key == keyReference {
			if c := &w.cands[h.cand]; !c.batch && c.ref && identifies(c.key) {
				w.shared = append(w.shared, *h)
			}
		}
	}
	for k := range w.hits {
		h := &w.hits[k]
		c := &w.cands[h.cand]
		if h.key != keyReference || c.batch || !c.ref || identifies(c.key) || c.covers || c.own ||
			slices.ContainsFunc(w.shared, func(g refHit) bool { return g.field == h.field && g.start == h.start && g.end == h.end }) {
			continue
		}
		c.own = true
		c.field, c.key, c.start, c.end = h.field, h.key, h.start, h.end
	}
	for i := range w.cands {
		if c := &w.cands[i]; !c.batch && c.ref && !identifies(c.key) && !c.covers && !c.own {
			c.ref = false
		}
	}
}

// coverer returns the index of a hit of another candidate, in the same field, whose span holds h's
// and is longer; or -1.
func (w *worker) coverer(h *refHit) int {
	for k := range w.hits {
		g := &w.hits[k]
		if g.cand != h.cand && g.field == h.field && g.start <= h.start && h.end <= g.end && g.end-g.start > h.end-h.start {
			return k
		}
	}
	return -1
}

// candIndex finds payment p among the entry's candidates, or returns -1.
func (w *worker) candIndex(ei, p int32) int {
	n := min(len(w.cands), smallCands)
	for i := range n {
		if c := &w.cands[i]; c.pay == p && !c.batch {
			return i
		}
	}
	if len(w.cands) <= smallCands {
		return -1
	}
	if w.stamp[p] == ei+1 {
		return int(w.seen[p])
	}
	return -1
}

func (w *worker) addBatch(b int32, field, key uint8, start, end int32) {
	for i := range w.cands {
		if c := &w.cands[i]; c.batch && c.pay == b {
			w.hits = append(w.hits, refHit{cand: int32(i), start: start, end: end, field: field, key: key})
			return
		}
	}
	w.hits = append(w.hits, refHit{cand: int32(len(w.cands)), start: start, end: end, field: field, key: key})
	w.cands = append(w.cands, cand{pay: b, batch: true, ref: true, field: field, key: key, start: start, end: end})
}

// maxHints is how many near misses an unmatched entry reports; an entry with more than maxHintCands
// of them reports only how many there are (listing some would depend on the order of the input).
const (
	maxHints     = 3
	maxHintCands = 16
)

// hintRec is a hint of one entry.
type hintRec struct {
	entry int32
	hint
}

// addHint records a near miss of entry ei. The entry's hints are the last records of w.hints; they
// are put in order only when reported (hintsOf), so recording one costs an append.
func (w *worker) addHint(ei int32, h hint) {
	if h.code == hintStatus {
		w.m.out[ei].flags |= flagNotes
	}
	first := len(w.hints)
	for first > 0 && w.hints[first-1].entry == ei {
		first--
	}
	for _, o := range w.hints[first:] {
		if o.pay == h.pay && o.code == h.code {
			return
		}
	}
	if n := len(w.hints) - first; n >= maxHintCands {
		if n == maxHintCands { // one marker record holds the count of the rest
			w.hints = append(w.hints, hintRec{entry: ei, hint: hint{code: hintCrowd, pay: maxHintCands}})
		}
		w.hints[len(w.hints)-1].pay++
		return
	}
	w.hints = append(w.hints, hintRec{entry: ei, hint: h})
}

// dropHints removes the entry's hints other than those of code keep.
func (w *worker) dropHints(ei int32, keep uint8) {
	first := len(w.hints)
	for first > 0 && w.hints[first-1].entry == ei {
		first--
	}
	kept := slices.DeleteFunc(w.hints[first:], func(r hintRec) bool { return r.code != keep })
	w.hints = w.hints[:first+len(kept)]
}

// entryRun returns the run of s, sorted by entry, whose entry is ei (empty when there is none).
func entryRun[T any](s []T, ei int32, entry func(*T) int32) []T {
	i, _ := slices.BinarySearchFunc(s, ei, func(x T, e int32) int { return cmp.Compare(entry(&x), e) })
	j := i
	for j < len(s) && entry(&s[j]) == ei {
		j++
	}
	return s[i:j]
}

// hintsOf appends the hints of entry ei to dst: a lost candidate first, then up to maxHints near
// misses in a fixed order (code, then the payment's value date and id) whatever the input order, or
// for a crowded entry only their count.
func (m *matcher) hintsOf(ei int32, dst []hint) []hint {
	if h, ok := m.taken[ei]; ok {
		dst = append(dst, h)
	}
	var hs []hintRec
	// spans cover consecutive entry ranges and none is empty: the first whose last entry is ei or
	// later holds ei's hints, if any
	c, _ := slices.BinarySearchFunc(m.hints, ei, func(c []hintRec, e int32) int { return cmp.Compare(c[len(c)-1].entry, e) })
	if c < len(m.hints) {
		hs = m.hints[c]
	}
	hs = entryRun(hs, ei, func(r *hintRec) int32 { return r.entry })
	if n := len(hs); n > 0 && hs[n-1].code == hintCrowd {
		return append(dst, hs[n-1].hint)
	}
	start := len(dst)
	for _, r := range hs {
		dst = append(dst, r.hint)
	}
	mine := dst[start:]
	slices.SortFunc(mine, func(a, b hint) int {
		if a.code != b.code {
			return int(a.code) - int(b.code)
		}
		return comparePayments(&m.pays[a.pay], &m.pays[b.pay])
	})
	return dst[:start+min(len(mine), maxHints)]
}

// entry finds the candidates of entry ei (of statement si) and records its pairs, or its anomaly.
// Its candidates are in w.cands (see candidates).
func (w *worker) entry(ei int32, e *Entry, si int) {
	m := w.m
	s := &m.infos[si]
	date := entryDate(e)
	m.out[ei].pay = -1
	if len(w.cands) == 0 || e.Reversal {
		// A reversal (MT940 RD/RC, camt RvslInd) undoes an earlier booking: it is not the booking of
		// any payment, however well it fits one, and is left for a person (the reports say it is one).
		return
	}
	cur := s.currencyOf(e)
	w.preferIdentifiers()
	start := len(w.pairs)
	var dead pair
	deadScore := -1
	for i := range w.cands {
		c := &w.cands[i]
		pr := pair{entry: ei, pay: c.pay, field: c.field, key: c.key, start: c.start, end: c.end}
		if c.ref {
			pr.crit |= critReference
		}
		if c.batch {
			if !w.batchPair(&pr, e, si, cur, date) {
				continue
			}
			pr.flags |= flagBatch
			if score(pr.crit) >= 2 {
				w.pairs = append(w.pairs, pr)
			}
			continue
		}
		p := &m.info[c.pay]
		class := p.class()
		if cur != "" && p.cur() != packCurrency(cur) {
			if c.ref {
				w.addHint(ei, hint{pay: c.pay, code: hintCurrency})
			}
			continue
		}
		if !m.sideOK(si, e, c.pay) {
			if c.ref {
				w.addHint(ei, hint{pay: c.pay, code: hintAccount})
			}
			continue
		}
		if p.amount == e.Amount {
			pr.crit |= critAmount
		}
		pr.dist = noDate
		if date != 0 && p.date != 0 {
			pr.dist = int32(abs(int(date) - int(p.date)))
			if int(pr.dist) <= m.opts.DateWindow {
				pr.crit |= critDate
			}
		}
		switch class {
		case classDead:
			if sc := score(pr.crit); sc > deadScore || sc == deadScore && m.better(&pr, &dead) {
				dead, deadScore = pr, sc
			}
			continue
		case classOther:
			w.addHint(ei, hint{pay: c.pay, code: hintStatus, crit: pr.crit, dist: pr.dist})
			continue
		}
		if m.opts.Exclude != nil && m.opts.Exclude(e, &m.pays[c.pay]) {
			continue
		}
		if score(pr.crit) < 2 {
			w.addHint(ei, hint{pay: c.pay, code: hintWeak, crit: pr.crit, dist: pr.dist})
			continue
		}
		w.pairs = append(w.pairs, pr)
	}
	mine := w.pairs[start:]
	if len(mine) > 0 {
		// the entry has candidates: keep only what a match reports (the cancelled or failed payments
		// it names); near misses are listed for entries without any candidate
		w.dropHints(ei, hintStatus)
	}
	best := 0
	for i := range mine {
		best = max(best, score(mine[i].crit))
	}
	if deadScore > best {
		w.pairs = w.pairs[:start]
		o := &m.out[ei]
		o.setPair(&dead)
		o.kind = outAnomaly
		return
	}
	if deadScore >= 0 {
		w.addHint(ei, hint{pay: dead.pay, code: hintStatus, crit: dead.crit, dist: dead.dist})
		for i := range mine {
			if score(mine[i].crit) == deadScore {
				mine[i].flags |= flagDeadTie
			}
		}
	}
	if len(mine) > 1 {
		if len(mine) > 32 {
			w.sortLong(mine)
		} else {
			slices.SortFunc(mine, m.comparePairs)
		}
		// equally good candidates are neighbours in this order
		for i := range mine {
			if i > 0 && sameFit(&mine[i], &mine[i-1]) || i+1 < len(mine) && sameFit(&mine[i], &mine[i+1]) {
				mine[i].flags |= flagEntryTie
			}
		}
		if len(mine) > MaxCandidates {
			// a tie with a candidate not kept cannot be told resolved later: it stays a tie
			cut := &mine[MaxCandidates]
			for i := MaxCandidates - 1; i >= 0 && sameFit(&mine[i], cut); i-- {
				mine[i].flags |= flagTieCut
			}
			w.pairs = w.pairs[:start+MaxCandidates]
		}
	}
}

// sortLong sorts a long candidate list (an entry whose reference or amount many payments share) by
// the order of comparePairs, through integer keys: the payments' ranks in (value date, id) order are
// computed once, the first time one is needed. A key is, from the top bit: 2 bits of missing
// criteria, 1 bit for a payment not identified, 31 bits of date distance (noDate is 1<<30), 29 bits
// of rank (up to 268 million payments) and 1 bit for a batch.
func (w *worker) sortLong(mine []pair) {
	m := w.m
	m.rankOnce.Do(func() {
		order := make([]int32, len(m.pays))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int { return comparePayments(&m.pays[a], &m.pays[b]) })
		m.rank = make([]int32, len(m.pays))
		for r, p := range order {
			m.rank[p] = int32(r)
		}
	})
	type keyed struct {
		key uint64
		p   pair
	}
	ks := make([]keyed, len(mine))
	for i := range mine {
		pr := &mine[i]
		lead := pr.pay
		batch := uint64(0)
		if pr.flags&flagBatch != 0 {
			lead, batch = m.refs.batches[pr.pay].members[0], 1
		}
		notIdentified := uint64(1)
		if identified(pr) {
			notIdentified = 0
		}
		ks[i] = keyed{key: uint64(3-score(pr.crit))<<62 | notIdentified<<61 | uint64(pr.dist)<<30 | uint64(m.rank[lead])<<1 | batch, p: *pr}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i := range ks {
		mine[i] = ks[i].p
	}
}

// batchPair scores a batch for an entry: the reference matched; amount is the sum of its live
// payments on this account and currency; date is the largest distance. When the payments inside the
// date window add up to the entry on their own (a batch split over several execution dates, one
// booking per date), only they count. It reports false when no payment qualifies.
func (w *worker) batchPair(pr *pair, e *Entry, si int, cur payment.Currency, date payment.Date) bool {
	m := w.m
	var all, near batchSum
	for _, pi := range m.refs.batches[pr.pay].members {
		p := &m.info[pi]
		if p.class() != classLive || (cur != "" && p.cur() != packCurrency(cur)) || !m.sideOK(si, e, pi) {
			continue
		}
		d := int32(noDate)
		if date != 0 && p.date != 0 {
			d = int32(abs(int(date) - int(p.date)))
		}
		all.add(p.amount, d)
		if int(d) <= m.opts.DateWindow {
			near.add(p.amount, d)
		}
	}
	if all.n == 0 || all.overflow {
		return false
	}
	use := &all
	if near.n > 0 && near.n < all.n && !near.overflow && near.sum == e.Amount {
		use = &near
		pr.flags |= flagWindow
	}
	if use.sum == e.Amount {
		pr.crit |= critAmount
	}
	pr.dist = use.dist
	if int(use.dist) <= m.opts.DateWindow {
		pr.crit |= critDate
	}
	return true
}

// batchSum adds up payments of a batch.
type batchSum struct {
	sum      int64
	dist     int32
	n        int
	overflow bool
}

func (b *batchSum) add(amount int64, dist int32) {
	var ok bool
	if b.sum, ok = payment.AddMinor(b.sum, amount); !ok {
		b.overflow = true
	}
	b.dist = max(b.dist, dist)
	b.n++
}

// batchMembers calls f with each payment of batch b that counts for entry e: its live payments on
// the account and currency, only those inside the date window when window is set.
func (m *matcher) batchMembers(b int32, e *Entry, si int, window bool, f func(p int32)) {
	cur := m.infos[si].currencyOf(e)
	date := entryDate(e)
	for _, pi := range m.refs.batches[b].members {
		p := &m.info[pi]
		if p.class() != classLive || (cur != "" && p.cur() != packCurrency(cur)) || !m.sideOK(si, e, pi) {
			continue
		}
		if window && (date == 0 || p.date == 0 || absDate(date, p.date) > m.opts.DateWindow) {
			continue
		}
		f(pi)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// leadPayment is the payment a pair is ordered by: the payment, or a batch's first payment.
func (m *matcher) leadPayment(p *pair) *Payment {
	if p.flags&flagBatch != 0 {
		return &m.pays[m.refs.batches[p.pay].members[0]]
	}
	return &m.pays[p.pay]
}

// comparePairs orders the candidates of one entry: more criteria first, then a payment the entry
// names by its id or end-to-end key, then the smaller date distance, then the earlier payment, then
// the payment id; single payments before batches.
func (m *matcher) comparePairs(a, b pair) int {
	if sa, sb := score(a.crit), score(b.crit); sa != sb {
		return sb - sa
	}
	if ia, ib := identified(&a), identified(&b); ia != ib {
		if ia {
			return -1
		}
		return 1
	}
	if a.dist != b.dist {
		if a.dist < b.dist {
			return -1
		}
		return 1
	}
	if c := comparePayments(m.leadPayment(&a), m.leadPayment(&b)); c != 0 {
		return c
	}
	return int(a.flags&flagBatch) - int(b.flags&flagBatch)
}

func (m *matcher) better(a, b *pair) bool { return m.comparePairs(*a, *b) < 0 }
