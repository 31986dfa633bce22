package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

// fixture is a real server (httptest.Server on loopback) over the memory store, with two workspaces:
// A (the paymenttest.Env, where tests work) and B (a neighbour whose objects A must never see).
// Every request goes through the contract transport, which validates it and its response against
// docs/openapi.yaml.
type fixture struct {
	t     *testing.T
	store *memory.Store
	env   *paymenttest.Env
	h     *httpapi.Handler
	srv   *httptest.Server
	c     *http.Client
	// Secrets of workspace A's keys by scope; rw2 is a second read-write key (another actor).
	ro, rw, rw2, admin string
	keyIDs             map[string]string // secret → key id
	// Workspace B: its read-write key and one of its payments and accounts.
	otherKey     string
	otherPayment payment.Payment
	otherAccount payment.Account
	otherWS      payment.Workspace
}

type fixtureOpt struct {
	env     []paymenttest.Option
	options httpapi.Options
	wrap    func(payment.Store) payment.Store
}

// withStoreWrap puts a wrapper around the store the service uses (keys stay in the memory store).
func withStoreWrap(w func(payment.Store) payment.Store) func(*fixtureOpt) {
	return func(f *fixtureOpt) { f.wrap = w }
}

func withEnv(o ...paymenttest.Option) func(*fixtureOpt) {
	return func(f *fixtureOpt) { f.env = append(f.env, o...) }
}

func withOptions(o httpapi.Options) func(*fixtureOpt) {
	return func(f *fixtureOpt) { f.options = o }
}

func newFixture(t *testing.T, mods ...func(*fixtureOpt)) *fixture {
	t.Helper()
	cfg := fixtureOpt{options: httpapi.Options{Sandbox: true}}
	for _, m := range mods {
		m(&cfg)
	}
	store := memory.New()
	var svcStore payment.Store = store
	if cfg.wrap != nil {
		svcStore = cfg.wrap(store)
	}
	env := paymenttest.NewEnv(t, svcStore, cfg.env...)
	f := &fixture{t: t, store: store, env: env, keyIDs: map[string]string{}}
	f.ro = f.newKey(env.Workspace.ID, payment.ScopeReadOnly, time.Time{})
	f.rw = f.newKey(env.Workspace.ID, payment.ScopeReadWrite, time.Time{})
	f.rw2 = f.newKey(env.Workspace.ID, payment.ScopeReadWrite, time.Time{})
	f.admin = f.newKey(env.Workspace.ID, payment.ScopeAdmin, time.Time{})

	// Workspace B, on the same service and store.
	svc := env.Service
	ws, err := svc.CreateWorkspace(ctx, "Rakip Holding", payment.PlanEnterprise, payment.ApprovalPolicy{})
	require.NoError(t, err)
	f.otherWS = ws
	own, err := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "B Operating", Currency: "TRY", Type: payment.AccountInternal})
	require.NoError(t, err)
	peer, err := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "B Vendor", Currency: "TRY", Type: payment.AccountExternal})
	require.NoError(t, err)
	f.otherAccount = own
	f.otherPayment, err = svc.Create(ctx, ws.ID, payment.Request{Amount: 777, Currency: "TRY",
		Method: payment.MethodEFT, FromAccount: own.ID, ToAccount: peer.ID, Reference: "B-1"})
	require.NoError(t, err)
	f.otherKey = f.newKey(ws.ID, payment.ScopeAdmin, time.Time{})

	opts := cfg.options
	if opts.Clock == nil {
		opts.Clock = env.Clock
	}
	f.h = httpapi.New(svc, store, opts)
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	f.c = &http.Client{Transport: &contractTransport{t: t, base: f.srv.Client().Transport}}
	return f
}

// newKey stores an API key and returns its secret.
func (f *fixture) newKey(ws payment.WorkspaceID, scope payment.Scope, expires time.Time) string {
	f.t.Helper()
	secret, hash := payment.NewAPIKeySecret()
	id := f.env.Service.NewID(payment.PrefixAPIKey)
	require.NoError(f.t, f.store.CreateAPIKey(ctx, payment.APIKey{ID: id, Workspace: ws, Name: string(scope),
		Scope: scope, Hash: hash, Prefix: secret[:8], CreatedAt: f.env.Clock.Now(), ExpiresAt: expires}))
	f.keyIDs[secret] = id
	return secret
}

// resp is a response with its body read.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

func (r resp) payment(t *testing.T) httpapi.Payment {
	t.Helper()
	var p httpapi.Payment
	r.json(t, &p)
	return p
}

func (r resp) err(t *testing.T) httpapi.Error {
	t.Helper()
	var e struct{ Error httpapi.Error }
	r.json(t, &e)
	return e.Error
}

// req is one request to send.
type req struct {
	method, path string
	key          string // bearer secret; "" sends none
	body         string // sent as is; "" sends no body
	contentType  string // default application/json when a body is sent; "none" sends no header
	header       map[string]string
	noContract   bool // for routes mounted by a test, which the document does not describe
}

// do sends r. It fails the test without stopping it (it may run in subtests and goroutines); a failed
// request returns status 0.
func (f *fixture) do(r req) resp {
	f.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, f.srv.URL+r.path, body)
	if err != nil {
		f.t.Errorf("%s %s: %v", r.method, r.path, err)
		return resp{}
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	switch {
	case r.contentType == "none":
	case r.contentType != "":
		hr.Header.Set("Content-Type", r.contentType)
	case r.body != "":
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	client := f.c
	if r.noContract {
		client = f.srv.Client()
	}
	res, err := client.Do(hr)
	if err != nil {
		f.t.Errorf("%s %s: %v", r.method, r.path, err)
		return resp{}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Errorf("%s %s: reading the body: %v", r.method, r.path, err)
	}
	assert.NotEmpty(f.t, res.Header.Get("X-Request-Id"), "every response has X-Request-Id")
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func (f *fixture) get(key, path string) resp { return f.do(req{method: "GET", path: path, key: key}) }

func (f *fixture) post(key, path, body string) resp {
	return f.do(req{method: "POST", path: path, key: key, body: body})
}

// paymentBody is a valid create body from Own (TRY) to Vendor; extra is spliced in ("," + members)
// or replaces a member when it names one already there.
func (f *fixture) paymentBody(mods ...func(map[string]any)) string {
	m := map[string]any{
		"amount": 125000, "currency": "TRY", "method": "bank_transfer",
		"from_account": string(f.env.Own.ID), "to_account": string(f.env.Vendor.ID),
		"description": "Invoice payment", "reference": "INV-2026-0001",
	}
	for _, mod := range mods {
		mod(m)
	}
	b, err := json.Marshal(m)
	require.NoError(f.t, err)
	return string(b)
}

func (f *fixture) createPayment(key string, mods ...func(map[string]any)) httpapi.Payment {
	f.t.Helper()
	r := f.post(key, "/v1/payments", f.paymentBody(mods...))
	require.Equal(f.t, http.StatusCreated, r.Status, "create: %s", r.Body)
	return r.payment(f.t)
}

// snapshot is everything the store holds that a request could change.
type snapshot struct {
	Payments []payment.Payment
	Accounts []payment.Account
	Keys     []payment.APIKey
	Outbox   int
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	var s snapshot
	for _, ws := range []payment.WorkspaceID{f.env.Workspace.ID, f.otherWS.ID} {
		ps, err := f.store.ListPayments(ctx, ws, payment.ListFilter{})
		require.NoError(f.t, err)
		s.Payments = append(s.Payments, ps...)
		as, err := f.store.ListAccounts(ctx, ws)
		require.NoError(f.t, err)
		s.Accounts = append(s.Accounts, as...)
		ks, err := f.store.ListAPIKeys(ctx, ws)
		require.NoError(f.t, err)
		s.Keys = append(s.Keys, ks...)
	}
	s.Outbox = len(f.store.Outbox())
	return s
}
