package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

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
