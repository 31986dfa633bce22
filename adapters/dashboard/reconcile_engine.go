package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// EngineReconciler is a Reconciler that matches with reconcile.Engine and keeps its runs in the
// process's memory: runs are gone after a restart (the payments they reconciled stay reconciled).
// It serves the dashboard until runs persist through the store; it is safe for concurrent use.
type EngineReconciler struct {
	svc  *payment.Service
	opts EngineReconcilerOptions

	mu   sync.Mutex
	runs map[payment.WorkspaceID][]*engineRun
}

// EngineReconcilerOptions configures an EngineReconciler. The zero value has no XLSX writer (only
// JSON reports).
type EngineReconcilerOptions struct {
	// XLSX writes a report as an XLSX workbook (reconcile/xlsx).
	XLSX func(w io.Writer, src reconcile.ReportSource) error
}

// NewEngineReconciler returns an EngineReconciler on svc.
func NewEngineReconciler(svc *payment.Service, opts EngineReconcilerOptions) *EngineReconciler {
	return &EngineReconciler{svc: svc, opts: opts, runs: make(map[payment.WorkspaceID][]*engineRun)}
}

var _ Reconciler = (*EngineReconciler)(nil)

type engineRun struct {
	mu         sync.Mutex
	ws         payment.WorkspaceID
	info       RunInfo
	stmts      []reconcile.Statement
	dateWindow int
	rejected   map[string][]payment.ID // entry fingerprint → payments a reviewer rejected for it
	approved   map[string]payment.ID   // entry fingerprint → the fuzzy match a reviewer approved
	manual     map[string]payment.ID   // entry fingerprint → payment mapped by hand
	dismissed  map[string]string       // entry fingerprint → the reviewer's note
	report     *reconcile.Report
}

func (g *EngineReconciler) run(ws payment.WorkspaceID, id string) (*engineRun, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.runs[ws] {
		if r.info.ID == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("reconciliation run %s: %w", id, payment.ErrNotFound)
}

// Runs implements Reconciler.
func (g *EngineReconciler) Runs(_ context.Context, ws payment.WorkspaceID) ([]RunInfo, error) {
	g.mu.Lock()
	runs := slices.Clone(g.runs[ws])
	g.mu.Unlock()
	out := make([]RunInfo, 0, len(runs))
	for i := len(runs) - 1; i >= 0; i-- {
		runs[i].mu.Lock()
		out = append(out, runs[i].info)
		runs[i].mu.Unlock()
	}
	return out, nil
}

// Start implements Reconciler.
func (g *EngineReconciler) Start(ctx context.Context, ws payment.WorkspaceID, req StartRequest) (RunInfo, error) {
	var errs []error
	bad := func(field, reason string) {
		errs = append(errs, &payment.ValidationError{Field: field, Reason: reason})
	}
	if _, err := g.svc.GetAccount(ctx, ws, req.Account); err != nil {
		if !errors.Is(err, payment.ErrNotFound) {
			return RunInfo{}, err
		}
		bad("account", "choose one of the workspace's accounts")
	}
	if req.From.IsZero() || req.To.IsZero() || req.To < req.From {
		bad("period", "choose a start date on or before the end date")
	}
	if len(req.Statements) == 0 {
		bad("statement", "the file holds no statement")
	}
	if req.DateWindow < 0 || req.DateWindow > reconcile.MaxDateWindow {
		bad("date_window", "must be between 0 and "+strconv.Itoa(reconcile.MaxDateWindow)+" days")
	}
	if len(errs) > 0 {
		return RunInfo{}, errors.Join(errs...)
	}
	// Only the entries of the period take part.
	stmts := make([]reconcile.Statement, 0, len(req.Statements))
	for _, s := range req.Statements {
		kept := s
		kept.Entries = nil
		for _, e := range s.Entries {
			d := e.ValueDate
			if d.IsZero() {
				d = e.BookingDate
			}
			if d >= req.From && d <= req.To {
				kept.Entries = append(kept.Entries, e)
			}
		}
		stmts = append(stmts, kept)
	}
	id := g.svc.NewID("rec_")
	r := &engineRun{ws: ws, stmts: stmts, dateWindow: req.DateWindow,
		rejected: map[string][]payment.ID{}, approved: map[string]payment.ID{}, manual: map[string]payment.ID{},
		dismissed: map[string]string{},
		info: RunInfo{ID: id, Account: req.Account, From: req.From, To: req.To, Status: RunOpen, Statement: req.FileName,
			CreatedAt: g.svc.Clock().Now().UTC()}}
	if err := g.rematch(ctx, r); err != nil {
		return RunInfo{}, err
	}
	g.mu.Lock()
	g.runs[ws] = append(g.runs[ws], r)
	g.mu.Unlock()
	return r.info, nil
}

// payments loads the candidates of a run: the account's payments whose value date is in the period
// widened by the date window, in the statuses matching looks at.
func (g *EngineReconciler) payments(ctx context.Context, r *engineRun) ([]payment.Payment, error) {
	f := payment.ListFilter{Account: r.info.Account, ValueFrom: r.info.From.AddDays(-r.dateWindow),
		ValueTo: r.info.To.AddDays(r.dateWindow), Limit: 100,
		Statuses: []payment.Status{payment.StatusProcessing, payment.StatusSettled, payment.StatusReconciled,
			payment.StatusCancelled, payment.StatusFailed}}
	var out []payment.Payment
	for {
		pg, err := g.svc.List(ctx, r.ws, f)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Payments...)
		if !pg.HasMore {
			return out, nil
		}
		f.After = pg.Payments[len(pg.Payments)-1].ID
	}
}

// rematch matches the run again under its review decisions and rebuilds its report.
func (g *EngineReconciler) rematch(ctx context.Context, r *engineRun) error {
	ps, err := g.payments(ctx, r)
	if err != nil {
		return err
	}
	accounts, err := g.svc.ListAccounts(ctx, r.ws)
	if err != nil {
		return err
	}
	byID := make(map[payment.ID]*payment.Payment, len(ps))
	for i := range ps {
		byID[ps[i].ID] = &ps[i]
	}
	// Decisions are copied into fresh maps: Exclude runs on several goroutines and must not share state
	// that changes.
	rejected := make(map[string][]payment.ID, len(r.rejected))
	for k, v := range r.rejected {
		rejected[k] = slices.Clone(v)
	}
	mappedEntry := make(map[string]bool, len(r.manual))
	mappedPay := make(map[payment.ID]bool, len(r.manual))
	for e, p := range r.manual {
		mappedEntry[e], mappedPay[p] = true, true
	}
	account := string(r.info.Account)
	for _, a := range accounts {
		if a.ID == r.info.Account && a.IBAN != "" {
			account = a.IBAN
		}
	}
	eng, err := reconcile.NewEngine(reconcile.Options{DateWindow: r.dateWindow, Accounts: accounts, Account: account,
		Exclude: func(e *reconcile.Entry, p *reconcile.Payment) bool {
			return mappedEntry[e.Fingerprint] || mappedPay[p.ID] || slices.Contains(rejected[e.Fingerprint], p.ID)
		}})
	if err != nil {
		return err
	}
	rep := eng.Match(r.stmts, reconcile.FromPayments(ps)).Report()
	warnings := rep.Summary.Warnings

	for i := range rep.Matches {
		m := &rep.Matches[i]
		if id, ok := r.approved[m.Entry.Fingerprint]; ok && id == m.PaymentID && m.Review == reconcile.ReviewPending {
			m.Review = reconcile.ReviewApproved
		}
	}
	kept := rep.UnmatchedEntries[:0]
	for _, u := range rep.UnmatchedEntries {
		if pid, ok := r.manual[u.Entry.Fingerprint]; ok {
			if p := byID[pid]; p != nil {
				rep.Matches = append(rep.Matches, manualMatch(&u, p, r.dateWindow))
				continue
			}
		}
		if note, ok := r.dismissed[u.Entry.Fingerprint]; ok {
			u.Dismissed, u.Note = true, note
		}
		kept = append(kept, u)
	}
	rep.UnmatchedEntries = kept
	pays := rep.UnmatchedPayments[:0]
	for _, u := range rep.UnmatchedPayments {
		if !mappedPay[u.PaymentID] {
			pays = append(pays, u)
		}
	}
	rep.UnmatchedPayments = pays
	for i := range rep.Anomalies {
		if note, ok := r.dismissed[rep.Anomalies[i].Entry.Fingerprint]; ok {
			rep.Anomalies[i].Dismissed, rep.Anomalies[i].Note = true, note
		}
	}
	rep.Summary = summarize(rep)
	rep.Summary.Warnings = warnings
	r.report = rep
	r.info.Summary = rep.Summary
	return nil
}

// manualMatch is the match a reviewer made by hand, with the criteria as they stand.
func manualMatch(u *reconcile.UnmatchedEntry, p *payment.Payment, window int) reconcile.Match {
	e := u.Entry
	d := e.ValueDate
	if d.IsZero() {
		d = e.BookingDate
	}
	days := d.Sub(p.ValueDate)
	ref := p.Reference != "" && slices.ContainsFunc([]string{e.CustomerRef, e.BankRef, e.EndToEnd, e.Remittance},
		func(s string) bool {
			return s != "" && reconcile.NormalizeReference(s) == reconcile.NormalizeReference(p.Reference)
		})
	c := reconcile.Criteria{Amount: e.Amount == p.Amount && e.Currency == p.Currency,
		Date: days >= -window && days <= window, Reference: ref}
	m := reconcile.Match{PaymentID: p.ID, Score: reconcile.ScoreFuzzy, Entry: e, Criteria: c, Review: reconcile.ReviewManual,
		Account: u.Account, AmountDifference: e.Amount - p.Amount,
		Reasons: []reconcile.Reason{
			{Criterion: reconcile.CriterionAmount, Matched: c.Amount, Entry: payment.FormatMinor(e.Amount, e.Currency) + " " + string(e.Currency),
				Payment: payment.FormatMinor(p.Amount, p.Currency) + " " + string(p.Currency), Difference: e.Amount - p.Amount},
			{Criterion: reconcile.CriterionDate, Matched: c.Date, Entry: d.String(), Payment: p.ValueDate.String(), Difference: int64(days)},
			{Criterion: reconcile.CriterionReference, Matched: c.Reference, Payment: p.Reference, Field: "reference", Key: "reference"},
		},
		Notes: []string{"mapped by hand"}}
	if c.Count() == 3 {
		m.Score = reconcile.ScoreExact
	}
	return m
}

// summarize counts a report after review changed it.
func summarize(rep *reconcile.Report) reconcile.Summary {
	s := reconcile.Summary{Exact: 0, UnmatchedEntries: len(rep.UnmatchedEntries), UnmatchedPayments: len(rep.UnmatchedPayments),
		Anomalies: len(rep.Anomalies)}
	type cur struct{ entries, matched, amount, matchedAmount int64 }
	byCur := map[payment.Currency]*cur{}
	add := func(e *reconcile.Entry, matched bool) {
		c := byCur[e.Currency]
		if c == nil {
			c = &cur{}
			byCur[e.Currency] = c
		}
		c.entries++
		c.amount += e.Amount
		if matched {
			c.matched++
			c.matchedAmount += e.Amount
		}
	}
	for i := range rep.Matches {
		m := &rep.Matches[i]
		if m.Score == reconcile.ScoreExact {
			s.Exact++
		} else {
			s.Fuzzy++
		}
		s.MatchedPayments += max(1, len(m.PaymentIDs))
		add(&m.Entry, true)
	}
	for i := range rep.UnmatchedEntries {
		if rep.UnmatchedEntries[i].Dismissed {
			s.Dismissed++
		}
		add(&rep.UnmatchedEntries[i].Entry, false)
	}
	for i := range rep.Anomalies {
		if rep.Anomalies[i].Dismissed {
			s.Dismissed++
		}
		add(&rep.Anomalies[i].Entry, false)
	}
	s.Entries = len(rep.Matches) + len(rep.UnmatchedEntries) + len(rep.Anomalies)
	s.Payments = s.MatchedPayments + s.UnmatchedPayments
	round := func(f float64) float64 { return math.Round(f*10000) / 10000 }
	if s.Entries > 0 {
		s.MatchRate = round(float64(s.Exact+s.Fuzzy) / float64(s.Entries))
	}
	codes := make([]payment.Currency, 0, len(byCur))
	for c := range byCur {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var weighted float64
	for _, code := range codes {
		c := byCur[code]
		s.Currencies = append(s.Currencies, reconcile.CurrencySummary{Currency: code, Entries: int(c.entries),
			Matched: int(c.matched), Amount: c.amount, MatchedAmount: c.matchedAmount})
		if c.amount > 0 {
			weighted += float64(c.matchedAmount) / float64(c.amount) * float64(c.entries)
		}
	}
	if s.Entries > 0 {
		s.MatchRateAmount = round(weighted / float64(s.Entries))
	}
	return s
}

// Run implements Reconciler.
func (g *EngineReconciler) Run(_ context.Context, ws payment.WorkspaceID, id string) (RunInfo, *reconcile.Report, error) {
	r, err := g.run(ws, id)
	if err != nil {
		return RunInfo{}, nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info, r.report, nil
}

func findMatch(rep *reconcile.Report, fp string) *reconcile.Match {
	for i := range rep.Matches {
		if rep.Matches[i].Entry.Fingerprint == fp {
			return &rep.Matches[i]
		}
	}
	return nil
}

// Review implements Reconciler.
func (g *EngineReconciler) Review(ctx context.Context, ws payment.WorkspaceID, id string, a ReviewAction) error {
	r, err := g.run(ws, id)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.info.Status != RunOpen {
		return &payment.NotAllowedError{Rule: "run_finalized", Reason: "the run is finalized and read-only"}
	}
	notFound := &payment.ValidationError{Field: "entry", Reason: "no such entry in this run"}
	m := findMatch(r.report, a.Entry)
	switch a.Kind {
	case ReviewApprove:
		if m == nil {
			return notFound
		}
		r.approved[a.Entry] = m.PaymentID
	case ReviewReject:
		if m == nil {
			return notFound
		}
		delete(r.approved, a.Entry)
		if r.manual[a.Entry] == m.PaymentID {
			delete(r.manual, a.Entry)
		} else {
			r.rejected[a.Entry] = append(r.rejected[a.Entry], m.PaymentID)
		}
	case ReviewUnmatch:
		if m == nil {
			return notFound
		}
		delete(r.approved, a.Entry)
		delete(r.manual, a.Entry)
		r.rejected[a.Entry] = append(r.rejected[a.Entry], append([]payment.ID{m.PaymentID}, m.PaymentIDs...)...)
	case ReviewMap:
		p, err := g.svc.Get(ctx, ws, a.Payment)
		if errors.Is(err, payment.ErrNotFound) {
			return &payment.ValidationError{Field: "payment", Reason: "no payment " + string(a.Payment) + " in this workspace"}
		}
		if err != nil {
			return err
		}
		if p.Status != payment.StatusProcessing && p.Status != payment.StatusSettled {
			return &payment.ValidationError{Field: "payment", Reason: "the payment is " + string(p.Status) +
				"; only processing or settled payments can be reconciled"}
		}
		if !slices.ContainsFunc(r.report.UnmatchedEntries, func(u reconcile.UnmatchedEntry) bool { return u.Entry.Fingerprint == a.Entry }) {
			return notFound
		}
		if slices.ContainsFunc(r.report.Matches, func(m reconcile.Match) bool {
			return m.PaymentID == p.ID || slices.Contains(m.PaymentIDs, p.ID)
		}) {
			return &payment.ValidationError{Field: "payment", Reason: "the payment is already matched to another entry"}
		}
		if p.ValueDate < r.info.From.AddDays(-r.dateWindow) || p.ValueDate > r.info.To.AddDays(r.dateWindow) ||
			(p.FromAccount != r.info.Account && p.ToAccount != r.info.Account) {
			return &payment.ValidationError{Field: "payment", Reason: "the payment is not of this run's account and period"}
		}
		delete(r.dismissed, a.Entry)
		r.manual[a.Entry] = p.ID
	case ReviewDismiss:
		if m != nil {
			return &payment.ValidationError{Field: "entry", Reason: "a matched entry cannot be dismissed; unmatch it first"}
		}
		r.dismissed[a.Entry] = a.Note
	default:
		return &payment.ValidationError{Field: "action", Reason: "unknown review action " + strconv.Quote(string(a.Kind))}
	}
	return g.rematch(ctx, r)
}

// Finalize implements Reconciler.
func (g *EngineReconciler) Finalize(ctx context.Context, ws payment.WorkspaceID, id, actor string) (RunInfo, error) {
	r, err := g.run(ws, id)
	if err != nil {
		return RunInfo{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.info.Status != RunOpen {
		return r.info, &payment.NotAllowedError{Rule: "run_finalized", Reason: "the run is already finalized"}
	}
	if err := g.rematch(ctx, r); err != nil {
		return RunInfo{}, err
	}
	var pending, open, anomalies int
	for _, m := range r.report.Matches {
		if m.Review == reconcile.ReviewPending {
			pending++
		}
	}
	for _, u := range r.report.UnmatchedEntries {
		if !u.Dismissed {
			open++
		}
	}
	for _, a := range r.report.Anomalies {
		if !a.Dismissed {
			anomalies++
		}
	}
	if pending+open+anomalies > 0 {
		return r.info, &payment.ValidationError{Field: "run", Reason: fmt.Sprintf(
			"%d fuzzy matches wait for approval, %d unmatched entries and %d anomalies are not resolved", pending, open, anomalies)}
	}
	reason := "reconciliation run " + r.info.ID
	for _, m := range r.report.Matches {
		ids := m.PaymentIDs
		if len(ids) == 0 {
			ids = []payment.ID{m.PaymentID}
		}
		for _, pid := range ids {
			p, err := g.svc.Get(ctx, ws, pid)
			if err != nil {
				return r.info, err
			}
			if p.Status == payment.StatusProcessing {
				if p, err = g.svc.Settle(ctx, ws, pid, actor, reason); err != nil {
					return r.info, err
				}
			}
			if p.Status == payment.StatusSettled {
				if _, err := g.svc.MarkReconciled(ctx, ws, pid, actor, reason); err != nil {
					return r.info, err
				}
			}
		}
	}
	r.info.Status = RunFinalized
	r.info.FinalizedAt = g.svc.Clock().Now().UTC()
	data, _ := json.Marshal(struct {
		RunID   string            `json:"run_id"`
		Account payment.AccountID `json:"account"`
		From    payment.Date      `json:"from"`
		To      payment.Date      `json:"to"`
		Summary reconcile.Summary `json:"summary"`
	}{r.info.ID, r.info.Account, r.info.From, r.info.To, r.info.Summary})
	g.svc.Published(ctx, payment.Event{ID: g.svc.NewID(payment.PrefixEvent), Type: payment.EventReconciliationCompleted,
		Workspace: ws, OccurredAt: r.info.FinalizedAt.Truncate(time.Microsecond), Data: data})
	return r.info, nil
}

// WriteReport implements Reconciler.
func (g *EngineReconciler) WriteReport(_ context.Context, ws payment.WorkspaceID, id, format string, w io.Writer) error {
	r, err := g.run(ws, id)
	if err != nil {
		return err
	}
	r.mu.Lock()
	rep := r.report
	r.mu.Unlock()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "xlsx":
		if g.opts.XLSX == nil {
			return errors.New("dashboard: XLSX reports are not available in this build")
		}
		return g.opts.XLSX(w, rep)
	}
	return fmt.Errorf("dashboard: unknown report format %q", format)
}
