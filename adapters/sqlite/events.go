package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// EventsAfter implements payment.EventLog. Sequence numbers come from an AUTOINCREMENT column: never
// reused, and, with one writer at a time, increasing in commit order.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]payment.LoggedEvent, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.q().query(ctx, `SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.LoggedEvent
	for rows.Next() {
		var e payment.LoggedEvent
		var payload []byte
		if err := rows.Scan(&e.Seq, &payload); err != nil {
			return nil, translate(err)
		}
		if err := json.Unmarshal(payload, &e.Event); err != nil {
			return nil, fmt.Errorf("sqlite: event %d: stored payload: %w", e.Seq, err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

var _ payment.EventPruner = (*Store)(nil)

// PruneEvents implements payment.EventPruner: in one transaction it reads the head of the log and
// deletes the part of it that may go.
func (s *Store) PruneEvents(ctx context.Context, upTo int64, before time.Time, limit int) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, q querier) error {
		rows, err := q.query(ctx, `SELECT seq, occurred_at FROM events WHERE seq <= ? ORDER BY seq LIMIT ?`, upTo, limit)
		if err != nil {
			return translate(err)
		}
		// An event occurred before the cut when its stored time (microseconds) is before the cut
		// rounded up to a microsecond: T is before T+500ns.
		last, cut := int64(0), formatBound(ceilMicro(before))
		for rows.Next() {
			var seq int64
			var at string
			if err := rows.Scan(&seq, &at); err != nil {
				rows.Close()
				return translate(err)
			}
			if at >= cut {
				break
			}
			last = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil || last == 0 {
			return translate(err)
		}
		res, err := q.exec(ctx, `DELETE FROM events WHERE seq <= ?`, last)
		if err != nil {
			return translate(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
