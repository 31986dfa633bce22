package batch_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

var ctx = context.Background()

// stores are the two write paths: one BatchCreator call, and one CreatePayment per item.
var stores = []struct {
	name string
	new  func() payment.Store
}{
	{"batch creator", func() payment.Store { return memory.New() }},
	{"one by one", func() payment.Store { return oneByOne{memory.New()} }},
}

func TestSubmitAllValid(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			rec := &recorder{}
			e := paymenttest.NewEnv(t, st.new(), paymenttest.WithServiceOptions(payment.Options{Publisher: rec}))
			reqs := requests(e, 500)
			reqs[0].CreatedBy = "someone-else"

			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{Actor: "maker@example.com"})
			require.NoError(t, err)
			require.Len(t, res.Items, 500)
			assert.True(t, strings.HasPrefix(string(res.BatchID), payment.PrefixBatch), res.BatchID)
			_, err = payment.ParseBatchID(string(res.BatchID))
			require.NoError(t, err)
			assert.Equal(t, 500, res.Count(batch.ItemCreated))

			var want payment.Totals
			for i, it := range res.Items {
				require.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
				assert.Equal(t, i, it.Index)
				assert.False(t, it.Replayed)
				assert.NoError(t, it.Err)
				p := it.Payment
				assert.Equal(t, res.BatchID, p.BatchID)
				assert.Equal(t, payment.StatusPending, p.Status)
				assert.Equal(t, reqs[i].Amount, p.Amount)
				assert.Equal(t, reqs[i].Currency, p.Currency)
				assert.Equal(t, reqs[i].Reference, p.Reference)
				assert.Equal(t, "maker@example.com", p.CreatedBy, "Actor replaces the items' CreatedBy")
				require.NoError(t, want.Add(payment.Amount{Minor: reqs[i].Amount, Currency: reqs[i].Currency}))
			}
			assert.Equal(t, want.List(), res.Totals)
			assert.Equal(t, []payment.Total{
				{Currency: "EUR", Count: 250, Sum: 312500}, // 1001 + 1003 + … + 1499
				{Currency: "TRY", Count: 250, Sum: 312250}, // 1000 + 1002 + … + 1498
			}, res.Totals)

			got := stored(t, e.Store, e.Workspace.ID, res.BatchID)
			require.Len(t, got, 500)
			for _, it := range res.Items {
				assert.Equal(t, *it.Payment, got[it.Payment.ID])
			}
			events := rec.Events()
			require.Len(t, events, 500, "one payment.created per payment")
			for i, ev := range events {
				assert.Equal(t, payment.EventPaymentCreated, ev.Type)
				assert.Equal(t, res.Items[i].Payment.ID, ev.Payment.ID, "events in input order")
			}
		})
	}
}

func TestSubmitBatchErrorsCreateNothing(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		opts   batch.Options
		ws     func(e *paymenttest.Env) payment.WorkspaceID
		reqs   func(e *paymenttest.Env, reqs []payment.Request)
		is     []error
		fields []string
		msg    string // the error's text, when the case checks it
	}{
		{name: "empty", n: 0, is: []error{batch.ErrEmpty, payment.ErrInvalid}, fields: []string{"payments"}},
		{name: "501 items", n: 501, is: []error{batch.ErrTooLarge, payment.ErrInvalid}, fields: []string{"payments"}},
		{name: "over a lower MaxItems", n: 11, opts: batch.Options{MaxItems: 10}, is: []error{batch.ErrTooLarge, payment.ErrInvalid}},
		{name: "batch key too long to derive item keys", n: 200, opts: batch.Options{IdempotencyKey: strings.Repeat("k", 252)},
			is: []error{payment.ErrInvalid}, fields: []string{"idempotency_key"}},
		{name: "batch key with a NUL", n: 3, opts: batch.Options{IdempotencyKey: "payroll\x00"},
			is: []error{payment.ErrInvalid}, fields: []string{"idempotency_key"}},
		{name: "batch key not UTF-8", n: 3, opts: batch.Options{IdempotencyKey: "bordro-\xfe"},
			is: []error{payment.ErrInvalid}, fields: []string{"idempotency_key"}},
		{name: "unknown workspace", n: 3, ws: func(*paymenttest.Env) payment.WorkspaceID { return "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ" },
			is: []error{payment.ErrNotFound}, msg: "payment: no workspace ws_01JZZZZZZZZZZZZZZZZZZZZZZZ"},
		{name: "totals overflow int64", n: 3, reqs: func(e *paymenttest.Env, reqs []payment.Request) {
			reqs[0].Amount, reqs[2].Amount = math.MaxInt64, 1 // both TRY
		}, is: []error{payment.ErrOverflow, payment.ErrInvalid}, fields: []string{"payments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			store := memory.New()
			e := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Publisher: rec}))
			reqs := requests(e, tt.n)
			if tt.reqs != nil {
				tt.reqs(e, reqs)
			}
			ws := e.Workspace.ID
			if tt.ws != nil {
				ws = tt.ws(e)
			}
			res, err := batch.Submit(ctx, e.Service, ws, reqs, tt.opts)
			require.Error(t, err)
			assert.Nil(t, res)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			if tt.fields != nil {
				assert.Equal(t, tt.fields, fieldNames(err))
			}
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg)
			}
			assert.Zero(t, countAll(t, store, e.Workspace.ID), "nothing created")
			assert.Empty(t, store.Outbox())
			assert.Empty(t, rec.Events())
		})
	}
}

func TestSubmitSizeErrorMessages(t *testing.T) {
	assert.EqualError(t, &batch.SizeError{Count: 0, Max: 500}, "batch: no payments; send 1 to 500")
	assert.EqualError(t, &batch.SizeError{Count: 501, Max: 500}, "batch: 501 payments; the limit is 500")
	assert.NotErrorIs(t, &batch.SizeError{Count: 501, Max: 500}, batch.ErrEmpty)
	assert.NotErrorIs(t, &batch.SizeError{Count: 0, Max: 500}, batch.ErrTooLarge)
}

func TestSubmitCancelledBeforeStart(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	res, err := batch.Submit(cctx, e.Service, e.Workspace.ID, requests(e, 5), batch.Options{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, res)
	assert.Zero(t, countAll(t, store, e.Workspace.ID))
}

// Every 7th item is invalid, each in another way: exactly those fail, with the error the single create
// gives, and all the others are created.
func TestSubmitEverySeventhInvalid(t *testing.T) {
	for _, st := range stores {
		for _, conc := range []int{1, 16} {
			t.Run(fmt.Sprintf("%s/concurrency %d", st.name, conc), func(t *testing.T) {
				store := st.new()
				e := paymenttest.NewEnv(t, store)
				reqs := requests(e, 500)
				faultOf := map[int]fault{}
				for i := 6; i < len(reqs); i += 7 {
					f := faults[len(faultOf)%len(faults)]
					f.apply(e, &reqs[i])
					faultOf[i] = f
				}
				require.Len(t, faultOf, 71)

				res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{Concurrency: conc})
				require.NoError(t, err)
				assert.Equal(t, 429, res.Count(batch.ItemCreated))
				assert.Equal(t, 71, res.Count(batch.ItemFailed))
				for i, it := range res.Items {
					f, bad := faultOf[i]
					if !bad {
						assert.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
						continue
					}
					require.Equal(t, batch.ItemFailed, it.Status, "item %d (%s)", i, f.name)
					assert.Nil(t, it.Payment)
					assert.ErrorIs(t, it.Err, payment.ErrInvalid, f.name)
					assert.Equal(t, f.fields, fieldNames(it.Err), "item %d (%s): %v", i, f.name, it.Err)
					_, single := e.Service.Create(ctx, e.Workspace.ID, reqs[i])
					require.Error(t, single)
					assert.Equal(t, single.Error(), it.Err.Error(), "item %d (%s): the single create's error", i, f.name)
				}
				assert.Len(t, stored(t, store, e.Workspace.ID, res.BatchID), 429)
				assert.Equal(t, 429, countAll(t, store, e.Workspace.ID), "failed items stored nothing")
			})
		}
	}
}

// cancelAt is a store that cancels the batch's context when the item with the given key starts.
func cancelAt(key string, cancel context.CancelFunc) *testStore {
	s := newTestStore()
	s.onLookup = func(k string) {
		if k == key {
			cancel()
		}
	}
	return s
}

func TestSubmitRetryAfterCancellation(t *testing.T) {
	tests := []struct {
		name string
		opts batch.Options
		keys bool // per-item keys instead of a batch key
	}{
		{name: "batch key", opts: batch.Options{IdempotencyKey: "payroll-2026-01", Concurrency: 1}},
		{name: "item keys", opts: batch.Options{Concurrency: 1}, keys: true},
		{name: "batch key, concurrency 16", opts: batch.Options{IdempotencyKey: "payroll-2026-01", Concurrency: 16}},
		{name: "item keys, one by one", opts: batch.Options{Concurrency: 3}, keys: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stopKey := "payroll-2026-01:250"
			if tt.keys {
				stopKey = "item-250"
			}
			ts := cancelAt(stopKey, cancel)
			var store payment.Store = ts
			if strings.Contains(tt.name, "one by one") {
				store = oneByOne{ts}
			}
			rec := &recorder{}
			e := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Publisher: rec}))
			reqs := requests(e, 500)
			if tt.keys {
				for i := range reqs {
					reqs[i].IdempotencyKey = fmt.Sprintf("item-%d", i)
				}
			}

			first, err := batch.Submit(cctx, e.Service, e.Workspace.ID, reqs, tt.opts)
			require.NoError(t, err)
			made := first.Count(batch.ItemCreated)
			assert.Zero(t, first.Count(batch.ItemFailed))
			assert.Equal(t, 500, made+first.Count(batch.ItemNotAttempted))
			assert.Less(t, made, 500, "the cancellation stopped the batch")
			assert.Equal(t, batch.ItemCreated, first.Items[250].Status, "the item that was running when ctx was cancelled finished")
			if tt.opts.Concurrency == 1 {
				assert.Equal(t, 251, made, "items 0–250 started, 251–499 did not")
			}
			for _, it := range first.Items {
				if it.Status == batch.ItemNotAttempted {
					assert.ErrorIs(t, it.Err, context.Canceled)
					assert.Nil(t, it.Payment)
				}
			}
			require.Equal(t, made, countAll(t, store, e.Workspace.ID))

			retry, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, first.BatchID, retry.BatchID, "a retried batch keeps its id")
			assert.Equal(t, 500, retry.Count(batch.ItemCreated))
			for i, it := range retry.Items {
				require.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
				if first.Items[i].Status == batch.ItemCreated {
					assert.True(t, it.Replayed, "item %d was created before", i)
					assert.Equal(t, *first.Items[i].Payment, *it.Payment, "item %d: the original", i)
				} else {
					assert.False(t, it.Replayed, "item %d is new", i)
				}
			}
			assert.Len(t, stored(t, store, e.Workspace.ID, first.BatchID), 500, "every payment in the one batch")
			assert.Equal(t, 500, countAll(t, store, e.Workspace.ID), "only the missing items were created")
			assert.Len(t, rec.Events(), 500, "one event per payment, none for replays")
			assert.Equal(t, []payment.Total{{Currency: "EUR", Count: 250, Sum: 312500}, {Currency: "TRY", Count: 250, Sum: 312250}},
				retry.Totals, "totals count the originals too")
		})
	}
}

// Fixing the failed items and sending the batch again creates only those; the rest are the originals.
func TestSubmitRetryAfterFixingFailures(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	reqs := requests(e, 10)
	bad := []int{2, 5, 9}
	for j, i := range bad {
		faults[j].apply(e, &reqs[i])
	}
	opts := batch.Options{IdempotencyKey: "b-1"}
	first, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, opts)
	require.NoError(t, err)
	require.Equal(t, 7, first.Count(batch.ItemCreated))
	require.Equal(t, 3, first.Count(batch.ItemFailed))

	fixed := requests(e, 10)
	fixed[7].Amount++ // and a changed item: its key is taken by another request
	retry, err := batch.Submit(ctx, e.Service, e.Workspace.ID, fixed, opts)
	require.NoError(t, err)
	assert.Equal(t, first.BatchID, retry.BatchID)
	for i, it := range retry.Items {
		switch {
		case i == 7:
			require.Equal(t, batch.ItemFailed, it.Status)
			assert.ErrorIs(t, it.Err, payment.ErrIdempotencyMismatch)
			_, single := e.Service.Create(ctx, e.Workspace.ID, withBatch(withKey(fixed[i], "b-1:7"), first.BatchID))
			assert.Equal(t, single.Error(), it.Err.Error())
		case first.Items[i].Status == batch.ItemCreated:
			assert.True(t, it.Replayed, "item %d", i)
			assert.Equal(t, first.Items[i].Payment.ID, it.Payment.ID, "item %d", i)
		default:
			assert.Equal(t, batch.ItemCreated, it.Status, "item %d", i)
			assert.False(t, it.Replayed, "item %d", i)
		}
	}
	assert.Equal(t, 10, countAll(t, store, e.Workspace.ID))
}

func withKey(r payment.Request, k string) payment.Request { r.IdempotencyKey = k; return r }

func withBatch(r payment.Request, b payment.BatchID) payment.Request { r.BatchID = b; return r }

func TestSubmitKeyUsedOutsideTheBatch(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	single := e.MustCreate(t, func(r *payment.Request) { r.IdempotencyKey = "k-1" })
	reqs := requests(e, 3)
	reqs[1].IdempotencyKey = "k-1" // the same key as a payment made alone
	res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{})
	require.NoError(t, err)
	assert.NotEqual(t, payment.BatchID(""), res.BatchID)
	assert.Equal(t, batch.ItemCreated, res.Items[0].Status)
	assert.Equal(t, batch.ItemFailed, res.Items[1].Status)
	assert.ErrorIs(t, res.Items[1].Err, payment.ErrIdempotencyMismatch)
	assert.Equal(t, batch.ItemCreated, res.Items[2].Status)
	got, err := e.Service.Get(ctx, e.Workspace.ID, single.ID)
	require.NoError(t, err)
	assert.Equal(t, single, got, "the other payment is untouched")
}

func TestSubmitDuplicateKeysInBatch(t *testing.T) {
	store := memory.New()
	e := paymenttest.NewEnv(t, store)
	reqs := requests(e, 6)
	reqs[0].IdempotencyKey = "a"
	reqs[1].IdempotencyKey = "b"
	reqs[2].IdempotencyKey = "a"
	reqs[3].IdempotencyKey = "b"
	reqs[4].IdempotencyKey = "k:5" // explicit key equal to item 5's derived one
	faults[0].apply(e, &reqs[0])   // the first holder of a key fails validation: its duplicate still fails

	res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "k"})
	require.NoError(t, err)
	want := []struct {
		status batch.ItemStatus
		first  int
	}{{batch.ItemFailed, -1}, {batch.ItemCreated, -1}, {batch.ItemFailed, 0}, {batch.ItemFailed, 1},
		{batch.ItemCreated, -1}, {batch.ItemFailed, 4}}
	for i, w := range want {
		it := res.Items[i]
		require.Equal(t, w.status, it.Status, "item %d: %v", i, it.Err)
		if w.first < 0 {
			continue
		}
		var de *batch.DuplicateKeyError
		require.ErrorAs(t, it.Err, &de, "item %d", i)
		assert.Equal(t, w.first, de.First)
		assert.ErrorIs(t, it.Err, batch.ErrDuplicateKey)
		assert.ErrorIs(t, it.Err, payment.ErrInvalid)
		assert.Equal(t, []string{"idempotency_key"}, fieldNames(it.Err))
	}
	assert.EqualError(t, res.Items[2].Err, "batch: idempotency_key is the same as item 0's")
	assert.Equal(t, "b", res.Items[1].Payment.IdempotencyKey)
	assert.Equal(t, "k:5", res.Items[4].Payment.IdempotencyKey)
	assert.Equal(t, 2, countAll(t, store, e.Workspace.ID))
}

var errBoom = errors.New("store: disk on fire")

// A store error on one item fails that item alone, whichever step it hits.
func TestSubmitStoreErrorIsolated(t *testing.T) {
	tests := []struct {
		name      string
		oneByOne  bool
		configure func(s *testStore)
	}{
		{name: "batch write", configure: func(s *testStore) { s.failWrite["k:7"] = errBoom }},
		{name: "single write", oneByOne: true, configure: func(s *testStore) { s.failWrite["k:7"] = errBoom }},
		{name: "key lookup", configure: func(s *testStore) { s.failLookup["k:7"] = errBoom }},
		{name: "key lookup, one by one", oneByOne: true, configure: func(s *testStore) { s.failLookup["k:7"] = errBoom }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestStore()
			tt.configure(ts)
			var store payment.Store = ts
			if tt.oneByOne {
				store = oneByOne{ts}
			}
			e := paymenttest.NewEnv(t, store)
			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, requests(e, 20), batch.Options{IdempotencyKey: "k", Concurrency: 4})
			require.NoError(t, err)
			for i, it := range res.Items {
				if i == 7 {
					assert.Equal(t, batch.ItemFailed, it.Status)
					assert.ErrorIs(t, it.Err, errBoom)
					continue
				}
				assert.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
			}
			assert.Equal(t, 19, countAll(t, ts, e.Workspace.ID))
			_, err = ts.Store.GetPaymentByKey(ctx, e.Workspace.ID, "k:7")
			assert.ErrorIs(t, err, payment.ErrNotFound, "the failed item stored nothing")
		})
	}
}

// When the store's one-call write fails as a whole, or answers nonsense, the items it carried fail
// (nothing of them is stored) and the batch itself is not refused.
// The service reads each account once for all items, but a failed read is not kept: only the item
// that met it fails.
func TestSubmitAccountReadErrorIsolated(t *testing.T) {
	ts := newTestStore()
	e := paymenttest.NewEnv(t, ts)
	ts.failAccount = e.VendorEUR.ID // the counterparty of the odd items
	ts.failAccountReads.Store(1)
	res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, requests(e, 20), batch.Options{Concurrency: 1})
	require.NoError(t, err)
	for i, it := range res.Items {
		if i == 1 {
			assert.Equal(t, batch.ItemFailed, it.Status)
			assert.ErrorIs(t, it.Err, errBoom)
			continue
		}
		assert.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
	}
	assert.Equal(t, 19, countAll(t, ts, e.Workspace.ID))
}

func TestSubmitWholeBatchWriteFails(t *testing.T) {
	tests := []struct {
		name  string
		write func([]payment.Change) ([]error, error)
		is    error
	}{
		{"transaction fails", func([]payment.Change) ([]error, error) { return nil, errBoom }, errBoom},
		{"wrong number of results", func(cs []payment.Change) ([]error, error) { return make([]error, len(cs)-1), nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &failingBatch{Store: memory.New(), write: tt.write}
			e := paymenttest.NewEnv(t, store)
			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, requests(e, 5), batch.Options{})
			require.NoError(t, err)
			assert.Equal(t, 5, res.Count(batch.ItemFailed))
			for _, it := range res.Items {
				require.Error(t, it.Err)
				if tt.is != nil {
					assert.ErrorIs(t, it.Err, tt.is)
				}
			}
			assert.Empty(t, res.Totals)
			assert.Zero(t, countAll(t, store, e.Workspace.ID))
		})
	}
}

type failingBatch struct {
	*memory.Store
	write func([]payment.Change) ([]error, error)
}

func (s *failingBatch) CreatePayments(_ context.Context, cs []payment.Change) ([]error, error) {
	return s.write(cs)
}

// Between validation and the write, another caller creates payments with two of the batch's keys: the
// same request comes back as the original, another request is an idempotency mismatch, as with
// Service.Create.
func TestSubmitConcurrentCreatorWins(t *testing.T) {
	for _, oneBy := range []bool{false, true} {
		t.Run(fmt.Sprintf("one by one %v", oneBy), func(t *testing.T) {
			ts, store := writePath(oneBy)
			rec := &recorder{}
			e := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Publisher: rec}))
			reqs := requests(e, 8)
			var same payment.Payment
			ts.beforeWrite = func(cs []payment.Change) {
				same = e.MustCreate(t, func(r *payment.Request) { *r = withBatch(withKey(reqs[3], "k:3"), cs[0].Payment.BatchID) })
				e.MustCreate(t, func(r *payment.Request) { *r = withKey(reqs[5], "k:5"); r.Amount++ })
			}
			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "k", Concurrency: 1})
			require.NoError(t, err)
			for i, it := range res.Items {
				switch i {
				case 3:
					require.Equal(t, batch.ItemCreated, it.Status, "%v", it.Err)
					assert.True(t, it.Replayed)
					assert.Equal(t, same, *it.Payment)
				case 5:
					require.Equal(t, batch.ItemFailed, it.Status)
					assert.ErrorIs(t, it.Err, payment.ErrIdempotencyMismatch)
					_, single := e.Service.Create(ctx, e.Workspace.ID, withBatch(withKey(reqs[5], "k:5"), res.BatchID))
					assert.Equal(t, single.Error(), it.Err.Error())
				default:
					assert.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
					assert.False(t, it.Replayed)
				}
			}
			assert.Equal(t, 8, countAll(t, store, e.Workspace.ID), "6 of the batch and the 2 others")
			assert.Len(t, rec.Events(), 8, "the batch publishes only what it created")
		})
	}
}

// The result depends on nothing but the input: the same at concurrency 1 and 16, on both write paths.
func TestSubmitDeterministic(t *testing.T) {
	run := func(t *testing.T, newStore func() payment.Store, conc int) (*batch.Result, []summary) {
		e := paymenttest.NewEnv(t, newStore())
		reqs := requests(e, 300)
		// A first attempt creates some items, so the second meets replays, new items, failures and
		// duplicate keys together.
		firstReqs := append([]payment.Request(nil), reqs[:100]...)
		_, err := batch.Submit(ctx, e.Service, e.Workspace.ID, firstReqs, batch.Options{IdempotencyKey: "d", Concurrency: conc})
		require.NoError(t, err)
		for i := 5; i < len(reqs); i += 11 {
			faults[i%len(faults)].apply(e, &reqs[i])
		}
		for i := 3; i < len(reqs); i += 17 {
			reqs[i].IdempotencyKey = fmt.Sprintf("d:%d", i-1) // repeats the previous item's derived key
		}
		res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "d", Concurrency: conc})
		require.NoError(t, err)
		return res, summarize(res)
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			r1, s1 := run(t, st.new, 1)
			r16, s16 := run(t, st.new, 16)
			assert.Equal(t, r1.BatchID, r16.BatchID)
			assert.Equal(t, r1.Totals, r16.Totals)
			assert.Equal(t, s1, s16)
			assert.Equal(t, len(s1), r1.Count(batch.ItemCreated)+r1.Count(batch.ItemFailed))
			assert.Positive(t, r1.Count(batch.ItemFailed))
			replayed := 0
			for _, it := range r1.Items {
				if it.Replayed {
					replayed++
				}
			}
			assert.Positive(t, replayed)
		})
	}
}

// TestResultsOutliveTheBatch: a result's payments are its own; batches after it (which reuse the
// submission's working memory) leave them as they were.
func TestResultsOutliveTheBatch(t *testing.T) {
	e := paymenttest.NewEnv(t, memory.New())
	first, err := batch.Submit(ctx, e.Service, e.Workspace.ID, requests(e, 50), batch.Options{})
	require.NoError(t, err)
	want := make([]payment.Payment, len(first.Items))
	for i, it := range first.Items {
		require.Equal(t, batch.ItemCreated, it.Status)
		want[i] = *it.Payment
	}
	for range 3 {
		reqs := requests(e, 60)
		for i := range reqs {
			reqs[i].Reference, reqs[i].Amount = "OTHER", 7
		}
		_, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{Concurrency: 4})
		require.NoError(t, err)
	}
	for i, it := range first.Items {
		assert.Equal(t, want[i], *it.Payment, "item %d", i)
		got, err := e.Service.Get(ctx, e.Workspace.ID, it.Payment.ID)
		require.NoError(t, err)
		assert.Equal(t, got, *it.Payment, "item %d as stored", i)
	}
}

// TestSubmitConcurrentAttemptOfTheSameBatch: the same batch with the same key sent at once to two
// instances. The one whose write comes second finds every key taken by the other's payments, the
// same requests but for the batch id: it answers with those, replayed, under the other's batch id,
// and never with "key reused" for its own request.
func TestSubmitConcurrentAttemptOfTheSameBatch(t *testing.T) {
	for _, oneBy := range []bool{false, true} {
		t.Run(fmt.Sprintf("one by one %v", oneBy), func(t *testing.T) {
			ts, store := writePath(oneBy)
			e := paymenttest.NewEnv(t, store)
			reqs := requests(e, 6)
			var first *batch.Result
			ts.beforeWrite = func([]payment.Change) {
				if first != nil {
					return
				}
				first = &batch.Result{} // the other attempt's own writes pass straight through
				res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "pay-run-7"})
				require.NoError(t, err)
				first = res
			}
			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "pay-run-7"})
			require.NoError(t, err)
			require.NotNil(t, first)
			assert.Equal(t, first.BatchID, res.BatchID, "the batch the payments are in")
			for i, it := range res.Items {
				require.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
				assert.True(t, it.Replayed, "item %d", i)
				assert.Equal(t, first.Items[i].Payment.ID, it.Payment.ID, "item %d", i)
			}
			assert.Equal(t, 6, countAll(t, store, e.Workspace.ID), "each payment once")
		})
	}
}

// TestSubmitRetryAfterASplitRace: two attempts of one batch at once split its items between them
// (each created some under its own batch id). A retry with the key answers every item, replayed,
// whichever attempt created it: nothing fails as a reused key, nothing is created twice.
func TestSubmitRetryAfterASplitRace(t *testing.T) {
	for _, oneBy := range []bool{false, true} {
		t.Run(fmt.Sprintf("one by one %v", oneBy), func(t *testing.T) {
			ts, store := writePath(oneBy)
			e := paymenttest.NewEnv(t, store)
			reqs := requests(e, 6)
			raced := false
			ts.beforeWrite = func([]payment.Change) {
				if raced {
					return
				}
				raced = true // the other attempt gets only the first three written first
				_, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs[:3], batch.Options{IdempotencyKey: "pay-run-8"})
				require.NoError(t, err)
			}
			_, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "pay-run-8"})
			require.NoError(t, err)
			require.Equal(t, 6, countAll(t, store, e.Workspace.ID))

			res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "pay-run-8"})
			require.NoError(t, err)
			for i, it := range res.Items {
				require.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
				assert.True(t, it.Replayed, "item %d", i)
			}
			assert.Equal(t, 6, countAll(t, store, e.Workspace.ID), "nothing created twice")
		})
	}
}

// TestSubmitOwnKeyOfAnotherBatch: an item's own key already used by another batch's payment for the
// same request is a reused key, as for a single request: not a replay of that batch.
func TestSubmitOwnKeyOfAnotherBatch(t *testing.T) {
	e := paymenttest.NewEnv(t, memory.New())
	reqs := requests(e, 2)
	reqs[0].IdempotencyKey = "invoice-77"
	x, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "batch-x"})
	require.NoError(t, err)
	y, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, batch.Options{IdempotencyKey: "batch-y"})
	require.NoError(t, err)
	assert.NotEqual(t, x.BatchID, y.BatchID)
	require.Equal(t, batch.ItemFailed, y.Items[0].Status)
	assert.ErrorIs(t, y.Items[0].Err, payment.ErrIdempotencyMismatch)
	assert.Equal(t, batch.ItemCreated, y.Items[1].Status)
	assert.False(t, y.Items[1].Replayed)
}

// TestSubmitRetryKeyedBatchOfOwnKeys: a batch with a key whose items all carry their own keys is
// retried after a cancellation: the retry keeps the first attempt's batch and creates the rest.
func TestSubmitRetryKeyedBatchOfOwnKeys(t *testing.T) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ts := cancelAt("item-5", cancel)
	e := paymenttest.NewEnv(t, ts)
	reqs := requests(e, 10)
	for i := range reqs {
		reqs[i].IdempotencyKey = fmt.Sprintf("item-%d", i)
	}
	opts := batch.Options{IdempotencyKey: "payroll-x", Concurrency: 1}
	first, err := batch.Submit(cctx, e.Service, e.Workspace.ID, reqs, opts)
	require.NoError(t, err)
	require.Less(t, first.Count(batch.ItemCreated), 10)
	retry, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, opts)
	require.NoError(t, err)
	assert.Equal(t, first.BatchID, retry.BatchID)
	for i, it := range retry.Items {
		require.Equal(t, batch.ItemCreated, it.Status, "item %d: %v", i, it.Err)
	}
	assert.Equal(t, 10, countAll(t, ts, e.Workspace.ID))
}

// TestSubmitRetryWithLowerCaseWorkspaceReplays: a keyed batch run again with the workspace id's ULID
// in lower case (the service takes either case) replays the first run's payments. Every item failed
// as a reused key: the earlier attempt's payments were looked up under the id as given, which the
// store does not know.
func TestSubmitRetryWithLowerCaseWorkspaceReplays(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			e := paymenttest.NewEnv(t, st.new())
			ws := payment.WorkspaceID(strings.ToLower(string(e.Workspace.ID)))
			reqs := requests(e, 3)
			first, err := batch.Submit(ctx, e.Service, ws, reqs, batch.Options{IdempotencyKey: "run-1"})
			require.NoError(t, err)
			require.Equal(t, 3, first.Count(batch.ItemCreated))
			again, err := batch.Submit(ctx, e.Service, ws, reqs, batch.Options{IdempotencyKey: "run-1"})
			require.NoError(t, err)
			assert.Equal(t, first.BatchID, again.BatchID)
			for i, it := range again.Items {
				require.NoError(t, it.Err, "item %d", i)
				assert.True(t, it.Replayed, "item %d", i)
				assert.Equal(t, first.Items[i].Payment.ID, it.Payment.ID)
				assert.Equal(t, e.Workspace.ID, it.Payment.Workspace)
			}
		})
	}
}
