package batch_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// testStore is a memory store that can fail or observe chosen items, found by idempotency key.
type testStore struct {
	*memory.Store
	// failWrite fails the write of the payment with this key (CreatePayment or its CreatePayments item).
	failWrite map[string]error
	// failLookup fails GetPaymentByKey for this key.
	failLookup map[string]error
	// failAccount fails the next failAccountReads reads of this account.
	failAccount      payment.AccountID
	failAccountReads atomic.Int32
	// onLookup is called on every GetPaymentByKey.
	onLookup func(key string)
	// beforeWrite runs once, before the first payment write, with what is being written.
	beforeWrite func(cs []payment.Change)
	fired       atomic.Bool
}

func newTestStore() *testStore {
	return &testStore{Store: memory.New(), failWrite: map[string]error{}, failLookup: map[string]error{}}
}

// writePath returns a new test store and the store a service uses on it: the store itself (one
// BatchCreator call) or, oneBy, the store without BatchCreator (one CreatePayment per item).
func writePath(oneBy bool) (*testStore, payment.Store) {
	ts := newTestStore()
	if oneBy {
		return ts, oneByOne{ts}
	}
	return ts, ts
}

func (s *testStore) GetPaymentByKey(ctx context.Context, ws payment.WorkspaceID, key string) (payment.Payment, error) {
	if s.onLookup != nil {
		s.onLookup(key)
	}
	if err := s.failLookup[key]; err != nil {
		return payment.Payment{}, err
	}
	return s.Store.GetPaymentByKey(ctx, ws, key)
}

func (s *testStore) GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	if id == s.failAccount && s.failAccountReads.Add(-1) >= 0 {
		return payment.Account{}, errBoom
	}
	return s.Store.GetAccount(ctx, ws, id)
}

func (s *testStore) hook(cs []payment.Change) {
	if s.beforeWrite != nil && s.fired.CompareAndSwap(false, true) {
		s.beforeWrite(cs)
	}
}

func (s *testStore) CreatePayment(ctx context.Context, c payment.Change) error {
	s.hook([]payment.Change{c})
	if err := s.failWrite[c.Payment.IdempotencyKey]; err != nil {
		return err
	}
	return s.Store.CreatePayment(ctx, c)
}

func (s *testStore) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	s.hook(cs)
	errs := make([]error, len(cs))
	var pass []payment.Change
	var at []int
	for i := range cs {
		if err := s.failWrite[cs[i].Payment.IdempotencyKey]; err != nil {
			errs[i] = err
			continue
		}
		pass = append(pass, cs[i])
		at = append(at, i)
	}
	inner, err := s.Store.CreatePayments(ctx, pass)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		errs[i] = inner[j]
	}
	return errs, nil
}

// oneByOne hides the BatchCreator of the store it wraps, so batch falls back to one write per payment.
type oneByOne struct{ payment.Store }

// recorder is a payment.Publisher that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []payment.Event
}

func (r *recorder) Publish(_ context.Context, e payment.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) Events() []payment.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]payment.Event(nil), r.events...)
}

// requests returns n valid requests: even items in TRY (Own → Vendor), odd ones in EUR
// (OwnEUR → VendorEUR), with distinct amounts and references.
func requests(e *paymenttest.Env, n int) []payment.Request {
	reqs := make([]payment.Request, n)
	for i := range reqs {
		reqs[i] = e.Request(func(r *payment.Request) {
			r.Amount = int64(1000 + i)
			r.Reference = fmt.Sprintf("INV-2026-%04d", i)
			if i%2 == 1 {
				r.Currency, r.FromAccount, r.ToAccount = "EUR", e.OwnEUR.ID, e.VendorEUR.ID
			}
		})
	}
	return reqs
}

// fault makes a valid request invalid in one way; fields are the fields the error names.
type fault struct {
	name   string
	apply  func(e *paymenttest.Env, r *payment.Request)
	fields []string
}

const unknownAccount = payment.AccountID("acc_01JZZZZZZZZZZZZZZZZZZZZZZZ")

var faults = []fault{
	{"zero amount", func(_ *paymenttest.Env, r *payment.Request) { r.Amount = 0 }, []string{"amount"}},
	{"negative amount", func(_ *paymenttest.Env, r *payment.Request) { r.Amount = -5 }, []string{"amount"}},
	{"unknown currency", func(_ *paymenttest.Env, r *payment.Request) { r.Currency = "XYZ" }, []string{"currency"}},
	{"unknown method", func(_ *paymenttest.Env, r *payment.Request) { r.Method = "cheque" }, []string{"method"}},
	{"from equals to", func(_ *paymenttest.Env, r *payment.Request) { r.ToAccount = r.FromAccount }, []string{"to_account"}},
	{"unknown account", func(_ *paymenttest.Env, r *payment.Request) { r.ToAccount = unknownAccount }, []string{"to_account"}},
	{"over-long reference", func(_ *paymenttest.Env, r *payment.Request) { r.Reference = strings.Repeat("R", 36) }, []string{"reference"}},
	{"control character in description", func(_ *paymenttest.Env, r *payment.Request) { r.Description = "Invoice\x07 42" }, []string{"description"}},
	{"invalid UTF-8 in reference", func(_ *paymenttest.Env, r *payment.Request) { r.Reference = "INV\xff" }, []string{"reference"}},
	{"currency differs from the debited account", func(e *paymenttest.Env, r *payment.Request) {
		r.Currency = map[payment.Currency]payment.Currency{"TRY": "EUR", "EUR": "TRY"}[r.Currency]
	}, []string{"currency"}},
	{"debit from a counterparty", func(e *paymenttest.Env, r *payment.Request) {
		r.FromAccount = e.VendorEUR.ID
		if r.ToAccount == e.VendorEUR.ID {
			r.FromAccount = e.Vendor.ID
		}
	}, []string{"from_account"}},
	{"malformed account id", func(_ *paymenttest.Env, r *payment.Request) { r.FromAccount = "acc_42" }, []string{"from_account"}},
	{"several at once", func(_ *paymenttest.Env, r *payment.Request) {
		r.Amount, r.Method, r.Description = 0, "", strings.Repeat("ş", 141)
	}, []string{"amount", "method", "description"}},
}

func fieldNames(err error) []string {
	var out []string
	for _, fe := range payment.FieldErrors(err) {
		out = append(out, fe.Field)
	}
	return out
}

// summary is an item with what a run cannot make identical removed (payment and event ids), for
// comparing runs.
type summary struct {
	Status   batch.ItemStatus
	Replayed bool
	Err      string
	Payment  payment.Payment
}

func summarize(r *batch.Result) []summary {
	out := make([]summary, len(r.Items))
	for i, it := range r.Items {
		s := summary{Status: it.Status, Replayed: it.Replayed}
		if it.Err != nil {
			s.Err = it.Err.Error()
		}
		if it.Payment != nil {
			s.Payment = *it.Payment
			s.Payment.ID, s.Payment.EndToEnd = "", ""
		}
		out[i] = s
	}
	return out
}

// stored returns every payment of the batch, by id.
func stored(t *testing.T, s payment.Store, ws payment.WorkspaceID, id payment.BatchID) map[payment.ID]payment.Payment {
	t.Helper()
	ps, err := s.ListPayments(context.Background(), ws, payment.ListFilter{BatchID: id})
	require.NoError(t, err)
	out := make(map[payment.ID]payment.Payment, len(ps))
	for _, p := range ps {
		out[p.ID] = p
	}
	return out
}

// countAll returns how many payments the workspace has.
func countAll(t *testing.T, s payment.Store, ws payment.WorkspaceID) int {
	t.Helper()
	ps, err := s.ListPayments(context.Background(), ws, payment.ListFilter{})
	require.NoError(t, err)
	return len(ps)
}
