package reconcile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// Sentinel errors of runs. The typed errors below match them, and also payment.ErrInvalidTransition,
// so that a caller (an HTTP adapter) that only knows package payment maps them to a conflict.
var (
	// ErrRunClosed: the run is finalized (or finalizing) and does not take this action.
	ErrRunClosed = errors.New("reconcile: the run is closed")
	// ErrOpenItems: Finalize refused because entries are still proposed, unmatched or anomalies.
	ErrOpenItems = errors.New("reconcile: the run has open items")
	// ErrReview: the entry's state does not allow this review action.
	ErrReview = errors.New("reconcile: not allowed in the entry's state")
	// ErrRunOverlap: CreateRun refused a period that overlaps a run of the account not finalized yet.
	ErrRunOverlap = errors.New("reconcile: the period overlaps another run")
	// ErrProposalChanged: an approve or reject named the proposal its caller saw, and the entry
	// proposes other payments now.
	ErrProposalChanged = errors.New("reconcile: the entry proposes other payments now")
)

// RunStatusError is an action refused because of the run's status. It matches ErrRunClosed.
type RunStatusError struct {
	Run    RunID
	Status RunStatus
	Action RunAction
}

func (e *RunStatusError) Error() string {
	return fmt.Sprintf("reconcile: run %s is %s: cannot %s", e.Run, e.Status, e.Action)
}

// Is matches ErrRunClosed and payment.ErrInvalidTransition.
func (e *RunStatusError) Is(target error) bool {
	return target == ErrRunClosed || target == payment.ErrInvalidTransition
}

// ReviewError is a review action the entry's state does not allow. It matches ErrReview.
type ReviewError struct {
	Entry  string // the entry's fingerprint
	State  DecisionState
	Action RunAction
}

func (e *ReviewError) Error() string {
	return fmt.Sprintf("reconcile: entry %s is %s: cannot %s it", e.Entry, e.State, e.Action)
}

// Is matches ErrReview and payment.ErrInvalidTransition.
func (e *ReviewError) Is(target error) bool {
	return target == ErrReview || target == payment.ErrInvalidTransition
}

// OpenItemsError says what keeps a run from being finalized. It matches ErrOpenItems.
type OpenItemsError struct {
	Proposed, Unmatched, Anomalies int
}

func (e *OpenItemsError) Error() string {
	var parts []string
	for _, p := range []struct {
		n           int
		one, others string
	}{
		{e.Proposed, "fuzzy match waits", "fuzzy matches wait"},
		{e.Unmatched, "entry is unmatched", "entries are unmatched"},
		{e.Anomalies, "anomaly is open", "anomalies are open"},
	} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.one)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.others))
		}
	}
	return "reconcile: cannot finalize: " + strings.Join(parts, ", ")
}

// Is matches ErrOpenItems and payment.ErrInvalidTransition.
func (e *OpenItemsError) Is(target error) bool {
	return target == ErrOpenItems || target == payment.ErrInvalidTransition
}

// RunOverlapError is a run CreateRun refused: its period overlaps that of Run, a run of the same
// account that is not finalized yet (open or finalizing). Both would import the same entries and
// match the same payments, and the one finalized second could never be. It matches ErrRunOverlap and
// payment.ErrConflict.
type RunOverlapError struct {
	Account  payment.AccountID
	From, To payment.Date // the period asked for
	// Run is the run it overlaps, with its status and period.
	Run            RunID
	Status         RunStatus
	RunFrom, RunTo payment.Date
}

func (e *RunOverlapError) Error() string {
	return fmt.Sprintf("reconcile: the period %s to %s overlaps run %s of account %s, which is %s (period %s to %s): "+
		"finalize that run first, or choose a period that does not overlap it",
		e.From, e.To, e.Run, e.Account, e.Status, e.RunFrom, e.RunTo)
}

// Is matches ErrRunOverlap and payment.ErrConflict.
func (e *RunOverlapError) Is(target error) bool {
	return target == ErrRunOverlap || target == payment.ErrConflict
}

// ProposalChangedError is an approve or reject refused because the entry no longer proposes the
// payments its caller saw (Service.ApproveProposal, Service.RejectProposal): someone rejected that
// proposal meanwhile and matching proposed another. Nothing changed. It matches ErrProposalChanged
// and payment.ErrConflict.
type ProposalChangedError struct {
	Entry    string // the entry's fingerprint
	Position string // where the entry is in its statement ("line 14")
	Action   RunAction
	// Expected are the payments the caller saw proposed; Proposed those the entry proposes now.
	Expected, Proposed []payment.ID
}

func (e *ProposalChangedError) Error() string {
	entry := e.Entry
	if e.Position != "" {
		entry += " (" + e.Position + ")"
	}
	return fmt.Sprintf("reconcile: entry %s proposes %s now, not %s: look at the new proposal before you %s it",
		entry, idList(e.Proposed), idList(e.Expected), e.Action)
}

// Is matches ErrProposalChanged and payment.ErrConflict.
func (e *ProposalChangedError) Is(target error) bool {
	return target == ErrProposalChanged || target == payment.ErrConflict
}

// idList is "pay_A, pay_B".
func idList(ids []payment.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
