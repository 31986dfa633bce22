package dashboard

import (
	"context"
	"io"
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// Reconciler backs Payments → Reconciliation: runs per account and period, their review, finalize
// and reports. Methods taking a workspace treat another workspace's runs as payment.ErrNotFound.
type Reconciler interface {
	// Runs lists the workspace's runs, newest first.
	Runs(ctx context.Context, ws payment.WorkspaceID) ([]RunInfo, error)
	// Start matches decoded statements of one account and period against the workspace's payments
	// and stores the run, open for review.
	Start(ctx context.Context, ws payment.WorkspaceID, r StartRequest) (RunInfo, error)
	// Run returns a run and its report (matches with their reasons, unmatched entries and payments,
	// anomalies).
	Run(ctx context.Context, ws payment.WorkspaceID, id string) (RunInfo, *reconcile.Report, error)
	// Review applies one review action to an open run.
	Review(ctx context.Context, ws payment.WorkspaceID, id string, a ReviewAction) error
	// Finalize closes a run whose every item is resolved: matched payments become reconciled and the
	// run read-only. An open item is a *payment.ValidationError saying which.
	Finalize(ctx context.Context, ws payment.WorkspaceID, id, actor string) (RunInfo, error)
	// WriteReport writes the run's report as "xlsx", "csv" or "json".
	WriteReport(ctx context.Context, ws payment.WorkspaceID, id, format string, w io.Writer) error
}

// RunStatus is where a run stands.
type RunStatus string

// Run statuses.
const (
	RunOpen RunStatus = "open"
	// RunFinalizing: a Finalize stopped part-way (reconcile.RunFinalizing); its entries can no
	// longer be reviewed, and Finalize again finishes it.
	RunFinalizing RunStatus = "finalizing"
	RunFinalized  RunStatus = "finalized"
)

// RunInfo describes a run.
type RunInfo struct {
	ID          string
	Account     payment.AccountID
	From, To    payment.Date
	Status      RunStatus
	CreatedAt   time.Time
	FinalizedAt time.Time
	Summary     reconcile.Summary
}

// StartRequest is a new run: the account, the period (inclusive) and its statements.
type StartRequest struct {
	Account    payment.AccountID
	From, To   payment.Date
	DateWindow int
	Statements []reconcile.Statement
	FileName   string
	Actor      string
}

// ReviewKind is a review action.
type ReviewKind string

// Review actions.
const (
	ReviewApprove ReviewKind = "approve" // approve a fuzzy match
	ReviewReject  ReviewKind = "reject"  // reject a fuzzy match: the pair is never proposed again
	ReviewMap     ReviewKind = "map"     // map an unmatched entry to a payment by hand
	ReviewDismiss ReviewKind = "dismiss" // resolve an unmatched entry or an anomaly without a payment (a fee)
	ReviewUnmatch ReviewKind = "unmatch" // undo a match: the entry is unmatched again
)

// ReviewAction is one decision of a reviewer about one entry (named by its fingerprint).
type ReviewAction struct {
	Kind    ReviewKind
	Entry   string // reconcile.Entry.Fingerprint
	Payment payment.ID
	Note    string
	Actor   string
	// Expected are the payments of the proposal the reviewer saw (approve, reject): when the entry
	// proposes others now, the action is refused (a *reconcile.ProposalChangedError).
	Expected []payment.ID
}
