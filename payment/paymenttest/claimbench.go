package paymenttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// ClaimStore is a store whose claims BenchClaim measures.
type ClaimStore interface {
	payment.Store
	payment.BatchCreator
	payment.Claimer
}

// BenchClaim measures one Claim of 50 payments from s, an empty store, once it holds 100,000 active
// payments: 98,000 processing and sent on a rail that is not polled (waiting for the bank's
// statement: never work), 1,000 pending in a workspace that requires approval (not work either) and
// 1,000 approved (the work). Each claim comes a lease later than the one before, so the work stays
// the same: the approved payments never claimed yet, then those whose lease has ended. polled=other
// is a processor that also polls another method's rail. measure, when not nil, is called at the
// start of each sub-benchmark and the function it returns at its end (to report CPU time, say).
func BenchClaim(b *testing.B, s ClaimStore, measure func(*testing.B) func()) {
	ctx := context.Background()
	opts := WithServiceOptions(payment.Options{Clock: payment.SystemClock, IDs: payment.NewULIDSource()})
	env := NewEnv(b, s, opts)
	strict := NewEnv(b, s, opts, WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}))
	base := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Microsecond)
	seedClaimBench(b, s, base, env, strict, 98_000, 1_000, 1_000)

	now := base.Add(48 * time.Hour)
	for _, tc := range []struct {
		name            string
		methods, polled []payment.Method
	}{
		{"polled=none", []payment.Method{payment.MethodBankTransfer}, nil},
		{"polled=other", []payment.Method{payment.MethodBankTransfer, payment.MethodEFT}, []payment.Method{payment.MethodEFT}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			q := payment.ClaimQuery{Owner: "prc_bench", Limit: 50, Methods: tc.methods, Polled: tc.polled}
			b.ReportAllocs()
			if measure != nil {
				defer measure(b)()
			}
			for b.Loop() {
				now = now.Add(2 * time.Minute) // every lease taken so far has ended
				q.Now, q.Until = now, now.Add(time.Minute)
				got, err := s.Claim(ctx, q)
				if err != nil || len(got) != q.Limit {
					b.Fatal(err, len(got))
				}
			}
		})
	}
}

// seedClaimBench stores the payments of BenchClaim, created a millisecond apart from base on: sent
// processing payments of env's workspace (marked sent), pending ones of strict's, then approved ones
// of env's.
func seedClaimBench(b *testing.B, s ClaimStore, base time.Time, env, strict *Env, sent, pending, approved int) {
	b.Helper()
	ctx := context.Background()
	n := 0
	create := func(e *Env, count int, status payment.Status) []payment.ID {
		var ids []payment.ID
		for count > 0 {
			cs := e.Changes(b, min(count, 500))
			for i := range cs {
				p := &cs[i].Payment
				p.CreatedAt = base.Add(time.Duration(n) * time.Millisecond)
				p.UpdatedAt, p.Status = p.CreatedAt, status
				cs[i].History.To, cs[i].History.At = status, p.CreatedAt
				snap := *p
				cs[i].Event.Payment = &snap
				ids = append(ids, p.ID)
				n++
			}
			errs, err := s.CreatePayments(ctx, cs)
			must(b, err)
			for _, err := range errs {
				must(b, err)
			}
			count -= len(cs)
		}
		return ids
	}
	ids := create(env, sent, payment.StatusProcessing)
	var wg sync.WaitGroup
	for g := range 16 { // concurrent marks share commits
		wg.Go(func() {
			for i := g; i < len(ids); i += 16 {
				if err := s.MarkSent(ctx, ids[i], base.Add(time.Duration(i)*time.Millisecond)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	create(strict, pending, payment.StatusPending)
	create(env, approved, payment.StatusApproved)
}
