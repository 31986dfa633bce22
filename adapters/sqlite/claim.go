package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.Claimer = (*Store)(nil)

// noApprovalNeeded is payment.ApprovalPolicy.Requires negated, in SQL, for the payment p of workspace
// w: no approval mode, or a threshold mode with a threshold for the currency that the amount is under.
const noApprovalNeeded = `(w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
		SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
			AND p.amount < t.minor)))`

// Claim implements payment.Claimer. It runs as a write, so claims (from any process) are serialized:
// no payment is leased twice.
//
// It reads only what it returns (see claimQuery): the payments that wait for something else than a
// rail (sent on a rail that is not polled, awaiting approval, leased, backing off, of a method the
// processor has no rail for) are never read, however many there are.
func (s *Store) Claim(ctx context.Context, cq payment.ClaimQuery) ([]payment.Work, error) {
	if cq.Limit <= 0 || len(cq.Methods) == 0 {
		return nil, nil
	}
	now, until := formatTime(cq.Now), formatTime(cq.Until)
	untilStored, err := parseTime(until)
	if err != nil {
		return nil, err
	}
	query, args := claimQuery(cq, now)
	var out []payment.Work
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		ws, err := claimable(ctx, q, query, args)
		if err != nil {
			return err
		}
		out = ws
		if len(out) == 0 {
			return nil
		}
		ids := make([]string, len(out))
		for i := range out {
			ids[i] = string(out[i].Payment.ID)
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		_, err = q.exec(ctx, `UPDATE payment_work SET owner = ?, until = ? WHERE payment_id IN (SELECT value FROM json_each(?))`,
			cq.Owner, until, string(list))
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

// claimQuery is the claim's query and its arguments. Every payment that may need a rail has a row in
// payment_work (migration 0006), due at its until; payment_work_due holds those that do not await
// approval by sent, method and until. For each method the query reads the due rows not sent, and for
// the polled methods also the sent ones, in due order along the index up to the limit; it merges
// them on (due, id) and returns the first cq.Limit with their payments. The rules of payment.Claimer
// are checked again on the payments read, as the one query of migration 0003 had them: the rows only
// spare reading the payments that cannot be work.
func claimQuery(cq payment.ClaimQuery, now string) (string, []any) {
	var (
		queues []string
		args   []any
	)
	for _, m := range uniqueMethods(cq.Methods) {
		sent := []int{0}
		if slices.Contains(cq.Polled, m) {
			sent = append(sent, 1)
		}
		for _, sent := range sent {
			queues = append(queues, `SELECT * FROM (SELECT k.payment_id AS id, k.until AS due FROM payment_work k
				JOIN payments p ON p.id = k.payment_id JOIN workspaces w ON w.id = p.workspace_id
				WHERE k.awaiting_approval = 0 AND k.outside = 0 AND k.sent = ? AND k.method = ? AND k.until <= ? AND p.method = k.method
					AND (p.status IN ('approved', 'processing') OR (p.status = 'pending' AND `+noApprovalNeeded+`))
				ORDER BY k.until, k.payment_id LIMIT ?)`)
			args = append(args, sent, string(m), now, cq.Limit)
		}
	}
	args = append(args, cq.Limit)
	return `SELECT ` + qualify("p.", paymentColumns) + `, k.attempts, k.last_error, k.sent
		FROM (SELECT id, due FROM (` + strings.Join(queues, ` UNION ALL `) + `) ORDER BY due, id LIMIT ?) c
		JOIN payments p ON p.id = c.id
		JOIN payment_work k ON k.payment_id = c.id
		ORDER BY c.due, c.id`, args
}

// uniqueMethods is ms without repeats, in their order.
func uniqueMethods(ms []payment.Method) []payment.Method {
	var out []payment.Method
	for _, m := range ms {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
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

// UpdateWork implements payment.Claimer. A payment that no longer needs a rail has no bookkeeping
// (migration 0006 deletes it when the payment leaves pending, approved and processing): recording
// its work changes nothing and is no error.
func (s *Store) UpdateWork(ctx context.Context, w payment.Work) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		var status string
		var owner *string
		err := q.queryRow(ctx, `SELECT p.status, k.owner FROM payments p LEFT JOIN payment_work k ON k.payment_id = p.id
			WHERE p.id = ?`, string(w.Payment.ID)).Scan(&status, &owner)
		switch err = translate(err); {
		case errors.Is(err, payment.ErrNotFound):
			return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
		case err != nil:
			return err
		case !payment.MayNeedRail(payment.Status(status)):
			_, err = q.exec(ctx, `DELETE FROM payment_work WHERE payment_id = ?`, string(w.Payment.ID))
			return translate(err)
		case owner == nil || *owner == "": // never claimed
			return fmt.Errorf("%w: no work for payment %s", payment.ErrNotFound, w.Payment.ID)
		case *owner != w.Owner:
			return fmt.Errorf("%w: payment %s is claimed by %s, not %s", payment.ErrConflict, w.Payment.ID, *owner, w.Owner)
		}
		// sent: raised, never lowered but by Resend (payment.Work)
		_, err = q.exec(ctx, `UPDATE payment_work SET until = ?, attempts = ?, last_error = ?,
			sent = CASE WHEN ? THEN 0 ELSE max(sent, ?) END WHERE payment_id = ?`,
			formatTime(w.Until), w.Attempts, w.LastError, w.Resend, w.Sent, string(w.Payment.ID))
		return translate(err)
	})
}

// MarkSent implements payment.Claimer. The bookkeeping of a payment nobody has claimed, nor marked
// before, is due at at; a payment that no longer needs a rail has none.
func (s *Store) MarkSent(ctx context.Context, id payment.ID, at time.Time) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		var status string
		err := translate(q.queryRow(ctx, `SELECT status FROM payments WHERE id = ?`, string(id)).Scan(&status))
		switch {
		case errors.Is(err, payment.ErrNotFound):
			return fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
		case err != nil || !payment.MayNeedRail(payment.Status(status)):
			return err
		}
		_, err = q.exec(ctx, `INSERT INTO payment_work (payment_id, owner, until, sent, method)
			SELECT id, '', ?, 1, method FROM payments WHERE id = ?
			ON CONFLICT (payment_id) DO UPDATE SET sent = 1,
				until = CASE WHEN owner = '' AND sent = 0 THEN excluded.until ELSE until END`, formatTime(at), string(id))
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
