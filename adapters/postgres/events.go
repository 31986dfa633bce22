package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orkesta/orkesta/payment"
)

// EventsAfter implements payment.EventLog.
//
// Many transactions insert events at once and commit in another order than they inserted, so an
// insert-time sequence would let a reader skip an event that commits late. Events are therefore
// inserted without a number, and EventsAfter first numbers the committed ones: under the row lock of
// events_cursor (one numbering at a time, in any process), in insert order, continuing from the last
// number given. An event is numbered only once it is committed and visible, and every later numbering
// sees it, so numbers increase in commit order, are never reused, and a reader never skips one.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]payment.LoggedEvent, error) {
	if err := s.numberEvents(ctx); err != nil {
		return nil, err
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, lim)
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, func(row pgx.Row) (payment.LoggedEvent, error) {
		var e payment.LoggedEvent
		var payload []byte
		if err := row.Scan(&e.Seq, &payload); err != nil {
			return e, translate(err)
		}
		if err := json.Unmarshal(payload, &e.Event); err != nil {
			return e, fmt.Errorf("postgres: event %d: stored payload: %w", e.Seq, err)
		}
		return e, nil
	})
}

// numberEvents gives sequence numbers to the committed events that have none.
func (s *Store) numberEvents(ctx context.Context) error {
	var pending bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE seq IS NULL)`).Scan(&pending); err != nil {
		return translate(err)
	}
	if !pending {
		return nil
	}
	return translate(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var last int64
		// The lock first, in its own statement: the next statement's snapshot then sees every number
		// given before the lock was granted.
		if err := tx.QueryRow(ctx, `SELECT last FROM events_cursor FOR UPDATE`).Scan(&last); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH todo AS (
				SELECT pos, row_number() OVER (ORDER BY pos) AS n FROM events WHERE seq IS NULL ORDER BY pos LIMIT 10000
			), numbered AS (
				UPDATE events e SET seq = $1 + todo.n FROM todo WHERE e.pos = todo.pos RETURNING e.seq
			)
			UPDATE events_cursor SET last = coalesce((SELECT max(seq) FROM numbered), $1)`, last)
		return err
	}))
}

var _ payment.EventPruner = (*Store)(nil)

// PruneEvents implements payment.EventPruner. Events not yet numbered are never read, so never
// pruned. Two dispatchers pruning at once delete the same head once.
func (s *Store) PruneEvents(ctx context.Context, upTo int64, before time.Time, limit int) (int, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, occurred_at FROM events WHERE seq <= $1 ORDER BY seq LIMIT $2`, upTo, limit)
		if err != nil {
			return err
		}
		var last int64
		for rows.Next() {
			var seq int64
			var at time.Time
			if err := rows.Scan(&seq, &at); err != nil {
				rows.Close()
				return err
			}
			if !at.Before(before) {
				break
			}
			last = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil || last == 0 {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM events WHERE seq <= $1`, last)
		n = tag.RowsAffected()
		return err
	})
	return int(n), translate(err)
}
