package batch

import (
	"context"
	"errors"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// readCache is the store the items of one batch are validated through. Every item reads the
// workspace and its two accounts; a batch reads the workspace once (before it starts) and each
// distinct account once, instead of once per item: on SQLite or PostgreSQL that is three of the four
// reads of every item. Only successes and payment.ErrNotFound are kept: a store failure on one item's
// read must not fail the others. Everything else goes to the store. Safe for concurrent use.
type readCache struct {
	payment.Store
	ws payment.Workspace
	// accounts maps AccountID → accountRead. A batch reads few accounts many times, from several
	// goroutines: sync.Map reads without a lock.
	accounts sync.Map
}

type accountRead struct {
	a   payment.Account
	err error // nil or payment.ErrNotFound
}

func newReadCache(store payment.Store, ws payment.Workspace) *readCache {
	return &readCache{Store: store, ws: ws}
}

// GetWorkspace implements payment.Store.
func (c *readCache) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	if id == c.ws.ID {
		return c.ws, nil
	}
	return c.Store.GetWorkspace(ctx, id)
}

// GetAccount implements payment.Store.
func (c *readCache) GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	if ws != c.ws.ID {
		return c.Store.GetAccount(ctx, ws, id)
	}
	if v, ok := c.accounts.Load(id); ok {
		r := v.(*accountRead)
		return r.a, r.err
	}
	a, err := c.Store.GetAccount(ctx, ws, id)
	if err == nil || errors.Is(err, payment.ErrNotFound) {
		c.accounts.Store(id, &accountRead{a: a, err: err})
	}
	return a, err
}
