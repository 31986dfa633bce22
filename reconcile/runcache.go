package reconcile

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// A RunVersioner tells the stored version of a run without reading the run: a run of 10,000
// entries is some 9 MB of JSON in SQLite, and reading it back takes 0.17 s. A Service whose Store is
// a RunVersioner keeps the runs it read or wrote last and reads one again only when the store holds
// a newer version of it (another process changed it), so that a review action or a page of a large
// run decodes nothing. A run of another workspace is payment.ErrNotFound, as in GetRun.
type RunVersioner interface {
	RunVersion(ctx context.Context, ws payment.WorkspaceID, id RunID) (int64, error)
}

// A Service keeps at most cachedRuns runs (the few that people review at a time) and cachedEntries
// entries in all (about 1 KB of memory each): a larger run is read from the store every time.
const (
	cachedRuns    = 4
	cachedEntries = 100_000
)

// runCache keeps the last runs a Service read or wrote, most recently used first. A kept run is
// never changed: it is replaced by a new copy, and handed out as a copy.
type runCache struct {
	mu   sync.Mutex
	runs []*Run
}

// get returns the kept run id of workspace ws, or nil.
func (c *runCache) get(ws payment.WorkspaceID, id RunID) *Run {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range c.runs {
		if r.ID == id && r.Workspace == ws {
			copy(c.runs[1:i+1], c.runs[:i])
			c.runs[0] = r
			return r
		}
	}
	return nil
}

// put keeps a copy of r in place of any older copy, and forgets the runs used least recently beyond
// the limits.
func (c *runCache) put(r *Run) {
	if len(r.Entries) > cachedEntries {
		c.drop(r.Workspace, r.ID)
		return
	}
	k := r.Clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(r.Workspace, r.ID)
	c.runs = append([]*Run{&k}, c.runs...)
	n := 0
	for i, kept := range c.runs {
		if n += len(kept.Entries); i == cachedRuns || n > cachedEntries {
			clear(c.runs[i:])
			c.runs = c.runs[:i]
			break
		}
	}
}

// drop forgets run id of workspace ws.
func (c *runCache) drop(ws payment.WorkspaceID, id RunID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(ws, id)
}

func (c *runCache) remove(ws payment.WorkspaceID, id RunID) {
	c.runs = slices.DeleteFunc(c.runs, func(r *Run) bool { return r.ID == id && r.Workspace == ws })
}

// keep keeps r after the store took it, when the store can tell a run's version.
func (s *Service) keep(r *Run) {
	if s.versions != nil {
		s.runs.put(r)
	}
}

// loadRun is Store.GetRun through the cache, when the store can tell a run's version; a run that is
// not in the workspace is a *payment.NotFoundError of kind "run".
func (s *Service) loadRun(ctx context.Context, ws payment.WorkspaceID, id RunID) (Run, error) {
	if s.versions == nil {
		r, err := s.store.GetRun(ctx, ws, id)
		return r, runNotFound(err, ws, id)
	}
	if kept := s.runs.get(ws, id); kept != nil {
		ver, err := s.versions.RunVersion(ctx, ws, id)
		if err != nil {
			s.runs.drop(ws, id)
			return Run{}, runNotFound(err, ws, id)
		}
		if ver == kept.Version {
			return kept.Clone(), nil
		}
	}
	r, err := s.store.GetRun(ctx, ws, id)
	if err != nil {
		return Run{}, runNotFound(err, ws, id)
	}
	s.runs.put(&r)
	return r, nil
}

// runNotFound names a run that is not there (a store's bare ErrNotFound) as a *payment.NotFoundError
// of kind "run"; any other error is returned as it is.
func runNotFound(err error, ws payment.WorkspaceID, id RunID) error {
	var nf *payment.NotFoundError
	if errors.Is(err, payment.ErrNotFound) && !errors.As(err, &nf) {
		return &payment.NotFoundError{Kind: "run", ID: string(id), Workspace: ws, Err: err}
	}
	return err
}
