package dashboard_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// testEnv is a dashboard on a memory store with the paymenttest workspace and one key per scope.
type testEnv struct {
	*paymenttest.Env
	store   *memory.Store
	handler *dashboard.Handler
	server  *httptest.Server
	// secrets of the keys by scope
	admin, writer, reader string
}

func newTestEnv(t testing.TB, opts dashboard.Options) *testEnv {
	t.Helper()
	return newTestEnvOn(t, opts, nil)
}

// newTestEnvOn is newTestEnv with the payments service on wrap(store), when wrap is not nil: a store
// that fails on demand.
func newTestEnvOn(t testing.TB, opts dashboard.Options, wrap func(*memory.Store) payment.Store) *testEnv {
	t.Helper()
	return newTestEnvWith(t, opts, wrap)
}

// newTestEnvWith is newTestEnvOn with options for the workspace (its approval policy, say).
func newTestEnvWith(t testing.TB, opts dashboard.Options, wrap func(*memory.Store) payment.Store,
	envOpts ...paymenttest.Option) *testEnv {
	t.Helper()
	store := memory.New()
	var ps payment.Store = store
	if wrap != nil {
		ps = wrap(store)
	}
	env := paymenttest.NewEnv(t, ps, envOpts...)
	e := &testEnv{Env: env, store: store}
	e.admin = e.key(t, "admin-key", payment.ScopeAdmin)
	e.writer = e.key(t, "writer-key", payment.ScopeReadWrite)
	e.reader = e.key(t, "reader-key", payment.ScopeReadOnly)
	if opts.Clock == nil {
		opts.Clock = env.Clock
	}
	if opts.Reconcile == nil {
		opts.Reconcile = dashboard.NewServiceReconciler(
			reconcile.NewService(env.Service, memory.NewRunStore(store), reconcile.ServiceOptions{}), xlsx.WriteReport)
	}
	e.handler = dashboard.New(env.Service, store, opts)
	e.server = httptest.NewServer(e.handler)
	t.Cleanup(e.server.Close)
	return e
}

func (e *testEnv) key(t testing.TB, name string, scope payment.Scope) string {
	t.Helper()
	secret, hash := payment.NewAPIKeySecret()
	require.NoError(t, e.store.CreateAPIKey(context.Background(), payment.APIKey{
		ID: e.Service.NewID(payment.PrefixAPIKey), Workspace: e.Workspace.ID, Name: name, Scope: scope,
		Hash: hash, Prefix: secret[:8], CreatedAt: e.Clock.Now().Truncate(time.Microsecond)}))
	return secret
}
