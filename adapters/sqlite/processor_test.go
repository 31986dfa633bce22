package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestProcessors runs three payment.Processors, each on its own Store and connections as separate
// processes would be, over the same database file: every payment is sent to the rail exactly once.
func TestProcessors(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t, sqlite.OpenOptions{})
	setup := sqlite.New(db, sqlite.Options{})
	require.NoError(t, setup.Migrate(ctx))
	rail := &paymenttest.Rail{}
	env := paymenttest.NewEnv(t, setup)
	var ids []payment.ID
	for i := range 60 {
		p := env.MustCreate(t)
		if i%2 == 0 {
			p = env.MustAdvance(t, p, payment.StatusApproved)
		}
		ids = append(ids, p.ID)
	}
	done := make(chan error, 3)
	for range 3 {
		other, err := sqlite.Open(ctx, path, sqlite.OpenOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = other.Close() })
		svc := payment.NewService(sqlite.New(other, sqlite.Options{}), payment.Options{
			Clock: env.Clock, Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}})
		pr := payment.NewProcessor(svc, payment.ProcessorOptions{BatchSize: 7})
		go func() {
			for {
				st, err := pr.ProcessOnce(ctx)
				if err != nil || st.Claimed == 0 {
					done <- err
					return
				}
			}
		}()
	}
	for range 3 {
		require.NoError(t, <-done)
	}
	for _, id := range ids {
		p, err := setup.GetPayment(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusProcessing, p.Status, id)
		assert.Equal(t, 1, rail.Attempts(id), "%s: sent once", id)
	}
}
