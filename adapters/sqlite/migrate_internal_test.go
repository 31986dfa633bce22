package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for i, m := range ms {
		assert.Equal(t, i+1, m.version)
		assert.NotEmpty(t, m.name)
		assert.NotEmpty(t, m.sql)
	}
	assert.Equal(t, len(ms), SchemaVersion())
}

func TestMigrationNames(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name  string
		files []string
		want  string // error text; "" for none
	}{
		{"contiguous", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "0003_c.sql: expected version 2"},
		{"starts at 2", []string{"0002_b.sql"}, "expected version 1"},
		{"no name", []string{"0001.sql"}, "not named NNNN_name.sql"},
		{"three digits", []string{"001_a.sql"}, "not named NNNN_name.sql"},
		{"not a number", []string{"000a_a.sql"}, "not named NNNN_name.sql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = sql
			}
			ms, err := migrations(fsys)
			if tc.want == "" {
				require.NoError(t, err)
				assert.Len(t, ms, len(tc.files))
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestMigrationClaimQueues upgrades a database of version 5, whose processor bookkeeping has rows
// only for claimed or marked payments and may keep those of finished ones, to the queue of 0006:
// every payment that may need a rail has a row, claims find the same work as before, the sent
// payments only for a processor that polls them, and the rows of finished payments are gone.
func TestMigrationClaimQueues(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "orkesta.db"), OpenOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ms, err := migrations(migrationFiles)
	require.NoError(t, err)
	require.Greater(t, len(ms), 5)
	_, err = db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`)
	require.NoError(t, err)
	for _, m := range ms[:5] {
		_, err := db.ExecContext(ctx, m.sql)
		require.NoError(t, err, m.name)
		_, err = db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, '')`, m.version, m.name)
		require.NoError(t, err)
	}

	s := New(db, Options{})
	e := paymenttest.NewEnv(t, s)
	strict := paymenttest.NewEnv(t, s, paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}),
		paymenttest.WithServiceOptions(payment.Options{Clock: e.Clock, IDs: payment.NewULIDSource()}))
	create := func(env *paymenttest.Env, to payment.Status) payment.Payment {
		e.Clock.Advance(time.Second)
		return env.MustAdvance(t, env.MustCreate(t), to)
	}
	settledLeft := create(e, payment.StatusProcessing) // its processor died before recording the end
	approved := create(e, payment.StatusApproved)
	submitted := create(e, payment.StatusProcessing) // by hand: never claimed
	sent := create(e, payment.StatusProcessing)
	awaiting := create(strict, payment.StatusPending)
	leased := create(e, payment.StatusApproved)
	now := e.Clock.Now()
	for _, w := range []struct {
		id           payment.ID
		owner, until string
		sent         bool
	}{
		{settledLeft.ID, "prc_gone", formatTime(now.Add(-time.Hour)), false},
		{sent.ID, "", formatTime(now.Add(-time.Hour)), true},
		{leased.ID, "prc_a", formatTime(now.Add(time.Minute)), false},
	} {
		_, err := db.ExecContext(ctx, `INSERT INTO payment_work (payment_id, owner, until, sent) VALUES (?, ?, ?, ?)`,
			string(w.id), w.owner, w.until, w.sent)
		require.NoError(t, err)
	}
	e.MustAdvance(t, settledLeft, payment.StatusSettled)

	require.NoError(t, s.Migrate(ctx))
	var rows int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM payment_work WHERE payment_id = ?`, string(settledLeft.ID)).Scan(&rows))
	assert.Zero(t, rows, "the bookkeeping of a finished payment is gone")

	q := payment.ClaimQuery{Owner: "prc_b", Now: now, Until: now.Add(time.Minute), Limit: 10,
		Methods: []payment.Method{payment.MethodBankTransfer}}
	got, err := s.Claim(ctx, q)
	require.NoError(t, err)
	ids := func(ws []payment.Work) []payment.ID {
		var out []payment.ID
		for _, w := range ws {
			out = append(out, w.Payment.ID)
		}
		return out
	}
	assert.Equal(t, []payment.ID{approved.ID, submitted.ID}, ids(got), "never claimed, oldest first")

	q.Polled = q.Methods
	got, err = s.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{sent.ID}, ids(got), "sent: work for a processor that polls its rail")
	assert.True(t, got[0].Sent)

	q.Now, q.Until = now.Add(time.Minute), now.Add(2*time.Minute)
	got, err = s.Claim(ctx, q)
	require.NoError(t, err)
	assert.ElementsMatch(t, []payment.ID{approved.ID, submitted.ID, sent.ID, leased.ID}, ids(got),
		"the lease taken before the upgrade held until its end; awaiting approval: never")
	assert.NotContains(t, ids(got), awaiting.ID)
}
