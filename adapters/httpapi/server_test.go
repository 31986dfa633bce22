package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewServerTimeouts(t *testing.T) {
	srv := httpapi.NewServer("127.0.0.1:8080", http.NotFoundHandler())
	assert.Equal(t, "127.0.0.1:8080", srv.Addr)
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout": srv.ReadTimeout, "WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		assert.Positive(t, d, name)
	}
	assert.Positive(t, srv.MaxHeaderBytes)
}

// TestGracefulShutdown: Shutdown stops accepting connections at once but lets the request in flight
// finish and get its answer.
func TestGracefulShutdown(t *testing.T) {
	f := newFixture(t)
	entered, release := make(chan struct{}), make(chan struct{})
	f.h.Mount(httpapi.Route{Pattern: "POST /v1/slow", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"done": "yes"})
	})})
	srv := httpapi.NewServer("127.0.0.1:0", f.h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		r, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/slow", nil)
		r.Header.Set("Authorization", "Bearer "+f.rw)
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			answered <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- result{status: res.StatusCode, body: string(b), err: err}
	}()
	<-entered

	started := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(started) })
	shut := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- srv.Shutdown(sctx)
	}()
	<-started // listeners are closed before the hooks run
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "no new connections during shutdown")
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	res := <-answered
	require.NoError(t, res.err)
	assert.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"done":"yes"}`, res.body)
	assert.NoError(t, <-shut)
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
}

// TestMount: an extra endpoint gets authentication, scopes, the body limit, idempotency, request ids
// and the error mapping of the built-in ones.
func TestMount(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t, withOptions(httpapi.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	var calls int
	var mu sync.Mutex
	f.h.Mount(httpapi.Route{Pattern: "POST /v1/reconciliation/runs", MaxBodyBytes: 64, Handler: http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			key, ok := httpapi.KeyFromContext(r.Context())
			if !ok {
				httpapi.WriteError(w, r, errors.New("no key"))
				return
			}
			b, err := io.ReadAll(r.Body)
			if err != nil {
				httpapi.WriteError(w, r, &httpapi.Error{Status: 413, Type: httpapi.TypeInvalidRequest, Code: httpapi.CodeBodyTooLarge, Message: "too large"})
				return
			}
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			httpapi.WriteJSON(w, http.StatusCreated, map[string]any{"workspace": key.Workspace, "body": string(b), "call": n,
				"request_id": httpapi.RequestID(r.Context())})
		})})
	f.h.Mount(httpapi.Route{Pattern: "GET /v1/reconciliation/runs/{id}", Handler: http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { httpapi.WriteError(w, r, payment.ErrNotFound) })})
	f.h.Mount(httpapi.Route{Pattern: "GET /v1/boom", Handler: http.HandlerFunc(
		func(http.ResponseWriter, *http.Request) { panic("disk on fire at /var/lib/orkesta.db") })})

	plain := func(method, path, key, body string, hd map[string]string) resp {
		return f.do(req{method: method, path: path, key: key, body: body, contentType: "text/csv", header: hd, noContract: true})
	}
	r := plain("POST", "/v1/reconciliation/runs", f.rw, "a,b", map[string]string{"Idempotency-Key": "run-1", "X-Request-Id": "abc-123"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.JSONEq(t, `{"workspace":"`+string(f.env.Workspace.ID)+`","body":"a,b","call":1,"request_id":"abc-123"}`, string(r.Body))
	assert.Equal(t, "abc-123", r.Header.Get("X-Request-Id"), "a plain caller id is kept")
	again := plain("POST", "/v1/reconciliation/runs", f.rw, "a,b", map[string]string{"Idempotency-Key": "run-1"})
	assert.Equal(t, string(r.Body), string(again.Body), "replayed: the handler ran once")
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))

	assert.Equal(t, http.StatusForbidden, plain("POST", "/v1/reconciliation/runs", f.ro, "x", nil).Status, "POST needs read-write")
	assert.Equal(t, http.StatusUnauthorized, plain("POST", "/v1/reconciliation/runs", "", "x", nil).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, plain("POST", "/v1/reconciliation/runs", f.rw, strings.Repeat("x", 65), nil).Status)
	big := plain("POST", "/v1/reconciliation/runs", f.rw, strings.Repeat("x", 65), map[string]string{"Idempotency-Key": "run-2"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, big.Status)

	nf := plain("GET", "/v1/reconciliation/runs/run_1", f.ro, "", nil)
	assert.Equal(t, http.StatusNotFound, nf.Status)
	assert.Equal(t, httpapi.CodeNotFound, nf.err(t).Code)

	boom := plain("GET", "/v1/boom", f.ro, "", map[string]string{"X-Request-Id": "bad id with spaces"})
	require.Equal(t, http.StatusInternalServerError, boom.Status)
	e := boom.err(t)
	assert.Equal(t, httpapi.CodeInternal, e.Code)
	assert.NotContains(t, string(boom.Body), "disk", "no internals in 5xx bodies")
	rid := boom.Header.Get("X-Request-Id")
	assert.True(t, strings.HasPrefix(rid, "req_"), "an unusable caller id is replaced: %q", rid)
	assert.Contains(t, logs.String(), rid, "the 5xx is logged under its request id")
	assert.Contains(t, logs.String(), "disk on fire")

	assert.Panics(t, func() { f.h.Mount(httpapi.Route{Pattern: "/v1/no-method", Handler: http.NotFoundHandler()}) })
	assert.Panics(t, func() { f.h.Mount(httpapi.Route{Pattern: "POST /v1/payments", Handler: http.NotFoundHandler()}) })
	assert.PanicsWithValue(t, `httpapi: Mount of "POST /v1/typo": scope "write" is not read-only, read-write or admin`, func() {
		f.h.Mount(httpapi.Route{Pattern: "POST /v1/typo", Scope: "write", Handler: http.NotFoundHandler()})
	}, "a mistyped scope is found at start-up, not left to let every key in")
}

// failingStore fails reads with an internal error, as a broken database would.
type failingStore struct {
	payment.Store
	fail bool
}

func (s *failingStore) GetPayment(ctx context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error) {
	if s.fail {
		return payment.Payment{}, fmt.Errorf("sqlite: disk I/O error reading /var/lib/orkesta/secret.db")
	}
	return s.Store.GetPayment(ctx, ws, id)
}

// TestInternalErrors: a store failure is a generic 500 (documented, logged with the request id),
// never the store's message.
func TestInternalErrors(t *testing.T) {
	var logs bytes.Buffer
	fs := &failingStore{}
	f := newFixture(t, withStoreWrap(func(s payment.Store) payment.Store { fs.Store = s; return fs }),
		withOptions(httpapi.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	p := f.createPayment(f.rw)
	fs.fail = true
	for _, rq := range []req{
		{method: "GET", path: "/v1/payments/" + string(p.ID), key: f.ro},
		{method: "DELETE", path: "/v1/payments/" + string(p.ID), key: f.rw},
		{method: "POST", path: "/v1/payments/" + string(p.ID) + "/approve", key: f.rw},
	} {
		r := f.do(rq)
		require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
		e := r.err(t)
		assert.Equal(t, httpapi.TypeAPI, e.Type)
		assert.NotContains(t, string(r.Body), "sqlite")
		assert.Contains(t, logs.String(), `"request_id":"`+r.Header.Get("X-Request-Id")+`"`)
	}
	assert.Contains(t, logs.String(), "disk I/O error")
}

// TestListPagination pages through 25 payments, newest first, and applies the filters.
func TestListPagination(t *testing.T) {
	f := newFixture(t)
	var ids []payment.ID
	for i := range 25 {
		f.env.Clock.Advance(time.Minute)
		p := f.createPayment(f.rw, func(m map[string]any) { m["reference"] = fmt.Sprintf("INV-%02d", i) })
		ids = append(ids, p.ID)
	}
	var got []payment.ID
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		r := f.get(f.ro, "/v1/payments?limit=10"+cursor)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var list httpapi.PaymentList
		r.json(t, &list)
		for _, p := range list.Data {
			got = append(got, p.ID)
		}
		if !list.HasMore {
			break
		}
		cursor = "&starting_after=" + string(list.Data[len(list.Data)-1].ID)
	}
	require.Len(t, got, 25)
	for i := range got {
		assert.Equal(t, ids[24-i], got[i], "newest first")
	}
	var list httpapi.PaymentList
	f.get(f.ro, "/v1/payments").json(t, &list)
	assert.Len(t, list.Data, 20, "default page size")

	from := f.env.Clock.Now().Add(-4 * time.Minute).Format(time.RFC3339)
	f.get(f.ro, "/v1/payments?created_gte="+from+"&status=pending,approved&method=bank_transfer&currency=TRY").json(t, &list)
	assert.Len(t, list.Data, 5)
	f.get(f.ro, "/v1/payments?reference=INV-07&to_account="+string(f.env.Vendor.ID)).json(t, &list)
	require.Len(t, list.Data, 1)
	assert.Equal(t, ids[7], list.Data[0].ID)
	f.get(f.ro, "/v1/payments?status=settled").json(t, &list)
	assert.Empty(t, list.Data)
}

// TestListCreatedBoundsWithOffset: created_gte and created_lte take an offset (sent as %2B) and are
// inclusive at the exact instant. An offset's "+" sent unescaped arrives as a space; the refusal says
// so, where it said only "must be an RFC 3339 time" of a time that is one.
func TestListCreatedBoundsWithOffset(t *testing.T) {
	f := newFixture(t)
	p := f.env.MustCreate(t) // created at 09:00Z, 12:00 in Istanbul
	for _, tc := range []struct {
		query string
		n     int
	}{
		{"created_gte=2026-01-15T12:00:00%2B03:00", 1},
		{"created_gte=2026-01-15T12:00:00.000001%2B03:00", 0},
		{"created_lte=2026-01-15T12:00:00%2B03:00", 1},
		{"created_lte=2026-01-15T11:59:59.999999%2B03:00", 0},
		{"created_gte=2026-01-15T04:00:00-05:00&created_lte=2026-01-15T04:00:00-05:00", 1},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := f.get(f.ro, "/v1/payments?"+tc.query)
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			var list httpapi.PaymentList
			r.json(t, &list)
			require.Len(t, list.Data, tc.n)
			if tc.n == 1 {
				assert.Equal(t, p.ID, list.Data[0].ID)
			}
		})
	}
	r := f.get(f.ro, "/v1/payments?created_gte=2026-01-15T12:00:00+03:00")
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeInvalidParameter, e.Code)
	assert.Equal(t, "created_gte", e.Param)
	assert.Contains(t, e.Message, "send the offset's + as %2B")
}

// filterRecorder keeps the filters the service passes to the store.
type filterRecorder struct {
	payment.Store
	mu      sync.Mutex
	filters []payment.ListFilter
}

func (s *filterRecorder) ListPayments(ctx context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	s.mu.Lock()
	s.filters = append(s.filters, f)
	s.mu.Unlock()
	return s.Store.ListPayments(ctx, ws, f)
}

// TestListStatusRepeats: a status filter repeating statuses reaches the store with each status once.
// A store compares every payment with every status it is given: 90,000 repeats in one query (under
// the 1 MB header limit) made a list of a large workspace take seconds of CPU.
func TestListStatusRepeats(t *testing.T) {
	rec := &filterRecorder{}
	f := newFixture(t, withStoreWrap(func(s payment.Store) payment.Store { rec.Store = s; return rec }))
	pending := f.env.MustCreate(t)
	failed := f.env.MustAdvance(t, f.env.MustCreate(t), payment.StatusFailed)
	r := f.get(f.ro, "/v1/payments?status="+strings.Repeat("reconciled,failed,", 1000)+"pending")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var list httpapi.PaymentList
	r.json(t, &list)
	require.Len(t, list.Data, 2)
	assert.Equal(t, []payment.ID{failed.ID, pending.ID}, []payment.ID{list.Data[0].ID, list.Data[1].ID})
	require.NotEmpty(t, rec.filters)
	assert.Equal(t, []payment.Status{payment.StatusReconciled, payment.StatusFailed, payment.StatusPending},
		rec.filters[len(rec.filters)-1].Statuses)
}

// TestListPageSizeFollowsService: GET /v1/payments pages by the service's DefaultPageSize and takes
// ?limit up to its MaxPageSize (payment.Options), as Service.List does; the API used 20 and 100
// whatever the service was configured with.
func TestListPageSizeFollowsService(t *testing.T) {
	f := newFixture(t, withEnv(paymenttest.WithServiceOptions(payment.Options{DefaultPageSize: 3, MaxPageSize: 150})))
	for range 5 {
		f.env.MustCreate(t)
	}
	var list httpapi.PaymentList
	f.get(f.ro, "/v1/payments").json(t, &list)
	assert.Len(t, list.Data, 3, "the service's default page size")
	assert.True(t, list.HasMore)

	r := f.get(f.ro, "/v1/payments?limit=150")
	require.Equal(t, http.StatusOK, r.Status, "up to the service's maximum: %s", r.Body)
	r.json(t, &list)
	assert.Len(t, list.Data, 5)
	assert.False(t, list.HasMore)

	r = f.get(f.ro, "/v1/payments?limit=151")
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeInvalidParameter, e.Code)
	assert.Equal(t, "limit must be an integer from 1 to 150", e.Message)

	// A maximum below 100 is what ?limit may ask for, not cut short silently.
	small := newFixture(t, withEnv(paymenttest.WithServiceOptions(payment.Options{MaxPageSize: 2})))
	for range 3 {
		small.env.MustCreate(t)
	}
	small.get(small.ro, "/v1/payments").json(t, &list)
	assert.Len(t, list.Data, 2, "the default page is at most the maximum")
	r = small.get(small.ro, "/v1/payments?limit=3")
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	assert.Equal(t, "limit must be an integer from 1 to 2", r.err(t).Message)
}
