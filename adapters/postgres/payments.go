package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/orkesta/orkesta/payment"
)

const paymentColumns = `id, workspace_id, amount, currency, method, from_account, to_account, description, reference,
	value_date, status, end_to_end, batch_id, idempotency_key, created_by, failure_code, failure_reason,
	created_at, updated_at, version`

func scanPayment(row pgx.Row) (payment.Payment, error) {
	var p payment.Payment
	var valueDate pgtype.Date
	if err := row.Scan(&p.ID, &p.Workspace, &p.Amount, &p.Currency, &p.Method, &p.FromAccount, &p.ToAccount,
		&p.Description, &p.Reference, &valueDate, &p.Status, &p.EndToEnd, &p.BatchID, &p.IdempotencyKey,
		&p.CreatedBy, &p.FailureCode, &p.FailureReason, &p.CreatedAt, &p.UpdatedAt, &p.Version); err != nil {
		return p, translate(err)
	}
	p.ValueDate = fromNullDate(valueDate)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

// The history record and the event of a change are written by the same statement as the payment,
// from the row the payment's INSERT or UPDATE returns: all three or none, in one round trip.
const (
	historyAndEvent = `, h AS (
			INSERT INTO payment_history (payment_id, seq, from_status, to_status, event, actor, reason, at)
			SELECT id, $21, $22, $23, $24, $25, $26, $27 FROM p
		), e AS (
			INSERT INTO events (id, workspace_id, type, payment_id, occurred_at, payload)
			SELECT $28, $29, $30, $31, $32, $33 FROM p WHERE $30::text <> ''
		)
		SELECT count(*) FROM p`

	createPayment = `WITH p AS (
			INSERT INTO payments (` + paymentColumns + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
			RETURNING id
		)` + historyAndEvent

	// $1 and $2 are the payment and its workspace, $34 the version it must still be at, $35 the
	// status it must be in there (the change's history moves from it).
	updatePaymentCAS = `WITH p AS (
			UPDATE payments SET amount = $3, currency = $4, method = $5, from_account = $6, to_account = $7,
				description = $8, reference = $9, value_date = $10, status = $11, end_to_end = $12, batch_id = $13,
				idempotency_key = $14, created_by = $15, failure_code = $16, failure_reason = $17,
				created_at = $18, updated_at = $19, version = $20
			WHERE id = $1 AND workspace_id = $2 AND version = $34 AND status = $35
			RETURNING id
		)`

	// updatePaymentOutside is updatePayment for a Change with Outside: the processors' bookkeeping
	// records, in the same statement, that the payment is never work again (payment.Claimer).
	updatePaymentOutside = updatePaymentCAS + `, o AS (
			INSERT INTO payment_work (payment_id, owner, until, sent, method, outside)
			SELECT id, '', $19, true, $5, true FROM p
			ON CONFLICT (payment_id) DO UPDATE SET sent = true, outside = true
		)` + historyAndEvent
)

var updatePayment = updatePaymentCAS + historyAndEvent

// encodeEvent is the event's outbox payload, or nil for the empty event (nothing to publish). Its times
// are stored like all others: UTC, microseconds.
func encodeEvent(e *payment.Event) ([]byte, error) {
	if e.Type == "" {
		return nil, nil
	}
	ev := *e
	ev.OccurredAt = pgTime(ev.OccurredAt)
	if ev.Payment != nil {
		p := *ev.Payment
		p.CreatedAt, p.UpdatedAt = pgTime(p.CreatedAt), pgTime(p.UpdatedAt)
		ev.Payment = &p
	}
	b, err := json.Marshal(&ev)
	if err != nil {
		return nil, fmt.Errorf("postgres: event %s: %w", e.ID, err)
	}
	return b, nil
}

// changeArgs are the 33 arguments of createPayment and updatePayment for c.
func changeArgs(c *payment.Change) ([]any, error) {
	p, h, e := &c.Payment, &c.History, &c.Event
	payload, err := encodeEvent(e)
	if err != nil {
		return nil, err
	}
	var pid *string
	if e.Payment != nil {
		id := string(e.Payment.ID)
		pid = &id
	}
	return []any{
		string(p.ID), string(p.Workspace), p.Amount, string(p.Currency), string(p.Method),
		string(p.FromAccount), string(p.ToAccount), p.Description, p.Reference, nullDate(p.ValueDate),
		string(p.Status), p.EndToEnd, string(p.BatchID), p.IdempotencyKey, p.CreatedBy, p.FailureCode,
		p.FailureReason, pgTime(p.CreatedAt), pgTime(p.UpdatedAt), p.Version,
		h.Seq, string(h.From), string(h.To), string(h.Event), h.Actor, h.Reason, pgTime(h.At),
		e.ID, string(e.Workspace), string(e.Type), pid, pgTime(e.OccurredAt), payload,
	}, nil
}

func checkNew(c *payment.Change) error {
	if c.Payment.Version != 1 || c.History.Seq != 1 {
		return &payment.ValidationError{Field: "version", Reason: fmt.Sprintf("a new payment has version 1 and history seq 1, not %d and %d",
			c.Payment.Version, c.History.Seq)}
	}
	return nil
}

// CreatePayment implements payment.Store: the payment, its first history record and its event in one
// statement.
func (s *Store) CreatePayment(ctx context.Context, c payment.Change) error {
	if err := checkNew(&c); err != nil {
		return err
	}
	args, err := changeArgs(&c)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, createPayment, args...)
	return translate(err)
}

// CreatePayments implements payment.BatchCreator: one transaction, one savepoint per item. An item that
// breaks a constraint (a duplicate id or idempotency key, an unknown account) is rolled back to its
// savepoint and reported in errs; any other error aborts the whole batch and stores nothing.
//
// The items are pipelined: all of them go to the server in one round trip, each as SAVEPOINT, insert,
// RELEASE. When an item fails the server skips the rest; the item is rolled back to its savepoint and
// the rest are sent again. So a batch costs one round trip plus one per failed item.
func (s *Store) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	args := make([][]any, len(cs))
	errs := make([]error, len(cs))
	for i := range cs {
		if errs[i] = checkNew(&cs[i]); errs[i] != nil {
			continue
		}
		var err error
		if args[i], err = changeArgs(&cs[i]); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for next := 0; next < len(cs); {
			failed, err := s.sendItems(ctx, tx, args[next:])
			if err != nil {
				return err
			}
			if failed.index < 0 {
				return nil
			}
			i := next + failed.index
			if err := translate(failed.err); !isItemError(err) {
				return fmt.Errorf("item %d: %w", i, err)
			}
			errs[i] = translate(failed.err)
			if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT item; RELEASE SAVEPOINT item`); err != nil {
				return translate(err)
			}
			next = i + 1
		}
		return nil
	})
	if err != nil {
		return nil, translate(err)
	}
	return errs, nil
}

// isItemError reports whether err is the failure of one batch item (a constraint), not of the batch.
func isItemError(err error) bool {
	return errors.Is(err, payment.ErrDuplicate) || errors.Is(err, payment.ErrNotFound) || errors.Is(err, payment.ErrInvalid)
}

type itemFailure struct {
	index int // -1: none failed
	err   error
}

// sendItems pipelines items (nil ones are skipped) and reports the first that failed.
func (s *Store) sendItems(ctx context.Context, tx pgx.Tx, items [][]any) (itemFailure, error) {
	b := &pgx.Batch{}
	var index []int // the item of each insert
	for i, a := range items {
		if a == nil {
			continue
		}
		b.Queue(`SAVEPOINT item`)
		b.Queue(createPayment, a...)
		b.Queue(`RELEASE SAVEPOINT item`)
		index = append(index, i)
	}
	if len(index) == 0 {
		return itemFailure{index: -1}, nil
	}
	br := tx.SendBatch(ctx, b)
	for _, i := range index {
		if _, err := br.Exec(); err != nil { // SAVEPOINT
			_ = br.Close()
			return itemFailure{}, translate(err)
		}
		if _, err := br.Exec(); err != nil { // the item
			_ = br.Close() // skips the rest: the server did not run them
			return itemFailure{index: i, err: err}, nil
		}
		if _, err := br.Exec(); err != nil { // RELEASE
			_ = br.Close()
			return itemFailure{}, translate(err)
		}
	}
	return itemFailure{index: -1}, translate(br.Close())
}

// GetPayment implements payment.Store.
func (s *Store) GetPayment(ctx context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error) {
	p, err := scanPayment(s.pool.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1 AND workspace_id = $2`,
		string(id), string(ws)))
	if errors.Is(err, payment.ErrNotFound) {
		return p, fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
	}
	return p, err
}

// GetPaymentByKey implements payment.Store.
func (s *Store) GetPaymentByKey(ctx context.Context, ws payment.WorkspaceID, key string) (payment.Payment, error) {
	if key == "" {
		return payment.Payment{}, fmt.Errorf("%w: empty idempotency key", payment.ErrNotFound)
	}
	p, err := scanPayment(s.pool.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE workspace_id = $1 AND idempotency_key = $2 AND idempotency_key <> ''`, string(ws), key))
	if errors.Is(err, payment.ErrNotFound) {
		return p, fmt.Errorf("%w: no payment with this idempotency key", payment.ErrNotFound)
	}
	return p, err
}

// ListPayments implements payment.Store.
func (s *Store) ListPayments(ctx context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	var q strings.Builder
	args := []any{string(ws)}
	q.WriteString(`SELECT ` + paymentColumns + ` FROM payments WHERE workspace_id = $1`)
	cond := func(sql string, vals ...any) { // sql's placeholders are written as ?
		q.WriteString(" AND ")
		for _, part := range strings.SplitAfter(sql, "?") {
			if strings.HasSuffix(part, "?") {
				args = append(args, vals[0])
				vals = vals[1:]
				q.WriteString(part[:len(part)-1] + "$" + strconv.Itoa(len(args)))
				continue
			}
			q.WriteString(part)
		}
	}
	if f.After != "" {
		cond("id < ?", string(f.After))
	}
	if len(f.Statuses) > 0 {
		sts := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			sts[i] = string(st)
		}
		cond("status = ANY (?)", sts)
	}
	if f.Method != "" {
		cond("method = ?", string(f.Method))
	}
	if f.Currency != "" {
		cond("currency = ?", string(f.Currency))
	}
	if f.Account != "" {
		cond("(from_account = ? OR to_account = ?)", string(f.Account), string(f.Account))
	}
	if f.FromAccount != "" {
		cond("from_account = ?", string(f.FromAccount))
	}
	if f.ToAccount != "" {
		cond("to_account = ?", string(f.ToAccount))
	}
	if f.Reference != "" {
		cond("reference = ? AND reference <> ''", f.Reference) // <> '': lets the planner use the partial index
	}
	if f.BatchID != "" {
		cond("batch_id = ? AND batch_id <> ''", string(f.BatchID)) // <> '': matches the partial index
	}
	if !f.CreatedFrom.IsZero() {
		cond("created_at >= ?", ceilMicro(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		cond("created_at <= ?", pgTime(f.CreatedTo))
	}
	if !f.ValueFrom.IsZero() {
		cond("value_date >= ?", nullDate(f.ValueFrom))
	}
	if !f.ValueTo.IsZero() {
		cond("value_date <= ?", nullDate(f.ValueTo))
	}
	q.WriteString(" ORDER BY id DESC")
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q.WriteString(" LIMIT $" + strconv.Itoa(len(args)))
	}
	rows, err := s.pool.Query(ctx, q.String(), args...)
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanPayment)
}

// UpdatePayment implements payment.Store: compare-and-set on the version, with the history record and
// the event, in one statement. A concurrent update of the same payment waits for the row lock, then
// finds the version moved and changes nothing: ErrConflict.
func (s *Store) UpdatePayment(ctx context.Context, c payment.Change, prevVersion int64) error {
	p := &c.Payment
	if err := c.CheckUpdate(prevVersion); err != nil {
		return err
	}
	args, err := changeArgs(&c)
	if err != nil {
		return err
	}
	stmt := updatePayment
	if c.Outside {
		stmt = updatePaymentOutside
	}
	var n int
	if err := s.pool.QueryRow(ctx, stmt, append(args, prevVersion, string(c.History.From))...).Scan(&n); err != nil {
		return translate(err)
	}
	if n == 1 {
		return nil
	}
	// At prevVersion, but not in the status the change moves from?
	var stored string
	var v int64
	if s.pool.QueryRow(ctx, `SELECT status, version FROM payments WHERE id = $1 AND workspace_id = $2`,
		string(p.ID), string(p.Workspace)).Scan(&stored, &v) == nil && v == prevVersion {
		return c.CheckFrom(payment.Status(stored))
	}
	return s.casMissed(ctx, "payments", "payment", string(p.ID), string(p.Workspace), prevVersion)
}

// casMissed explains a compare-and-set on table that changed no row: ErrNotFound when the record does
// not exist (in this workspace), ErrConflict when its version moved on.
func (s *Store) casMissed(ctx context.Context, table, what, id, ws string, prevVersion int64) error {
	var v int64
	err := translate(s.pool.QueryRow(ctx, `SELECT version FROM `+table+` WHERE id = $1 AND workspace_id = $2`, id, ws).Scan(&v))
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return fmt.Errorf("%w: %s %s", payment.ErrNotFound, what, id)
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: %s %s is at version %d, not %d", payment.ErrConflict, what, id, v, prevVersion)
}

// History implements payment.Store.
func (s *Store) History(ctx context.Context, ws payment.WorkspaceID, id payment.ID) ([]payment.Transition, error) {
	rows, err := s.pool.Query(ctx, `SELECT h.seq, h.from_status, h.to_status, h.event, h.actor, h.reason, h.at
		FROM payment_history h JOIN payments p ON p.id = h.payment_id
		WHERE p.id = $1 AND p.workspace_id = $2 ORDER BY h.seq`, string(id), string(ws))
	if err != nil {
		return nil, translate(err)
	}
	out, err := collect(rows, func(row pgx.Row) (payment.Transition, error) {
		t := payment.Transition{PaymentID: id}
		if err := row.Scan(&t.Seq, &t.From, &t.To, &t.Event, &t.Actor, &t.Reason, &t.At); err != nil {
			return t, translate(err)
		}
		t.At = t.At.UTC()
		return t, nil
	})
	if err == nil && len(out) == 0 { // every stored payment has its creation record
		err = fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
	}
	return out, err
}
