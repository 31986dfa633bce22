package paymenttest_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// fatalTB records a test's failure instead of failing the real test, so that a test can check how
// a helper fails.
type fatalTB struct {
	testing.TB
	failed string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatal(args ...any) {
	f.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with tb in a goroutine of its own (a Fatal ends it) and returns the failure, if any.
func (f *fatalTB) run(fn func(tb testing.TB)) string {
	var wg sync.WaitGroup
	wg.Go(func() { fn(f) })
	wg.Wait()
	return f.failed
}

// railEnv is an Env whose bank transfers go to a rail that answers every submission with receipt, err.
func railEnv(t *testing.T, receipt payment.RailReceipt, err error) *paymenttest.Env {
	rail := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) { return receipt, err }}
	return paymenttest.NewEnv(t, memory.New(), paymenttest.WithServiceOptions(payment.Options{
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}}))
}

// TestMustAdvance: MustAdvance reaches every status on a service without rails, and on one whose rail
// settles or refuses at once it skips the steps the rail took; a status it can no longer reach fails
// the test with a message that says why.
func TestMustAdvance(t *testing.T) {
	settles := payment.RailReceipt{Reference: "BANK-1", Settled: true}
	refused := &payment.RailError{Code: "account_closed", Message: "beneficiary account closed"}
	all := []payment.Status{payment.StatusPending, payment.StatusApproved, payment.StatusProcessing,
		payment.StatusSettled, payment.StatusReconciled, payment.StatusFailed, payment.StatusCancelled}
	for _, to := range all {
		t.Run("no rail to "+string(to), func(t *testing.T) {
			env := paymenttest.NewEnv(t, memory.New())
			assert.Equal(t, to, env.MustAdvance(t, env.MustCreate(t), to).Status)
		})
		t.Run("accepting rail to "+string(to), func(t *testing.T) {
			env := railEnv(t, payment.RailReceipt{Reference: "BANK-1"}, nil)
			assert.Equal(t, to, env.MustAdvance(t, env.MustCreate(t), to).Status)
		})
	}
	for _, to := range []payment.Status{payment.StatusSettled, payment.StatusReconciled} {
		t.Run("settling rail to "+string(to), func(t *testing.T) {
			env := railEnv(t, settles, nil)
			p := env.MustAdvance(t, env.MustCreate(t), to)
			assert.Equal(t, to, p.Status)
			h, err := env.Store.History(t.Context(), env.Workspace.ID, p.ID)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(h), 4)
			assert.Equal(t, "rail", h[3].Actor, "the rail settled it, MustAdvance did not settle it again")
		})
	}
	t.Run("refusing rail to failed", func(t *testing.T) {
		env := railEnv(t, payment.RailReceipt{}, refused)
		p := env.MustAdvance(t, env.MustCreate(t), payment.StatusFailed)
		assert.Equal(t, payment.StatusFailed, p.Status)
		assert.Equal(t, "account_closed", p.FailureCode, "the rail's refusal, not MustAdvance's own")
	})
	t.Run("from where the payment is", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New())
		p := env.MustAdvance(t, env.MustCreate(t), payment.StatusApproved)
		assert.Equal(t, payment.StatusSettled, env.MustAdvance(t, p, payment.StatusSettled).Status)
		p = env.MustAdvance(t, env.MustCreate(t), payment.StatusApproved)
		assert.Equal(t, payment.StatusCancelled, env.MustAdvance(t, p, payment.StatusCancelled).Status)
	})

	unreachable := []struct {
		name    string
		receipt payment.RailReceipt
		err     error
		to      payment.Status
		want    string
	}{
		{"settling rail to processing", settles, nil, payment.StatusProcessing,
			"paymenttest: MustAdvance: payment pay_01KF0E44M00000000000000006 is settled and cannot become processing: its rail settled it when it was submitted (give the rail a delay, such as sandbox.Options.SettleDelay)"},
		{"settling rail to failed", settles, nil, payment.StatusFailed,
			"paymenttest: MustAdvance: payment pay_01KF0E44M00000000000000006 is settled and cannot become failed: its rail settled it when it was submitted (give the rail a delay, such as sandbox.Options.SettleDelay)"},
		{"refusing rail to settled", payment.RailReceipt{}, refused, payment.StatusSettled,
			"paymenttest: MustAdvance: payment pay_01KF0E44M00000000000000006 is failed and cannot become settled: its rail refused it when it was submitted (account_closed: beneficiary account closed)"},
	}
	for _, tc := range unreachable {
		t.Run(tc.name, func(t *testing.T) {
			env := railEnv(t, tc.receipt, tc.err)
			p := env.MustCreate(t)
			tb := &fatalTB{TB: t}
			assert.Equal(t, tc.want, tb.run(func(tb testing.TB) { env.MustAdvance(tb, p, tc.to) }))
		})
	}
	t.Run("a settled payment to cancelled", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New())
		p := env.MustAdvance(t, env.MustCreate(t), payment.StatusSettled)
		tb := &fatalTB{TB: t}
		assert.Equal(t, "paymenttest: MustAdvance: payment pay_01KF0E44M00000000000000006 is settled and cannot become cancelled",
			tb.run(func(tb testing.TB) { env.MustAdvance(tb, p, payment.StatusCancelled) }))
	})
}
