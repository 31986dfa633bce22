package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

const paymentColumns = `id, workspace_id, amount, currency, method, from_account, to_account, description, reference,
	value_date, status, end_to_end, batch_id, idempotency_key, created_by, failure_code, failure_reason,
	created_at, updated_at, version`

func scanPayment(sc interface{ Scan(...any) error }) (payment.Payment, error) {
	var p payment.Payment
	var valueDate sql.NullString
	var created, updated string
	if err := sc.Scan(&p.ID, &p.Workspace, &p.Amount, &p.Currency, &p.Method, &p.FromAccount, &p.ToAccount,
		&p.Description, &p.Reference, &valueDate, &p.Status, &p.EndToEnd, &p.BatchID, &p.IdempotencyKey,
		&p.CreatedBy, &p.FailureCode, &p.FailureReason, &created, &updated, &p.Version); err != nil {
		return p, translate(err)
	}
	var err1, err2, err3 error
	p.ValueDate, err1 = parseNullDate(valueDate)
	p.CreatedAt, err2 = parseTime(created)
	p.UpdatedAt, err3 = parseTime(updated)
	return p, errors.Join(err1, err2, err3)
}

// CreatePayment implements payment.Store: the payment, its first history record and its event in one
// transaction.
func (s *Store) CreatePayment(ctx context.Context, c payment.Change) error {
	ev, err := encodeEvent(&c.Event)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error { return insertPayment(ctx, q, &c, ev) })
}

// CreatePayments implements payment.BatchCreator: one transaction, one savepoint per item. An item that
// breaks a constraint (a duplicate id or idempotency key, an unknown account) is rolled back to its
// savepoint and reported in errs; any other error aborts the whole batch and stores nothing.
func (s *Store) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	evs := make([][]byte, len(cs))
	for i := range cs {
		var err error
		if evs[i], err = encodeEvent(&cs[i].Event); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	errs := make([]error, len(cs))
	err := s.write(ctx, func(ctx context.Context, q querier) error {
		for i := range cs {
			if _, err := q.exec(ctx, `SAVEPOINT item`); err != nil {
				return translate(err)
			}
			err := insertPayment(ctx, q, &cs[i], evs[i])
			if err != nil {
				if !errors.Is(err, payment.ErrDuplicate) && !errors.Is(err, payment.ErrNotFound) &&
					!errors.Is(err, payment.ErrInvalid) {
					return fmt.Errorf("item %d: %w", i, err)
				}
				errs[i] = err
				if _, err := q.exec(ctx, `ROLLBACK TO item`); err != nil {
					return translate(err)
				}
			}
			if _, err := q.exec(ctx, `RELEASE item`); err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

func insertPayment(ctx context.Context, q querier, c *payment.Change, ev []byte) error {
	p := &c.Payment
	if p.Version != 1 || c.History.Seq != 1 {
		return &payment.ValidationError{Field: "version", Reason: fmt.Sprintf("a new payment has version 1 and history seq 1, not %d and %d", p.Version, c.History.Seq)}
	}
	if _, err := q.exec(ctx, `INSERT INTO payments (`+paymentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(p.ID), string(p.Workspace), p.Amount, string(p.Currency), string(p.Method),
		string(p.FromAccount), string(p.ToAccount), p.Description, p.Reference, nullDate(p.ValueDate),
		string(p.Status), p.EndToEnd, string(p.BatchID), p.IdempotencyKey, p.CreatedBy, p.FailureCode,
		p.FailureReason, formatTime(p.CreatedAt), formatTime(p.UpdatedAt), p.Version); err != nil {
		return translate(err)
	}
	return insertHistoryAndEvent(ctx, q, c, ev)
}

func insertHistoryAndEvent(ctx context.Context, q querier, c *payment.Change, ev []byte) error {
	h := &c.History
	if _, err := q.exec(ctx, `INSERT INTO payment_history
		(payment_id, seq, from_status, to_status, event, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		string(c.Payment.ID), h.Seq, string(h.From), string(h.To), string(h.Event), h.Actor, h.Reason,
		formatTime(h.At)); err != nil {
		return translate(err)
	}
	return insertEvent(ctx, q, &c.Event, ev)
}

// insertEvent writes e to the outbox with its encoded payload; a nil payload (an event without a
// type) writes nothing.
func insertEvent(ctx context.Context, q querier, e *payment.Event, payload []byte) error {
	if payload == nil {
		return nil
	}
	var pid any
	if e.Payment != nil {
		pid = string(e.Payment.ID)
	}
	_, err := q.exec(ctx, `INSERT INTO events (id, workspace_id, type, payment_id, occurred_at, payload)
		VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, string(e.Workspace), string(e.Type), pid, formatTime(e.OccurredAt), string(payload))
	return translate(err)
}

// encodeEvent is the event's outbox payload, or nil for the empty event (nothing to publish). Its times
// are stored like all others: UTC, microseconds.
func encodeEvent(e *payment.Event) ([]byte, error) {
	if e.Type == "" {
		return nil, nil
	}
	ev := *e
	ev.OccurredAt = ev.OccurredAt.UTC().Truncate(time.Microsecond)
	if ev.Payment != nil {
		p := *ev.Payment
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC().Truncate(time.Microsecond), p.UpdatedAt.UTC().Truncate(time.Microsecond)
		ev.Payment = &p
	}
	b, err := json.Marshal(&ev)
	if err != nil {
		return nil, fmt.Errorf("sqlite: event %s: %w", e.ID, err)
	}
	return b, nil
}

// GetPayment implements payment.Store.
func (s *Store) GetPayment(ctx context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error) {
	p, err := scanPayment(s.q().queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = ? AND workspace_id = ?`,
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
	p, err := scanPayment(s.q().queryRow(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE workspace_id = ? AND idempotency_key = ? AND idempotency_key <> ''`, string(ws), key)) // <> '': lets SQLite use the partial index
	if errors.Is(err, payment.ErrNotFound) {
		return p, fmt.Errorf("%w: no payment with this idempotency key", payment.ErrNotFound)
	}
	return p, err
}

// ListPayments implements payment.Store. A filter on either account is two branches, one per side,
// each read in id order from its account index: SQLite plans "from_account = ? OR to_account = ?"
// as a scan of all the workspace's payments (0.23 s at 200,000 payments for an account that has
// none), having no statistics to tell it how few rows one account has.
func (s *Store) ListPayments(ctx context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	query, args := listQuery(ws, &f)
	rows, err := s.q().query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Payment
	if f.Limit > 0 {
		out = make([]payment.Payment, 0, min(f.Limit, 1000))
	}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// listQuery is the query of ListPayments and its arguments.
func listQuery(ws payment.WorkspaceID, f *payment.ListFilter) (string, []any) {
	var w strings.Builder // the conditions after workspace_id (and the account)
	var wargs []any
	cond := func(sql string, vals ...any) {
		w.WriteString(" AND ")
		w.WriteString(sql)
		wargs = append(wargs, vals...)
	}
	if f.After != "" {
		cond("id < ?", string(f.After))
	}
	if len(f.Statuses) > 0 {
		// Each status once: a filter may repeat one any number of times, and a placeholder each
		// would run past SQLite's limit on variables (and make a statement per count of repeats).
		w.WriteString(" AND status IN (")
		first := len(wargs)
		for _, st := range f.Statuses {
			if slices.Contains(wargs[first:], any(string(st))) {
				continue
			}
			if len(wargs) > first {
				w.WriteString(", ")
			}
			w.WriteString("?")
			wargs = append(wargs, string(st))
		}
		w.WriteString(")")
	}
	if f.Method != "" {
		cond("method = ?", string(f.Method))
	}
	if f.Currency != "" {
		cond("currency = ?", string(f.Currency))
	}
	if f.FromAccount != "" {
		cond("from_account = ?", string(f.FromAccount))
	}
	if f.ToAccount != "" {
		cond("to_account = ?", string(f.ToAccount))
	}
	if f.Reference != "" {
		cond("reference = ? AND reference <> ''", f.Reference) // <> '': lets SQLite use the partial index
	}
	if f.BatchID != "" {
		cond("batch_id = ? AND batch_id <> ''", string(f.BatchID)) // <> '': lets SQLite use the partial index
	}
	if !f.CreatedFrom.IsZero() {
		cond("created_at >= ?", formatBound(ceilMicro(f.CreatedFrom)))
	}
	if !f.CreatedTo.IsZero() {
		cond("created_at <= ?", formatBound(f.CreatedTo))
	}
	if !f.ValueFrom.IsZero() {
		cond("value_date >= ?", f.ValueFrom.String())
	}
	if !f.ValueTo.IsZero() {
		cond("value_date <= ?", min(f.ValueTo, maxDate).String())
	}
	var q strings.Builder
	var args []any
	limit := func() {
		q.WriteString(" ORDER BY id DESC")
		if f.Limit > 0 {
			q.WriteString(" LIMIT ?")
			args = append(args, f.Limit)
		}
	}
	branch := func(side string, extra ...any) {
		q.WriteString(`SELECT * FROM (SELECT ` + paymentColumns + ` FROM payments WHERE workspace_id = ? AND ` + side)
		args = append(append(append(args, string(ws), string(f.Account)), extra...), wargs...)
		q.WriteString(w.String())
		limit()
		q.WriteString(")")
	}
	if f.Account == "" {
		q.WriteString(`SELECT ` + paymentColumns + ` FROM payments WHERE workspace_id = ?` + w.String())
		args = append(append(args, string(ws)), wargs...)
	} else { // the compound select takes the ORDER BY and LIMIT below
		branch("from_account = ?")
		q.WriteString(" UNION ALL ")
		branch("to_account = ? AND from_account <> ?", string(f.Account))
	}
	limit()
	return q.String(), args
}

// ceilMicro rounds t up to the next microsecond: stored times have microseconds, so "at or after t"
// is "at or after ceilMicro(t)". (Formatting truncates, which is right for the upper bound.)
func ceilMicro(t time.Time) time.Time {
	if u := t.Truncate(time.Microsecond); !u.Equal(t) {
		return u.Add(time.Microsecond)
	}
	return t
}

// UpdatePayment implements payment.Store: compare-and-set on the version, with the history record and
// the event, in one transaction.
func (s *Store) UpdatePayment(ctx context.Context, c payment.Change, prevVersion int64) error {
	p := &c.Payment
	if err := c.CheckUpdate(prevVersion); err != nil {
		return err
	}
	ev, err := encodeEvent(&c.Event)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.exec(ctx, `UPDATE payments SET amount = ?, currency = ?, method = ?, from_account = ?,
			to_account = ?, description = ?, reference = ?, value_date = ?, status = ?, end_to_end = ?, batch_id = ?,
			idempotency_key = ?, created_by = ?, failure_code = ?, failure_reason = ?, created_at = ?, updated_at = ?,
			version = ?
			WHERE id = ? AND workspace_id = ? AND version = ? AND status = ?`,
			p.Amount, string(p.Currency), string(p.Method), string(p.FromAccount), string(p.ToAccount),
			p.Description, p.Reference, nullDate(p.ValueDate), string(p.Status), p.EndToEnd, string(p.BatchID),
			p.IdempotencyKey, p.CreatedBy, p.FailureCode, p.FailureReason, formatTime(p.CreatedAt),
			formatTime(p.UpdatedAt), p.Version, string(p.ID), string(p.Workspace), prevVersion, string(c.History.From))
		if err == nil {
			if n, nerr := res.RowsAffected(); nerr == nil && n == 0 {
				// At prevVersion, but not in the status the change moves from?
				var stored string
				var v int64
				if q.queryRow(ctx, `SELECT status, version FROM payments WHERE id = ? AND workspace_id = ?`,
					string(p.ID), string(p.Workspace)).Scan(&stored, &v) == nil && v == prevVersion {
					return c.CheckFrom(payment.Status(stored))
				}
			}
		}
		if err := compareAndSet(ctx, q, res, err, "payments", "payment", string(p.ID), string(p.Workspace), prevVersion); err != nil {
			return err
		}
		if c.Outside { // payment.Claimer: never work again
			if _, err := q.exec(ctx, `INSERT INTO payment_work (payment_id, owner, until, sent, method, outside)
				VALUES (?, '', ?, 1, ?, 1) ON CONFLICT (payment_id) DO UPDATE SET sent = 1, outside = 1`,
				string(p.ID), formatTime(p.UpdatedAt), string(p.Method)); err != nil {
				return translate(err)
			}
		}
		return insertHistoryAndEvent(ctx, q, &c, ev)
	})
}

// compareAndSet checks the result of an UPDATE … WHERE id = ? AND workspace_id = ? AND version =
// prevVersion on table: no row changed is ErrNotFound when the record does not exist (in this
// workspace), and ErrConflict when its version moved on.
func compareAndSet(ctx context.Context, q querier, res sql.Result, err error, table, what, id, ws string, prevVersion int64) error {
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return translate(err)
	}
	var v int64
	err = q.queryRow(ctx, `SELECT version FROM `+table+` WHERE id = ? AND workspace_id = ?`, id, ws).Scan(&v)
	if err := translate(err); err != nil {
		if errors.Is(err, payment.ErrNotFound) {
			return fmt.Errorf("%w: %s %s", payment.ErrNotFound, what, id)
		}
		return err
	}
	return fmt.Errorf("%w: %s %s is at version %d, not %d", payment.ErrConflict, what, id, v, prevVersion)
}

// History implements payment.Store.
func (s *Store) History(ctx context.Context, ws payment.WorkspaceID, id payment.ID) ([]payment.Transition, error) {
	rows, err := s.q().query(ctx, `SELECT h.seq, h.from_status, h.to_status, h.event, h.actor, h.reason, h.at
		FROM payment_history h JOIN payments p ON p.id = h.payment_id
		WHERE p.id = ? AND p.workspace_id = ? ORDER BY h.seq`, string(id), string(ws))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Transition
	for rows.Next() {
		t := payment.Transition{PaymentID: id}
		var at string
		if err := rows.Scan(&t.Seq, &t.From, &t.To, &t.Event, &t.Actor, &t.Reason, &at); err != nil {
			return nil, translate(err)
		}
		if t.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if len(out) == 0 { // every stored payment has its creation record
		return nil, fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
	}
	return out, nil
}
