package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestProcessors runs three payment.Processors, each on its own Store and pool as separate processes
// would be, over the same payments: every payment is sent to the rail exactly once.
func TestProcessors(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)
	setup := postgres.New(openPool(t, dsn, schema, 2), postgres.Options{})
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
		svc := payment.NewService(postgres.New(openPool(t, dsn, schema, 4), postgres.Options{}), payment.Options{
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
