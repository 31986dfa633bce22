package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// writer is the store's one writer, with group commit. SQLite allows one write transaction at a time
// and a durable commit costs an fsync (about 0.1 ms here), so writes that arrive while a commit is in
// flight are queued and the next one runs them all in one transaction, each inside its own savepoint:
// a write that fails rolls back alone, and one fsync makes the whole group durable. Every caller
// returns only after the commit that holds its write (or with the error that undid it), so an
// acknowledged write is a durable write, exactly as with one transaction per call.
//
// There is no background goroutine: the first caller to find the writer idle leads, commits the
// queue, hands the lead to the first caller queued meanwhile (if any) and returns.
type writer struct {
	mu      sync.Mutex
	queue   []*writeReq
	leading bool
	groups  int64 // transactions run, and the writes they held: for the benchmarks
	writes  int64
}

type writeReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, q querier) error
	err  error
	wake chan bool // true: lead the next group; false: done, err is set
}

// write runs fn in a write transaction and returns once it is committed (nil) or undone (the error).
// fn must not keep q. A ctx cancelled before fn starts skips it; once started it runs to the end (an
// interrupted statement would roll back the whole group).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, q querier) error) error {
	req := &writeReq{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	w := &s.w
	w.mu.Lock()
	w.queue = append(w.queue, req)
	if w.leading {
		w.mu.Unlock()
		if lead := <-req.wake; !lead {
			return req.err
		}
		w.mu.Lock()
	}
	w.leading = true
	group := w.queue
	w.queue = nil
	w.groups++
	w.writes += int64(len(group))
	w.mu.Unlock()

	s.commitGroup(group)
	// Statements the group met for the first time are prepared now that its transaction has given
	// its connection back (see stmts): still leading, so no other write holds it.
	s.stmts.prepareWanted(context.Background())

	w.mu.Lock()
	for _, r := range group {
		if r != req {
			r.wake <- false
		}
	}
	if len(w.queue) > 0 {
		w.queue[0].wake <- true
	} else {
		w.leading = false
	}
	w.mu.Unlock()
	return req.err
}

// commitGroup runs the group's writes in one transaction and sets each request's err.
func (s *Store) commitGroup(group []*writeReq) {
	fail := func(err error) { // the transaction is undone: every write in it failed
		for _, r := range group {
			if r.err == nil {
				r.err = err
			}
		}
	}
	// The transaction belongs to no single caller: no caller's cancellation may roll back the others.
	bg := context.Background()
	tx, err := s.db.BeginTx(bg, nil)
	if err != nil {
		fail(translate(err))
		return
	}
	defer func() {
		// A write that panics (a bug) must not wedge the writer: every caller of the group would wait
		// forever and the connection would stay in its transaction. Undo the group and report it.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			fail(fmt.Errorf("sqlite: a write panicked, its group was rolled back: %v", p))
		}
	}()
	q := querier{c: &s.stmts, tx: tx}
	single := len(group) == 1
	ok := 0
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if single { // no savepoint needed: a failure rolls back the transaction
			r.err = r.fn(context.WithoutCancel(r.ctx), q)
			if r.err != nil {
				_ = tx.Rollback()
				return
			}
			ok++
			continue
		}
		if _, err := q.exec(bg, `SAVEPOINT write`); err != nil {
			_ = tx.Rollback()
			fail(err)
			return
		}
		if r.err = r.fn(context.WithoutCancel(r.ctx), q); r.err != nil {
			if _, err := q.exec(bg, `ROLLBACK TO write`); err != nil {
				_ = tx.Rollback()
				fail(fmt.Errorf("%w (after: %w)", err, r.err))
				return
			}
		} else {
			ok++
		}
		if _, err := q.exec(bg, `RELEASE write`); err != nil {
			_ = tx.Rollback()
			fail(err)
			return
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		fail(translate(err))
	}
}
