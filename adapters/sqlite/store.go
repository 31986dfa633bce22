package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Options configures a Store. The zero value is the default; there is nothing to set yet.
type Options struct{}

// Store is a payment.Store (and KeyStore, BatchCreator, EventLog) on a SQLite database. It is safe
// for concurrent use. Reads run in parallel on the pool's connections; writes go through one writer
// that commits concurrent writes together (group commit), so they never wait on SQLite's busy
// handler. Writers in other processes wait on busy_timeout (see DSN).
type Store struct {
	db    *sql.DB
	opts  Options
	stmts stmts
	w     writer
}

var (
	_ payment.Store        = (*Store)(nil)
	_ payment.KeyStore     = (*Store)(nil)
	_ payment.BatchCreator = (*Store)(nil)
	_ payment.EventLog     = (*Store)(nil)
)

// New returns a Store on db, which the caller opened (see Open and DSN) and closes. New does not touch
// the database; call Migrate once before use.
func New(db *sql.DB, opts Options) *Store {
	return &Store{db: db, opts: opts, stmts: stmts{db: db}}
}

// Close releases the store's prepared statements. It does not close the database, which belongs to
// the caller. A closed store must not be used.
func (s *Store) Close() error { return s.stmts.close() }

// q runs statements outside a transaction.
func (s *Store) q() querier { return querier{c: &s.stmts} }

// DB returns the database the store works on.
func (s *Store) DB() *sql.DB { return s.db }

// CreateWorkspace implements payment.Store.
func (s *Store) CreateWorkspace(ctx context.Context, w payment.Workspace) error {
	methods := make([]string, len(w.Plan.Methods))
	for i, m := range w.Plan.Methods {
		methods[i] = string(m)
	}
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if _, err := q.exec(ctx, `INSERT INTO workspaces
			(id, name, plan_name, plan_methods, approval_mode, maker_checker, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			string(w.ID), w.Name, w.Plan.Name, strings.Join(methods, ","), string(w.Approval.Mode),
			w.Approval.MakerChecker, formatTime(w.CreatedAt)); err != nil {
			return translate(err)
		}
		for cur, minor := range w.Approval.Thresholds {
			if _, err := q.exec(ctx, `INSERT INTO approval_thresholds (workspace_id, currency, minor) VALUES (?, ?, ?)`,
				string(w.ID), string(cur), minor); err != nil {
				return translate(err)
			}
		}
		return nil
	})
}

// GetWorkspace implements payment.Store.
func (s *Store) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	rows, err := s.q().query(ctx, `SELECT w.name, w.plan_name, w.plan_methods, w.approval_mode, w.maker_checker,
			w.created_at, t.currency, t.minor
		FROM workspaces w LEFT JOIN approval_thresholds t ON t.workspace_id = w.id
		WHERE w.id = ?`, string(id))
	if err != nil {
		return payment.Workspace{}, translate(err)
	}
	defer rows.Close()
	w := payment.Workspace{ID: id}
	found := false
	for rows.Next() {
		var methods, created string
		var cur sql.NullString
		var minor sql.NullInt64
		if err := rows.Scan(&w.Name, &w.Plan.Name, &methods, &w.Approval.Mode, &w.Approval.MakerChecker,
			&created, &cur, &minor); err != nil {
			return payment.Workspace{}, translate(err)
		}
		if !found {
			found = true
			if methods != "" {
				for m := range strings.SplitSeq(methods, ",") {
					w.Plan.Methods = append(w.Plan.Methods, payment.Method(m))
				}
			}
			if w.CreatedAt, err = parseTime(created); err != nil {
				return payment.Workspace{}, err
			}
		}
		if cur.Valid {
			if w.Approval.Thresholds == nil {
				w.Approval.Thresholds = make(map[payment.Currency]int64)
			}
			w.Approval.Thresholds[payment.Currency(cur.String)] = minor.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return payment.Workspace{}, translate(err)
	}
	if !found {
		return payment.Workspace{}, fmt.Errorf("%w: workspace %s", payment.ErrNotFound, id)
	}
	return w, nil
}

// CreateAccount implements payment.Store. An account of an unknown workspace is ErrNotFound.
func (s *Store) CreateAccount(ctx context.Context, a payment.Account) error {
	return s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO accounts (id, workspace_id, name, currency, iban, type, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			string(a.ID), string(a.Workspace), a.Name, string(a.Currency), a.IBAN, string(a.Type), formatTime(a.CreatedAt))
		return translate(err)
	})
}

const accountColumns = `id, workspace_id, name, currency, iban, type, created_at`

func scanAccount(sc interface{ Scan(...any) error }) (payment.Account, error) {
	var a payment.Account
	var created string
	if err := sc.Scan(&a.ID, &a.Workspace, &a.Name, &a.Currency, &a.IBAN, &a.Type, &created); err != nil {
		return a, translate(err)
	}
	var err error
	a.CreatedAt, err = parseTime(created)
	return a, err
}

// GetAccount implements payment.Store.
func (s *Store) GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	a, err := scanAccount(s.q().queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ? AND workspace_id = ?`,
		string(id), string(ws)))
	if errors.Is(err, payment.ErrNotFound) {
		return a, fmt.Errorf("%w: account %s", payment.ErrNotFound, id)
	}
	return a, err
}

// ListAccounts implements payment.Store.
func (s *Store) ListAccounts(ctx context.Context, ws payment.WorkspaceID) ([]payment.Account, error) {
	rows, err := s.q().query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE workspace_id = ?
		ORDER BY created_at, id`, string(ws))
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// timeLayout is how times are stored: UTC, microseconds, fixed width, so text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// maxTime is the latest time the stored form holds: its year has four digits. Formatted, a later
// time has five and sorts before every stored time ("10000-…" < "2026-…").
var maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)

// formatBound formats a bound that stored times are compared with: one after maxTime is maxTime,
// which no stored time is after, so that the comparison stays true to time order.
func formatBound(t time.Time) string {
	if t.After(maxTime) {
		t = maxTime
	}
	return formatTime(t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// nullTime stores the zero time as NULL (optional times: expiry, revocation).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// maxDate is the latest date the stored form holds (a payment's value date is at most 9999-12-31). A
// later date has a five-digit year and sorts before every stored date ("10000-01-31" < "2026-…"): an
// upper bound past it is maxDate, which no stored date is after.
var maxDate = payment.NewDate(9999, 12, 31)

// nullDate stores the zero Date ("no date") as NULL and others as YYYY-MM-DD.
func nullDate(d payment.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func parseNullDate(s sql.NullString) (payment.Date, error) {
	if !s.Valid {
		return 0, nil
	}
	d, err := payment.ParseDate(s.String)
	if err != nil {
		return 0, fmt.Errorf("sqlite: stored date: %w", err)
	}
	return d, nil
}
