package payment

import (
	"context"
	"sync"
	"sync/atomic"
)

// refCache keeps the workspaces and accounts a Service has read. No Store method updates or deletes
// either once stored, so a copy read once stays right, for every instance of a service sharing one
// database too; and Create reads the workspace and both accounts of every payment, which on SQLite or
// PostgreSQL are three of its five statements. Only rows found are kept (a missing one may be created
// at any moment, here or elsewhere), reads take no lock, and the cache starts over when it holds
// maxCachedRefs rows, which bounds its memory. A row changed by hand in the database is seen after a
// restart.
//
// The cached values are used inside the Service only: Service.Workspace and Service.GetAccount read
// the store, so callers never share the cache's plan slices and maps.
type refCache struct {
	store      Store
	workspaces sync.Map // WorkspaceID → Workspace
	accounts   sync.Map // AccountID → Account
	n          atomic.Int32
}

const maxCachedRefs = 1 << 14

func (c *refCache) workspace(ctx context.Context, id WorkspaceID) (Workspace, error) {
	if v, ok := c.workspaces.Load(id); ok {
		return v.(Workspace), nil
	}
	w, err := c.store.GetWorkspace(ctx, id)
	if err == nil {
		c.keep(&c.workspaces, id, w)
	}
	return w, err
}

// GetAccount reads through the cache; validate calls it.
func (c *refCache) GetAccount(ctx context.Context, ws WorkspaceID, id AccountID) (Account, error) {
	if v, ok := c.accounts.Load(id); ok {
		if a := v.(Account); a.Workspace == ws {
			return a, nil
		}
	}
	a, err := c.store.GetAccount(ctx, ws, id)
	if err == nil && a.Workspace == ws {
		c.keep(&c.accounts, id, a)
	}
	return a, err
}

func (c *refCache) keep(m *sync.Map, k, v any) {
	if c.n.Add(1) > maxCachedRefs {
		c.workspaces.Clear()
		c.accounts.Clear()
		c.n.Store(1)
	}
	m.Store(k, v)
}
