package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.Claimer = (*Store)(nil)

// active is the SQL list of the statuses in which a payment may need a rail.
const active = `('pending', 'approved', 'processing')`

// claimPayments leases payments that need a rail in one statement. Candidates are locked with SKIP
// LOCKED, so claimers in other processes pass over each other's rows instead of waiting; and the lease
// is taken only if the payment's lease is still free when the row is written (the upsert's WHERE sees
// the latest committed lease, not the statement's snapshot), so two claims never hold one payment.
//
// $1 now, $2 methods, $3 polled methods, $4 limit, $5 owner, $6 until.
func claimPayments() string {
	return `WITH c AS (
		SELECT ` + qualify("p.", paymentColumns) + `, coalesce(k.until, p.created_at) AS due,
			coalesce(k.attempts, 0) AS attempts, coalesce(k.last_error, '') AS last_error, coalesce(k.sent, false) AS sent
		FROM payments p
		JOIN workspaces w ON w.id = p.workspace_id
		LEFT JOIN payment_work k ON k.payment_id = p.id
		WHERE p.status IN ` + active + ` AND (k.until IS NULL OR k.until <= $1) AND p.method = ANY ($2)
			AND (p.status = 'approved'
				OR (p.status = 'pending' AND (w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
					SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
						AND p.amount < t.minor))))
				OR (p.status = 'processing' AND (NOT coalesce(k.sent, false) OR p.method = ANY ($3))))
		ORDER BY due, p.id
		LIMIT $4
		FOR UPDATE OF p SKIP LOCKED
	), leased AS (
		INSERT INTO payment_work (payment_id, owner, until) SELECT id, $5, $6 FROM c
		ON CONFLICT (payment_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
			WHERE payment_work.until <= $1
		RETURNING payment_id
	)
	SELECT ` + paymentColumns + `, attempts, last_error, sent FROM c JOIN leased ON leased.payment_id = c.id
	ORDER BY due, id`
}

// Claim implements payment.Claimer.
func (s *Store) Claim(ctx context.Context, q payment.ClaimQuery) ([]payment.Work, error) {
	if q.Limit <= 0 || len(q.Methods) == 0 {
		return nil, nil
	}
	// Forget the bookkeeping of payments that finished while their processor could not record it.
	if _, err := s.pool.Exec(ctx, `DELETE FROM payment_work k USING payments p
		WHERE p.id = k.payment_id AND k.until <= $1 AND p.status NOT IN `+active, pgTime(q.Now)); err != nil {
		return nil, translate(err)
	}
	methods, polled := make([]string, len(q.Methods)), make([]string, len(q.Polled))
	for i, m := range q.Methods {
		methods[i] = string(m)
	}
	for i, m := range q.Polled {
		polled[i] = string(m)
	}
	until := pgTime(q.Until)
	rows, err := s.pool.Query(ctx, claimPayments(), pgTime(q.Now), methods, polled, q.Limit, q.Owner, until)
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, func(row pgx.Row) (payment.Work, error) {
		w := payment.Work{Owner: q.Owner, Until: until}
		var err error
		w.Payment, err = scanPayment(withExtra{row, []any{&w.Attempts, &w.LastError, &w.Sent}})
		return w, err
	})
}

// UpdateWork implements payment.Claimer. The bookkeeping of a payment that no longer needs a rail is
// deleted instead.
func (s *Store) UpdateWork(ctx context.Context, w payment.Work) error {
	var status string
	err := s.pool.QueryRow(ctx, `UPDATE payment_work k SET until = $3, attempts = $4, last_error = $5, sent = $6
		FROM payments p WHERE k.payment_id = $1 AND k.owner = $2 AND p.id = k.payment_id
		RETURNING p.status`,
		string(w.Payment.ID), w.Owner, pgTime(w.Until), w.Attempts, w.LastError, w.Sent).Scan(&status)
	switch err = translate(err); {
	case err == nil:
		switch payment.Status(status) {
		case payment.StatusPending, payment.StatusApproved, payment.StatusProcessing:
			return nil
		}
		_, err = s.pool.Exec(ctx, `DELETE FROM payment_work WHERE payment_id = $1 AND owner = $2`, string(w.Payment.ID), w.Owner)
		return translate(err)
	case !errors.Is(err, payment.ErrNotFound):
		return err
	}
	var owner string
	err = translate(s.pool.QueryRow(ctx, `SELECT owner FROM payment_work WHERE payment_id = $1`, string(w.Payment.ID)).Scan(&owner))
	if errors.Is(err, payment.ErrNotFound) {
		return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
	} else if err != nil {
		return err
	}
	return fmt.Errorf("%w: payment %s is claimed by %s, not %s", payment.ErrConflict, w.Payment.ID, owner, w.Owner)
}

// MarkSent implements payment.Claimer.
func (s *Store) MarkSent(ctx context.Context, id payment.ID, at time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO payment_work (payment_id, owner, until, sent) VALUES ($1, '', $2, true)
		ON CONFLICT (payment_id) DO UPDATE SET sent = true`, string(id), pgTime(at))
	return translate(err)
}

// withExtra scans a row's payment columns (scanPayment) and then the extra columns after them.
type withExtra struct {
	row   pgx.Row
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// qualify prefixes every column of a comma-separated list: qualify("p.", "id, name") is "p.id, p.name".
func qualify(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
