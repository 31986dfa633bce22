package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache: static queries plus the most common list filters.
const maxCachedStmts = 256

// stmts caches prepared statements: parsing SQL costs about as much as running a small statement.
// database/sql prepares each statement once per pooled connection and reuses it after.
type stmts struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// get returns the prepared statement for query, or nil (run it unprepared) when the cache is full.
func (c *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st, nil
}

func (c *stmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, st := range c.m {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}

// querier runs statements on the database or inside a write transaction, prepared.
type querier struct {
	c  *stmts
	tx *sql.Tx // nil outside a transaction
}

func (q querier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.c.get(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st == nil && q.tx != nil:
		return q.tx.ExecContext(ctx, query, args...)
	case st == nil:
		return q.c.db.ExecContext(ctx, query, args...)
	case q.tx != nil:
		st = q.tx.StmtContext(ctx, st)
	}
	return st.ExecContext(ctx, args...)
}

func (q querier) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.c.get(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st == nil && q.tx != nil:
		return q.tx.QueryContext(ctx, query, args...)
	case st == nil:
		return q.c.db.QueryContext(ctx, query, args...)
	case q.tx != nil:
		st = q.tx.StmtContext(ctx, st)
	}
	return st.QueryContext(ctx, args...)
}

// row is a *sql.Row that may also carry an error from preparing its statement.
type row struct {
	r   *sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.r.Scan(dest...)
}

func (q querier) queryRow(ctx context.Context, query string, args ...any) row {
	st, err := q.c.get(ctx, query)
	switch {
	case err != nil:
		return row{err: err}
	case st == nil && q.tx != nil:
		return row{r: q.tx.QueryRowContext(ctx, query, args...)}
	case st == nil:
		return row{r: q.c.db.QueryRowContext(ctx, query, args...)}
	case q.tx != nil:
		st = q.tx.StmtContext(ctx, st)
	}
	return row{r: st.QueryRowContext(ctx, args...)}
}
