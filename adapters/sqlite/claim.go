package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.Claimer = (*Store)(nil)

// active is the SQL list of the statuses in which a payment may need a rail.
const active = `('pending', 'approved', 'processing')`

// noApprovalNeeded is payment.ApprovalPolicy.Requires negated, in SQL, for the payment p of workspace
// w: no approval mode, or a threshold mode with a threshold for the currency that the amount is under.
const noApprovalNeeded = `(w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
		SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
			AND p.amount < t.minor)))`

// Claim implements payment.Claimer. It runs as a write, so claims (from any process) are serialized:
// no payment is leased twice.
func (s *Store) Claim(ctx context.Context, cq payment.ClaimQuery) ([]payment.Work, error) {
	if cq.Limit <= 0 || len(cq.Methods) == 0 {
		return nil, nil
	}
	now, until := formatTime(cq.Now), formatTime(cq.Until)
	untilStored, err := parseTime(until)
	if err != nil {
		return nil, err
	}
	args := []any{now}
	in := func(ms []payment.Method) string {
		if len(ms) == 0 {
			return "(NULL)" // matches nothing
		}
		for _, m := range ms {
			args = append(args, string(m))
		}
		return "(?" + strings.Repeat(", ?", len(ms)-1) + ")"
	}
	methods := in(cq.Methods)
	polled := in(cq.Polled)
	args = append(args, cq.Limit)
	query := `SELECT ` + qualify("p.", paymentColumns) + `, k.attempts, k.last_error, k.sent
		FROM payments p
		JOIN workspaces w ON w.id = p.workspace_id
		LEFT JOIN payment_work k ON k.payment_id = p.id
		WHERE p.status IN ` + active + ` AND (k.until IS NULL OR k.until <= ?) AND p.method IN ` + methods + `
			AND (p.status = 'approved'
				OR (p.status = 'pending' AND ` + noApprovalNeeded + `)
				OR (p.status = 'processing' AND (coalesce(k.sent, 0) = 0 OR p.method IN ` + polled + `)))
		ORDER BY coalesce(k.until, p.created_at), p.id
		LIMIT ?`
	var out []payment.Work
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		ws, err := claimable(ctx, q, query, args)
		if err != nil {
			return err
		}
		out = ws
		for i := range out {
			if _, err := q.exec(ctx, `INSERT INTO payment_work (payment_id, owner, until) VALUES (?, ?, ?)
				ON CONFLICT (payment_id) DO UPDATE SET owner = excluded.owner, until = excluded.until`,
				string(out[i].Payment.ID), cq.Owner, until); err != nil {
				return translate(err)
			}
		}
		// Forget the bookkeeping of payments that finished while their processor could not record it.
		_, err = q.exec(ctx, `DELETE FROM payment_work WHERE until <= ? AND payment_id IN (
			SELECT id FROM payments WHERE status NOT IN `+active+`)`, now)
		return translate(err)
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Owner, out[i].Until = cq.Owner, untilStored
	}
	return out, nil
}

// claimable runs the claim's query: payments with their bookkeeping so far.
func claimable(ctx context.Context, q querier, query string, args []any) ([]payment.Work, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Work
	for rows.Next() {
		var w payment.Work
		var attempts *int
		var lastError *string
		var sent *bool
		if w.Payment, err = scanPayment(withExtra{rows, []any{&attempts, &lastError, &sent}}); err != nil {
			return nil, err
		}
		if attempts != nil {
			w.Attempts, w.LastError, w.Sent = *attempts, *lastError, *sent
		}
		out = append(out, w)
	}
	return out, translate(rows.Err())
}

// UpdateWork implements payment.Claimer. The bookkeeping of a payment that no longer needs a rail is
// deleted instead.
func (s *Store) UpdateWork(ctx context.Context, w payment.Work) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		var owner, status string
		err := q.queryRow(ctx, `SELECT k.owner, p.status FROM payment_work k JOIN payments p ON p.id = k.payment_id
			WHERE k.payment_id = ?`, string(w.Payment.ID)).Scan(&owner, &status)
		switch err = translate(err); {
		case errors.Is(err, payment.ErrNotFound):
			return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
		case err != nil:
			return err
		case owner != w.Owner:
			return fmt.Errorf("%w: payment %s is claimed by %s, not %s", payment.ErrConflict, w.Payment.ID, owner, w.Owner)
		}
		switch payment.Status(status) {
		case payment.StatusPending, payment.StatusApproved, payment.StatusProcessing:
			_, err = q.exec(ctx, `UPDATE payment_work SET until = ?, attempts = ?, last_error = ?, sent = ? WHERE payment_id = ?`,
				formatTime(w.Until), w.Attempts, w.LastError, w.Sent, string(w.Payment.ID))
		default:
			_, err = q.exec(ctx, `DELETE FROM payment_work WHERE payment_id = ?`, string(w.Payment.ID))
		}
		return translate(err)
	})
}

// MarkSent implements payment.Claimer.
func (s *Store) MarkSent(ctx context.Context, id payment.ID, at time.Time) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO payment_work (payment_id, owner, until, sent) VALUES (?, '', ?, 1)
			ON CONFLICT (payment_id) DO UPDATE SET sent = 1`, string(id), formatTime(at))
		return translate(err)
	})
}

// withExtra scans a row's payment columns (scanPayment) and then the extra columns after them.
type withExtra struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.extra...)...) }

// qualify prefixes every column of a comma-separated list: qualify("p.", "id, name") is "p.id, p.name".
func qualify(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
