package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.WebhookStore = (*Store)(nil)

func eventTypes(ts []payment.EventType) []string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return s
}

// CreateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e payment.WebhookEndpoint) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO webhook_endpoints
		(id, workspace_id, url, description, events, secret, disabled, disabled_at, disabled_reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, string(e.Workspace), e.URL, e.Description, eventTypes(e.Events), e.Secret, e.Disabled,
		nullTime(e.DisabledAt), e.DisabledReason, pgTime(e.CreatedAt))
	return translate(err)
}

const endpointColumns = `id, workspace_id, url, description, events, secret, disabled, disabled_at, disabled_reason, created_at`

func scanEndpoint(row pgx.Row) (payment.WebhookEndpoint, error) {
	var e payment.WebhookEndpoint
	var events []string
	var disabledAt pgtype.Timestamptz
	if err := row.Scan(&e.ID, &e.Workspace, &e.URL, &e.Description, &events, &e.Secret, &e.Disabled, &disabledAt,
		&e.DisabledReason, &e.CreatedAt); err != nil {
		return e, translate(err)
	}
	for _, t := range events {
		e.Events = append(e.Events, payment.EventType(t))
	}
	e.DisabledAt, e.CreatedAt = fromNullTime(disabledAt), e.CreatedAt.UTC()
	return e, nil
}

// GetWebhookEndpoint implements payment.WebhookStore. An id PostgreSQL cannot hold as text (not
// UTF-8, or a NUL byte: a path segment such as %FF) names no endpoint, as on the other stores; so for
// SetWebhookEndpointDisabled, DeleteWebhookEndpoint and ListWebhookDeliveries.
func (s *Store) GetWebhookEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	if cannotHold(id) {
		return payment.WebhookEndpoint{}, fmt.Errorf("%w: webhook endpoint %q", payment.ErrNotFound, id)
	}
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2`,
		id, string(ws)))
	if errors.Is(err, payment.ErrNotFound) {
		return e, fmt.Errorf("%w: webhook endpoint %s", payment.ErrNotFound, id)
	}
	return e, err
}

// ListWebhookEndpoints implements payment.WebhookStore.
func (s *Store) ListWebhookEndpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE workspace_id = $1
		ORDER BY created_at, id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanEndpoint)
}

// UpdateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, old, e payment.WebhookEndpoint) error {
	// The existence check reads the snapshot the update started from: the endpoint was there or not.
	var updated, found bool
	err := s.pool.QueryRow(ctx, `WITH u AS (
			UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, secret = $6
			WHERE id = $1 AND workspace_id = $2 AND url = $7 AND description = $8 AND events = $9 AND secret = $10
			RETURNING 1
		)
		SELECT EXISTS (SELECT 1 FROM u), EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2)`,
		e.ID, string(e.Workspace), e.URL, e.Description, eventTypes(e.Events), e.Secret,
		old.URL, old.Description, eventTypes(old.Events), old.Secret).Scan(&updated, &found)
	switch {
	case err != nil:
		return translate(err)
	case updated:
		return nil
	case !found:
		return fmt.Errorf("%w: webhook endpoint %s", payment.ErrNotFound, e.ID)
	}
	return fmt.Errorf("%w: webhook endpoint %s changed meanwhile", payment.ErrConflict, e.ID)
}

// SetWebhookEndpointDisabled implements payment.WebhookStore.
func (s *Store) SetWebhookEndpointDisabled(ctx context.Context, ws payment.WorkspaceID, id string, disabled bool, at time.Time, reason string) error {
	if cannotHold(id) {
		return fmt.Errorf("%w: webhook endpoint %q", payment.ErrNotFound, id)
	}
	when := nullTime(at)
	if !disabled {
		when, reason = pgtype.Timestamptz{}, ""
	}
	return affectedOne("webhook endpoint " + id)(s.pool.Exec(ctx, `UPDATE webhook_endpoints
		SET disabled = $3, disabled_at = $4, disabled_reason = $5 WHERE id = $1 AND workspace_id = $2`,
		id, string(ws), disabled, when, reason))
}

// DeleteWebhookEndpoint implements payment.WebhookStore: the endpoint and its pending deliveries go;
// finished deliveries stay as a record.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	if cannotHold(id) {
		return fmt.Errorf("%w: webhook endpoint %q", payment.ErrNotFound, id)
	}
	var n int
	err := s.pool.QueryRow(ctx, `WITH e AS (
			DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 RETURNING id
		), d AS (
			DELETE FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM e) AND status = 'pending'
		)
		SELECT count(*) FROM e`, id, string(ws)).Scan(&n)
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return fmt.Errorf("%w: webhook endpoint %s", payment.ErrNotFound, id)
	}
	return nil
}

// affectedOne returns a function that turns a command that changed no row into ErrNotFound (about what).
func affectedOne(what string) func(pgconn.CommandTag, error) error {
	return func(tag pgconn.CommandTag, err error) error {
		if err != nil {
			return translate(err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: %s", payment.ErrNotFound, what)
		}
		return nil
	}
}

// WebhookCursor implements payment.WebhookStore.
func (s *Store) WebhookCursor(ctx context.Context) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `SELECT seq FROM webhook_cursor`).Scan(&seq)
	return seq, translate(err)
}

// EnqueueWebhookDeliveries implements payment.WebhookStore: the cursor's compare-and-set and the
// deliveries in one statement. A delivery repeating an (endpoint, event) pair already stored is
// dropped; a reused delivery id is ErrDuplicate and stores nothing.
func (s *Store) EnqueueWebhookDeliveries(ctx context.Context, prev, next int64, ds []payment.WebhookDelivery) error {
	// One array per column, unnested into rows by the statement.
	cols := make([][]any, 15)
	for i := range cols {
		cols[i] = make([]any, len(ds))
	}
	for i := range ds {
		d := &ds[i]
		event, err := encodeEvent(&d.Event)
		if err != nil {
			return err
		}
		for c, v := range []any{d.ID, string(d.Workspace), d.EndpointID, d.Seq, d.Event.ID, string(event), string(d.Status),
			nullTime(d.NextAttemptAt), d.Attempts, nullTime(d.FirstFailedAt), nullTime(d.LastAttemptAt), d.LastStatusCode,
			d.LastError, pgTime(d.CreatedAt), nullTime(d.DeliveredAt)} {
			cols[c][i] = v
		}
	}
	args := []any{prev, next}
	for _, c := range cols {
		args = append(args, c)
	}
	var moved bool
	err := s.pool.QueryRow(ctx, `WITH c AS (
			UPDATE webhook_cursor SET seq = $2 WHERE seq = $1 RETURNING seq
		), d AS (
			INSERT INTO webhook_deliveries (`+deliveryColumns+`)
			SELECT u.id, u.workspace_id, u.endpoint_id, u.seq, u.event_id, u.event::jsonb, u.status, u.next_attempt_at,
				u.attempts, u.first_failed_at, u.last_attempt_at, u.last_status_code, u.last_error, u.created_at, u.delivered_at
			FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
				$10::timestamptz[], $11::integer[], $12::timestamptz[], $13::timestamptz[], $14::integer[], $15::text[],
				$16::timestamptz[], $17::timestamptz[])
				AS u (id, workspace_id, endpoint_id, seq, event_id, event, status, next_attempt_at, attempts,
					first_failed_at, last_attempt_at, last_status_code, last_error, created_at, delivered_at),
				c
			ON CONFLICT (endpoint_id, event_id) DO NOTHING
		)
		SELECT EXISTS (SELECT 1 FROM c)`, args...).Scan(&moved)
	if err != nil {
		return translate(err)
	}
	if !moved {
		return fmt.Errorf("%w: the webhook cursor is no longer at %d", payment.ErrConflict, prev)
	}
	return nil
}

const deliveryColumns = `id, workspace_id, endpoint_id, seq, event_id, event, status, next_attempt_at, attempts,
	first_failed_at, last_attempt_at, last_status_code, last_error, created_at, delivered_at`

func scanDelivery(row pgx.Row) (payment.WebhookDelivery, error) {
	var d payment.WebhookDelivery
	var eventID string
	var event []byte
	var next, firstFailed, lastAttempt, delivered pgtype.Timestamptz
	if err := row.Scan(&d.ID, &d.Workspace, &d.EndpointID, &d.Seq, &eventID, &event, &d.Status, &next, &d.Attempts,
		&firstFailed, &lastAttempt, &d.LastStatusCode, &d.LastError, &d.CreatedAt, &delivered); err != nil {
		return d, translate(err)
	}
	if err := json.Unmarshal(event, &d.Event); err != nil {
		return d, fmt.Errorf("postgres: webhook delivery %s: stored event: %w", d.ID, err)
	}
	d.NextAttemptAt, d.FirstFailedAt, d.LastAttemptAt = fromNullTime(next), fromNullTime(firstFailed), fromNullTime(lastAttempt)
	d.DeliveredAt, d.CreatedAt = fromNullTime(delivered), d.CreatedAt.UTC()
	return d, nil
}

// ClaimWebhookDeliveries implements payment.WebhookStore, in one statement. Candidates are locked
// with SKIP LOCKED; one that another claimer leased after this statement's snapshot is re-checked
// against its new version when locked, and is no longer due: no delivery is handed out twice.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]payment.WebhookDelivery, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `WITH c AS (
			SELECT d.pos, d.next_attempt_at AS due FROM webhook_deliveries d
			JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND NOT e.disabled
			ORDER BY d.next_attempt_at, d.pos LIMIT $3
			FOR UPDATE OF d SKIP LOCKED
		), u AS (
			UPDATE webhook_deliveries w SET next_attempt_at = $2 FROM c WHERE w.pos = c.pos
			RETURNING `+qualify("w.", deliveryColumns)+`, c.due, c.pos
		)
		SELECT `+deliveryColumns+` FROM u ORDER BY due, pos`, pgTime(now), pgTime(until), lim)
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanDelivery)
}

// UpdateWebhookDelivery implements payment.WebhookStore.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, d payment.WebhookDelivery) error {
	return affectedOne("webhook delivery " + d.ID)(s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = $3,
		next_attempt_at = $4, attempts = $5, first_failed_at = $6, last_attempt_at = $7, last_status_code = $8,
		last_error = $9, created_at = $10, delivered_at = $11
		WHERE id = $1 AND workspace_id = $2`,
		d.ID, string(d.Workspace), string(d.Status), nullTime(d.NextAttemptAt), d.Attempts, nullTime(d.FirstFailedAt),
		nullTime(d.LastAttemptAt), d.LastStatusCode, d.LastError, pgTime(d.CreatedAt), nullTime(d.DeliveredAt)))
}

var _ payment.WebhookPruner = (*Store)(nil)

// PruneWebhookDeliveries implements payment.WebhookPruner. Deliveries are kept in insertion order
// (pos), which is the order of their creation: the oldest are read first.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	// A delivery was created before the cut when its stored time (microseconds) is before the cut
	// rounded up to a microsecond: T is before T+500ns.
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_deliveries WHERE pos IN (SELECT pos FROM webhook_deliveries
		WHERE status <> 'pending' AND created_at < $1 ORDER BY pos LIMIT $2)`, pgTime(ceilMicro(before)), limit)
	if err != nil {
		return 0, translate(err)
	}
	return int(tag.RowsAffected()), nil
}

// ListWebhookDeliveries implements payment.WebhookStore.
func (s *Store) ListWebhookDeliveries(ctx context.Context, ws payment.WorkspaceID, endpointID string, limit int) ([]payment.WebhookDelivery, error) {
	if cannotHold(endpointID) {
		return nil, nil // no endpoint has such an id
	}
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE endpoint_id = $1 AND workspace_id = $2 ORDER BY pos DESC LIMIT $3`, endpointID, string(ws), lim)
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanDelivery)
}
