package httpapi_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchMixed: each item stands alone; failures carry the item's path; totals add up.
func TestBatchMixed(t *testing.T) {
	f := newFixture(t)
	items := []string{
		f.paymentBody(),
		f.paymentBody(func(m map[string]any) { m["amount"] = 0; m["method"] = "cash" }),
		f.paymentBody(func(m map[string]any) {
			m["currency"] = "EUR"
			m["from_account"] = string(f.env.OwnEUR.ID)
			m["to_account"] = string(f.env.VendorEUR.ID)
			m["amount"] = 990
		}),
		f.paymentBody(func(m map[string]any) { m["amount"] = 5 }),
	}
	r := f.post(f.rw, "/v1/payments/batch", `{"payments":[`+strings.Join(items, ",")+`]}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var res httpapi.BatchResult
	r.json(t, &res)
	require.Len(t, res.Results, 4)
	assert.True(t, strings.HasPrefix(string(res.BatchID), "bat_"))
	for i, it := range res.Results {
		assert.Equal(t, i, it.Index)
	}
	assert.Equal(t, "created", string(res.Results[0].Status))
	assert.Equal(t, res.BatchID, res.Results[0].Payment.BatchID)
	assert.Equal(t, f.keyIDs[f.rw], res.Results[0].Payment.CreatedBy)
	fail := res.Results[1]
	assert.Equal(t, "failed", string(fail.Status))
	require.NotNil(t, fail.Error)
	assert.Equal(t, httpapi.CodeValidationFailed, fail.Error.Code)
	var params []string
	for _, fe := range fail.Error.Errors {
		params = append(params, fe.Param)
	}
	assert.Equal(t, []string{"payments[1].amount", "payments[1].method"}, params)
	assert.True(t, strings.HasPrefix(fail.Error.Message, "payments[1].amount: "))
	assert.True(t, strings.HasSuffix(fail.Error.Message, " (and 1 more problem)"),
		"the message counts the other problems, as a single request's does: %s", fail.Error.Message)
	assert.Equal(t, httpapi.BatchTotals{Count: 4, Created: 3, Failed: 1, ByCurrency: []payment.Total{
		{Currency: "EUR", Count: 1, Sum: 990}, {Currency: "TRY", Count: 2, Sum: 125005}}}, res.Totals)

	r = f.get(f.ro, "/v1/payments?batch_id="+string(res.BatchID))
	var list httpapi.PaymentList
	r.json(t, &list)
	assert.Len(t, list.Data, 3, "the batch can be listed")
}

// TestBatchRetry: with an Idempotency-Key a batch is safe to send again. A byte-identical retry is
// replayed; a retry with the failed item fixed creates only that item, under the same batch id.
func TestBatchRetry(t *testing.T) {
	f := newFixture(t)
	bad := f.paymentBody(func(m map[string]any) { m["amount"] = 0 })
	body := `{"payments":[` + f.paymentBody() + "," + bad + `]}`
	r := f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey("payroll-01")})
	require.Equal(t, http.StatusOK, r.Status)
	var first httpapi.BatchResult
	r.json(t, &first)

	again := f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey("payroll-01")})
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(r.Body), string(again.Body))

	// After the 24 hours of the response record, the core still knows the items by their derived
	// keys: the same batch comes back as replayed items under the original batch id.
	f.env.Clock.Advance(25 * time.Hour)
	late := f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey("payroll-01")})
	require.Equal(t, http.StatusOK, late.Status, "%s", late.Body)
	assert.Empty(t, late.Header.Get("Idempotent-Replayed"))
	var res httpapi.BatchResult
	late.json(t, &res)
	assert.Equal(t, first.BatchID, res.BatchID)
	assert.True(t, res.Results[0].Replayed)
	assert.Equal(t, first.Results[0].Payment.ID, res.Results[0].Payment.ID)
	assert.Equal(t, "failed", string(res.Results[1].Status), "still invalid")
	ps, err := f.store.ListPayments(ctx, f.env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, ps, 1, "nothing created twice")

	// A corrected body is another request for the HTTP layer, so it needs a new key; the core's item
	// keys are per key, so reusing the old key is refused rather than silently mixed.
	fixed := strings.Replace(body, `"amount":0`, `"amount":300`, 1)
	r = f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: fixed, header: withKey("payroll-01")})
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, r.err(t).Code)
}

// TestBatchFull: 500 payments in one request, all created.
func TestBatchFull(t *testing.T) {
	f := newFixture(t)
	one := f.paymentBody()
	body := `{"payments":[` + strings.TrimSuffix(strings.Repeat(one+",", 500), ",") + `]}`
	r := f.post(f.rw, "/v1/payments/batch", body)
	require.Equal(t, http.StatusOK, r.Status)
	var res httpapi.BatchResult
	r.json(t, &res)
	assert.Equal(t, 500, res.Totals.Created)
	assert.Equal(t, []payment.Total{{Currency: "TRY", Count: 500, Sum: 500 * 125000}}, res.Totals.ByCurrency)
}

// flakyCreates fails the create of one payment once, as a database that drops a connection would.
type flakyCreates struct {
	payment.Store
	calls, failAt int
}

func (s *flakyCreates) CreatePayment(ctx context.Context, c payment.Change) error {
	s.calls++
	if s.calls == s.failAt {
		return errors.New("postgres: connection reset by peer")
	}
	return s.Store.CreatePayment(ctx, c)
}

// TestBatchRetryFinishesAfterServerError: an answer with an item failed by the server is not kept for
// its Idempotency-Key, so a retry with the same key creates that item and replays the others.
func TestBatchRetryFinishesAfterServerError(t *testing.T) {
	fs := &flakyCreates{}
	f := newFixture(t, withStoreWrap(func(s payment.Store) payment.Store { fs.Store = s; return fs }))
	fs.failAt = fs.calls + 2 // the batch's second item
	body := `{"payments":[` + f.paymentBody() + "," + f.paymentBody(func(m map[string]any) { m["amount"] = 300 }) + "," +
		f.paymentBody(func(m map[string]any) { m["amount"] = 0 }) + `]}`
	send := func() (resp, httpapi.BatchResult) {
		r := f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey("payroll-02")})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var res httpapi.BatchResult
		r.json(t, &res)
		return r, res
	}
	_, first := send()
	assert.Equal(t, "failed", string(first.Results[1].Status))
	assert.Equal(t, httpapi.TypeAPI, first.Results[1].Error.Type, "the server's fault")
	assert.Equal(t, httpapi.CodeValidationFailed, first.Results[2].Error.Code)

	r, again := send()
	assert.Empty(t, r.Header.Get("Idempotent-Replayed"), "the unfinished answer was not kept")
	assert.Equal(t, first.BatchID, again.BatchID)
	assert.True(t, again.Results[0].Replayed, "the first item was created before")
	assert.Equal(t, first.Results[0].Payment.ID, again.Results[0].Payment.ID)
	assert.Equal(t, "created", string(again.Results[1].Status), "the failed item is created now")
	assert.False(t, again.Results[1].Replayed)
	assert.Equal(t, "failed", string(again.Results[2].Status), "still invalid")

	r, last := send()
	assert.Equal(t, "true", r.Header.Get("Idempotent-Replayed"), "a finished answer is kept")
	assert.Equal(t, again, last)
	ps, err := f.store.ListPayments(ctx, f.env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, ps, 2, "each payment created once")
}

// TestBatchTotalOverflow: amounts valid one by one whose total does not fit in int64 are an invalid
// request (422 on payments), not a server error, and nothing is created.
func TestBatchTotalOverflow(t *testing.T) {
	f := newFixture(t)
	body := `{"payments":[` + f.paymentBody(func(m map[string]any) { m["amount"] = int64(math.MaxInt64) }) + "," +
		f.paymentBody(func(m map[string]any) { m["amount"] = 1 }) + `]}`
	r := f.post(f.rw, "/v1/payments/batch", body)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeValidationFailed, e.Code)
	require.Len(t, e.Errors, 1)
	assert.Equal(t, "payments", e.Errors[0].Param)
	assert.Contains(t, e.Errors[0].Message, "split the batch")
	ps, err := f.store.ListPayments(ctx, f.env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Empty(t, ps)
}

// TestBatchIdempotencyKeyTooLongForItems: item i of a batch is keyed "<key>:i", which must fit in 255
// characters too. A key that leaves no room is refused like any invalid Idempotency-Key (400
// idempotency_key_invalid, saying the batch's limit), not as a failed validation of a body member
// "idempotency_key" that the client never sent; nothing is created, and a key one character shorter
// works.
func TestBatchIdempotencyKeyTooLongForItems(t *testing.T) {
	f := newFixture(t)
	body := `{"payments":[` + strings.TrimSuffix(strings.Repeat(f.paymentBody()+",", 11), ",") + `]}`
	before := f.snapshot()
	r := f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey(strings.Repeat("k", 253))})
	require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeIdempotencyKeyInvalid, e.Code)
	assert.Empty(t, e.Param)
	assert.Contains(t, e.Message, "at most 252 characters")
	assert.Equal(t, before, f.snapshot(), "nothing created")

	r = f.do(req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: body, header: withKey(strings.Repeat("k", 252))})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var res httpapi.BatchResult
	r.json(t, &res)
	assert.Equal(t, 11, res.Totals.Created)
}
