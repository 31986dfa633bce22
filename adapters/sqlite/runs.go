package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

var _ reconcile.Store = (*Store)(nil)

// runDoc is a run as stored: the header, entries and history as JSON, so that ListRuns reads headers
// only.
type runDoc struct {
	header, entries, history string
}

func encodeRun(r *reconcile.Run) (runDoc, error) {
	h := *r
	h.Entries, h.History = nil, nil
	header, err1 := json.Marshal(&h)
	entries, err2 := json.Marshal(r.Entries)
	history, err3 := json.Marshal(r.History)
	if err := errors.Join(err1, err2, err3); err != nil {
		return runDoc{}, fmt.Errorf("sqlite: run %s: %w", r.ID, err)
	}
	return runDoc{string(header), string(entries), string(history)}, nil
}

func decodeRun(id reconcile.RunID, d runDoc) (reconcile.Run, error) {
	var r reconcile.Run
	err := json.Unmarshal([]byte(d.header), &r)
	if err == nil && d.entries != "" {
		err = errors.Join(json.Unmarshal([]byte(d.entries), &r.Entries), json.Unmarshal([]byte(d.history), &r.History))
	}
	if err != nil {
		return reconcile.Run{}, fmt.Errorf("sqlite: run %s: stored document: %w", id, err)
	}
	return r, nil
}

// CreateRun implements reconcile.Store.
func (s *Store) CreateRun(ctx context.Context, r reconcile.Run) error {
	d, err := encodeRun(&r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO reconcile_runs
			(id, workspace_id, account_id, status, created_at, updated_at, version, run, entries, history)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(r.ID), string(r.Workspace), string(r.Account), string(r.Status), formatTime(r.CreatedAt),
			formatTime(r.UpdatedAt), r.Version, d.header, d.entries, d.history)
		return translate(err)
	})
}

var _ reconcile.RunVersioner = (*Store)(nil)

// RunVersion implements reconcile.RunVersioner: the stored version of a run, without reading it.
func (s *Store) RunVersion(ctx context.Context, ws payment.WorkspaceID, id reconcile.RunID) (int64, error) {
	var v int64
	err := s.q().queryRow(ctx, `SELECT version FROM reconcile_runs WHERE id = ? AND workspace_id = ?`, string(id), string(ws)).Scan(&v)
	if err = translate(err); err != nil {
		if errors.Is(err, payment.ErrNotFound) {
			return 0, fmt.Errorf("%w: run %s", payment.ErrNotFound, id)
		}
		return 0, err
	}
	return v, nil
}

// GetRun implements reconcile.Store.
func (s *Store) GetRun(ctx context.Context, ws payment.WorkspaceID, id reconcile.RunID) (reconcile.Run, error) {
	var d runDoc
	err := s.q().queryRow(ctx, `SELECT run, entries, history FROM reconcile_runs WHERE id = ? AND workspace_id = ?`,
		string(id), string(ws)).Scan(&d.header, &d.entries, &d.history)
	if err = translate(err); err != nil {
		if errors.Is(err, payment.ErrNotFound) {
			return reconcile.Run{}, fmt.Errorf("%w: run %s", payment.ErrNotFound, id)
		}
		return reconcile.Run{}, err
	}
	return decodeRun(id, d)
}

// ListRuns implements reconcile.Store; the runs come without their entries and history.
func (s *Store) ListRuns(ctx context.Context, ws payment.WorkspaceID, f reconcile.RunFilter) ([]reconcile.Run, error) {
	var q strings.Builder
	q.WriteString(`SELECT id, run FROM reconcile_runs WHERE workspace_id = ?`)
	args := []any{string(ws)}
	if f.Account != "" {
		q.WriteString(` AND account_id = ?`)
		args = append(args, string(f.Account))
	}
	if f.Status != "" {
		q.WriteString(` AND status = ?`)
		args = append(args, string(f.Status))
	}
	q.WriteString(` ORDER BY id DESC`)
	rows, err := s.q().query(ctx, q.String(), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []reconcile.Run
	for rows.Next() {
		var id string
		var d runDoc
		if err := rows.Scan(&id, &d.header); err != nil {
			return nil, translate(err)
		}
		r, err := decodeRun(reconcile.RunID(id), d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// UpdateRun implements reconcile.Store: compare-and-set on the version, with the event (if it has a
// type) in the outbox, in one transaction.
func (s *Store) UpdateRun(ctx context.Context, r reconcile.Run, prevVersion int64, ev payment.Event) error {
	if r.Version != prevVersion+1 {
		return &payment.ValidationError{Field: "version", Reason: fmt.Sprintf("an update from version %d writes version %d, not %d",
			prevVersion, prevVersion+1, r.Version)}
	}
	d, err := encodeRun(&r)
	if err != nil {
		return err
	}
	payload, err := encodeEvent(&ev)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.exec(ctx, `UPDATE reconcile_runs SET account_id = ?, status = ?, created_at = ?, updated_at = ?,
			version = ?, run = ?, entries = ?, history = ?
			WHERE id = ? AND workspace_id = ? AND version = ?`,
			string(r.Account), string(r.Status), formatTime(r.CreatedAt), formatTime(r.UpdatedAt), r.Version,
			d.header, d.entries, d.history, string(r.ID), string(r.Workspace), prevVersion)
		if err := compareAndSet(ctx, q, res, err, "reconcile_runs", "run", string(r.ID), string(r.Workspace), prevVersion); err != nil {
			return err
		}
		return insertEvent(ctx, q, &ev, payload)
	})
}
