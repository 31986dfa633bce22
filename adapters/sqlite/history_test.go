package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment/paymenttest"
)

func TestHistoryIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	env := paymenttest.NewEnv(t, s)
	p := env.MustCreate(t)
	_, err := s.DB().ExecContext(ctx, `UPDATE payment_history SET actor = 'mallory' WHERE payment_id = ?`, string(p.ID))
	assert.ErrorContains(t, err, "append-only")
	_, err = s.DB().ExecContext(ctx, `DELETE FROM payment_history WHERE payment_id = ?`, string(p.ID))
	assert.ErrorContains(t, err, "append-only")
	h, err := s.History(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	assert.Len(t, h, 1)
	assert.Empty(t, h[0].Actor)
}
