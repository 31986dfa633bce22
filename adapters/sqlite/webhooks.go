package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.WebhookStore = (*Store)(nil)

// CreateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e payment.WebhookEndpoint) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO webhook_endpoints
			(id, workspace_id, url, description, events, secret, disabled, disabled_at, disabled_reason, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, string(e.Workspace), e.URL, e.Description, joinEventTypes(e.Events), e.Secret, e.Disabled,
			nullTime(e.DisabledAt), e.DisabledReason, formatTime(e.CreatedAt))
		return translate(err)
	})
}

func joinEventTypes(ts []payment.EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

const endpointColumns = `id, workspace_id, url, description, events, secret, disabled, disabled_at, disabled_reason, created_at`

func scanEndpoint(sc interface{ Scan(...any) error }) (payment.WebhookEndpoint, error) {
	var e payment.WebhookEndpoint
	var events, created string
	var disabledAt sql.NullString
	if err := sc.Scan(&e.ID, &e.Workspace, &e.URL, &e.Description, &events, &e.Secret, &e.Disabled, &disabledAt,
		&e.DisabledReason, &created); err != nil {
		return e, translate(err)
	}
	if events != "" {
		for t := range strings.SplitSeq(events, ",") {
			e.Events = append(e.Events, payment.EventType(t))
		}
	}
	var err1, err2 error
	e.DisabledAt, err1 = parseNullTime(disabledAt)
	e.CreatedAt, err2 = parseTime(created)
	return e, errors.Join(err1, err2)
}

// GetWebhookEndpoint implements payment.WebhookStore.
func (s *Store) GetWebhookEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	e, err := scanEndpoint(s.q().queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ? AND workspace_id = ?`,
		id, string(ws)))
	if errors.Is(err, payment.ErrNotFound) {
		return e, fmt.Errorf("%w: webhook endpoint %s", payment.ErrNotFound, id)
	}
	return e, err
}

// ListWebhookEndpoints implements payment.WebhookStore.
func (s *Store) ListWebhookEndpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	rows, err := s.q().query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE workspace_id = ?
		ORDER BY created_at, id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// UpdateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, old, e payment.WebhookEndpoint) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		err := affectedOne(q.exec(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, secret = ?
			WHERE id = ? AND workspace_id = ? AND url = ? AND description = ? AND events = ? AND secret = ?`,
			e.URL, e.Description, joinEventTypes(e.Events), e.Secret, e.ID, string(e.Workspace),
			old.URL, old.Description, joinEventTypes(old.Events), old.Secret))
		if !errors.Is(err, payment.ErrNotFound) {
			return err
		}
		var n int
		if err := q.queryRow(ctx, `SELECT count(*) FROM webhook_endpoints WHERE id = ? AND workspace_id = ?`,
			e.ID, string(e.Workspace)).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return fmt.Errorf("%w: webhook endpoint %s", payment.ErrNotFound, e.ID)
		}
		return fmt.Errorf("%w: webhook endpoint %s changed meanwhile", payment.ErrConflict, e.ID)
	})
}

// SetWebhookEndpointDisabled implements payment.WebhookStore.
func (s *Store) SetWebhookEndpointDisabled(ctx context.Context, ws payment.WorkspaceID, id string, disabled bool, at time.Time, reason string) error {
	var when any
	if disabled {
		when = formatTime(at)
	} else {
		reason = ""
	}
	return s.writeOne(ctx, "webhook endpoint "+id, `UPDATE webhook_endpoints SET disabled = ?, disabled_at = ?, disabled_reason = ?
		WHERE id = ? AND workspace_id = ?`, disabled, when, reason, id, string(ws))
}

// DeleteWebhookEndpoint implements payment.WebhookStore: the endpoint and its pending deliveries go;
// finished deliveries stay as a record.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if err := affectedOne(q.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ? AND workspace_id = ?`, id, string(ws))); err != nil {
			return fmt.Errorf("%w: webhook endpoint %s", err, id)
		}
		_, err := q.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'`, id)
		return translate(err)
	})
}

// writeOne runs a statement that must change exactly one row; none is ErrNotFound (about what).
func (s *Store) writeOne(ctx context.Context, what, query string, args ...any) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if err := affectedOne(q.exec(ctx, query, args...)); err != nil {
			return fmt.Errorf("%w: %s", err, what)
		}
		return nil
	})
}

// affectedOne turns a result that changed no row into ErrNotFound.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return payment.ErrNotFound
	}
	return nil
}

// WebhookCursor implements payment.WebhookStore.
func (s *Store) WebhookCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := s.q().queryRow(ctx, `SELECT seq FROM webhook_cursor`).Scan(&seq)
	return seq, translate(err)
}

// EnqueueWebhookDeliveries implements payment.WebhookStore. A delivery repeating an (endpoint, event)
// pair already stored is dropped; a reused delivery id is ErrDuplicate and stores nothing.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, prev, next int64, ds []payment.WebhookDelivery) error {
	events := make([]string, len(ds))
	for i := range ds {
		b, err := encodeEvent(&ds[i].Event)
		if err != nil {
			return err
		}
		events[i] = string(b)
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if err := affectedOne(q.exec(ctx, `UPDATE webhook_cursor SET seq = ? WHERE seq = ?`, next, prev)); err != nil {
			if errors.Is(err, payment.ErrNotFound) {
				return fmt.Errorf("%w: the webhook cursor is no longer at %d", payment.ErrConflict, prev)
			}
			return err
		}
		for i := range ds {
			d := &ds[i]
			if _, err := q.exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
				append([]any{d.ID, string(d.Workspace), d.EndpointID, d.Seq, d.Event.ID, events[i]}, deliveryState(d)...)...); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

const deliveryColumns = `id, workspace_id, endpoint_id, seq, event_id, event, status, next_attempt_at, attempts,
	first_failed_at, last_attempt_at, last_status_code, last_error, created_at, delivered_at`

// deliveryState is the changing part of a delivery, in deliveryColumns' order from status on.
func deliveryState(d *payment.WebhookDelivery) []any {
	return []any{string(d.Status), nullTime(d.NextAttemptAt), d.Attempts, nullTime(d.FirstFailedAt),
		nullTime(d.LastAttemptAt), d.LastStatusCode, d.LastError, formatTime(d.CreatedAt), nullTime(d.DeliveredAt)}
}

func scanDelivery(sc interface{ Scan(...any) error }) (payment.WebhookDelivery, error) {
	var d payment.WebhookDelivery
	var eventID, event, created string
	var next, firstFailed, lastAttempt, delivered sql.NullString
	if err := sc.Scan(&d.ID, &d.Workspace, &d.EndpointID, &d.Seq, &eventID, &event, &d.Status, &next, &d.Attempts,
		&firstFailed, &lastAttempt, &d.LastStatusCode, &d.LastError, &created, &delivered); err != nil {
		return d, translate(err)
	}
	errs := []error{json.Unmarshal([]byte(event), &d.Event)}
	var err error
	d.NextAttemptAt, err = parseNullTime(next)
	errs = append(errs, err)
	d.FirstFailedAt, err = parseNullTime(firstFailed)
	errs = append(errs, err)
	d.LastAttemptAt, err = parseNullTime(lastAttempt)
	errs = append(errs, err)
	d.DeliveredAt, err = parseNullTime(delivered)
	errs = append(errs, err)
	d.CreatedAt, err = parseTime(created)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return d, fmt.Errorf("sqlite: webhook delivery %s: %w", d.ID, err)
	}
	return d, nil
}

// ClaimWebhookDeliveries implements payment.WebhookStore. It runs as a write, so claims (from any
// process) are serialized: no delivery is handed out twice.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]payment.WebhookDelivery, error) {
	if limit <= 0 {
		limit = -1 // no limit
	}
	var out []payment.WebhookDelivery
	err := s.write(ctx, func(ctx context.Context, q querier) error {
		rows, err := q.query(ctx, `SELECT `+qualify("d.", deliveryColumns)+` FROM webhook_deliveries d
			JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND e.disabled = 0
			ORDER BY d.next_attempt_at, d.pos LIMIT ?`, formatTime(now), limit)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		var due []payment.WebhookDelivery
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			due = append(due, d)
		}
		if err := rows.Err(); err != nil {
			return translate(err)
		}
		rows.Close()
		leased := formatTime(until)
		at, err := parseTime(leased)
		if err != nil {
			return err
		}
		for i := range due {
			if _, err := q.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, leased, due[i].ID); err != nil {
				return translate(err)
			}
			due[i].NextAttemptAt = at
		}
		out = due
		return nil
	})
	return out, err
}

// UpdateWebhookDelivery implements payment.WebhookStore.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d payment.WebhookDelivery) error {
	return s.writeOne(ctx, "webhook delivery "+d.ID, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?,
		attempts = ?, first_failed_at = ?, last_attempt_at = ?, last_status_code = ?, last_error = ?, created_at = ?,
		delivered_at = ?
		WHERE id = ? AND workspace_id = ?`, append(deliveryState(&d), d.ID, string(d.Workspace))...)
}

var _ payment.WebhookPruner = (*Store)(nil)

// PruneWebhookDeliveries implements payment.WebhookPruner. Deliveries are kept in insertion order
// (pos), which is the order of their creation: the oldest are read first.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	// A delivery was created before the cut when its stored time (microseconds) is before the cut
	// rounded up to a microsecond: T is before T+500ns.
	cut := formatBound(ceilMicro(before))
	err := s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.exec(ctx, `DELETE FROM webhook_deliveries WHERE pos IN (SELECT pos FROM webhook_deliveries
			WHERE status <> 'pending' AND created_at < ? ORDER BY pos LIMIT ?)`, cut, limit)
		if err != nil {
			return translate(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ListWebhookDeliveries implements payment.WebhookStore.
func (s *Store) ListWebhookDeliveries(ctx context.Context, ws payment.WorkspaceID, endpointID string, limit int) ([]payment.WebhookDelivery, error) {
	if limit <= 0 {
		limit = -1 // no limit
	}
	rows, err := s.q().query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = ? AND workspace_id = ? ORDER BY pos DESC LIMIT ?`, endpointID, string(ws), limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}
