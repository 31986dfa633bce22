package payment_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

// TestRaceCancelSubmitApprove: 1,000 payments, each with a concurrent Cancel, Submit and Approve from
// separate goroutines. All three are legal from pending, so they conflict: exactly one of those that
// read the same version wins, the others get ErrConflict (never a silent overwrite), and a loser may
// only succeed later from the winner's state when the machine allows it. Cancel and Submit never both
// succeed. The history is a legal walk of the machine that ends in the final status.
func TestRaceCancelSubmitApprove(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	const n = 1000
	ps := make([]payment.Payment, n)
	for i := range ps {
		ps[i] = env.MustCreate(t)
	}
	type tally struct{ cancel, submit, approve, conflicts atomic.Int32 }
	tallies := make([]tally, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range ps {
		ws, id, tl := env.Workspace.ID, p.ID, &tallies[i]
		ops := []struct {
			run func() error
			win *atomic.Int32
		}{
			{func() error { _, err := env.Service.Cancel(ctx, ws, id, "maker", "race"); return err }, &tl.cancel},
			{func() error { _, err := env.Service.Submit(ctx, ws, id, "ops"); return err }, &tl.submit},
			{func() error { _, err := env.Service.Approve(ctx, ws, id, "checker"); return err }, &tl.approve},
		}
		for _, op := range ops {
			wg.Go(func() {
				<-start
				switch err := op.run(); {
				case err == nil:
					op.win.Add(1)
				case errors.Is(err, payment.ErrConflict):
					tl.conflicts.Add(1)
				case errors.Is(err, payment.ErrInvalidTransition):
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	conflicts := 0
	for i, p := range ps {
		tl := &tallies[i]
		conflicts += int(tl.conflicts.Load())
		wins := int(tl.cancel.Load() + tl.submit.Load() + tl.approve.Load())
		require.False(t, tl.cancel.Load() == 1 && tl.submit.Load() == 1, "cancel and submit both won for %s", p.ID)
		require.GreaterOrEqual(t, wins, 1, "the first compare-and-set always wins")
		got, err := env.Service.Get(ctx, env.Workspace.ID, p.ID)
		require.NoError(t, err)
		switch {
		case tl.cancel.Load() == 1:
			require.Equal(t, payment.StatusCancelled, got.Status)
		case tl.submit.Load() == 1:
			require.Equal(t, payment.StatusProcessing, got.Status)
		default:
			require.Equal(t, payment.StatusApproved, got.Status, "only the approval won")
		}
		h, err := env.Service.History(ctx, env.Workspace.ID, p.ID)
		require.NoError(t, err)
		require.Equal(t, wins+1, len(h), "one history record per winning transition, none for losers")
		require.Equal(t, int(got.Version), len(h))
		for i, r := range h {
			assert.Equal(t, i+1, r.Seq)
			if i == 0 {
				continue
			}
			to, err := fsm.Next(h[i-1].To, r.Event)
			require.NoError(t, err, "history is a legal walk")
			assert.Equal(t, to, r.To)
			assert.Equal(t, h[i-1].To, r.From)
		}
		assert.Equal(t, got.Status, h[len(h)-1].To, "history matches the final status")
	}
	t.Logf("%d lost compare-and-set races over %d payments", conflicts, n)
}

// TestIdempotentCreateUnderConcurrency: 50 goroutines creating with one key create exactly one payment.
func TestIdempotentCreateUnderConcurrency(t *testing.T) {
	store := memory.New()
	env := paymenttest.NewEnv(t, store)
	req := env.Request(func(r *payment.Request) { r.IdempotencyKey = "erp-42" })
	ids := make([]payment.ID, 50)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ids {
		wg.Go(func() {
			<-start
			p, err := env.Service.Create(ctx, env.Workspace.ID, req)
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			ids[i] = p.ID
		})
	}
	close(start)
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id, "every caller gets the one payment")
	}
	all, err := store.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, all, 1)
	created := 0
	for _, e := range store.Outbox() {
		if e.Type == payment.EventPaymentCreated {
			created++
		}
	}
	assert.Equal(t, 1, created, "one payment.created event")

	_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
		r.IdempotencyKey = "erp-42"
		r.Reference = "INV-OTHER"
	}))
	assert.ErrorIs(t, err, payment.ErrIdempotencyMismatch)
}

func TestApprovalRules(t *testing.T) {
	t.Run("required: submit from pending is refused", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}))
		p := env.MustCreate(t)
		_, err := env.Service.Submit(ctx, env.Workspace.ID, p.ID, "ops")
		assert.ErrorIs(t, err, payment.ErrNotAllowed)
		got, _ := env.Service.Get(ctx, env.Workspace.ID, p.ID)
		assert.Equal(t, payment.StatusPending, got.Status)
		_, err = env.Service.Approve(ctx, env.Workspace.ID, p.ID, "checker")
		require.NoError(t, err)
		p, err = env.Service.Submit(ctx, env.Workspace.ID, p.ID, "ops")
		require.NoError(t, err)
		assert.Equal(t, payment.StatusProcessing, p.Status)
	})
	t.Run("none: pending goes straight to processing", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New())
		p, err := env.Service.Submit(ctx, env.Workspace.ID, env.MustCreate(t).ID, "ops")
		require.NoError(t, err)
		assert.Equal(t, payment.StatusProcessing, p.Status)
	})
	t.Run("threshold", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithApproval(payment.ApprovalPolicy{
			Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 1_000_000}}))
		small := env.MustCreate(t, func(r *payment.Request) { r.Amount = 999_999 })
		big := env.MustCreate(t, func(r *payment.Request) { r.Amount = 1_000_000 })
		_, err := env.Service.Submit(ctx, env.Workspace.ID, small.ID, "ops")
		assert.NoError(t, err)
		_, err = env.Service.Submit(ctx, env.Workspace.ID, big.ID, "ops")
		assert.ErrorIs(t, err, payment.ErrNotAllowed)
	})
	t.Run("maker-checker", func(t *testing.T) {
		env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired, MakerChecker: true}))
		p := env.MustCreate(t, func(r *payment.Request) { r.CreatedBy = "ayse" })
		_, err := env.Service.Approve(ctx, env.Workspace.ID, p.ID, "ayse")
		var na *payment.NotAllowedError
		require.ErrorAs(t, err, &na)
		assert.Equal(t, "maker_checker", na.Rule)
		_, err = env.Service.Approve(ctx, env.Workspace.ID, p.ID, "")
		assert.ErrorIs(t, err, payment.ErrNotAllowed, "an anonymous approval cannot be checked")
		p, err = env.Service.Approve(ctx, env.Workspace.ID, p.ID, "mehmet")
		require.NoError(t, err)
		assert.Equal(t, payment.StatusApproved, p.Status)

		// One API key is one identity, whichever surface it acted through.
		const key = "key_01KF0E44M00000000000000007"
		for _, c := range [][2]string{{key, "dashboard:" + key}, {"dashboard:" + key, key}, {"dashboard:" + key, "cli:" + key}} {
			q := env.MustCreate(t, func(r *payment.Request) { r.CreatedBy = c[0] })
			_, err := env.Service.Approve(ctx, env.Workspace.ID, q.ID, c[1])
			require.ErrorAs(t, err, &na, "created by %s, approved by %s", c[0], c[1])
			assert.Equal(t, "maker_checker", na.Rule)
		}
		q := env.MustCreate(t, func(r *payment.Request) { r.CreatedBy = "dashboard:" + key })
		_, err = env.Service.Approve(ctx, env.Workspace.ID, q.ID, "dashboard:key_01KF0E44M00000000000000008")
		assert.NoError(t, err, "another key approves")

		// White space around an actor (or around the key after a surface) does not make another one.
		for _, c := range [][2]string{{"ayse", " ayse "}, {"ayse", "ayse\t"}, {" ayse\u00a0", "ayse"}, {"ayse", "\u00a0ayse"},
			{key, "dashboard: " + key}, {"dashboard:" + key, " " + key + " "}} {
			q := env.MustCreate(t, func(r *payment.Request) { r.CreatedBy = c[0] })
			_, err := env.Service.Approve(ctx, env.Workspace.ID, q.ID, c[1])
			require.ErrorAs(t, err, &na, "created by %q, approved by %q", c[0], c[1])
			assert.Equal(t, "maker_checker", na.Rule)
		}
		q = env.MustCreate(t)
		_, err = env.Service.Approve(ctx, env.Workspace.ID, q.ID, " \t")
		require.ErrorAs(t, err, &na, "an approver of only white space is anonymous")
		assert.Equal(t, "maker_checker", na.Rule)
		_, err = env.Service.Approve(ctx, env.Workspace.ID, q.ID, "Ayse")
		assert.NoError(t, err, "letter case tells ids apart: it is not folded")
	})
}

func TestActorIdentity(t *testing.T) {
	for in, want := range map[string]string{
		"ayse":                           "ayse",
		" ayse\t":                        "ayse",
		"Ayse":                           "Ayse",
		"ay se":                          "ay se",
		"key_01KF0E44M00000000000000007": "key_01KF0E44M00000000000000007",
		"dashboard:key_01KF0E44M00000000000000007": "key_01KF0E44M00000000000000007",
		" cli: key_01KF0E44M00000000000000007 ":    "key_01KF0E44M00000000000000007",
		"cli:ayse":                                 "cli:ayse",
		" \u00a0":                                  "",
	} {
		assert.Equal(t, want, payment.ActorIdentity(in), "ActorIdentity(%q)", in)
	}
}

func TestCancelMatrix(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	for _, s := range fsm.Statuses() {
		t.Run(string(s), func(t *testing.T) {
			p := env.MustAdvance(t, env.MustCreate(t), s)
			got, err := env.Service.Cancel(ctx, env.Workspace.ID, p.ID, "maker", "no longer needed")
			if s == payment.StatusPending || s == payment.StatusApproved {
				require.NoError(t, err)
				assert.Equal(t, payment.StatusCancelled, got.Status)
				h, _ := env.Service.History(ctx, env.Workspace.ID, p.ID)
				assert.Equal(t, "no longer needed", h[len(h)-1].Reason)
				assert.Equal(t, "maker", h[len(h)-1].Actor)
				return
			}
			var se *payment.StatusError
			require.ErrorAs(t, err, &se)
			assert.ErrorIs(t, err, payment.ErrInvalidTransition)
			assert.Equal(t, s, se.Status, "the error carries the current status")
			assert.Contains(t, err.Error(), string(s))
			still, _ := env.Service.Get(ctx, env.Workspace.ID, p.ID)
			assert.Equal(t, s, still.Status)
		})
	}
	_, err := env.Service.Cancel(ctx, env.Workspace.ID, "pay_01HX3K7QZ8M4V2N6P9R5T0W1YB", "maker", "")
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

type recorder struct {
	mu     sync.Mutex
	events []payment.Event
}

func (r *recorder) Publish(_ context.Context, e payment.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func TestEventsAndRail(t *testing.T) {
	rec := &recorder{}
	rail := &paymenttest.Rail{Script: func(p payment.Payment, attempt int) (payment.RailReceipt, error) {
		switch {
		case p.Reference == "FAIL":
			return payment.RailReceipt{}, &payment.RailError{Code: "insufficient_funds", Message: "balance too low"}
		case p.Reference == "FLAKY" && attempt == 1:
			return payment.RailReceipt{}, &payment.RailError{Code: "timeout", Message: "try again", Temporary: true}
		case p.Reference == "INSTANT":
			return payment.RailReceipt{Reference: "r-1", Settled: true}, nil
		}
		return payment.RailReceipt{Reference: "r-2"}, nil
	}}
	env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithServiceOptions(payment.Options{
		Publisher: rec, Rails: map[payment.Method]payment.Rail{payment.MethodEFT: rail}}))
	ws := env.Workspace.ID
	eft := func(ref string) func(*payment.Request) {
		return func(r *payment.Request) { r.Method = payment.MethodEFT; r.Reference = ref }
	}

	failed, err := env.Service.Submit(ctx, ws, env.MustCreate(t, eft("FAIL")).ID, "ops")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusFailed, failed.Status)
	assert.Equal(t, "insufficient_funds", failed.FailureCode)

	flaky := env.MustCreate(t, eft("FLAKY"))
	p, err := env.Service.Submit(ctx, ws, flaky.ID, "ops")
	assert.True(t, payment.IsTemporary(err))
	assert.Equal(t, payment.StatusProcessing, p.Status, "a temporary refusal leaves it processing")
	p, err = env.Service.Dispatch(ctx, ws, flaky.ID)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusProcessing, p.Status)
	assert.Equal(t, 2, rail.Attempts(flaky.ID))
	assert.Equal(t, 1, rail.Accepted(flaky.ID))

	instant, err := env.Service.Submit(ctx, ws, env.MustCreate(t, eft("INSTANT")).ID, "ops")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusSettled, instant.Status)

	noRail, err := env.Service.Submit(ctx, ws, env.MustCreate(t).ID, "ops") // bank_transfer: no rail
	require.NoError(t, err)
	assert.Equal(t, payment.StatusProcessing, noRail.Status)
	assert.Equal(t, 0, rail.Attempts(noRail.ID))

	var types []string
	for _, e := range rec.events {
		types = append(types, string(e.Type))
		assert.NotNil(t, e.Payment)
		assert.Equal(t, ws, e.Workspace)
	}
	assert.Equal(t, []string{
		"payment.created", "payment.processing", "payment.failed",
		"payment.created", "payment.processing",
		"payment.created", "payment.processing", "payment.settled",
		"payment.created", "payment.processing",
	}, types)
	// reconciled → settled publishes nothing new
	p = env.MustAdvance(t, env.MustCreate(t), payment.StatusReconciled)
	before := len(rec.events)
	_, err = env.Service.Unreconcile(ctx, ws, p.ID, "auditor", "wrong match")
	require.NoError(t, err)
	assert.Len(t, rec.events, before)
}

func TestListPagination(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	var created []payment.ID
	for i := 0; i < 45; i++ {
		env.Clock.Advance(time.Second)
		created = append(created, env.MustCreate(t, func(r *payment.Request) { r.Reference = fmt.Sprintf("INV-%02d", i) }).ID)
	}
	page, err := env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Payments, 20, "default page size")
	assert.True(t, page.HasMore)
	assert.Equal(t, created[44], page.Payments[0].ID, "newest first")

	var all []payment.ID
	f := payment.ListFilter{Limit: 1000} // capped at 100
	for {
		page, err := env.Service.List(ctx, env.Workspace.ID, f)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.Payments), 100)
		for _, p := range page.Payments {
			all = append(all, p.ID)
		}
		if !page.HasMore {
			break
		}
		f.After = page.Payments[len(page.Payments)-1].ID
	}
	assert.Len(t, all, 45)
	page, err = env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{Reference: "INV-07"})
	require.NoError(t, err)
	require.Len(t, page.Payments, 1)
	assert.False(t, page.HasMore)
	assert.Equal(t, created[7], page.Payments[0].ID)
}

// TestListRefusesFiltersThatCannotMatch: a filter value no payment can have (an unknown status or
// method, a currency payments are not made in, an id that is not one) is refused naming its field,
// instead of answering an empty page; ids in either letter case are the same id.
func TestListRefusesFiltersThatCannotMatch(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	p := env.MustCreate(t)
	q := env.MustCreate(t)
	tests := []struct {
		name   string
		filter payment.ListFilter
		field  string
		reason string
	}{
		{"status", payment.ListFilter{Statuses: []payment.Status{payment.StatusPending, "Pending"}}, "status", `unknown status "Pending"`},
		{"method", payment.ListFilter{Method: "wire"}, "method", `unknown method "wire"`},
		{"currency", payment.ListFilter{Currency: "try"}, "currency", `unknown ISO 4217 currency code "try"`},
		{"account", payment.ListFilter{Account: "TR330006100519786457841326"}, "account", `"TR330006100519786457841326" does not start with "acc_"`},
		{"from_account", payment.ListFilter{FromAccount: "acc_1"}, "from_account", `"acc_1" is not acc_ followed by a ULID`},
		{"to_account", payment.ListFilter{ToAccount: env.Vendor.ID + "X"}, "to_account", `"` + string(env.Vendor.ID) + `X" is not acc_ followed by a ULID`},
		{"batch_id", payment.ListFilter{BatchID: "batch-7"}, "batch_id", `"batch-7" does not start with "bat_"`},
		{"after", payment.ListFilter{After: "garbage"}, "after", `"garbage" does not start with "pay_"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := env.Service.List(ctx, env.Workspace.ID, tc.filter)
			var ve *payment.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, payment.ErrInvalid)
			assert.Equal(t, tc.field, ve.Field)
			assert.Equal(t, tc.reason, ve.Reason)
			assert.Equal(t, err, payment.ValidateListFilter(&tc.filter), "List refuses what ValidateListFilter refuses")
		})
	}
	t.Run("every problem", func(t *testing.T) {
		err := payment.ValidateListFilter(&payment.ListFilter{Method: "wire", After: "garbage"})
		assert.ErrorContains(t, err, "method")
		assert.ErrorContains(t, err, "after")
	})
	t.Run("valid values", func(t *testing.T) {
		lower := func(id payment.ID) payment.ID { return payment.ID(strings.ToLower(string(id))) }
		page, err := env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{
			Statuses: []payment.Status{payment.StatusPending}, Method: payment.MethodBankTransfer, Currency: "TRY",
			Account: env.Own.ID, FromAccount: env.Own.ID, ToAccount: env.Vendor.ID, After: lower(q.ID)})
		require.NoError(t, err)
		require.Len(t, page.Payments, 1, "a cursor in lower case is the same payment id")
		assert.Equal(t, p.ID, page.Payments[0].ID)
		page, err = env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{Reference: strings.Repeat("x", 100)})
		require.NoError(t, err, "a reference no payment has is a search that finds nothing")
		assert.Empty(t, page.Payments)
	})
}

// TestNotFoundNamesWhat: a workspace, payment or account that is not there is an error that says
// which (kind, id, workspace searched), still errors.Is ErrNotFound.
func TestNotFoundNamesWhat(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ws := env.Workspace.ID
	const noWS, noPay = payment.WorkspaceID("ws_01KF0E44M00000000000000099"), payment.ID("pay_01KF0E44M00000000000000099")
	other := paymenttest.NewEnv(t, env.Store, paymenttest.WithServiceOptions(payment.Options{IDs: payment.NewULIDSource()}))
	theirs := other.MustCreate(t)
	call := func(f func() error) func() error { return f }
	tests := []struct {
		name string
		call func() error
		want payment.NotFoundError
		msg  string
	}{
		{"Create in an unknown workspace", call(func() error { _, err := env.Service.Create(ctx, noWS, env.Request()); return err }),
			payment.NotFoundError{Kind: "workspace", ID: string(noWS)}, "payment: no workspace ws_01KF0E44M00000000000000099"},
		{"Workspace", call(func() error { _, err := env.Service.Workspace(ctx, noWS); return err }),
			payment.NotFoundError{Kind: "workspace", ID: string(noWS)}, "payment: no workspace ws_01KF0E44M00000000000000099"},
		{"CreateAccount in an unknown workspace", call(func() error {
			_, err := env.Service.CreateAccount(ctx, noWS, payment.AccountRequest{Name: "X", Currency: "TRY", Type: payment.AccountExternal})
			return err
		}), payment.NotFoundError{Kind: "workspace", ID: string(noWS)}, "payment: no workspace ws_01KF0E44M00000000000000099"},
		{"Get", call(func() error { _, err := env.Service.Get(ctx, ws, noPay); return err }),
			payment.NotFoundError{Kind: "payment", ID: string(noPay), Workspace: ws},
			"payment: no payment pay_01KF0E44M00000000000000099 in workspace ws_01KF0E44M00000000000000001"},
		{"History", call(func() error { _, err := env.Service.History(ctx, ws, noPay); return err }),
			payment.NotFoundError{Kind: "payment", ID: string(noPay), Workspace: ws},
			"payment: no payment pay_01KF0E44M00000000000000099 in workspace ws_01KF0E44M00000000000000001"},
		{"Approve", call(func() error { _, err := env.Service.Approve(ctx, ws, noPay, "mehmet"); return err }),
			payment.NotFoundError{Kind: "payment", ID: string(noPay), Workspace: ws},
			"payment: no payment pay_01KF0E44M00000000000000099 in workspace ws_01KF0E44M00000000000000001"},
		{"Dispatch", call(func() error { _, err := env.Service.Dispatch(ctx, ws, noPay); return err }),
			payment.NotFoundError{Kind: "payment", ID: string(noPay), Workspace: ws},
			"payment: no payment pay_01KF0E44M00000000000000099 in workspace ws_01KF0E44M00000000000000001"},
		{"GetAccount", call(func() error { _, err := env.Service.GetAccount(ctx, ws, "acc_01KF0E44M00000000000000099"); return err }),
			payment.NotFoundError{Kind: "account", ID: "acc_01KF0E44M00000000000000099", Workspace: ws},
			"payment: no account acc_01KF0E44M00000000000000099 in workspace ws_01KF0E44M00000000000000001"},
		{"History of another workspace's payment", call(func() error { _, err := env.Service.History(ctx, ws, theirs.ID); return err }),
			payment.NotFoundError{Kind: "payment", ID: string(theirs.ID), Workspace: ws},
			"payment: no payment " + string(theirs.ID) + " in workspace ws_01KF0E44M00000000000000001"},
		{"an id that is not one", call(func() error { _, err := env.Service.History(ctx, ws, "x\ny"); return err }),
			payment.NotFoundError{Kind: "payment", ID: "x\ny", Workspace: ws},
			`payment: no payment "x\ny" in workspace ws_01KF0E44M00000000000000001`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, payment.ErrNotFound)
			var nf *payment.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tc.want.Kind, nf.Kind)
			assert.Equal(t, tc.want.ID, nf.ID)
			assert.Equal(t, tc.want.Workspace, nf.Workspace)
			assert.EqualError(t, err, tc.msg)
		})
	}
}

func TestCreateDefaultsAndFields(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	p := env.MustCreate(t, func(r *payment.Request) { r.ValueDate = 0; r.CreatedBy = "ayse" })
	assert.Equal(t, payment.DateOf(paymenttest.Epoch), p.ValueDate, "value date defaults to today")
	assert.Equal(t, payment.StatusPending, p.Status)
	assert.Equal(t, int64(1), p.Version)
	assert.Equal(t, p.ID.EndToEndKey(), p.EndToEnd)
	assert.Regexp(t, `^pay_[0-9A-HJKMNP-TV-Z]{26}$`, string(p.ID))
	assert.Regexp(t, `^[0-9A-Z]{16}$`, p.EndToEnd)
	assert.Equal(t, paymenttest.Epoch, p.CreatedAt)
	h, err := env.Service.History(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, payment.EventCreate, h[0].Event)
	assert.Equal(t, "ayse", h[0].Actor)
}

// TestCreateDefaultValueDateIsTodayInLocation: a payment created without a value date is due today
// in Options.Location. At 01:30 on 15 January in Istanbul it is still the 14th in UTC; a service for
// Istanbul dates it the 15th, one without a Location the 14th (UTC, as before).
func TestCreateDefaultValueDateIsTodayInLocation(t *testing.T) {
	ist, err := time.LoadLocation("Europe/Istanbul")
	require.NoError(t, err)
	at := time.Date(2026, 1, 15, 1, 30, 0, 0, ist)
	for _, tc := range []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"Istanbul", ist, "2026-01-15"},
		{"UTC by default", nil, "2026-01-14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithServiceOptions(
				payment.Options{Clock: paymenttest.NewClock(at), Location: tc.loc}))
			p := env.MustCreate(t, func(r *payment.Request) { r.ValueDate = 0 })
			assert.Equal(t, tc.want, p.ValueDate.String())
			assert.Equal(t, p.ValueDate, env.Service.Today())
			assert.Equal(t, time.UTC, p.CreatedAt.Location(), "times stay UTC")
			explicit := env.MustCreate(t, func(r *payment.Request) { r.ValueDate = payment.MustDate("2026-01-20") })
			assert.Equal(t, "2026-01-20", explicit.ValueDate.String())
		})
	}
}

// TestCreateAccountIDsInEitherCase: a ULID is case-insensitive, and ParseAccountID (the API's account
// paths and filters) accepts lower case, as the product docs print ids ("acc_01hx3k9q…"). Create takes
// them too and stores the canonical upper-case id; a retry in the other case is the same request.
func TestCreateAccountIDsInEitherCase(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	lower := func(id payment.AccountID) payment.AccountID {
		return payment.AccountID("acc_" + strings.ToLower(string(id[len("acc_"):])))
	}
	p, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
		r.FromAccount, r.ToAccount, r.IdempotencyKey = lower(env.Own.ID), lower(env.Vendor.ID), "erp-1"
	}))
	require.NoError(t, err)
	assert.Equal(t, env.Own.ID, p.FromAccount)
	assert.Equal(t, env.Vendor.ID, p.ToAccount)
	got, err := env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{FromAccount: env.Own.ID})
	require.NoError(t, err)
	require.Len(t, got.Payments, 1, "listed under the account's id")

	again, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.IdempotencyKey = "erp-1" }))
	require.NoError(t, err, "the same request in upper case is a replay")
	assert.Equal(t, p.ID, again.ID)
	again, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
		r.FromAccount, r.ToAccount, r.IdempotencyKey = lower(env.Own.ID), lower(env.Vendor.ID), "erp-1"
	}))
	require.NoError(t, err, "and in lower case too")
	assert.Equal(t, p.ID, again.ID)

	_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
		r.ToAccount = lower(r.FromAccount)
	}))
	require.Error(t, err)
	fe := payment.FieldErrors(err)
	require.Len(t, fe, 1, "%v", err)
	assert.Equal(t, "to_account", fe[0].Field)
	assert.Contains(t, fe[0].Reason, "must differ from from_account")
}

// TestCreateWorkspaceName: a workspace's name is checked like an account's, so that every store keeps
// what one accepts (PostgreSQL refuses a NUL byte and invalid UTF-8, which the others stored) and a
// bad name is a field error rather than a database error.
func TestCreateWorkspaceName(t *testing.T) {
	svc := payment.NewService(memory.New(), payment.Options{})
	for _, tc := range []struct {
		name, in, reason string
	}{
		{"NUL byte", "Acme\x00", "contains control characters"},
		{"not UTF-8", "Acme \xff", "is not valid UTF-8"},
		{"too long", strings.Repeat("a", payment.MaxWorkspaceNameLen+1), "is 141 characters long; the limit is 140"},
		{"white space only", " \t ", "is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateWorkspace(ctx, tc.in, payment.PlanStarter, payment.ApprovalPolicy{})
			var ve *payment.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "name", ve.Field)
			assert.Equal(t, tc.reason, ve.Reason)
		})
	}
	w, err := svc.CreateWorkspace(ctx, " Acme Lojistik A.Ş. ", payment.PlanStarter, payment.ApprovalPolicy{})
	require.NoError(t, err)
	assert.Equal(t, "Acme Lojistik A.Ş.", w.Name)
}

// TestCreateWorkspaceThresholds: an approval threshold is for a currency payments can have, and is
// not negative. A lower-case code matched no payment, so every payment needed approval, silently.
func TestCreateWorkspaceThresholds(t *testing.T) {
	svc := payment.NewService(memory.New(), payment.Options{})
	for _, tc := range []struct {
		name       string
		thresholds map[payment.Currency]int64
		reason     string
	}{
		{"lower-case code", map[payment.Currency]int64{"try": 100000}, `unknown ISO 4217 currency code "try"`},
		{"unknown code", map[payment.Currency]int64{"XYZ": 100000}, `unknown ISO 4217 currency code "XYZ"`},
		{"no minor units", map[payment.Currency]int64{"XAU": 1}, `XAU has no minor units and cannot be paid in`},
		{"negative", map[payment.Currency]int64{"TRY": -1}, "TRY: -1 is negative; a threshold is the least amount, in minor units, that needs approval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter,
				payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, Thresholds: tc.thresholds})
			var ve *payment.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "approval.thresholds", ve.Field)
			assert.Equal(t, tc.reason, ve.Reason)
		})
	}
	w, err := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter,
		payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 0, "EUR": 500000}})
	require.NoError(t, err)
	assert.True(t, w.Approval.Requires(payment.Amount{Minor: 1, Currency: "TRY"}), "0: every TRY payment")
	assert.False(t, w.Approval.Requires(payment.Amount{Minor: 499999, Currency: "EUR"}))
}

// TestHistoryTimesNeverGoBack: a service whose clock is behind the one that wrote a payment's last
// change (another instance, a clock stepped back) dates its change no earlier than that one, so the
// history reads in time order and the event says what the history says.
func TestHistoryTimesNeverGoBack(t *testing.T) {
	store := memory.New()
	env := paymenttest.NewEnv(t, store)
	p := env.MustCreate(t)
	env.Clock.Advance(-time.Hour)
	_, err := env.Service.Approve(ctx, env.Workspace.ID, p.ID, "checker")
	require.NoError(t, err)
	env.Clock.Advance(30 * time.Minute) // still behind the creation
	got, err := env.Service.Submit(ctx, env.Workspace.ID, p.ID, "ops")
	require.NoError(t, err)
	assert.Equal(t, p.CreatedAt, got.UpdatedAt)

	h, err := env.Service.History(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	require.Len(t, h, 3)
	for i := 1; i < len(h); i++ {
		assert.False(t, h[i].At.Before(h[i-1].At), "seq %d at %v, before seq %d at %v", h[i].Seq, h[i].At, h[i-1].Seq, h[i-1].At)
	}
	evs := store.Outbox()
	require.Len(t, evs, 3)
	for i, e := range evs {
		assert.Equal(t, h[i].At, e.OccurredAt, "event %s", e.Type)
		assert.Equal(t, h[i].To, e.Payment.Status, "event %s", e.Type)
	}
}

// TestTransitionsNeedAnActor: every status change names who made it in the history; a change
// without an actor (empty or only white space) is refused as invalid and changes nothing.
func TestTransitionsNeedAnActor(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ws := env.Workspace.ID
	moves := map[string]func(id payment.ID, actor string) error{
		"approve":       func(id payment.ID, a string) error { _, err := env.Service.Approve(ctx, ws, id, a); return err },
		"submit":        func(id payment.ID, a string) error { _, err := env.Service.Submit(ctx, ws, id, a); return err },
		"submitOutside": func(id payment.ID, a string) error { _, err := env.Service.SubmitOutside(ctx, ws, id, a); return err },
		"cancel": func(id payment.ID, a string) error {
			_, err := env.Service.Cancel(ctx, ws, id, a, "sent twice")
			return err
		},
	}
	for name, move := range moves {
		for _, actor := range []string{"", " \t\u00a0"} {
			t.Run(name+"/"+strconv.Quote(actor), func(t *testing.T) {
				p := env.MustCreate(t)
				err := move(p.ID, actor)
				var ve *payment.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "actor", ve.Field)
				got, err := env.Service.Get(ctx, ws, p.ID)
				require.NoError(t, err)
				assert.Equal(t, payment.StatusPending, got.Status)
				assert.Equal(t, int64(1), got.Version)
			})
		}
	}
	processing := func(t *testing.T) payment.ID {
		p := env.MustCreate(t)
		_, err := env.Service.Submit(ctx, ws, p.ID, "ops")
		require.NoError(t, err)
		return p.ID
	}
	id := processing(t)
	_, err := env.Service.Settle(ctx, ws, id, "", "booked")
	assert.ErrorIs(t, err, payment.ErrInvalid, "settle")
	_, err = env.Service.Fail(ctx, ws, id, " ", "AC04", "closed account")
	assert.ErrorIs(t, err, payment.ErrInvalid, "fail")
	_, err = env.Service.Settle(ctx, ws, id, "bank", "booked")
	require.NoError(t, err)
	_, err = env.Service.MarkReconciled(ctx, ws, id, "", "run_1")
	assert.ErrorIs(t, err, payment.ErrInvalid, "mark reconciled")
	_, err = env.Service.MarkReconciled(ctx, ws, id, "finance", "run_1")
	require.NoError(t, err)
	_, err = env.Service.Unreconcile(ctx, ws, id, "", "wrong entry")
	assert.ErrorIs(t, err, payment.ErrInvalid, "unreconcile")
	h, err := env.Service.History(ctx, ws, id)
	require.NoError(t, err)
	require.Len(t, h, 4)
	for _, tr := range h[1:] {
		assert.NotEmpty(t, tr.Actor, "seq %d", tr.Seq)
	}
}

// TestFailWithoutMessageGivesTheCodeAsReason: a rail that refuses with a code and no message still
// leaves a reason in the history, the code; one that gives neither leaves a reason saying so. The
// payment keeps the code and message as given.
func TestFailWithoutMessageGivesTheCodeAsReason(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ws := env.Workspace.ID
	for _, tc := range []struct{ code, message, reason string }{
		{"AC04", "", "AC04"},
		{"AC04", "account closed", "account closed"},
		{"", "", "the rail reported a failure without a reason"},
		{" ", "\t", "the rail reported a failure without a reason"},
	} {
		p := env.MustCreate(t)
		_, err := env.Service.Submit(ctx, ws, p.ID, "ops")
		require.NoError(t, err)
		got, err := env.Service.Fail(ctx, ws, p.ID, "rail", tc.code, tc.message)
		require.NoError(t, err)
		assert.Equal(t, tc.code, got.FailureCode)
		assert.Equal(t, tc.message, got.FailureReason)
		h, err := env.Service.History(ctx, ws, p.ID)
		require.NoError(t, err)
		assert.Equal(t, tc.reason, h[len(h)-1].Reason)
	}
}

// loseCreateRace is a store on which the next CreatePayment finds the payment written by a
// concurrent Create with the same idempotency key: it stores the change and answers ErrDuplicate.
type loseCreateRace struct {
	payment.Store
	armed bool
}

func (s *loseCreateRace) CreatePayment(ctx context.Context, c payment.Change) error {
	if err := s.Store.CreatePayment(ctx, c); err != nil || !s.armed {
		return err
	}
	s.armed = false
	return payment.ErrDuplicate
}

// TestCreateLosingKeyRaceWithLowerCaseWorkspaceReturnsTheWinner: a Create that loses the race for its
// idempotency key returns the payment the winner stored, also when the workspace id's ULID is in lower
// case; it answered "payment: not found", looking the key up under the id as given.
func TestCreateLosingKeyRaceWithLowerCaseWorkspaceReturnsTheWinner(t *testing.T) {
	store := &loseCreateRace{Store: memory.New()}
	env := paymenttest.NewEnv(t, store)
	store.armed = true
	ws := payment.WorkspaceID(strings.ToLower(string(env.Workspace.ID)))
	p, err := env.Service.Create(context.Background(), ws, env.Request(func(r *payment.Request) { r.IdempotencyKey = "inv-42" }))
	require.NoError(t, err)
	got, err := env.Service.Get(context.Background(), env.Workspace.ID, p.ID)
	require.NoError(t, err)
	require.Equal(t, got.ID, p.ID)
	require.Equal(t, env.Workspace.ID, p.Workspace)
}
