package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// ServiceReconciler is the Reconciler on a reconcile.Service: runs persist in the service's run
// store, review decisions are recorded with their actor, and finalize reconciles the payments.
type ServiceReconciler struct {
	runs *reconcile.Service
	xlsx func(w io.Writer, src reconcile.ReportSource) error
}

// NewServiceReconciler returns a Reconciler on runs. xlsx writes XLSX reports (reconcile/xlsx); when
// it is nil, reports are offered as CSV and JSON only.
func NewServiceReconciler(runs *reconcile.Service, xlsx func(w io.Writer, src reconcile.ReportSource) error) *ServiceReconciler {
	return &ServiceReconciler{runs: runs, xlsx: xlsx}
}

var _ Reconciler = (*ServiceReconciler)(nil)

// maxListedRuns caps the Runs listing (each listed run's report is built for its match rate).
const maxListedRuns = 50

func info(r *reconcile.Run, rep *reconcile.Report) RunInfo {
	ri := RunInfo{ID: string(r.ID), Account: r.Account, From: r.From, To: r.To, Status: RunOpen,
		CreatedAt: r.CreatedAt, FinalizedAt: r.FinalizedAt}
	switch r.Status {
	case reconcile.RunFinalizing:
		ri.Status = RunFinalizing
	case reconcile.RunFinalized:
		ri.Status = RunFinalized
	}
	if rep != nil {
		ri.Summary = rep.Summary
	}
	return ri
}

// Runs implements Reconciler.
func (s *ServiceReconciler) Runs(ctx context.Context, ws payment.WorkspaceID) ([]RunInfo, error) {
	runs, err := s.runs.ListRuns(ctx, ws, reconcile.RunFilter{})
	if err != nil {
		return nil, err
	}
	if len(runs) > maxListedRuns {
		runs = runs[:maxListedRuns]
	}
	out := make([]RunInfo, 0, len(runs))
	for i := range runs {
		rep, err := s.runs.Report(ctx, ws, runs[i].ID)
		if err != nil {
			return nil, err
		}
		out = append(out, info(&runs[i], rep))
	}
	return out, nil
}

// Start implements Reconciler: it creates the run and imports the statements. reconcile.Service
// cannot remove a run, so statements its Import refuses (of another account or currency) leave the
// new run behind, open and empty; the dashboard's form checks them before it calls Start, and Start
// checks that they fit in a run.
func (s *ServiceReconciler) Start(ctx context.Context, ws payment.WorkspaceID, r StartRequest) (RunInfo, error) {
	if len(r.Statements) == 0 {
		return RunInfo{}, &payment.ValidationError{Field: "statement", Reason: "the file holds no statement"}
	}
	n := 0
	for i := range r.Statements {
		n += len(r.Statements[i].Entries)
	}
	if err := s.runs.CheckRunSize(n); err != nil {
		return RunInfo{}, err
	}
	run, err := s.runs.CreateRun(ctx, ws, reconcile.RunRequest{Account: r.Account, From: r.From, To: r.To,
		DateWindow: r.DateWindow}, r.Actor)
	if err != nil {
		return RunInfo{}, err
	}
	if run, _, err = s.runs.Import(ctx, ws, run.ID, r.Statements, r.Actor); err != nil {
		return RunInfo{ID: string(run.ID)}, err
	}
	rep, err := s.runs.Report(ctx, ws, run.ID)
	if err != nil {
		return RunInfo{}, err
	}
	return info(&run, rep), nil
}

// Run implements Reconciler.
func (s *ServiceReconciler) Run(ctx context.Context, ws payment.WorkspaceID, id string) (RunInfo, *reconcile.Report, error) {
	run, err := s.runs.GetRun(ctx, ws, reconcile.RunID(id))
	if err != nil {
		return RunInfo{}, nil, err
	}
	rep, err := s.runs.Report(ctx, ws, run.ID)
	if err != nil {
		return RunInfo{}, nil, err
	}
	return info(&run, rep), rep, nil
}

// Review implements Reconciler.
func (s *ServiceReconciler) Review(ctx context.Context, ws payment.WorkspaceID, id string, a ReviewAction) error {
	rid := reconcile.RunID(id)
	var err error
	switch a.Kind {
	case ReviewApprove:
		_, err = s.runs.ApproveProposal(ctx, ws, rid, a.Entry, a.Expected, a.Actor, a.Note)
	case ReviewReject:
		_, err = s.runs.RejectProposal(ctx, ws, rid, a.Entry, a.Expected, a.Actor, a.Note)
	case ReviewMap:
		_, err = s.runs.Map(ctx, ws, rid, a.Entry, []payment.ID{a.Payment}, a.Actor, a.Note)
	case ReviewDismiss:
		note := a.Note
		if note == "" {
			note = "resolved without a payment"
		}
		_, err = s.runs.Dismiss(ctx, ws, rid, a.Entry, a.Actor, note)
	case ReviewUnmatch:
		note := a.Note
		if note == "" {
			note = "unmatched in the dashboard"
		}
		_, err = s.runs.Unmatch(ctx, ws, rid, a.Entry, a.Actor, note)
	default:
		err = &payment.ValidationError{Field: "action", Reason: fmt.Sprintf("unknown review action %q", a.Kind)}
	}
	return err
}

// Finalize implements Reconciler.
func (s *ServiceReconciler) Finalize(ctx context.Context, ws payment.WorkspaceID, id, actor string) (RunInfo, error) {
	run, err := s.runs.Finalize(ctx, ws, reconcile.RunID(id), actor)
	if err != nil {
		return RunInfo{}, err
	}
	rep, err := s.runs.Report(ctx, ws, run.ID)
	if err != nil {
		return RunInfo{}, err
	}
	return info(&run, rep), nil
}

// WriteReport implements Reconciler: "xlsx", "csv" or "json".
func (s *ServiceReconciler) WriteReport(ctx context.Context, ws payment.WorkspaceID, id, format string, w io.Writer) error {
	rep, err := s.runs.Report(ctx, ws, reconcile.RunID(id))
	if err != nil {
		return err
	}
	switch format {
	case "json":
		return reconcile.WriteJSON(w, rep)
	case "csv":
		return reconcile.WriteCSV(w, rep)
	case "xlsx":
		if s.xlsx == nil {
			return ErrNoXLSX
		}
		return s.xlsx(w, rep)
	}
	return fmt.Errorf("dashboard: unknown report format %q", format)
}

// ErrNoXLSX: the Reconciler has no XLSX writer.
var ErrNoXLSX = errors.New("dashboard: XLSX reports are not available in this build")
