package reconcile

import (
	"iter"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// Result is the outcome of Match: every entry is matched, unmatched or an anomaly, and every
// processing or settled payment in scope is matched or unmatched. It reads the statements and
// payments given to Match, which must not change while it is used. It is a ReportSource.
type Result struct {
	m         *matcher
	unmatched []int32 // unmatched in-scope payments, by value date then id
	summary   Summary
	alts      map[int32][]int32
}

// Engine matches statement entries with payments. It holds only its options: one Engine may run any
// number of Match calls, concurrently.
type Engine struct {
	opts Options
}

// NewEngine checks the options and returns an engine; bad options are a *payment.ValidationError
// (errors.Is payment.ErrInvalid).
func NewEngine(opts Options) (*Engine, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Engine{opts: opts}, nil
}

// Options returns the engine's options.
func (g *Engine) Options() Options { return g.opts }

// Match compares the entries of stmts with pays under the rules in the package documentation. It
// reads its inputs and never changes them; it handles up to 268 million payments. The decisions are the same for the same statements and
// payments in any order; report rows follow the order of the entries.
func (g *Engine) Match(stmts []Statement, pays []Payment) *Result {
	opts := g.opts
	idx := buildPaymentIndex(pays, &opts, workers(&opts) > 1 && len(pays) >= parallelFrom)
	return g.matchIndexed(stmts, idx)
}

// matchIndexed is Match with the payment index already built.
func (g *Engine) matchIndexed(stmts []Statement, idx *paymentIndex) *Result {
	opts := g.opts
	m := newMatcher(stmts, idx, &opts)
	m.run()
	r := &Result{m: m, alts: m.alternatives()}
	m.pairs, m.amts = nil, nil
	m.refs.tabs = [2]refTable{}
	r.summarize()
	return r
}

// alternatives lists, for every ambiguous match, the other payments that fit its entry as well. A
// match with a batch has a batch index where a payment has a payment index: every payment candidate
// as good is another one.
func (m *matcher) alternatives() map[int32][]int32 {
	alts := make(map[int32][]int32)
	for _, pairs := range m.pairs {
		for k := range pairs {
			pr := &pairs[k]
			o := &m.out[pr.entry]
			if o.kind == outMatched && o.flags&flagEntryTie != 0 && (pr.pay != o.pay || o.flags&flagBatch != 0) &&
				pr.flags&flagBatch == 0 && score(pr.crit) == score(o.crit) && identified(pr) == o.identified() && pr.dist == o.dist {
				alts[pr.entry] = append(alts[pr.entry], pr.pay)
			}
		}
	}
	return alts
}

// inScope reports whether live payment pi belongs to one of the statements: their account, currency
// and period (widened by the date window).
func (m *matcher) inScope(pi int32) bool {
	p := &m.info[pi]
	w := payment.Date(m.opts.DateWindow)
	for i := range m.infos {
		s := &m.infos[i]
		if s.currency != "" && p.cur() != packCurrency(s.currency) {
			continue
		}
		if s.known {
			if i < 32 {
				if d := &m.dirs[pi]; (d.from|d.to)>>i&1 == 0 {
					continue
				}
			} else if !s.touches(&m.pays[pi]) {
				continue
			}
		}
		if p.date == 0 || s.from == 0 || p.date >= s.from-w && p.date <= s.to+w {
			return true
		}
	}
	return false
}

func (r *Result) summarize() {
	m := r.m
	s := &r.summary
	s.Warnings = m.warnings
	type sums struct {
		CurrencySummary
		overflow bool
	}
	var cur []sums
	find := func(c payment.Currency) *sums {
		for i := range cur {
			if cur[i].Currency == c {
				return &cur[i]
			}
		}
		cur = append(cur, sums{CurrencySummary: CurrencySummary{Currency: c}})
		return &cur[len(cur)-1]
	}
	// The payments are counted by a second goroutine while this one counts the entries.
	var (
		wg                sync.WaitGroup
		payments, matched int
	)
	count := func() {
		for i := range m.pays {
			switch {
			case m.payEntry[i] >= 0:
				payments++
				matched++
			case m.info[i].class() == classLive && m.inScope(int32(i)):
				payments++
				r.unmatched = append(r.unmatched, int32(i))
			}
		}
		slices.SortFunc(r.unmatched, func(a, b int32) int { return comparePayments(&m.pays[a], &m.pays[b]) })
	}
	if m.workers() > 1 && len(m.pays) >= parallelFrom {
		wg.Go(count)
	} else {
		count()
	}
	var last *sums
	for si := range m.stmts {
		entries := m.stmts[si].Entries
		for j := range entries {
			e := &entries[j]
			o := &m.out[m.starts[si]+int32(j)]
			c := e.Currency
			if c == "" {
				c = m.infos[si].currency
			}
			if last == nil || last.Currency != c {
				last = find(c)
			}
			cs := last
			cs.Entries++
			cs.Amount = addSat(cs.Amount, e.Amount, &cs.overflow)
			switch o.kind {
			case outMatched:
				if score(o.crit) == 3 && o.flags&flagAmbiguous == 0 {
					s.Exact++
				} else {
					s.Fuzzy++
				}
				cs.Matched++
				cs.MatchedAmount = addSat(cs.MatchedAmount, e.Amount, &cs.overflow)
			case outAnomaly:
				s.Anomalies++
			default:
				s.UnmatchedEntries++
			}
		}
	}
	s.Entries = m.numEntries()
	wg.Wait()
	s.Payments, s.MatchedPayments = payments, matched
	s.UnmatchedPayments = len(r.unmatched)
	slices.SortFunc(cur, func(a, b sums) int { return compareStrings(string(a.Currency), string(b.Currency)) })
	s.Currencies = make([]CurrencySummary, len(cur))
	for i := range cur {
		s.Currencies[i] = cur[i].CurrencySummary
		if cur[i].overflow {
			s.Warnings = append(s.Warnings, "the "+string(cur[i].Currency)+" totals overflow int64 and are capped")
		}
	}
	finishRates(s)
}

// finishRates sets the match rates from the counts and currency totals.
func finishRates(s *Summary) {
	matched := s.Exact + s.Fuzzy
	if s.Entries > 0 {
		s.MatchRate = round4(float64(matched) / float64(s.Entries))
	}
	var weighted float64
	n, all := 0, true
	for _, c := range s.Currencies {
		if c.Entries == 0 {
			continue
		}
		rate := 1.0
		if c.Amount != 0 {
			rate = float64(c.MatchedAmount) / float64(c.Amount)
		} else if c.Matched < c.Entries {
			rate = float64(c.Matched) / float64(c.Entries)
		}
		if c.MatchedAmount != c.Amount || c.Matched < c.Entries && (c.Amount == 0 || c.Amount == math.MaxInt64) {
			// Unmatched money, or unmatched entries whose money the totals cannot show: none, or
			// totals capped at the largest int64 (see summarize), the matched one too.
			all = false
		}
		weighted += rate * float64(c.Entries)
		n += c.Entries
	}
	if n > 0 {
		x := weighted / float64(n)
		if !all {
			// Beyond 2^53 minor units float64 cannot tell a total from one a kuruş short of it.
			x = min(x, math.Nextafter(1, 0))
		}
		s.MatchRateAmount = round4(x)
	}
}

// round4 rounds a share to 4 decimals, but never to 1 or 0 when it is not exactly that: 19,999 of
// 20,000 is 0.9999, so "match_rate == 1" means everything matched.
func round4(x float64) float64 {
	r := math.Round(x*1e4) / 1e4
	switch {
	case r == 1 && x < 1:
		return 0.9999
	case r == 0 && x > 0:
		return 0.0001
	}
	return r
}

func addSat(a, b int64, overflow *bool) int64 {
	s, ok := payment.AddMinor(a, b)
	if !ok {
		*overflow = true
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ReportSummary implements ReportSource.
func (r *Result) ReportSummary() Summary { return r.summary }

// Report reads the whole result into a Report.
func (r *Result) Report() *Report { return Collect(r) }

// Outcome is what happened to one entry, for callers that store decisions (the run Service).
type Outcome struct {
	Entry   *Entry
	Account string
	// Match is set when the entry is matched, Anomaly when it is one; neither when unmatched.
	Match          *Match
	Anomaly        *Anomaly
	UnmatchedEntry *UnmatchedEntry
}

// Outcomes yields one Outcome per entry, in input order. The pointers are valid until the next one.
func (r *Result) Outcomes() iter.Seq[Outcome] {
	return func(yield func(Outcome) bool) {
		var b rowBuilder
		m := r.m
		for si := range m.stmts {
			entries := m.stmts[si].Entries
			for j := range entries {
				ei := m.starts[si] + int32(j)
				o := Outcome{Entry: &entries[j], Account: m.infos[si].account}
				switch m.out[ei].kind {
				case outMatched:
					o.Match = b.match(r, ei, &entries[j], si)
				case outAnomaly:
					o.Anomaly = b.anomaly(r, ei, &entries[j], si)
				default:
					o.UnmatchedEntry = b.unmatched(r, ei, &entries[j], si)
				}
				if !yield(o) {
					return
				}
			}
		}
	}
}

// MatchRows implements ReportSource: the matches in entry order.
func (r *Result) MatchRows() iter.Seq[*Match] {
	return func(yield func(*Match) bool) {
		r.eachEntry(outMatched, func(b *rowBuilder, ei int32, e *Entry, si int) bool {
			return yield(b.match(r, ei, e, si))
		})
	}
}

// UnmatchedEntryRows implements ReportSource.
func (r *Result) UnmatchedEntryRows() iter.Seq[*UnmatchedEntry] {
	return func(yield func(*UnmatchedEntry) bool) {
		r.eachEntry(outUnmatched, func(b *rowBuilder, ei int32, e *Entry, si int) bool {
			return yield(b.unmatched(r, ei, e, si))
		})
	}
}

// AnomalyRows implements ReportSource.
func (r *Result) AnomalyRows() iter.Seq[*Anomaly] {
	return func(yield func(*Anomaly) bool) {
		r.eachEntry(outAnomaly, func(b *rowBuilder, ei int32, e *Entry, si int) bool {
			return yield(b.anomaly(r, ei, e, si))
		})
	}
}

// UnmatchedPaymentRows implements ReportSource: by value date, then id.
func (r *Result) UnmatchedPaymentRows() iter.Seq[*UnmatchedPayment] {
	return func(yield func(*UnmatchedPayment) bool) {
		var u UnmatchedPayment
		for _, pi := range r.unmatched {
			u = unmatchedPayment(&r.m.pays[pi])
			if !yield(&u) {
				return
			}
		}
	}
}

func unmatchedPayment(p *Payment) UnmatchedPayment {
	return UnmatchedPayment{PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency, ValueDate: p.ValueDate,
		Status: p.Status, Reference: p.Reference, Description: p.Description, Method: p.Method,
		FromAccount: p.FromAccount, ToAccount: p.ToAccount, BatchID: p.BatchID}
}

func (r *Result) eachEntry(kind uint8, f func(b *rowBuilder, ei int32, e *Entry, si int) bool) {
	m := r.m
	var b rowBuilder
	for si := range m.stmts {
		entries := m.stmts[si].Entries
		base := m.starts[si]
		for j := range entries {
			if m.out[base+int32(j)].kind == kind && !f(&b, base+int32(j), &entries[j], si) {
				return
			}
		}
	}
}

// rowBuilder reuses row values between yields.
type rowBuilder struct {
	mt    Match
	an    Anomaly
	un    UnmatchedEntry
	rs    [3]Reason
	ids   []payment.ID
	alts  []payment.ID
	notes []string
	hints []hint
	units unitsCache
	sink  byte // what reading ahead read
}

func money(amount int64, c payment.Currency) string {
	if c == "" {
		return payment.FormatMinor(amount, c)
	}
	return payment.FormatMinor(amount, c) + " " + string(c)
}

var fieldNames = [numFields]string{"reference", "bank_reference", "end_to_end_id", "description", "structured_reference"}

var keyNames = [...]string{keyReference: "reference", keyID: "id", keyEndToEnd: "end_to_end_id",
	keyBatch: "batch_id", keyPaymentInfo: "payment_information_id"}

// reasons explains an outcome against one payment, or against a batch's total and its farthest date.
func (b *rowBuilder) reasons(r *Result, o *outcome, e *Entry, si int, p *Payment) []Reason {
	info := &r.m.infos[si]
	v := reasonValues{crit: o.crit, entry: e, entryCur: e.Currency, payAmount: p.Amount, payCur: p.Currency,
		payDate: p.ValueDate, payRef: p.Reference}
	if v.entryCur == "" {
		v.entryCur = info.currency
	}
	ed := entryDate(e)
	if o.flags&flagBatch != 0 {
		v.payAmount = 0
		r.m.batchMembers(o.pay, e, si, o.flags&flagWindow != 0, func(pi int32) {
			q := &r.m.pays[pi]
			v.payAmount += q.Amount
			if absDate(ed, q.ValueDate) > absDate(ed, v.payDate) {
				v.payDate = q.ValueDate
			}
		})
		v.payRef = string(r.m.refs.batches[o.pay].id)
	}
	if o.crit&critReference != 0 {
		v.refField, v.refKey = o.field, o.key
		v.refStart, v.refEnd = o.start, o.end
		v.payRef = r.keyText(o, spanOf(e, o.field, o.start, o.end))
	}
	return appendReasonValues(b.rs[:0], &v)
}

// reasonValues are the two sides of the three criteria of a decision.
type reasonValues struct {
	crit             uint8
	entry            *Entry
	entryCur, payCur payment.Currency
	payAmount        int64
	payDate          payment.Date
	payRef           string // the payment's value the entry named, or its reference
	refField, refKey uint8
	refStart, refEnd int32
}

func spanOf(e *Entry, field uint8, start, end int32) string {
	text := entryField(e, field)
	if start >= 0 && start <= end && int(end) <= len(text) {
		return text[start:end]
	}
	return ""
}

// appendReasonValues appends the amount, date and reference reasons.
func appendReasonValues(rs []Reason, v *reasonValues) []Reason {
	e := v.entry
	cur := v.entryCur
	if cur == "" {
		cur = v.payCur
	}
	rs = append(rs, Reason{Criterion: CriterionAmount, Matched: v.crit&critAmount != 0,
		Entry: money(e.Amount, cur), Payment: money(v.payAmount, v.payCur), Difference: e.Amount - v.payAmount})
	ed := entryDate(e)
	dr := Reason{Criterion: CriterionDate, Matched: v.crit&critDate != 0, Entry: ed.String(), Payment: v.payDate.String()}
	if ed != 0 && v.payDate != 0 {
		dr.Difference = int64(ed - v.payDate)
	}
	rs = append(rs, dr)
	rr := Reason{Criterion: CriterionReference, Matched: v.crit&critReference != 0, Entry: e.CustomerRef, Payment: v.payRef}
	if rr.Matched {
		rr.Entry = spanOf(e, v.refField, v.refStart, v.refEnd)
		rr.Field = fieldNames[v.refField]
		rr.Key = keyNames[v.refKey]
	}
	return append(rs, rr)
}

func absDate(a, b payment.Date) int { return abs(int(a) - int(b)) }

// keyText is the payment's (or batch's) value that the entry text named.
func (r *Result) keyText(o *outcome, named string) string {
	m := r.m
	switch o.key {
	case keyID:
		return string(m.pays[o.pay].ID)
	case keyEndToEnd:
		return m.pays[o.pay].EndToEnd
	case keyBatch, keyPaymentInfo:
		return m.refs.batchKeyText(o.key, o.pay, named)
	}
	return m.pays[o.pay].Reference
}

// batchKeyText is the batch id, or for key keyPaymentInfo the payment-information id, of batch b
// that the entry text named.
func (x *refIndex) batchKeyText(key uint8, b int32, named string) string {
	if key == keyPaymentInfo {
		want := NormalizeReference(named)
		for _, in := range x.infos {
			if in.batch == b && NormalizeReference(in.id) == want {
				return in.id
			}
		}
	}
	return string(x.batches[b].id)
}

func (b *rowBuilder) match(r *Result, ei int32, e *Entry, si int) *Match {
	m := r.m
	o := &m.out[ei]
	info := &m.infos[si]
	b.notes = b.notes[:0]
	b.ids = b.ids[:0]
	b.alts = b.alts[:0]
	mt := &b.mt
	*mt = Match{Entry: *e, Account: info.account, Statement: info.name, Criteria: criteriaOf(o.crit)}
	mt.Entry.Currency = info.currencyOf(e)
	var lead *Payment
	if o.flags&flagBatch != 0 {
		bt := &m.refs.batches[o.pay]
		var total int64
		m.batchMembers(o.pay, e, si, o.flags&flagWindow != 0, func(pi int32) {
			b.ids = append(b.ids, m.pays[pi].ID)
			total += m.pays[pi].Amount
			if lead == nil {
				lead = &m.pays[pi]
			}
		})
		mt.BatchID = bt.id
		mt.PaymentIDs = b.ids
		b.notes = append(b.notes, "books batch "+string(bt.id)+": "+strconv.Itoa(len(b.ids))+" payments, "+money(total, lead.Currency))
	} else {
		lead = &m.pays[o.pay]
	}
	mt.PaymentID = lead.ID
	mt.Reasons = b.reasons(r, o, e, si, lead)
	if d := mt.Reasons[0].Difference; d != 0 {
		mt.AmountDifference = d
	}
	mt.Score, mt.Review = ScoreFuzzy, ReviewPending
	if score(o.crit) == 3 && o.flags&flagAmbiguous == 0 {
		mt.Score, mt.Review = ScoreExact, ReviewAuto
	}
	if o.flags&flagAmbiguous != 0 {
		for _, a := range r.alts[ei] {
			b.alts = append(b.alts, m.pays[a].ID)
		}
		switch {
		case len(b.alts) > 0:
			mt.Alternatives = b.alts
			b.notes = append(b.notes, strconv.Itoa(len(b.alts)+1)+" payments fit this entry equally well; a person must choose")
		case o.flags&flagDeadTie != 0:
			b.notes = append(b.notes, "a cancelled or failed payment fits this entry as well; a person must look")
		case o.flags&flagTieCut != 0:
			b.notes = append(b.notes, "more payments fit this entry equally well than matching compares; a person must choose")
		default:
			b.notes = append(b.notes, "another entry fits this payment equally well; a person must choose")
		}
	}
	b.hints = m.hintsOf(ei, b.hints[:0])
	for _, h := range b.hints {
		if h.code == hintStatus {
			b.notes = append(b.notes, "the entry also "+r.hintText(e, &h))
		}
	}
	if len(b.notes) > 0 {
		mt.Notes = b.notes
	}
	return mt
}

func (b *rowBuilder) anomaly(r *Result, ei int32, e *Entry, si int) *Anomaly {
	m := r.m
	o := &m.out[ei]
	p := &m.pays[o.pay]
	kind := AnomalyFailedPayment
	if p.Status == payment.StatusCancelled {
		kind = AnomalyCancelledPayment
	}
	b.an = Anomaly{Kind: kind, PaymentID: p.ID, PaymentStatus: p.Status, Entry: *e, Account: m.infos[si].account,
		Statement: m.infos[si].name, Criteria: criteriaOf(o.crit)}
	b.an.Entry.Currency = m.infos[si].currencyOf(e)
	b.an.Reasons = b.reasons(r, o, e, si, p)
	return &b.an
}

func (b *rowBuilder) unmatched(r *Result, ei int32, e *Entry, si int) *UnmatchedEntry {
	m := r.m
	b.un = UnmatchedEntry{Entry: *e, Account: m.infos[si].account, Statement: m.infos[si].name}
	b.un.Entry.Currency = m.infos[si].currencyOf(e)
	b.notes = b.notes[:0]
	b.hints = m.hintsOf(ei, b.hints[:0])
	for _, h := range b.hints {
		b.notes = append(b.notes, r.hintText(e, &h))
	}
	if len(b.notes) > 0 {
		b.un.Notes = b.notes
	}
	return &b.un
}

func (r *Result) hintText(e *Entry, h *hint) string {
	switch h.code {
	case hintCrowd:
		return "names " + strconv.Itoa(int(h.pay)) + " payments that do not qualify (shared reference, other currency, account or status)"
	case hintBatchTaken:
		return "candidate batch " + string(r.m.refs.batches[h.pay].id) + " fits another entry better"
	case hintBatchTakenTie:
		return "candidate batch " + string(r.m.refs.batches[h.pay].id) + " fits another entry equally well and went to it; a person must choose"
	}
	p := &r.m.pays[h.pay]
	name := "payment " + string(p.ID)
	switch h.code {
	case hintStatus:
		return "names " + name + ", which is " + string(p.Status)
	case hintCurrency:
		return "names " + name + ", which is in " + string(p.Currency)
	case hintAccount:
		return "names " + name + ", which does not move money on this account in this direction"
	case hintTaken:
		return "candidate " + name + " fits another entry better"
	case hintTakenTie:
		return "candidate " + name + " fits another entry equally well and went to it; a person must choose"
	}
	s := "names " + name + ", but its amount is " + money(p.Amount, p.Currency)
	if h.dist >= noDate {
		return s + " and a value date is missing"
	}
	return s + " and its value date " + p.ValueDate.String() + " is " + strconv.Itoa(int(h.dist)) + " days away"
}
