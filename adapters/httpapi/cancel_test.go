package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCancelMatrix cancels a payment in each of the seven statuses: only pending and approved may be
// cancelled; every other status is 409 payment_not_cancellable naming the status, and the payment is
// left as it was.
func TestCancelMatrix(t *testing.T) {
	f := newFixture(t)
	for _, status := range fsm.Statuses() {
		t.Run(string(status), func(t *testing.T) {
			p := f.env.MustAdvance(t, f.env.MustCreate(t), status)
			require.Equal(t, status, p.Status)
			r := f.do(req{method: "DELETE", path: "/v1/payments/" + string(p.ID), key: f.rw})
			after, err := f.env.Service.Get(ctx, f.env.Workspace.ID, p.ID)
			require.NoError(t, err)
			if fsm.CanCancel(status) {
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				got := r.payment(t)
				assert.Equal(t, payment.StatusCancelled, got.Status)
				assert.Equal(t, payment.StatusCancelled, after.Status)
				return
			}
			require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
			e := r.err(t)
			assert.Equal(t, httpapi.CodePaymentNotCancellable, e.Code)
			assert.Equal(t, status, e.PaymentStatus)
			assert.Contains(t, e.Message, string(status))
			assert.Equal(t, p, after, "a refused cancel changes nothing")
		})
	}
	t.Run("unknown", func(t *testing.T) {
		for _, id := range []string{"pay_01KF0000000000000000000000", "pay_nope", "acc_01KF0000000000000000000000"} {
			r := f.do(req{method: "DELETE", path: "/v1/payments/" + id, key: f.rw})
			assert.Equal(t, http.StatusNotFound, r.Status, id)
			assert.Equal(t, httpapi.CodeNotFound, r.err(t).Code, id)
		}
	})
	t.Run("lower-case id", func(t *testing.T) {
		p := f.env.MustCreate(t)
		r := f.get(f.ro, "/v1/payments/pay_"+lower(string(p.ID)[4:]))
		assert.Equal(t, http.StatusOK, r.Status, "ids are case-insensitive, as ULIDs are")
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// TestConcurrentCancel: of many simultaneous cancels of one payment exactly one succeeds; the others
// are refused with 409 (the payment is cancelled already, or a concurrent change won), and the
// history has one cancellation.
func TestConcurrentCancel(t *testing.T) {
	f := newFixture(t)
	for round := range 5 {
		p := f.env.MustCreate(t)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := f.do(req{method: "DELETE", path: "/v1/payments/" + string(p.ID), key: f.rw})
				statuses[i] = r.Status
				if r.Status == http.StatusConflict {
					assert.Contains(t, []string{httpapi.CodePaymentNotCancellable, httpapi.CodeConflict}, r.err(t).Code)
				}
			})
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			require.Contains(t, []int{http.StatusOK, http.StatusConflict}, s)
			if s == http.StatusOK {
				ok++
			}
		}
		assert.Equal(t, 1, ok, "round %d: exactly one cancel wins", round)
		h, err := f.env.Service.History(ctx, f.env.Workspace.ID, p.ID)
		require.NoError(t, err)
		assert.Len(t, h, 2, "created, cancelled once")
	}
}
