package reconcile

import (
	"slices"

	"github.com/orkesta/orkesta/payment"
)

// runReport builds the report of a run from its decisions; live are the account's processing and
// settled payments of the period, of which those no entry holds are listed as unmatched.
func runReport(run *Run, live []Payment) *Report {
	r := &Report{Matches: []Match{}, UnmatchedEntries: []UnmatchedEntry{}, UnmatchedPayments: []UnmatchedPayment{},
		Anomalies: []Anomaly{}}
	account := string(run.Account)
	held := make(map[payment.ID]bool)
	for i := range run.Entries {
		re := &run.Entries[i]
		d := &re.Decision
		switch d.State {
		case StateMatched, StateProposed:
			m := Match{Score: d.Score, Entry: re.Entry, Criteria: d.Criteria, Reasons: slices.Clone(d.Reasons),
				Review: d.Review, Account: account, Statement: re.Statement, BatchID: d.BatchID, AmountDifference: d.AmountDifference,
				Alternatives: slices.Clone(d.Alternatives), Notes: slices.Clone(d.Notes)}
			if m.Reasons == nil {
				m.Reasons = []Reason{}
			}
			if len(d.PaymentIDs) > 0 {
				m.PaymentID = d.PaymentIDs[0]
			}
			if len(d.PaymentIDs) > 1 {
				m.PaymentIDs = slices.Clone(d.PaymentIDs)
			}
			if d.By != "" {
				note := string(d.Review) + " by " + d.By
				if d.Note != "" {
					note += ": " + d.Note
				}
				m.Notes = append(m.Notes, note)
			}
			if d.Reconciled {
				m.Notes = append(m.Notes, "reconciled")
			}
			for _, p := range d.PaymentIDs {
				held[p] = true
			}
			r.Matches = append(r.Matches, m)
		case StateAnomaly, StateDismissed:
			if d.Anomaly == "" {
				r.UnmatchedEntries = append(r.UnmatchedEntries, UnmatchedEntry{Entry: re.Entry, Account: account,
					Statement: re.Statement, Dismissed: true, Note: d.Note, Notes: slices.Clone(d.Notes)})
				continue
			}
			a := Anomaly{Kind: d.Anomaly, Entry: re.Entry, Criteria: d.Criteria, Reasons: slices.Clone(d.Reasons),
				Account: account, Statement: re.Statement, Dismissed: d.State == StateDismissed, Note: d.Note}
			if a.Reasons == nil {
				a.Reasons = []Reason{}
			}
			if len(d.PaymentIDs) > 0 {
				a.PaymentID = d.PaymentIDs[0]
			}
			a.PaymentStatus = payment.StatusFailed
			if a.Kind == AnomalyCancelledPayment {
				a.PaymentStatus = payment.StatusCancelled
			}
			r.Anomalies = append(r.Anomalies, a)
		default:
			r.UnmatchedEntries = append(r.UnmatchedEntries, UnmatchedEntry{Entry: re.Entry, Account: account,
				Statement: re.Statement, Note: d.Note, Notes: slices.Clone(d.Notes)})
		}
	}
	var unmatched []*Payment
	for i := range live {
		if !held[live[i].ID] {
			unmatched = append(unmatched, &live[i])
		}
	}
	slices.SortFunc(unmatched, comparePayments)
	for _, p := range unmatched {
		r.UnmatchedPayments = append(r.UnmatchedPayments, unmatchedPayment(p))
	}
	r.Summary = summarizeReport(r)
	// The statements' warnings first, as WithWarnings gives them in the offline report.
	if len(run.StatementWarnings) > 0 {
		ws := make([]string, 0, len(run.StatementWarnings)+len(r.Summary.Warnings))
		for i := range run.StatementWarnings {
			ws = append(ws, run.StatementWarnings[i].String())
		}
		r.Summary.Warnings = append(ws, r.Summary.Warnings...)
	}
	return r
}

// summarizeReport counts a materialized report.
func summarizeReport(r *Report) Summary {
	var s Summary
	var cur []CurrencySummary
	find := func(c payment.Currency) *CurrencySummary {
		for i := range cur {
			if cur[i].Currency == c {
				return &cur[i]
			}
		}
		cur = append(cur, CurrencySummary{Currency: c})
		return &cur[len(cur)-1]
	}
	var overflow bool
	count := func(e *Entry, matched bool) {
		c := find(e.Currency)
		c.Entries++
		c.Amount = addSat(c.Amount, e.Amount, &overflow)
		if matched {
			c.Matched++
			c.MatchedAmount = addSat(c.MatchedAmount, e.Amount, &overflow)
		}
	}
	for i := range r.Matches {
		m := &r.Matches[i]
		if m.Score == ScoreExact {
			s.Exact++
		} else {
			s.Fuzzy++
		}
		s.MatchedPayments += max(1, len(m.PaymentIDs))
		count(&m.Entry, true)
	}
	for i := range r.UnmatchedEntries {
		if r.UnmatchedEntries[i].Dismissed {
			s.Dismissed++
		}
		count(&r.UnmatchedEntries[i].Entry, false)
	}
	for i := range r.Anomalies {
		if r.Anomalies[i].Dismissed {
			s.Dismissed++
		}
		count(&r.Anomalies[i].Entry, false)
	}
	s.Entries = len(r.Matches) + len(r.UnmatchedEntries) + len(r.Anomalies)
	s.UnmatchedEntries = len(r.UnmatchedEntries)
	s.UnmatchedPayments = len(r.UnmatchedPayments)
	s.Anomalies = len(r.Anomalies)
	s.Payments = s.MatchedPayments + s.UnmatchedPayments
	slices.SortFunc(cur, func(a, b CurrencySummary) int { return compareStrings(string(a.Currency), string(b.Currency)) })
	s.Currencies = cur
	if s.Currencies == nil {
		s.Currencies = []CurrencySummary{}
	}
	if overflow {
		s.Warnings = append(s.Warnings, "totals overflow int64 and are capped")
	}
	finishRates(&s)
	return s
}
