package memory

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// RunStore is a reconcile.Store in memory, safe for concurrent use. Runs are deep-copied on the way
// in and out, so callers never share slices with it.
type RunStore struct {
	mu     sync.RWMutex
	runs   map[reconcile.RunID]*reconcile.Run
	outbox *Store
}

var _ reconcile.Store = (*RunStore)(nil)

// NewRunStore returns an empty run store. When outbox is not nil, the events UpdateRun is given are
// written to that store's event outbox (its payment.EventLog), atomically with the run.
func NewRunStore(outbox *Store) *RunStore {
	return &RunStore{runs: make(map[reconcile.RunID]*reconcile.Run), outbox: outbox}
}

// CreateRun implements reconcile.Store.
func (s *RunStore) CreateRun(_ context.Context, r reconcile.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.runs[r.ID]; dup {
		return payment.ErrDuplicate
	}
	c := r.Clone()
	s.runs[r.ID] = &c
	return nil
}

// GetRun implements reconcile.Store.
func (s *RunStore) GetRun(_ context.Context, ws payment.WorkspaceID, id reconcile.RunID) (reconcile.Run, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.runs[id]
	if !ok || r.Workspace != ws {
		return reconcile.Run{}, payment.ErrNotFound
	}
	return r.Clone(), nil
}

// ListRuns implements reconcile.Store; the runs come without entries and history.
func (s *RunStore) ListRuns(_ context.Context, ws payment.WorkspaceID, f reconcile.RunFilter) ([]reconcile.Run, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []reconcile.Run
	for _, r := range s.runs {
		if r.Workspace == ws && f.Match(r) {
			c := *r
			c.Entries, c.History = nil, nil
			c.StatementWarnings = slices.Clone(r.StatementWarnings)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b reconcile.Run) int { return strings.Compare(string(b.ID), string(a.ID)) })
	return out, nil
}

// UpdateRun implements reconcile.Store.
func (s *RunStore) UpdateRun(_ context.Context, r reconcile.Run, prevVersion int64, ev payment.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.runs[r.ID]
	if !ok || old.Workspace != r.Workspace {
		return payment.ErrNotFound
	}
	if old.Version != prevVersion || r.Version != prevVersion+1 {
		return payment.ErrConflict
	}
	c := r.Clone()
	if ev.Type != "" && s.outbox != nil {
		s.outbox.mu.Lock()
		s.outbox.outbox.add(ev)
		s.outbox.mu.Unlock()
	}
	s.runs[r.ID] = &c
	return nil
}
