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

// claimPayments leases payments that need a rail in one statement. Every payment that may need a rail
// has a row in payment_work (migration 0007), due at its until; payment_work_due holds those that do
// not await approval by sent, method and until. For each method the statement reads the due rows not
// sent, and for the polled methods also the sent ones, in due order along the index, locking them
// with SKIP LOCKED (so claimers in other processes pass over each other's rows instead of waiting)
// and stopping at the limit; it then leases the first $4 of them all, longest-waiting first. The rows
// it locks are the latest committed ones, still due, so two claims never hold one payment. The rules
// of payment.Claimer are checked again on the payments read, as the one statement of migration 0003
// had them: the rows only spare reading the payments that cannot be work.
//
// The statement is prepared once and may run on a generic plan, which cannot know the limit: the
// leases and the payments are therefore looked up by id (= ANY, and a lateral lookup kept apart with
// OFFSET 0), never joined in a way that could read a whole table.
//
// $1 now, $2 methods, $3 polled methods, $4 limit, $5 owner, $6 until.
func claimPayments() string {
	return `WITH due AS (
		SELECT d.id, d.due FROM (
			SELECT DISTINCT m, false AS sent FROM unnest($2::text[]) m
			UNION SELECT m, true FROM unnest($3::text[]) m WHERE m = ANY ($2)
		) q CROSS JOIN LATERAL (
			SELECT k.payment_id AS id, k.until AS due
			FROM payment_work k
			JOIN payments p ON p.id = k.payment_id
			JOIN workspaces w ON w.id = p.workspace_id
			WHERE NOT k.awaiting_approval AND NOT k.outside AND k.sent = q.sent AND k.method = q.m AND k.until <= $1
				AND p.method = k.method
				AND (p.status IN ('approved', 'processing')
					OR (p.status = 'pending' AND (w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
						SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
							AND p.amount < t.minor)))))
			ORDER BY k.until, k.payment_id
			LIMIT $4
			FOR UPDATE OF k SKIP LOCKED
		) d
	), c AS (
		SELECT id, due FROM due ORDER BY due, id LIMIT $4
	), leased AS (
		UPDATE payment_work k SET owner = $5, until = $6 WHERE k.payment_id = ANY (ARRAY(SELECT id FROM c))
		RETURNING k.payment_id, k.attempts, k.last_error, k.sent
	)
	SELECT ` + qualify("p.", paymentColumns) + `, l.attempts, l.last_error, l.sent
	FROM c JOIN leased l ON l.payment_id = c.id
	CROSS JOIN LATERAL (SELECT * FROM payments p WHERE p.id = c.id OFFSET 0) p
	ORDER BY c.due, c.id`
}

// Claim implements payment.Claimer.
func (s *Store) Claim(ctx context.Context, q payment.ClaimQuery) ([]payment.Work, error) {
	if q.Limit <= 0 || len(q.Methods) == 0 {
		return nil, nil
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

// UpdateWork implements payment.Claimer. A payment that no longer needs a rail has no bookkeeping
// (migration 0007 deletes it when the payment leaves pending, approved and processing): recording its
// work changes nothing and is no error.
func (s *Store) UpdateWork(ctx context.Context, w payment.Work) error {
	var status string
	// sent: raised, never lowered but by Resend (payment.Work)
	err := s.pool.QueryRow(ctx, `UPDATE payment_work k SET until = $3, attempts = $4, last_error = $5,
			sent = CASE WHEN $7 THEN false ELSE k.sent OR $6 END
		FROM payments p WHERE k.payment_id = $1 AND k.owner = $2 AND k.owner <> '' AND p.id = k.payment_id
		RETURNING p.status`,
		string(w.Payment.ID), w.Owner, pgTime(w.Until), w.Attempts, w.LastError, w.Sent, w.Resend).Scan(&status)
	switch err = translate(err); {
	case err == nil:
		if payment.MayNeedRail(payment.Status(status)) {
			return nil
		}
		_, err = s.pool.Exec(ctx, `DELETE FROM payment_work WHERE payment_id = $1 AND owner = $2`, string(w.Payment.ID), w.Owner)
		return translate(err)
	case !errors.Is(err, payment.ErrNotFound):
		return err
	}
	var owner *string
	err = translate(s.pool.QueryRow(ctx, `SELECT p.status, k.owner FROM payments p LEFT JOIN payment_work k ON k.payment_id = p.id
		WHERE p.id = $1`, string(w.Payment.ID)).Scan(&status, &owner))
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
	case err != nil:
		return err
	case !payment.MayNeedRail(payment.Status(status)):
		return nil
	case owner == nil || *owner == "": // never claimed
		return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
	}
	return fmt.Errorf("%w: payment %s is claimed by %s, not %s", payment.ErrConflict, w.Payment.ID, *owner, w.Owner)
}

// MarkSent implements payment.Claimer. The bookkeeping of a payment nobody has claimed, nor marked
// before, is due at at; a payment that no longer needs a rail has none. The payment's row is locked
// (FOR SHARE) while its bookkeeping is written, so that a change to a final status, whose trigger
// deletes the bookkeeping, comes wholly before or after.
func (s *Store) MarkSent(ctx context.Context, id payment.ID, at time.Time) error {
	var status string
	err := s.pool.QueryRow(ctx, `WITH p AS (
			SELECT id, method, status FROM payments WHERE id = $1 FOR SHARE
		), marked AS (
			INSERT INTO payment_work (payment_id, owner, until, sent, method)
			SELECT id, '', $2, true, method FROM p WHERE status IN `+active+`
			ON CONFLICT (payment_id) DO UPDATE SET sent = true,
				until = CASE WHEN payment_work.owner = '' AND NOT payment_work.sent THEN excluded.until ELSE payment_work.until END
		)
		SELECT status FROM p`, string(id), pgTime(at)).Scan(&status)
	if err = translate(err); errors.Is(err, payment.ErrNotFound) {
		return fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
	}
	return err
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
