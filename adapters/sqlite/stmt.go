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
//
// Preparing a statement on the database takes a connection from the pool. A write transaction holds
// one already, and a pool of one connection (OpenOptions.MaxConns 1, or a caller's SetMaxOpenConns(1))
// has no other: so a statement met first inside a transaction is run there unprepared and noted, and
// the writer prepares the noted ones after its commit (prepareWanted), once its connection is back.
// Nor is the lock held while a statement is prepared: a reader waiting for the connection a write
// transaction holds must not keep that transaction from its statements.
type stmts struct {
	db     *sql.DB
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // met inside a transaction, not prepared yet
}

// get returns the prepared statement for query, or nil (run it unprepared) when the cache is full or,
// inTx, when the statement is not prepared yet.
func (c *stmts) get(ctx context.Context, query string, inTx bool) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	if inTx {
		c.mu.Lock()
		if len(c.m)+len(c.wanted) < maxCachedStmts {
			if c.wanted == nil {
				c.wanted = make(map[string]bool)
			}
			c.wanted[query] = true
		}
		c.mu.Unlock()
		return nil, nil
	}
	c.mu.RLock()
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if full {
		return nil, nil
	}
	return c.prepare(ctx, query)
}

// prepare prepares query on the database (without holding the lock: it may wait for a connection)
// and caches it; a statement another caller cached meanwhile wins.
func (c *stmts) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.wanted, query)
	if old, ok := c.m[query]; ok {
		_ = st.Close()
		return old, nil
	}
	if len(c.m) >= maxCachedStmts {
		_ = st.Close()
		return nil, nil
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st, nil
}

// prepareWanted prepares the statements first met inside a transaction. The writer calls it with no
// transaction open. A statement that fails to prepare is forgotten: it runs unprepared, and is noted
// again, next time.
func (c *stmts) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		queries = append(queries, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range queries {
		_, _ = c.prepare(ctx, q)
	}
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
	st, err := q.c.get(ctx, query, q.tx != nil)
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
	st, err := q.c.get(ctx, query, q.tx != nil)
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
	st, err := q.c.get(ctx, query, q.tx != nil)
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
