package httpapi

import (
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// The reconciliation wire format. Statement entries, reasons and criteria carry the names of the JSON
// report (reconcile.WriteJSON), so an entry reads the same in a run and in its report.

// ReconciliationRunSummary is a run without its entries, as lists show it.
type ReconciliationRunSummary struct {
	ID          reconcile.RunID     `json:"id"`
	Account     payment.AccountID   `json:"account"`
	From        payment.Date        `json:"from"`
	To          payment.Date        `json:"to"`
	DateWindow  int                 `json:"date_window"`
	Status      reconcile.RunStatus `json:"status"`
	CreatedBy   string              `json:"created_by,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
	FinalizedBy string              `json:"finalized_by,omitempty"`
	FinalizedAt *time.Time          `json:"finalized_at,omitempty"`
}

// RunCounts counts a run's entries by decision state; Open is what keeps it from being finalized.
type RunCounts struct {
	Entries   int `json:"entries"`
	Matched   int `json:"matched"`
	Exact     int `json:"exact"`
	Proposed  int `json:"proposed"`
	Unmatched int `json:"unmatched"`
	Anomalies int `json:"anomalies"`
	Dismissed int `json:"dismissed"`
	Open      int `json:"open"`
}

// ReconciliationRunOverview is a run with its counts, without the entries: the answer to an import
// or a review, which also says what is left to do.
type ReconciliationRunOverview struct {
	ReconciliationRunSummary
	Counts RunCounts `json:"counts"`
}

// ReconciliationRun is a run with its entries, their decisions, and its history.
type ReconciliationRun struct {
	ReconciliationRunOverview
	Entries []ReconciliationEntry `json:"entries"`
	History []RunEvent            `json:"history"`
	// StatementWarnings are the warnings of the statements imported into the run (a balance that
	// does not add up), each once, as their uploads answered them (none of a statement wholly
	// outside the run's period); the run's report gives them too.
	StatementWarnings []RunStatementWarning `json:"statement_warnings,omitempty"`
}

// RunStatementWarning is a warning of a statement imported into a run, with the statement it is
// about: its id when the file has one, its period, and the currency of the difference.
type RunStatementWarning struct {
	Statement string           `json:"statement,omitempty"`
	From      payment.Date     `json:"from,omitempty"`
	To        payment.Date     `json:"to,omitempty"`
	Currency  payment.Currency `json:"currency,omitempty"`
	StatementWarning
}

// ReconciliationRunList is the workspace's runs, newest first.
type ReconciliationRunList struct {
	Data []ReconciliationRunSummary `json:"data"`
}

// ReconciliationEntry is one statement entry of a run with the decision about it. Its fingerprint
// (Entry.Fingerprint) names it in the review endpoints.
type ReconciliationEntry struct {
	Entry     StatementEntry `json:"entry"`
	Statement string         `json:"statement,omitempty"`
	Decision  EntryDecision  `json:"decision"`
}

// StatementEntry is one booked line of a bank statement. Amount is positive, in minor units;
// Direction gives the sign.
type StatementEntry struct {
	BookingDate      payment.Date        `json:"booking_date,omitempty"`
	ValueDate        payment.Date        `json:"value_date"`
	Amount           int64               `json:"amount"`
	Direction        reconcile.Direction `json:"direction"`
	Reversal         bool                `json:"reversal,omitempty"`
	Currency         payment.Currency    `json:"currency"`
	Reference        string              `json:"reference,omitempty"`
	BankReference    string              `json:"bank_reference,omitempty"`
	EndToEndID       string              `json:"end_to_end_id,omitempty"`
	Description      string              `json:"description,omitempty"`
	CounterpartyName string              `json:"counterparty_name,omitempty"`
	CounterpartyIBAN string              `json:"counterparty_iban,omitempty"`
	BankTxCode       string              `json:"bank_transaction_code,omitempty"`
	Fields           map[string]string   `json:"fields,omitempty"`
	Position         string              `json:"position"`
	Fingerprint      string              `json:"fingerprint"`
}

// EntryDecision is what the run decided about an entry and why: State (matched, proposed, unmatched,
// anomaly, dismissed), Score (exact or fuzzy) for a match, the matched PaymentIDs, and Reasons with
// both values of every criterion.
type EntryDecision struct {
	State            reconcile.DecisionState `json:"state"`
	Score            reconcile.Score         `json:"score,omitempty"`
	Review           reconcile.Review        `json:"review,omitempty"`
	PaymentIDs       []payment.ID            `json:"payment_ids,omitempty"`
	BatchID          payment.BatchID         `json:"batch_id,omitempty"`
	Criteria         MatchCriteria           `json:"criteria"`
	Reasons          []MatchReason           `json:"reasons,omitempty"`
	AmountDifference int64                   `json:"amount_difference,omitempty"`
	Alternatives     []payment.ID            `json:"alternatives,omitempty"`
	Anomaly          reconcile.AnomalyKind   `json:"anomaly,omitempty"`
	Notes            []string                `json:"notes,omitempty"`
	Rejected         []payment.ID            `json:"rejected,omitempty"`
	Reconciled       bool                    `json:"reconciled,omitempty"`
	By               string                  `json:"by,omitempty"`
	Note             string                  `json:"note,omitempty"`
	At               *time.Time              `json:"at,omitempty"`
}

// MatchCriteria says which of the three criteria matched.
type MatchCriteria struct {
	Amount    bool `json:"amount"`
	Date      bool `json:"date"`
	Reference bool `json:"reference"`
}

// MatchReason explains one criterion with the values on both sides; Difference is entry − payment
// (minor units for the amount, days for the date).
type MatchReason struct {
	Criterion  reconcile.Criterion `json:"criterion"`
	Matched    bool                `json:"matched"`
	Entry      string              `json:"entry"`
	Payment    string              `json:"payment"`
	Difference int64               `json:"difference"`
	Field      string              `json:"field,omitempty"`
	Key        string              `json:"key,omitempty"`
}

// RunEvent is one line of a run's history.
type RunEvent struct {
	At         time.Time           `json:"at"`
	Actor      string              `json:"actor,omitempty"`
	Action     reconcile.RunAction `json:"action"`
	Entry      string              `json:"entry,omitempty"`
	PaymentIDs []payment.ID        `json:"payment_ids,omitempty"`
	Reason     string              `json:"reason,omitempty"`
}

// ImportResult is the answer to a statement upload: what the file held and what the import did.
type ImportResult struct {
	Format        string                    `json:"format"`
	Statements    []ImportedStatement       `json:"statements"`
	Added         int                       `json:"added"`
	Duplicates    int                       `json:"duplicates"`
	OutsidePeriod int                       `json:"outside_period"`
	Run           ReconciliationRunOverview `json:"run"`
}

// ImportedStatement describes one statement of an uploaded file.
type ImportedStatement struct {
	ID             string             `json:"id,omitempty"`
	Mapping        string             `json:"mapping,omitempty"` // the column mapping a CSV or XLSX file was read with
	Currency       payment.Currency   `json:"currency"`
	From           payment.Date       `json:"from,omitempty"`
	To             payment.Date       `json:"to,omitempty"`
	Entries        int                `json:"entries"`
	OpeningBalance *int64             `json:"opening_balance,omitempty"`
	ClosingBalance *int64             `json:"closing_balance,omitempty"`
	Warnings       []StatementWarning `json:"warnings,omitempty"`
}

// StatementWarning is a problem of a statement that did not stop the import (a balance that does not
// add up).
type StatementWarning struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Difference int64  `json:"difference,omitempty"`
}

// ReviewResult is the answer to a review action: the entry as it is now and the run's counts.
type ReviewResult struct {
	Run   ReconciliationRunOverview `json:"run"`
	Entry ReconciliationEntry       `json:"entry"`
}

func runSummaryOf(r *reconcile.Run) ReconciliationRunSummary {
	s := ReconciliationRunSummary{ID: r.ID, Account: r.Account, From: r.From, To: r.To, DateWindow: r.DateWindow,
		Status: r.Status, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		FinalizedBy: r.FinalizedBy}
	if !r.FinalizedAt.IsZero() {
		t := r.FinalizedAt.UTC()
		s.FinalizedAt = &t
	}
	return s
}

func runOverviewOf(r *reconcile.Run) ReconciliationRunOverview {
	o := ReconciliationRunOverview{ReconciliationRunSummary: runSummaryOf(r)}
	n := &o.Counts
	n.Entries = len(r.Entries)
	for i := range r.Entries {
		d := &r.Entries[i].Decision
		switch d.State {
		case reconcile.StateMatched:
			n.Matched++
			if d.Score == reconcile.ScoreExact {
				n.Exact++
			}
		case reconcile.StateProposed:
			n.Proposed++
		case reconcile.StateUnmatched:
			n.Unmatched++
		case reconcile.StateAnomaly:
			n.Anomalies++
		case reconcile.StateDismissed:
			n.Dismissed++
		}
	}
	n.Open = n.Proposed + n.Unmatched + n.Anomalies
	return o
}

// runOf is the whole run; keep, when not nil, selects the entries listed (the counts cover all).
func runOf(r *reconcile.Run, keep func(*reconcile.RunEntry) bool) ReconciliationRun {
	out := ReconciliationRun{ReconciliationRunOverview: runOverviewOf(r), Entries: []ReconciliationEntry{},
		History: make([]RunEvent, len(r.History))}
	for i := range r.Entries {
		if keep == nil || keep(&r.Entries[i]) {
			out.Entries = append(out.Entries, entryOf(&r.Entries[i]))
		}
	}
	for i, h := range r.History {
		out.History[i] = RunEvent{At: h.At.UTC(), Actor: h.Actor, Action: h.Action, Entry: h.Entry,
			PaymentIDs: h.PaymentIDs, Reason: h.Reason}
	}
	for _, w := range r.StatementWarnings {
		out.StatementWarnings = append(out.StatementWarnings, RunStatementWarning{Statement: w.Statement, From: w.From,
			To: w.To, Currency: w.Currency, StatementWarning: StatementWarning{Code: w.Code, Message: w.Message, Difference: w.Difference}})
	}
	return out
}

func entryOf(re *reconcile.RunEntry) ReconciliationEntry {
	e, d := &re.Entry, &re.Decision
	out := ReconciliationEntry{Statement: re.Statement,
		Entry: StatementEntry{BookingDate: e.BookingDate, ValueDate: e.ValueDate, Amount: e.Amount, Direction: e.Direction,
			Reversal: e.Reversal, Currency: e.Currency, Reference: e.CustomerRef, BankReference: e.BankRef,
			EndToEndID: e.EndToEnd, Description: e.Remittance, CounterpartyName: e.CounterpartyName,
			CounterpartyIBAN: e.CounterpartyIBAN, BankTxCode: e.BankTxCode, Fields: e.Fields, Position: e.Position,
			Fingerprint: e.Fingerprint},
		Decision: EntryDecision{State: d.State, Score: d.Score, Review: d.Review, PaymentIDs: d.PaymentIDs,
			BatchID: d.BatchID, Criteria: MatchCriteria(d.Criteria), AmountDifference: d.AmountDifference,
			Alternatives: d.Alternatives, Anomaly: d.Anomaly, Notes: d.Notes, Rejected: d.Rejected,
			Reconciled: d.Reconciled, By: d.By, Note: d.Note}}
	if len(d.Reasons) > 0 {
		out.Decision.Reasons = make([]MatchReason, len(d.Reasons))
		for i, r := range d.Reasons {
			out.Decision.Reasons[i] = MatchReason(r)
		}
	}
	if !d.At.IsZero() {
		t := d.At.UTC()
		out.Decision.At = &t
	}
	return out
}

func importedStatementOf(s *reconcile.Statement) ImportedStatement {
	out := ImportedStatement{ID: s.ID, Mapping: s.Mapping, Currency: s.Currency, From: s.From, To: s.To, Entries: len(s.Entries)}
	if s.HasOpening {
		out.OpeningBalance = &s.Opening
	}
	if s.HasClosing {
		out.ClosingBalance = &s.Closing
	}
	for _, w := range s.Warnings {
		out.Warnings = append(out.Warnings, StatementWarning{Code: w.Code, Message: w.Message, Difference: w.Difference})
	}
	return out
}
