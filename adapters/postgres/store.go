package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orkesta/orkesta/payment"
)

// Options configures a Store. The zero value is the default; there is nothing to set yet.
type Options struct{}

// Store is a payment.Store (and KeyStore, BatchCreator, EventLog) on PostgreSQL. It is safe for
// concurrent use, and any number of Stores, in any number of processes, may share one database:
// every write is one statement or one transaction, and updates compare-and-set on the version.
type Store struct {
	pool *pgxpool.Pool
	opts Options
}

var (
	_ payment.Store        = (*Store)(nil)
	_ payment.KeyStore     = (*Store)(nil)
	_ payment.BatchCreator = (*Store)(nil)
	_ payment.EventLog     = (*Store)(nil)
)

// New returns a Store on pool, which the caller opened and closes. The store's tables live in the
// first schema of the connections' search_path. New does not touch the database; call Migrate once
// before use.
func New(pool *pgxpool.Pool, opts Options) *Store {
	return &Store{pool: pool, opts: opts}
}

// Pool returns the pool the store works on.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// CreateWorkspace implements payment.Store.
func (s *Store) CreateWorkspace(ctx context.Context, w payment.Workspace) error {
	methods := make([]string, len(w.Plan.Methods))
	for i, m := range w.Plan.Methods {
		methods[i] = string(m)
	}
	curs := make([]string, 0, len(w.Approval.Thresholds))
	minors := make([]int64, 0, len(w.Approval.Thresholds))
	for c, m := range w.Approval.Thresholds {
		curs, minors = append(curs, string(c)), append(minors, m)
	}
	_, err := s.pool.Exec(ctx, `WITH w AS (
			INSERT INTO workspaces (id, name, plan_name, plan_methods, approval_mode, maker_checker, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
		)
		INSERT INTO approval_thresholds (workspace_id, currency, minor)
		SELECT w.id, t.currency, t.minor FROM w, unnest($8::text[], $9::bigint[]) AS t (currency, minor)`,
		string(w.ID), w.Name, w.Plan.Name, methods, string(w.Approval.Mode), w.Approval.MakerChecker,
		pgTime(w.CreatedAt), curs, minors)
	return translate(err)
}

// GetWorkspace implements payment.Store.
func (s *Store) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	w := payment.Workspace{ID: id}
	var methods, curs []string
	var minors []int64
	err := s.pool.QueryRow(ctx, `SELECT w.name, w.plan_name, w.plan_methods, w.approval_mode, w.maker_checker,
			w.created_at, t.currencies, t.minors
		FROM workspaces w, LATERAL (
			SELECT array_agg(currency) AS currencies, array_agg(minor) AS minors
			FROM approval_thresholds WHERE workspace_id = w.id
		) t
		WHERE w.id = $1`, string(id)).Scan(&w.Name, &w.Plan.Name, &methods, &w.Approval.Mode,
		&w.Approval.MakerChecker, &w.CreatedAt, &curs, &minors)
	if err != nil {
		if err = translate(err); errors.Is(err, payment.ErrNotFound) {
			return w, fmt.Errorf("%w: workspace %s", payment.ErrNotFound, id)
		}
		return w, err
	}
	w.CreatedAt = w.CreatedAt.UTC()
	for _, m := range methods {
		w.Plan.Methods = append(w.Plan.Methods, payment.Method(m))
	}
	if len(curs) > 0 {
		w.Approval.Thresholds = make(map[payment.Currency]int64, len(curs))
		for i, c := range curs {
			w.Approval.Thresholds[payment.Currency(c)] = minors[i]
		}
	}
	return w, nil
}

// CreateAccount implements payment.Store. An account of an unknown workspace is ErrNotFound.
func (s *Store) CreateAccount(ctx context.Context, a payment.Account) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO accounts (id, workspace_id, name, currency, iban, type, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		string(a.ID), string(a.Workspace), a.Name, string(a.Currency), a.IBAN, string(a.Type), pgTime(a.CreatedAt))
	return translate(err)
}

const accountColumns = `id, workspace_id, name, currency, iban, type, created_at`

func scanAccount(row pgx.Row) (payment.Account, error) {
	var a payment.Account
	if err := row.Scan(&a.ID, &a.Workspace, &a.Name, &a.Currency, &a.IBAN, &a.Type, &a.CreatedAt); err != nil {
		return a, translate(err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return a, nil
}

// GetAccount implements payment.Store.
func (s *Store) GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	a, err := scanAccount(s.pool.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1 AND workspace_id = $2`,
		string(id), string(ws)))
	if errors.Is(err, payment.ErrNotFound) {
		return a, fmt.Errorf("%w: account %s", payment.ErrNotFound, id)
	}
	return a, err
}

// ListAccounts implements payment.Store.
func (s *Store) ListAccounts(ctx context.Context, ws payment.WorkspaceID) ([]payment.Account, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE workspace_id = $1
		ORDER BY created_at, id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	return collect(rows, scanAccount)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// pgTime is t as stored: microseconds (PostgreSQL's precision), UTC.
func pgTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime stores the zero time as NULL (optional times: expiry, revocation).
func nullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: pgTime(t), Valid: !t.IsZero()}
}

func fromNullTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nullDate stores the zero Date ("no date") as NULL.
func nullDate(d payment.Date) pgtype.Date {
	return pgtype.Date{Time: d.Time(), Valid: !d.IsZero()}
}

func fromNullDate(d pgtype.Date) payment.Date {
	if !d.Valid {
		return 0
	}
	return payment.DateOf(d.Time)
}
