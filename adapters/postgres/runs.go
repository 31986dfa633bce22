package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

var _ reconcile.Store = (*Store)(nil)

// runDoc is a run as stored: the header, entries and history as JSON, so that ListRuns reads headers
// only.
type runDoc struct {
	header, entries, history []byte
}

func encodeRun(r *reconcile.Run) (runDoc, error) {
	h := *r
	h.Entries, h.History = nil, nil
	var d runDoc
	var err1, err2, err3 error
	d.header, err1 = json.Marshal(&h)
	d.entries, err2 = json.Marshal(r.Entries)
	d.history, err3 = json.Marshal(r.History)
	if err := errors.Join(err1, err2, err3); err != nil {
		return runDoc{}, fmt.Errorf("postgres: run %s: %w", r.ID, err)
	}
	d.header, d.entries, d.history = jsonbText(d.header), jsonbText(d.entries), jsonbText(d.history)
	return d, nil
}

// jsonbText makes JSON text that jsonb takes: jsonb refuses the escape \u0000, which a statement
// line with a NUL byte in its text becomes, so it is written \ufffd (U+FFFD, the replacement
// character) instead. The run is then read back with U+FFFD where the statement had the NUL.
func jsonbText(b []byte) []byte {
	const nul = `\u0000`
	if !bytes.Contains(b, []byte(nul)) {
		return b
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if bytes.HasPrefix(b[i:], []byte(nul)) {
			copy(b[i+2:], "fffd")
		}
		i++ // the escaped character: the second backslash of \\ starts no escape
	}
	return b
}

func decodeRun(id reconcile.RunID, d runDoc) (reconcile.Run, error) {
	var r reconcile.Run
	err := json.Unmarshal(d.header, &r)
	if err == nil && d.entries != nil {
		err = errors.Join(json.Unmarshal(d.entries, &r.Entries), json.Unmarshal(d.history, &r.History))
	}
	if err != nil {
		return reconcile.Run{}, fmt.Errorf("postgres: run %s: stored document: %w", id, err)
	}
	return r, nil
}

// CreateRun implements reconcile.Store.
func (s *Store) CreateRun(ctx context.Context, r reconcile.Run) error {
	d, err := encodeRun(&r)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO reconcile_runs
		(id, workspace_id, account_id, status, created_at, updated_at, version, run, entries, history)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		string(r.ID), string(r.Workspace), string(r.Account), string(r.Status), pgTime(r.CreatedAt),
		pgTime(r.UpdatedAt), r.Version, d.header, d.entries, d.history)
	return translate(err)
}

var _ reconcile.RunVersioner = (*Store)(nil)

// RunVersion implements reconcile.RunVersioner: the stored version of a run, without reading it.
func (s *Store) RunVersion(ctx context.Context, ws payment.WorkspaceID, id reconcile.RunID) (int64, error) {
	if cannotHold(string(id)) {
		return 0, fmt.Errorf("%w: run %q", payment.ErrNotFound, id)
	}
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM reconcile_runs WHERE id = $1 AND workspace_id = $2`, string(id), string(ws)).Scan(&v)
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
	if cannotHold(string(id)) { // a path segment such as %FF: no run has it, as on the other stores
		return reconcile.Run{}, fmt.Errorf("%w: run %q", payment.ErrNotFound, id)
	}
	var d runDoc
	err := s.pool.QueryRow(ctx, `SELECT run, entries, history FROM reconcile_runs WHERE id = $1 AND workspace_id = $2`,
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
	rows, err := s.pool.Query(ctx, `SELECT id, run FROM reconcile_runs
		WHERE workspace_id = $1 AND ($2 = '' OR account_id = $2) AND ($3 = '' OR status = $3)
		ORDER BY id DESC`, string(ws), string(f.Account), string(f.Status))
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, func(row pgx.Row) (reconcile.Run, error) {
		var id string
		var d runDoc
		if err := row.Scan(&id, &d.header); err != nil {
			return reconcile.Run{}, translate(err)
		}
		return decodeRun(reconcile.RunID(id), d)
	})
}

// UpdateRun implements reconcile.Store: compare-and-set on the version, with the event (if it has a
// type) in the outbox, in one statement.
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
	var n int
	err = s.pool.QueryRow(ctx, `WITH r AS (
			UPDATE reconcile_runs SET account_id = $3, status = $4, created_at = $5, updated_at = $6, version = $7,
				run = $8, entries = $9, history = $10
			WHERE id = $1 AND workspace_id = $2 AND version = $11
			RETURNING id
		), e AS (
			INSERT INTO events (id, workspace_id, type, occurred_at, payload)
			SELECT $12, $13, $14, $15, $16 FROM r WHERE $14::text <> ''
		)
		SELECT count(*) FROM r`,
		string(r.ID), string(r.Workspace), string(r.Account), string(r.Status), pgTime(r.CreatedAt),
		pgTime(r.UpdatedAt), r.Version, d.header, d.entries, d.history, prevVersion,
		ev.ID, string(ev.Workspace), string(ev.Type), pgTime(ev.OccurredAt), payload).Scan(&n)
	if err != nil {
		return translate(err)
	}
	if n == 1 {
		return nil
	}
	return s.casMissed(ctx, "reconcile_runs", "run", string(r.ID), string(r.Workspace), prevVersion)
}
