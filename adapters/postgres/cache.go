package postgres

import (
	"maps"
	"slices"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// Workspaces and accounts never change once stored: no Store method updates or deletes them. Yet
// payment.Service reads the workspace and both accounts of every payment it creates, so a Store
// keeps the ones it has read and answers those three reads of a create from memory.
//
// Only rows that were found are kept: a missing one may be created at any moment, by this process or
// another. A full cache starts over, which bounds its memory. A row changed by hand in the database
// is seen by a Store that has read it only after a restart.
const (
	maxCachedWorkspaces = 1 << 10
	maxCachedAccounts   = 1 << 14
)

// rowCache holds immutable rows by key; safe for concurrent use.
type rowCache[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func (c *rowCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *rowCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V, min(c.max, 64))
	}
	c.m[k] = v
	c.mu.Unlock()
}

type accountKey struct {
	ws payment.WorkspaceID
	id payment.AccountID
}

// cloneWorkspace copies w's plan methods and approval thresholds, so that the cache and its callers
// never share them.
func cloneWorkspace(w payment.Workspace) payment.Workspace {
	w.Plan.Methods = slices.Clone(w.Plan.Methods)
	w.Approval.Thresholds = maps.Clone(w.Approval.Thresholds)
	return w
}
