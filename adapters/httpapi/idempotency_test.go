package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withKey(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }

func TestIdempotencyReplay(t *testing.T) {
	f := newFixture(t)
	body := f.paymentBody()
	first := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("order-42")})
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	assert.Empty(t, first.Header.Get("Idempotent-Replayed"))
	before := f.snapshot()

	f.env.Clock.Advance(23 * time.Hour)
	again := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("order-42")})
	require.Equal(t, http.StatusCreated, again.Status)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body), "the first response, byte for byte")
	assert.NotEqual(t, first.Header.Get("X-Request-Id"), again.Header.Get("X-Request-Id"), "a new request id")
	assert.Equal(t, before, f.snapshot(), "nothing created again")

	// Another key of the same workspace shares the key space.
	other := f.do(req{method: "POST", path: "/v1/payments", key: f.rw2, body: body, header: withKey("order-42")})
	assert.Equal(t, string(first.Body), string(other.Body))
}

func TestIdempotencyMismatch(t *testing.T) {
	f := newFixture(t)
	first := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(), header: withKey("k-1")})
	require.Equal(t, http.StatusCreated, first.Status)
	before := f.snapshot()
	tests := []struct {
		name, method, path, body string
	}{
		{"other amount", "POST", "/v1/payments", f.paymentBody(func(m map[string]any) { m["amount"] = 1 })},
		{"same request, other formatting", "POST", "/v1/payments", " " + f.paymentBody()},
		{"other endpoint", "POST", "/v1/accounts", `{"name":"X","currency":"TRY","type":"external"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(req{method: tc.method, path: tc.path, key: f.rw, body: tc.body, header: withKey("k-1")})
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			e := r.err(t)
			assert.Equal(t, httpapi.CodeIdempotencyKeyReused, e.Code)
			assert.Equal(t, httpapi.TypeIdempotency, e.Type)
			assert.Equal(t, before, f.snapshot())
		})
	}
}

// TestIdempotencyExpiry: after 24 hours the response record is gone, but the core still knows the
// key on the payment: the same request gets the original payment, another request is still refused.
func TestIdempotencyExpiry(t *testing.T) {
	f := newFixture(t)
	body := f.paymentBody()
	first := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-exp")})
	require.Equal(t, http.StatusCreated, first.Status)
	f.env.Clock.Advance(24*time.Hour + time.Second)
	again := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-exp")})
	require.Equal(t, http.StatusCreated, again.Status)
	assert.Empty(t, again.Header.Get("Idempotent-Replayed"), "not replayed from the response store")
	assert.Equal(t, first.payment(t).ID, again.payment(t).ID, "the core returns the original payment")
	r := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(func(m map[string]any) { m["amount"] = 7 }), header: withKey("k-exp")})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, r.err(t).Code)
}

// TestIdempotencyInvalidInputNotKept: a refused request does not use up its key.
func TestIdempotencyInvalidInputNotKept(t *testing.T) {
	f := newFixture(t)
	for _, bad := range []string{`{"amount":1.5}`, f.paymentBody(func(m map[string]any) { m["amount"] = 0 })} {
		r := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: bad, header: withKey("k-fix")})
		require.Contains(t, []int{400, 422}, r.Status)
	}
	r := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(), header: withKey("k-fix")})
	assert.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// TestIdempotencyStateRefusalKept: a refusal about the object's state is the request's outcome, and
// is replayed like a success.
func TestIdempotencyStateRefusalKept(t *testing.T) {
	f := newFixture(t)
	p := f.env.MustAdvance(t, f.env.MustCreate(t), payment.StatusSettled)
	path := "/v1/payments/" + string(p.ID) + "/approve"
	first := f.do(req{method: "POST", path: path, key: f.rw, header: withKey("k-state")})
	require.Equal(t, http.StatusConflict, first.Status)
	again := f.do(req{method: "POST", path: path, key: f.rw, header: withKey("k-state")})
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))
}

func TestIdempotencyKeyInvalid(t *testing.T) {
	f := newFixture(t)
	for name, k := range map[string]string{"too long": strings.Repeat("k", 256), "tab": "a\tb", "non-ascii": "sipariş", "empty": ""} {
		t.Run(name, func(t *testing.T) {
			r := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(), header: withKey(k)})
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			assert.Equal(t, httpapi.CodeIdempotencyKeyInvalid, r.err(t).Code)
		})
	}
	ps, err := f.store.ListPayments(ctx, f.env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Empty(t, ps)
}

// blockingStore holds CreatePayment until released, to keep a request in flight.
type blockingStore struct {
	payment.Store
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *blockingStore) CreatePayment(ctx context.Context, c payment.Change) error {
	if s.armed.Load() {
		s.entered <- struct{}{}
		<-s.release
	}
	return s.Store.CreatePayment(ctx, c)
}

// TestIdempotencyInFlight: while the first request with a key is running, another with the same key
// is 409 idempotency_key_in_use; once it finished, the retry is a replay.
func TestIdempotencyInFlight(t *testing.T) {
	bs := &blockingStore{entered: make(chan struct{}), release: make(chan struct{})}
	f := newFixture(t, withStoreWrap(func(s payment.Store) payment.Store { bs.Store = s; return bs }))
	bs.armed.Store(true)
	body := f.paymentBody()
	var first resp
	var wg sync.WaitGroup
	wg.Go(func() {
		first = f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-fly")})
	})
	select {
	case <-bs.entered: // the first request is inside the store
	case <-time.After(30 * time.Second):
		close(bs.release)
		wg.Wait()
		t.Fatalf("the first request never reached the store: %d %s", first.Status, first.Body)
	}
	r := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-fly")})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, httpapi.CodeIdempotencyKeyInUse, r.err(t).Code)
	// A different body with the key in flight is refused too (it can never succeed).
	r = f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: " " + body, header: withKey("k-fly")})
	assert.Contains(t, []int{http.StatusConflict, http.StatusUnprocessableEntity}, r.Status)
	close(bs.release)
	wg.Wait()
	require.Equal(t, http.StatusCreated, first.Status)
	again := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-fly")})
	assert.Equal(t, string(first.Body), string(again.Body))
	assert.Len(t, f.snapshot().Payments, 2, "the one payment, and workspace B's")
}

// TestIdempotencyConcurrent fires the same keyed request from many clients at once: exactly one
// payment is created; every answer is that payment or 409 in use.
func TestIdempotencyConcurrent(t *testing.T) {
	f := newFixture(t)
	body := f.paymentBody()
	const n = 16
	results := make([]resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: body, header: withKey("k-race")})
		})
	}
	wg.Wait()
	var ids []payment.ID
	for _, r := range results {
		switch r.Status {
		case http.StatusCreated:
			ids = append(ids, r.payment(t).ID)
		case http.StatusConflict:
			assert.Equal(t, httpapi.CodeIdempotencyKeyInUse, r.err(t).Code)
		default:
			t.Errorf("unexpected %d: %s", r.Status, r.Body)
		}
	}
	require.NotEmpty(t, ids)
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	ps, err := f.store.ListPayments(ctx, f.env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, ps, 1)
}

func TestMemoryResponseStore(t *testing.T) {
	s := httpapi.NewMemoryResponseStore()
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	fp := [32]byte{1}
	_, claimed, err := s.Begin(ctx, "k", fp, t0, time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed)
	rec, claimed, _ := s.Begin(ctx, "k", fp, t0, time.Hour)
	assert.False(t, claimed)
	assert.False(t, rec.Done, "in flight")
	require.NoError(t, s.Complete(ctx, "k", t0, httpapi.StoredResponse{Fingerprint: fp, Status: 201, Body: []byte("x"), CreatedAt: t0}))
	rec, claimed, _ = s.Begin(ctx, "k", fp, t0.Add(59*time.Minute), time.Hour)
	assert.False(t, claimed)
	assert.True(t, rec.Done)
	assert.Equal(t, 201, rec.Status)
	// Expired: claimable again, and swept.
	_, claimed, _ = s.Begin(ctx, "other", fp, t0.Add(2*time.Hour), time.Hour)
	assert.True(t, claimed)
	assert.Equal(t, 1, s.Len(), "the expired record was swept")
	_, claimed, _ = s.Begin(ctx, "k", fp, t0.Add(2*time.Hour), time.Hour)
	assert.True(t, claimed)
	require.NoError(t, s.Release(ctx, "k", t0.Add(2*time.Hour)))
	_, claimed, _ = s.Begin(ctx, "k", fp, t0.Add(2*time.Hour), time.Hour)
	assert.True(t, claimed)
}

// TestMemoryResponseStoreExpiry: records leave in age order, a replaced record lives from its
// replacement, and the queue does not grow without bound.
func TestMemoryResponseStoreExpiry(t *testing.T) {
	s := httpapi.NewMemoryResponseStore()
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ttl := time.Hour
	for i := range 5000 {
		now := t0.Add(time.Duration(i) * time.Second)
		_, claimed, err := s.Begin(ctx, fmt.Sprint("k", i), [32]byte{}, now, ttl)
		require.NoError(t, err)
		require.True(t, claimed)
		done := now
		if i == 4999 { // a request that ran for 30 minutes: its record is replaced when it completes
			done = now.Add(30 * time.Minute)
		}
		require.NoError(t, s.Complete(ctx, fmt.Sprint("k", i), now, httpapi.StoredResponse{Status: 201, CreatedAt: done}))
	}
	assert.Equal(t, 3600, s.Len(), "one hour of records, one per second")
	// k4999's claim's queue entry must not drop the record its completion replaced it with.
	last := t0.Add(4999 * time.Second)
	rec, claimed, _ := s.Begin(ctx, "k4999", [32]byte{}, last.Add(70*time.Minute), ttl)
	assert.False(t, claimed)
	assert.Equal(t, 201, rec.Status)
	assert.Equal(t, 1, s.Len(), "everything else expired")
}

// TestMemoryResponseStoreBound: past MaxBytes the oldest finished records go first, a request in
// flight keeps its record, and what the store holds stays near the bound.
func TestMemoryResponseStoreBound(t *testing.T) {
	s := httpapi.NewMemoryResponseStore()
	require.Equal(t, int64(httpapi.DefaultResponseStoreBytes), s.MaxBytes)
	s.MaxBytes = 10_000
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	body := bytes.Repeat([]byte("x"), 900) // about a kilobyte a record with its key and overhead
	_, claimed, err := s.Begin(ctx, "in-flight", [32]byte{}, t0, time.Hour)
	require.NoError(t, err)
	require.True(t, claimed)
	for i := range 100 {
		now := t0.Add(time.Duration(i) * time.Second)
		key := fmt.Sprint("k", i)
		_, claimed, err := s.Begin(ctx, key, [32]byte{}, now, time.Hour)
		require.NoError(t, err)
		require.True(t, claimed, key)
		require.NoError(t, s.Complete(ctx, key, now, httpapi.StoredResponse{Status: 201, Body: body, CreatedAt: now}))
		require.LessOrEqual(t, s.Len(), 11, "about ten records fit")
	}
	rec, claimed, _ := s.Begin(ctx, "in-flight", [32]byte{}, t0.Add(2*time.Minute), time.Hour)
	assert.False(t, claimed, "the request in flight kept its record")
	assert.False(t, rec.Done)
	rec, claimed, _ = s.Begin(ctx, "k99", [32]byte{}, t0.Add(2*time.Minute), time.Hour)
	assert.False(t, claimed, "the newest record is kept")
	assert.Equal(t, 201, rec.Status)
	_, claimed, _ = s.Begin(ctx, "k0", [32]byte{}, t0.Add(2*time.Minute), time.Hour)
	assert.True(t, claimed, "the oldest was dropped before its TTL")
	require.NoError(t, s.Release(ctx, "k0", t0.Add(2*time.Minute)))
}

// TestMemoryResponseStoreClaimLost: a request that outlives the TTL has lost its claim once another
// request claimed the key; completing or releasing it then leaves the newer record alone.
func TestMemoryResponseStoreClaimLost(t *testing.T) {
	s := httpapi.NewMemoryResponseStore()
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	slow, quick := [32]byte{1}, [32]byte{2}
	_, claimed, _ := s.Begin(ctx, "k", slow, t0, time.Hour)
	require.True(t, claimed)
	later := t0.Add(90 * time.Minute)
	_, claimed, _ = s.Begin(ctx, "k", quick, later, time.Hour)
	require.True(t, claimed, "the slow request's claim expired")
	require.NoError(t, s.Release(ctx, "k", t0))
	rec, claimed, _ := s.Begin(ctx, "k", quick, later, time.Hour)
	require.False(t, claimed, "the newer claim was not released")
	assert.Equal(t, quick, rec.Fingerprint)
	require.NoError(t, s.Complete(ctx, "k", later, httpapi.StoredResponse{Fingerprint: quick, Status: 200, CreatedAt: later}))
	err := s.Complete(ctx, "k", t0, httpapi.StoredResponse{Fingerprint: slow, Status: 201, CreatedAt: later})
	assert.ErrorIs(t, err, httpapi.ErrClaimLost)
	rec, claimed, _ = s.Begin(ctx, "k", quick, later, time.Hour)
	require.False(t, claimed)
	assert.Equal(t, quick, rec.Fingerprint)
	assert.Equal(t, 200, rec.Status)
	// A finished record is not a claim: completing or releasing it again changes nothing.
	assert.ErrorIs(t, s.Complete(ctx, "k", later, httpapi.StoredResponse{Status: 500}), httpapi.ErrClaimLost)
	require.NoError(t, s.Release(ctx, "k", later))
	rec, claimed, _ = s.Begin(ctx, "k", quick, later, time.Hour)
	assert.False(t, claimed)
	assert.Equal(t, 200, rec.Status)
}

// TestIdempotencyClaimOutlived: a request that runs longer than the TTL loses its key to a newer
// request; when it finishes, the newer request's answer stays the one replayed for the key.
func TestIdempotencyClaimOutlived(t *testing.T) {
	bs := &blockingStore{entered: make(chan struct{}), release: make(chan struct{})}
	f := newFixture(t, withStoreWrap(func(s payment.Store) payment.Store { bs.Store = s; return bs }))
	other := f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody()})
	require.Equal(t, http.StatusCreated, other.Status, "%s", other.Body)
	bs.armed.Store(true)
	var slow resp
	var wg sync.WaitGroup
	wg.Go(func() {
		slow = f.do(req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(), header: withKey("k-slow")})
	})
	<-bs.entered
	bs.armed.Store(false)
	released := false
	defer func() { // the slow request must end before the fixture's server closes
		if !released {
			close(bs.release)
			wg.Wait()
		}
	}()
	f.env.Clock.Advance(25 * time.Hour) // past the 24-hour TTL
	approve := func() resp {
		return f.do(req{method: "POST", path: "/v1/payments/" + string(other.payment(t).ID) + "/approve", key: f.rw,
			header: withKey("k-slow")})
	}
	quick := approve()
	require.Equal(t, http.StatusOK, quick.Status, "%s", quick.Body)
	released = true
	close(bs.release)
	wg.Wait()
	require.Equal(t, http.StatusCreated, slow.Status, "%s", slow.Body)
	again := approve()
	assert.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(quick.Body), string(again.Body))
}

// TestIdempotencySecretsReplayOnlyToTheirKey: an answer that holds a secret shown once (a new API
// key's) is replayed to the key that asked for it; another key of the workspace that sends the same
// Idempotency-Key is told the key is used (nothing created, no secret). The key space is still one
// per workspace across routes. Every answer says it must not be cached.
func TestIdempotencySecretsReplayOnlyToTheirKey(t *testing.T) {
	f := newFixture(t)
	admin2 := f.newKey(f.env.Workspace.ID, payment.ScopeAdmin, time.Time{})
	body := `{"name":"ci","scope":"read-only"}`
	first := f.do(req{method: "POST", path: "/v1/api_keys", key: f.admin, body: body, header: withKey("k1")})
	require.Equal(t, http.StatusCreated, first.Status, "%s", first.Body)
	assert.Equal(t, "no-store", first.Header.Get("Cache-Control"))
	again := f.do(req{method: "POST", path: "/v1/api_keys", key: f.admin, body: body, header: withKey("k1")})
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))

	other := f.do(req{method: "POST", path: "/v1/api_keys", key: admin2, body: body, header: withKey("k1")})
	require.Equal(t, http.StatusUnprocessableEntity, other.Status, "%s", other.Body)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, other.err(t).Code)
	var a struct{ Secret string }
	first.json(t, &a)
	assert.NotEmpty(t, a.Secret)
	assert.NotContains(t, string(other.Body), a.Secret, "another key does not get the first key's secret")
	keys := f.get(f.admin, "/v1/api_keys")
	assert.Equal(t, 1, strings.Count(string(keys.Body), `"name":"ci"`), "nothing created for the other key")

	pay := f.do(req{method: "POST", path: "/v1/payments", key: f.admin, body: f.paymentBody(), header: withKey("k1")})
	assert.Equal(t, http.StatusUnprocessableEntity, pay.Status, "one key space per workspace, across routes")
}
