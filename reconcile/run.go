package reconcile

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// RunID identifies a reconciliation run: "run_" + ULID.
type RunID string

// PrefixRun is the prefix of run ids.
const PrefixRun = "run_"

// RunStatus is where a run is. Wire values are a public contract.
type RunStatus string

// Run statuses.
const (
	// RunOpen: statements can be imported and decisions reviewed.
	RunOpen RunStatus = "open"
	// RunFinalizing: Finalize started moving payments to reconciled and was interrupted; calling it
	// again finishes the job. Nothing else changes the run meanwhile. When a payment it had not
	// reached has changed since (failed, reconciled elsewhere), the next Finalize reports it and
	// reopens the run for review; the entries reconciled already keep Decision.Reconciled, and
	// unmatching one undoes its reconciliation.
	RunFinalizing RunStatus = "finalizing"
	// RunFinalized: every entry was resolved and every matched payment is reconciled. The run is read
	// only, except that a match can be undone (Service.Unmatch), with the actor and reason recorded.
	RunFinalized RunStatus = "finalized"
)

// DecisionState is where one entry of a run stands. Wire values are a public contract.
type DecisionState string

// Decision states. Proposed, unmatched and anomaly are open: Finalize refuses while any is left.
const (
	// StateMatched: the entry books the payment(s): an exact match, a fuzzy match a person approved, or
	// a person's manual mapping.
	StateMatched DecisionState = "matched"
	// StateProposed: a fuzzy match waiting for a person to approve or reject it.
	StateProposed DecisionState = "proposed"
	// StateUnmatched: no payment found yet; map it to payments or dismiss it.
	StateUnmatched DecisionState = "unmatched"
	// StateAnomaly: the entry names a cancelled or failed payment; a person must look and dismiss it
	// (or map it to the right payment).
	StateAnomaly DecisionState = "anomaly"
	// StateDismissed: a person resolved the entry without a payment (a bank fee, interest, an
	// acknowledged anomaly), with a reason.
	StateDismissed DecisionState = "dismissed"
)

// Open reports whether the state still needs a person.
func (s DecisionState) Open() bool {
	return s == StateProposed || s == StateUnmatched || s == StateAnomaly
}

// Decision is what a run decided about one entry and why.
type Decision struct {
	State  DecisionState `json:"state"`
	Score  Score         `json:"score,omitempty"`
	Review Review        `json:"review,omitempty"`
	// PaymentIDs are the payments the entry books (several for a batch); for an anomaly, the cancelled
	// or failed payment it names.
	PaymentIDs       []payment.ID    `json:"payment_ids,omitempty"`
	BatchID          payment.BatchID `json:"batch_id,omitempty"`
	Criteria         Criteria        `json:"criteria"`
	Reasons          []Reason        `json:"reasons,omitempty"`
	AmountDifference int64           `json:"amount_difference,omitempty"`
	Alternatives     []payment.ID    `json:"alternatives,omitempty"`
	Anomaly          AnomalyKind     `json:"anomaly,omitempty"`
	Notes            []string        `json:"notes,omitempty"`
	// Rejected are payments a person rejected for this entry; matching never proposes them again.
	Rejected []payment.ID `json:"rejected,omitempty"`
	// Reconciled is set once Finalize has moved the decision's payments to reconciled.
	Reconciled bool `json:"reconciled,omitempty"`
	// By, Note and At record the last person who acted on the entry; empty for the engine's proposals.
	By   string    `json:"by,omitempty"`
	Note string    `json:"note,omitempty"`
	At   time.Time `json:"at,omitzero"`
}

// RunEntry is one statement entry of a run with its decision.
type RunEntry struct {
	Entry Entry `json:"entry"`
	// Statement is the id of the statement it was imported from, when the file had one.
	Statement string   `json:"statement,omitempty"`
	Decision  Decision `json:"decision"`
}

// RunAction names an action in a run's history. Wire values are a public contract.
type RunAction string

// Run actions.
const (
	ActionCreate   RunAction = "create"
	ActionImport   RunAction = "import"
	ActionApprove  RunAction = "approve"
	ActionReject   RunAction = "reject"
	ActionMap      RunAction = "map"
	ActionUnmatch  RunAction = "unmatch"
	ActionDismiss  RunAction = "dismiss"
	ActionFinalize RunAction = "finalize"
	// ActionUndo is an unmatch after finalization: its payments went back from reconciled to settled.
	ActionUndo RunAction = "undo"
)

// RunEvent is one line of a run's audit history. History is append-only.
type RunEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor,omitempty"`
	Action RunAction `json:"action"`
	// Entry is the fingerprint of the entry acted on.
	Entry      string       `json:"entry,omitempty"`
	PaymentIDs []payment.ID `json:"payment_ids,omitempty"`
	Reason     string       `json:"reason,omitempty"`
}

// Run is the reconciliation of one account over one period: its statement entries, a decision per
// entry and the history of who did what. It is plain data (JSON in and out), so stores can keep it as
// a document.
type Run struct {
	ID        RunID               `json:"id"`
	Workspace payment.WorkspaceID `json:"workspace_id"`
	Account   payment.AccountID   `json:"account"`
	// From and To bound the period, inclusive; entries booked outside it are not imported.
	From       payment.Date `json:"from"`
	To         payment.Date `json:"to"`
	DateWindow int          `json:"date_window"`
	Status     RunStatus    `json:"status"`
	Entries    []RunEntry   `json:"entries"`
	History    []RunEvent   `json:"history"`
	CreatedBy  string       `json:"created_by,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	// FinalizedBy and FinalizedAt are set by Finalize.
	FinalizedBy string    `json:"finalized_by,omitempty"`
	FinalizedAt time.Time `json:"finalized_at,omitzero"`
	// StatementWarnings are the warnings of the statements imported into the run (a balance that
	// does not add up, a character set guessed), each once, in the order they came; the run's
	// report gives them first among its summary's warnings.
	StatementWarnings []StatementWarning `json:"statement_warnings,omitempty"`
	// Version increases by one with every stored change; stores compare-and-set on it.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of r: stores hand out and keep copies, never shared slices.
func (r *Run) Clone() Run {
	c := *r
	c.Entries = slices.Clone(r.Entries)
	for i := range c.Entries {
		e := &c.Entries[i]
		e.Entry.Fields = maps.Clone(e.Entry.Fields)
		d := &e.Decision
		d.PaymentIDs = slices.Clone(d.PaymentIDs)
		d.Reasons = slices.Clone(d.Reasons)
		d.Alternatives = slices.Clone(d.Alternatives)
		d.Notes = slices.Clone(d.Notes)
		d.Rejected = slices.Clone(d.Rejected)
	}
	c.History = slices.Clone(r.History)
	c.StatementWarnings = slices.Clone(r.StatementWarnings)
	for i := range c.History {
		c.History[i].PaymentIDs = slices.Clone(c.History[i].PaymentIDs)
	}
	return c
}

// StatementWarning is a warning of a statement imported into a run, with what names the statement
// and the currency of its difference.
type StatementWarning struct {
	// Statement is the statement's id, when the file has one; From and To its period, when known.
	Statement string           `json:"statement,omitempty"`
	From      payment.Date     `json:"from,omitzero"`
	To        payment.Date     `json:"to,omitzero"`
	Currency  payment.Currency `json:"currency,omitempty"`
	Warning
}

// String is the warning as a run's report gives it, in the words of the offline report: the
// statement (by id, else by period), the warning and, for balances that do not add up, the
// difference (closing − opening − entries) with its currency.
func (w *StatementWarning) String() string {
	var b strings.Builder
	b.WriteString("statement ")
	switch {
	case w.Statement != "":
		b.WriteString(w.Statement)
	case w.From != 0 && w.To != 0:
		b.WriteString("of " + w.From.String() + " to " + w.To.String())
	default:
		b.WriteString("without an id")
	}
	b.WriteString(": " + w.Message + w.DifferenceText(w.Currency))
	return b.String()
}

// keepWarnings adds the warnings of the statements about the run's period to its StatementWarnings,
// leaving out those it has (a statement imported again).
func (r *Run) keepWarnings(stmts []Statement) {
	for i := range stmts {
		st := &stmts[i]
		if len(st.Warnings) == 0 || !r.concerns(st) {
			continue
		}
		for _, w := range st.Warnings {
			sw := StatementWarning{Statement: st.ID, From: st.From, To: st.To, Currency: st.Currency, Warning: w}
			if !slices.Contains(r.StatementWarnings, sw) {
				r.StatementWarnings = append(r.StatementWarnings, sw)
			}
		}
	}
}

// concerns reports whether st is about the run's period: its period overlaps the run's or, when it
// does not give one, it has no entries or one booked in the period (or undated).
func (r *Run) concerns(st *Statement) bool {
	if st.From != 0 && st.To != 0 {
		return st.From <= r.To && st.To >= r.From
	}
	if len(st.Entries) == 0 {
		return true
	}
	for i := range st.Entries {
		d := cmp.Or(st.Entries[i].BookingDate, st.Entries[i].ValueDate)
		if d == 0 || (d >= r.From && d <= r.To) {
			return true
		}
	}
	return false
}

// entryIndex returns the index of the entry with this fingerprint, or -1.
func (r *Run) entryIndex(fingerprint string) int {
	for i := range r.Entries {
		if r.Entries[i].Entry.Fingerprint == fingerprint {
			return i
		}
	}
	return -1
}

// RunFilter selects runs. Zero fields do not filter.
type RunFilter struct {
	Account payment.AccountID
	Status  RunStatus
}

// Match reports whether r passes the filter. Stores that filter in memory use it.
func (f *RunFilter) Match(r *Run) bool {
	return (f.Account == "" || r.Account == f.Account) && (f.Status == "" || r.Status == f.Status)
}

// Store persists runs. Adapters: adapters/memory (NewRunStore); reconciletest.StoreSuite is the
// conformance test every implementation runs. Every method is scoped to a workspace: a run of another
// workspace is payment.ErrNotFound. A store gives back what it was given, except that it may give
// U+FFFD for a NUL character in a statement's text (PostgreSQL cannot hold one).
type Store interface {
	// CreateRun stores a new run; payment.ErrDuplicate if the id exists.
	CreateRun(ctx context.Context, r Run) error
	// GetRun returns a run; payment.ErrNotFound if there is none.
	GetRun(ctx context.Context, ws payment.WorkspaceID, id RunID) (Run, error)
	// ListRuns returns the workspace's runs matching f, newest first (descending id), without their
	// entries and history when the store can save the work (callers needing those call GetRun).
	ListRuns(ctx context.Context, ws payment.WorkspaceID, f RunFilter) ([]Run, error)
	// UpdateRun replaces a run if and only if the stored version is still prevVersion
	// (compare-and-set): a lost race is payment.ErrConflict and changes nothing; an unknown run is
	// payment.ErrNotFound. r.Version must be prevVersion+1. When ev has a Type, a store with an event
	// outbox (payment.EventLog) writes it in the same transaction.
	UpdateRun(ctx context.Context, r Run, prevVersion int64, ev payment.Event) error
}
