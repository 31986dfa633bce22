package reconcile_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	rcsv "github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// world is a random but deliberately crowded reconciliation problem: few amounts, dates and
// references, so that ties, shared references, batches and competing entries are common.
type world struct {
	stmts  []reconcile.Statement
	pays   []reconcile.Payment
	window int
}

type worldConfig struct {
	batches, dead, otherStatus bool
}

func genWorld(rng *rand.Rand, cfg worldConfig) world {
	const eurIBAN = "DE89370400440532013000"
	w := world{window: rng.IntN(3)}
	amounts := []int64{10000, 20000, 30000, 12345, 60000}
	refs := []string{"INV-1", "INV-2", "INV-3", "RENT", "X-9", "", "İADE-5"}
	day := func() payment.Date { return payment.MustDate("2026-01-10").AddDays(rng.IntN(6)) }
	statuses := []payment.Status{payment.StatusSettled, payment.StatusSettled, payment.StatusSettled, payment.StatusProcessing}
	if cfg.dead {
		statuses = append(statuses, payment.StatusFailed, payment.StatusCancelled)
	}
	if cfg.otherStatus {
		statuses = append(statuses, payment.StatusPending, payment.StatusReconciled)
	}
	np := rng.IntN(30)
	for i := range np {
		p := pay(i+1, func(p *reconcile.Payment) {
			p.Amount = amounts[rng.IntN(len(amounts))]
			p.ValueDate = day()
			p.Reference = refs[rng.IntN(len(refs))]
			p.Status = statuses[rng.IntN(len(statuses))]
		})
		switch r := rng.IntN(10); {
		case r == 0:
			p.FromAccount, p.ToAccount = vendor, ownAcc
		case r == 1:
			p.Currency = "EUR"
		}
		if cfg.batches && rng.IntN(4) == 0 {
			p.BatchID = payment.BatchID(fmt.Sprintf("bat_01KFBQ0000BATCH0000000000%d", rng.IntN(2)))
		}
		w.pays = append(w.pays, p)
	}
	for s := range 1 + rng.IntN(2) {
		st := reconcile.Statement{Format: "test", Account: ownIBAN, Currency: "TRY"}
		if s == 1 && rng.IntN(2) == 0 {
			st.Account, st.Currency = eurIBAN, "EUR"
		}
		for j := range rng.IntN(25) {
			e := reconcile.Entry{ValueDate: day(), Amount: amounts[rng.IntN(len(amounts))], Direction: reconcile.Debit,
				Currency: st.Currency, Position: fmt.Sprintf("s%d line %d", s+1, j+1)}
			if rng.IntN(8) == 0 {
				e.Direction = reconcile.Credit
			}
			switch r := rng.IntN(6); {
			case r == 0 && np > 0:
				e.Remittance = "EFT " + string(w.pays[rng.IntN(np)].ID)
			case r == 1 && np > 0:
				e.EndToEnd = w.pays[rng.IntN(np)].EndToEnd
			case r == 2 && cfg.batches:
				e.Remittance = fmt.Sprintf("TOPLU bat_01KFBQ0000BATCH0000000000%d", rng.IntN(2))
			case r == 3:
				e.Remittance = "/REMI/" + strings.ReplaceAll(refs[rng.IntN(len(refs))], "-", " ") + " noise"
			default:
				e.CustomerRef = refs[rng.IntN(len(refs))]
			}
			st.Entries = append(st.Entries, e)
		}
		st.Fingerprint()
		w.stmts = append(w.stmts, st)
	}
	return w
}

func (w world) match(t *testing.T, workers int) *reconcile.Report {
	t.Helper()
	g, err := reconcile.NewEngine(reconcile.Options{DateWindow: w.window, Accounts: accounts, Workers: workers})
	require.NoError(t, err)
	return g.Match(w.stmts, w.pays).Report()
}

func jsonOf(t *testing.T, r *reconcile.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, reconcile.WriteJSON(&b, r))
	return b.String()
}

func TestPropertiesOfMatching(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := genWorld(rng, worldConfig{batches: true, dead: true, otherStatus: true})
		r := w.match(t, 1)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			// every entry exactly once across matches, unmatched entries and anomalies
			var positions []string
			for _, st := range w.stmts {
				for _, e := range st.Entries {
					positions = append(positions, e.Position)
				}
			}
			var seen []string
			for _, m := range r.Matches {
				seen = append(seen, m.Entry.Position)
			}
			for _, u := range r.UnmatchedEntries {
				seen = append(seen, u.Entry.Position)
			}
			for _, a := range r.Anomalies {
				seen = append(seen, a.Entry.Position)
			}
			slices.Sort(positions)
			slices.Sort(seen)
			require.Equal(t, positions, seen)

			// no payment used twice; matched payments are live; unmatched ones are not matched
			byID := map[payment.ID]*reconcile.Payment{}
			for i := range w.pays {
				byID[w.pays[i].ID] = &w.pays[i]
			}
			used := map[payment.ID]bool{}
			for _, m := range r.Matches {
				ids := m.PaymentIDs
				if len(ids) == 0 {
					ids = []payment.ID{m.PaymentID}
				}
				for _, id := range ids {
					require.False(t, used[id], "payment %s used twice", id)
					used[id] = true
					st := byID[id].Status
					assert.True(t, st == payment.StatusSettled || st == payment.StatusProcessing, "%s is %s", id, st)
				}
				assert.GreaterOrEqual(t, m.Criteria.Count(), 2)
				if m.Score == reconcile.ScoreExact {
					assert.Equal(t, 3, m.Criteria.Count())
					assert.Empty(t, m.Alternatives)
				}
				if len(m.PaymentIDs) == 0 {
					checkCriteria(t, w.window, &m.Entry, byID[m.PaymentID], m.Criteria)
				}
			}
			for _, p := range r.UnmatchedPayments {
				assert.False(t, used[p.PaymentID])
			}
			for _, a := range r.Anomalies {
				st := byID[a.PaymentID].Status
				assert.True(t, st == payment.StatusFailed || st == payment.StatusCancelled)
				assert.True(t, a.Criteria.Reference)
			}
			assert.Equal(t, len(used), r.Summary.MatchedPayments)
			assert.Equal(t, r.Summary.Entries, len(positions))
		})
	}
}

// checkCriteria recomputes the three criteria of a single-payment match by brute force.
func checkCriteria(t *testing.T, window int, e *reconcile.Entry, p *reconcile.Payment, got reconcile.Criteria) {
	t.Helper()
	want := reconcile.Criteria{Amount: e.Amount == p.Amount, Reference: namesPayment(e, p)}
	d := int(e.ValueDate) - int(p.ValueDate)
	want.Date = d <= window && -d <= window
	assert.Equal(t, want, got, "entry %s, payment %s", e.Position, p.ID)
}

// namesPayment is the reference rule by brute force: some run of consecutive tokens of an entry text,
// normalized and concatenated, is the payment's normalized reference, id or end-to-end key.
func namesPayment(e *reconcile.Entry, p *reconcile.Payment) bool {
	var keys []string
	for _, k := range []string{p.Reference, string(p.ID), p.EndToEnd} {
		if n := reconcile.NormalizeReference(k); n != "" && n != "NOTPROVIDED" {
			keys = append(keys, n)
		}
	}
	for _, text := range []string{e.CustomerRef, e.BankRef, e.EndToEnd, e.Remittance} {
		toks := strings.FieldsFunc(text, func(r rune) bool { return reconcile.NormalizeReference(string(r)) == "" })
		for i := range toks {
			for j := i + 1; j <= len(toks); j++ {
				if slices.Contains(keys, reconcile.NormalizeReference(strings.Join(toks[i:j], ""))) {
					return true
				}
			}
		}
	}
	return false
}

func TestShuffledInputGivesTheSameDecisions(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 11))
		w := genWorld(rng, worldConfig{batches: true, dead: true, otherStatus: true})
		want := w.match(t, 1)
		wantJSON := jsonOf(t, want)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			// payments in any order: the very same report
			shuffled := w
			shuffled.pays = slices.Clone(w.pays)
			rng.Shuffle(len(shuffled.pays), func(i, j int) { shuffled.pays[i], shuffled.pays[j] = shuffled.pays[j], shuffled.pays[i] })
			assert.Equal(t, wantJSON, jsonOf(t, shuffled.match(t, 1)))
			// more goroutines: the very same report
			assert.Equal(t, wantJSON, jsonOf(t, w.match(t, 4)))
			// entries in any order: the same decision for every entry, in the new order
			shuffled.stmts = slices.Clone(w.stmts)
			for i := range shuffled.stmts {
				es := slices.Clone(shuffled.stmts[i].Entries)
				rng.Shuffle(len(es), func(a, b int) { es[a], es[b] = es[b], es[a] })
				shuffled.stmts[i].Entries = es
			}
			got := shuffled.match(t, 1)
			assert.Equal(t, decisions(want), decisions(got))
			assert.Equal(t, want.UnmatchedPayments, got.UnmatchedPayments)
			assert.Equal(t, want.Summary, got.Summary)
		})
	}
}

// TestEveryPaymentFirst: the decisions do not depend on where a payment stands in the input, not even
// for the first ones, whose indices are also those of the first batches (a batch match once lost its
// alternative payment when their indices were equal). Rotating the payments two at a time brings
// every payment to index 0 or 1.
func TestEveryPaymentFirst(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 11))
		w := genWorld(rng, worldConfig{batches: true, dead: true, otherStatus: true})
		want := decisions(w.match(t, 1))
		for k := 2; k < len(w.pays); k += 2 {
			rotated := w
			rotated.pays = append(slices.Clone(w.pays[k:]), w.pays[:k]...)
			if !assert.Equal(t, want, decisions(rotated.match(t, 1)), "seed %d, payments rotated by %d", seed, k) {
				break
			}
		}
	}
}

// decisions maps each entry position to what happened to it.
func decisions(r *reconcile.Report) map[string]string {
	out := map[string]string{}
	for _, m := range r.Matches {
		out[m.Entry.Position] = fmt.Sprintf("%s %s %v %v %v", m.PaymentID, m.Score, m.Criteria, m.PaymentIDs, m.Alternatives)
	}
	for _, u := range r.UnmatchedEntries {
		out[u.Entry.Position] = "unmatched"
	}
	for _, a := range r.Anomalies {
		out[a.Entry.Position] = "anomaly " + string(a.PaymentID)
	}
	return out
}

// TestAgainstBruteForce checks the indexed engine against a direct transcription of the rules that
// compares every entry with every payment (no batches, no cancelled or failed payments).
func TestAgainstBruteForce(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 13))
		w := genWorld(rng, worldConfig{})
		got := decisions(w.match(t, 1))
		want := bruteForce(w)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			assert.Equal(t, want, got)
		})
	}
}

type bfPair struct {
	e     *reconcile.Entry
	stmt  int
	p     *reconcile.Payment
	crit  reconcile.Criteria
	score int
	dist  int
	ident bool // the entry names the payment by its id or end-to-end key
}

// fit orders pairs by how well they fit: more criteria, then the payment named by its id or
// end-to-end key rather than by a shared reference, then the smaller date distance.
func (a *bfPair) fit(b *bfPair) int {
	return cmp.Or(b.score-a.score, cmp.Compare(bfIdent(b), bfIdent(a)), a.dist-b.dist)
}

// better reports whether pair a fits strictly better than pair b.
func (a *bfPair) better(b *bfPair) bool { return a.fit(b) < 0 }

func bfIdent(p *bfPair) int {
	if p.ident {
		return 1
	}
	return 0
}

func bruteForce(w world) map[string]string {
	byPair := func(a, b bfPair) int {
		return cmp.Or(a.fit(&b), cmp.Compare(a.p.ValueDate, b.p.ValueDate), strings.Compare(string(a.p.ID), string(b.p.ID)))
	}
	var entries []*reconcile.Entry
	byEntry := map[*reconcile.Entry][]bfPair{}
	cut := map[*reconcile.Entry]bfPair{} // the best candidate an entry does not keep
	for si := range w.stmts {
		st := &w.stmts[si]
		for ei := range st.Entries {
			e := &st.Entries[ei]
			var mine []bfPair
			for pi := range w.pays {
				p := &w.pays[pi]
				if p.Status != payment.StatusSettled && p.Status != payment.StatusProcessing || p.Currency != e.Currency {
					continue
				}
				acct := p.ToAccount
				if e.Direction == reconcile.Debit {
					acct = p.FromAccount
				}
				if st.Account == ownIBAN && acct != ownAcc {
					continue // the EUR statement's account is unknown: direction is not checked there
				}
				d := int(e.ValueDate) - int(p.ValueDate)
				d = max(d, -d)
				ident := namesPayment(e, &reconcile.Payment{ID: p.ID, EndToEnd: p.EndToEnd})
				c := reconcile.Criteria{Amount: e.Amount == p.Amount, Date: d <= w.window, Reference: ident || namesPayment(e, p)}
				if c.Count() >= 2 {
					mine = append(mine, bfPair{e: e, stmt: si, p: p, crit: c, score: c.Count(), dist: d, ident: ident})
				}
			}
			slices.SortFunc(mine, byPair)
			entries = append(entries, e)
			byEntry[e] = mine[:min(len(mine), reconcile.MaxCandidates)] // the engine keeps MaxCandidates per entry
			if len(mine) > reconcile.MaxCandidates {
				cut[e] = mine[reconcile.MaxCandidates] // a kept pair as good as this one stays a tie
			}
		}
	}
	var pairs []bfPair
	for _, e := range entries {
		pairs = append(pairs, byEntry[e]...)
	}
	compareEntries := func(a, b *reconcile.Entry) int {
		return cmp.Or(cmp.Compare(a.ValueDate, b.ValueDate), cmp.Compare(a.Amount, b.Amount),
			strings.Compare(string(a.Direction), string(b.Direction)), strings.Compare(string(a.Currency), string(b.Currency)),
			strings.Compare(a.CustomerRef, b.CustomerRef), strings.Compare(a.BankRef, b.BankRef),
			strings.Compare(a.EndToEnd, b.EndToEnd), strings.Compare(a.Remittance, b.Remittance),
			strings.Compare(a.CounterpartyIBAN, b.CounterpartyIBAN), strings.Compare(a.Position, b.Position),
			strings.Compare(a.Fingerprint, b.Fingerprint))
	}
	slices.SortStableFunc(pairs, func(a, b bfPair) int {
		return cmp.Or(byPair(a, b), compareEntries(a.e, b.e))
	})
	takenBy := map[*reconcile.Payment]*bfPair{}
	matched := map[*reconcile.Entry]*bfPair{}
	var took []*bfPair
	for i := range pairs {
		pr := &pairs[i]
		if matched[pr.e] != nil || takenBy[pr.p] != nil {
			continue
		}
		matched[pr.e], takenBy[pr.p] = pr, pr
		took = append(took, pr)
	}
	// An equally good candidate, or an equally good entry for the payment, makes a match uncertain
	// unless it went to a strictly better fit.
	out := map[string]string{}
	for _, pr := range took {
		var alts []payment.ID
		entryTie := false
		for _, o := range byEntry[pr.e] {
			if o.p != pr.p && o.fit(pr) == 0 {
				alts = append(alts, o.p.ID)
				if t := takenBy[o.p]; t == nil || !t.better(&o) {
					entryTie = true
				}
			}
		}
		if !entryTie {
			alts = nil
		}
		payTie := false
		for j := range pairs {
			if q := &pairs[j]; q.p == pr.p && q.e != pr.e && q.fit(pr) == 0 {
				if m := matched[q.e]; m == nil || !m.better(q) {
					payTie = true
				}
			}
		}
		if c, ok := cut[pr.e]; ok && c.fit(pr) == 0 {
			payTie = true // not a tie of the payment, but as uncertain
		}
		score := reconcile.ScoreFuzzy
		if pr.score == 3 && !entryTie && !payTie {
			score = reconcile.ScoreExact
		}
		out[pr.e.Position] = fmt.Sprintf("%s %s %v %v %v", pr.p.ID, score, pr.crit, []payment.ID(nil), alts)
	}
	for si := range w.stmts {
		for ei := range w.stmts[si].Entries {
			if e := &w.stmts[si].Entries[ei]; matched[e] == nil {
				out[e.Position] = "unmatched"
			}
		}
	}
	return out
}

func TestPathologicalCrowdStaysBounded(t *testing.T) {
	// 1,000 identical payments and 1,000 identical entries: every entry fits every payment. The engine
	// keeps MaxCandidates per entry, matches as many as it can, and never approves any automatically.
	var pays []reconcile.Payment
	var entries []reconcile.Entry
	for i := range 1000 {
		pays = append(pays, pay(i+1, func(p *reconcile.Payment) { p.Reference = "SALARY" }))
		entries = append(entries, entry(fmt.Sprintf("line %d", i+1), "SALARY"))
	}
	r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entries...)}, pays)
	assert.Equal(t, 1000, r.Summary.Entries)
	assert.Zero(t, r.Summary.Exact)
	assert.Positive(t, r.Summary.Fuzzy)
	assert.Equal(t, r.Summary.Fuzzy, r.Summary.MatchedPayments)
}

// TestFastJSON: the JSON a Result writes itself (rendered in parallel, straight from the decisions) is
// byte for byte what encoding/json writes for its Report.
func TestFastJSON(t *testing.T) {
	check := func(t *testing.T, res *reconcile.Result) {
		t.Helper()
		want, err := json.Marshal(res.Report())
		require.NoError(t, err)
		var got bytes.Buffer
		require.NoError(t, reconcile.WriteJSON(&got, res))
		require.Equal(t, string(want), got.String())
	}
	for seed := range uint64(100) {
		w := genWorld(rand.New(rand.NewPCG(seed, 17)), worldConfig{batches: true, dead: true, otherStatus: true})
		g, err := reconcile.NewEngine(reconcile.Options{DateWindow: w.window, Accounts: accounts})
		require.NoError(t, err)
		check(t, g.Match(w.stmts, w.pays))
	}
	t.Run("an entry without a currency of its own", func(t *testing.T) {
		// a simple match, written by the fast path: the row takes the statement's currency
		e := entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Currency = "" })
		g, err := reconcile.NewEngine(reconcile.Options{Accounts: accounts})
		require.NoError(t, err)
		res := g.Match([]reconcile.Statement{statement(e)}, []reconcile.Payment{pay(1)})
		require.Equal(t, payment.Currency("TRY"), res.Report().Matches[0].Entry.Currency)
		check(t, res)
	})
	t.Run("many chunks", func(t *testing.T) {
		var p, s bytes.Buffer
		require.NoError(t, reconciletest.WritePerfData(20000, &p, &s))
		stmts, err := rcsv.Decode(&s, rcsv.Options{Preset: "en"})
		require.NoError(t, err)
		pays, err := reconcile.ReadPayments(&p)
		require.NoError(t, err)
		g, err := reconcile.NewEngine(reconcile.Options{DateWindow: 1})
		require.NoError(t, err)
		check(t, g.Match(stmts, pays))
	})
}
