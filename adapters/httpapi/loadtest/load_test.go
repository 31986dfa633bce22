package loadtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/require"
)

// clients is the number of concurrent connections of the load benchmarks.
const clients = 64

type store interface {
	payment.Store
	payment.KeyStore
}

func memoryStore(testing.TB) store { return memory.New() }

func sqliteStore(tb testing.TB) store {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "orkesta.db"), sqlite.OpenOptions{})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	s := sqlite.New(db, sqlite.Options{})
	tb.Cleanup(func() { _ = s.Close() })
	require.NoError(tb, s.Migrate(ctx))
	return s
}

// server is the API on a loopback listener over a store, with the wall clock and random ids as in
// production, a read-write key, and a client that keeps one connection per concurrent caller.
type server struct {
	env    *paymenttest.Env
	url    string
	secret string
	client *http.Client
}

func newServer(b *testing.B, s store) *server {
	b.Helper()
	env := paymenttest.NewEnv(b, s, paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
	secret, hash := payment.NewAPIKeySecret()
	require.NoError(b, s.CreateAPIKey(context.Background(), payment.APIKey{ID: env.Service.NewID(payment.PrefixAPIKey),
		Workspace: env.Workspace.ID, Name: "bench", Scope: payment.ScopeReadWrite, Hash: hash, CreatedAt: time.Now()}))
	srv := httptest.NewServer(httpapi.New(env.Service, s, httpapi.Options{}))
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	b.Cleanup(tr.CloseIdleConnections)
	return &server{env: env, url: srv.URL, secret: secret, client: &http.Client{Transport: tr}}
}

func (s *server) post(path string, body []byte, want int) error {
	r, err := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", "Bearer "+s.secret)
	r.Header.Set("Content-Type", "application/json")
	res, err := s.client.Do(r)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(res.Body)
		return &statusError{res.StatusCode, string(b)}
	}
	_, err = io.Copy(io.Discard, res.Body) // read it all, as a client would, without keeping it
	return err
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return http.StatusText(e.status) + ": " + e.body }

func createBody(e *paymenttest.Env) []byte {
	return []byte(`{"amount":125000,"currency":"TRY","method":"bank_transfer","from_account":"` + string(e.Own.ID) +
		`","to_account":"` + string(e.Vendor.ID) + `","description":"Invoice payment","reference":"INV-2026-0001"}`)
}

// BenchmarkCreate is POST /v1/payments from 64 concurrent clients over loopback: it reports creates
// per second and the p50/p99 latency seen by the clients. Targets on the 2-core machine: memory ≥
// 10,000 creates/s, SQLite (durable commits) ≥ 3,000/s, p99 < 20 ms.
func BenchmarkCreate(b *testing.B) {
	for _, st := range []struct {
		name string
		open func(testing.TB) store
	}{{"memory", memoryStore}, {"sqlite", sqliteStore}} {
		b.Run(st.name, func(b *testing.B) {
			s := newServer(b, st.open(b))
			body := createBody(s.env)
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mine := make([]time.Duration, 0, 1024)
				for pb.Next() {
					t0 := time.Now()
					if err := s.post("/v1/payments", body, http.StatusCreated); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			report(b, lat, "creates/s", cpuTime()-cpu0)
		})
	}
}

// BenchmarkBatch500 is one POST /v1/payments/batch of 500 valid payments at a time, end to end over
// loopback: encode, send, decode, validate, store, encode the 500 results, read them. Target with
// the memory store: ≤ 5 ms per batch.
func BenchmarkBatch500(b *testing.B) {
	for _, st := range []struct {
		name string
		open func(testing.TB) store
	}{{"memory", memoryStore}, {"sqlite", sqliteStore}} {
		b.Run(st.name, func(b *testing.B) {
			s := newServer(b, st.open(b))
			one := string(createBody(s.env))
			body := []byte(`{"payments":[` + strings.TrimSuffix(strings.Repeat(one+",", 500), ",") + `]}`)
			lat := make([]time.Duration, 0, 1024)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				t0 := time.Now()
				if err := s.post("/v1/payments/batch", body, http.StatusOK); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			report(b, lat, "batches/s", cpuTime()-cpu0)
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used: clients and server together.
// Per operation it is a figure that other load on the machine does not change, unlike throughput.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds throughput, latency percentiles and CPU time per operation to the benchmark's output.
func report(b *testing.B, lat []time.Duration, unit string, cpu time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), unit)
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu_µs/op")
}
