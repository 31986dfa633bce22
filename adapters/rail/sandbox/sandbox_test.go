package sandbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/rail/sandbox"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

const blocked payment.AccountID = "acc_01JBLOCKED0000000000000000"

func pay(n int, amount int64, to payment.AccountID) payment.Payment {
	id := payment.ID(payment.PrefixPayment + payment.EncodeULID(1, 0, uint64(n)))
	return payment.Payment{ID: id, Workspace: "ws_1", Amount: amount, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: "acc_01JOWN00000000000000000000", ToAccount: to, EndToEnd: id.EndToEndKey(), Status: payment.StatusProcessing}
}

// TestRejectAccountsInEitherCase: a counterparty given in lower case is the account payments name in
// upper case (a ULID is case-insensitive), and its payments are refused.
func TestRejectAccountsInEitherCase(t *testing.T) {
	const vendor payment.AccountID = "acc_01HX3K7QZ8M4V2N6P9R5T0W1YB"
	r := sandbox.New(sandbox.Options{RejectAccounts: []payment.AccountID{"acc_01hx3k7qz8m4v2n6p9r5t0w1yb"}})
	_, err := r.Submit(ctx, pay(1, 125000, vendor))
	var re *payment.RailError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, sandbox.CodeCounterpartyRejected, re.Code)
	assert.Empty(t, r.Transfers())
}

// TestMagicInputs walks every rule of the package documentation through Submit (repeated until the
// rail stops refusing temporarily) and Status before and after the settle delay.
func TestMagicInputs(t *testing.T) {
	tests := []struct {
		name   string
		amount int64
		to     payment.AccountID
		// submissions until accepted or refused for good; the refusal code
		attempts int
		refused  string
		// status before and after the delay, and the failure code after it
		after     payment.Status
		afterCode string
	}{
		{"plain", 125000, "", 1, "", payment.StatusSettled, ""},
		{"ends in 00 is plain", 1300, "", 1, "", payment.StatusSettled, ""},
		{"ends in 13", 12313, "", 1, sandbox.CodeInsufficientFunds, "", ""},
		{"13 alone", 13, "", 1, sandbox.CodeInsufficientFunds, "", ""},
		{"ends in 99", 4599, "", 3, "", payment.StatusSettled, ""},
		{"ends in 31", 1031, "", 1, "", payment.StatusFailed, sandbox.CodeAccountClosed},
		{"blocked counterparty", 125000, blocked, 1, sandbox.CodeCounterpartyRejected, "", ""},
		{"blocked counterparty wins over 99", 4599, blocked, 1, sandbox.CodeCounterpartyRejected, "", ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := paymenttest.NewClock(time.Time{})
			r := sandbox.New(sandbox.Options{Clock: clock, SettleDelay: time.Minute, RejectAccounts: []payment.AccountID{blocked}})
			to := tc.to
			if to == "" {
				to = "acc_01JVENDOR000000000000000000"
			}
			p := pay(i+1, tc.amount, to)
			var (
				rec payment.RailReceipt
				err error
			)
			for n := 1; n <= tc.attempts; n++ {
				rec, err = r.Submit(ctx, p)
				if n < tc.attempts {
					require.Error(t, err)
					assert.True(t, payment.IsTemporary(err), "attempt %d is refused temporarily", n)
				}
			}
			assert.Equal(t, tc.attempts, r.Attempts(p.ID))
			if tc.refused != "" {
				var re *payment.RailError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tc.refused, re.Code)
				assert.False(t, re.Temporary)
				assert.Empty(t, r.Transfers(), "a refusal makes no transfer")
				_, err := r.Status(ctx, p)
				assert.ErrorIs(t, err, payment.ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "SBX"+p.EndToEnd, rec.Reference)
			assert.False(t, rec.Settled, "a settle delay means no synchronous settlement")

			out, err := r.Status(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusProcessing, out.Status, "before the delay")
			clock.Advance(time.Minute - time.Nanosecond)
			out, _ = r.Status(ctx, p)
			assert.Equal(t, payment.StatusProcessing, out.Status, "one nanosecond before the delay")
			clock.Advance(time.Nanosecond)
			out, err = r.Status(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, tc.after, out.Status)
			assert.Equal(t, tc.afterCode, out.Code)
			require.Len(t, r.Transfers(), 1)
		})
	}
}

func TestSynchronousSettlement(t *testing.T) {
	r := sandbox.New(sandbox.Options{Clock: paymenttest.NewClock(time.Time{})})
	rec, err := r.Submit(ctx, pay(1, 5000, "acc_x"))
	require.NoError(t, err)
	assert.True(t, rec.Settled)
	_, err = r.Submit(ctx, pay(2, 5031, "acc_x"))
	var re *payment.RailError
	require.ErrorAs(t, err, &re, "without a delay there is no later return: 31 is refused at once")
	assert.Equal(t, sandbox.CodeAccountClosed, re.Code)
}

func TestDeduplicatesOnPaymentID(t *testing.T) {
	r := sandbox.New(sandbox.Options{Clock: paymenttest.NewClock(time.Time{}), SettleDelay: time.Second})
	p := pay(1, 5000, "acc_x")
	first, err := r.Submit(ctx, p)
	require.NoError(t, err)
	for range 3 {
		again, err := r.Submit(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, first, again, "a repeat gets the first receipt")
	}
	assert.Len(t, r.Transfers(), 1, "and no second transfer")
	subs := r.Submissions()
	require.Len(t, subs, 4)
	assert.Equal(t, sandbox.Accepted, subs[0].Result)
	for _, s := range subs[1:] {
		assert.Equal(t, sandbox.Duplicate, s.Result)
	}
	assert.Equal(t, 4, subs[3].Attempt)
}

func TestCancelledContextRecordsNothing(t *testing.T) {
	r := sandbox.New(sandbox.Options{})
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := r.Submit(c, pay(1, 5000, "acc_x"))
	assert.True(t, errors.Is(err, context.Canceled))
	_, err = r.Status(c, pay(1, 5000, "acc_x"))
	assert.True(t, errors.Is(err, context.Canceled))
	assert.Empty(t, r.Submissions())
}
