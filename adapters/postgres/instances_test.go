package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestManyInstances runs four payment.Service instances, each on its own Store and pool as four
// processes would be, against one database. They race to approve, submit (through a rail) and cancel
// the same 2,000 payments, walking them in the same order so that they collide, while each instance
// also reads the event log. Afterwards every payment is in exactly one legal status, every transition
// an instance was told succeeded is in the history exactly once and nothing else is, no payment
// reached the rail twice, and every instance read every event exactly once, in order.
func TestManyInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 payments, four instances")
	}
	const (
		instances = 4
		workers   = 3 // goroutines per instance
		payments  = 2000
	)
	ctx := context.Background()
	dsn, schema := newSchema(t)
	setup := postgres.New(openPool(t, dsn, schema, 2), postgres.Options{})
	require.NoError(t, setup.Migrate(ctx))
	rail := &paymenttest.Rail{}
	env := paymenttest.NewEnv(t, setup)
	cs := env.Changes(t, payments)
	errs, err := setup.CreatePayments(ctx, cs)
	require.NoError(t, err)
	for _, err := range errs {
		require.NoError(t, err)
	}

	type outcome struct {
		id payment.ID
		ev fsm.Event
	}
	var (
		mu        sync.Mutex
		succeeded []outcome
		lost      atomic.Int64 // conflicts and refused transitions
	)
	actions := []struct {
		ev fsm.Event
		do func(s *payment.Service, id payment.ID) (payment.Payment, error)
	}{
		{fsm.EventApprove, func(s *payment.Service, id payment.ID) (payment.Payment, error) {
			return s.Approve(ctx, env.Workspace.ID, id, "checker")
		}},
		{fsm.EventSubmit, func(s *payment.Service, id payment.ID) (payment.Payment, error) {
			return s.Submit(ctx, env.Workspace.ID, id, "checker")
		}},
		{fsm.EventCancel, func(s *payment.Service, id payment.ID) (payment.Payment, error) {
			return s.Cancel(ctx, env.Workspace.ID, id, "maker", "race")
		}},
	}
	stores := make([]*postgres.Store, instances)
	seen := make([][]payment.LoggedEvent, instances)
	var racing sync.WaitGroup
	var readers sync.WaitGroup
	done := make(chan struct{})
	for k := range instances {
		stores[k] = postgres.New(openPool(t, dsn, schema, workers+1), postgres.Options{})
		svc := payment.NewService(stores[k], payment.Options{
			Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}})
		var next atomic.Int64
		for range workers {
			racing.Go(func() {
				for i := int(next.Add(1)) - 1; i < payments; i = int(next.Add(1)) - 1 {
					a := actions[(i+k)%len(actions)]
					_, err := a.do(svc, cs[i].Payment.ID)
					switch {
					case err == nil:
						mu.Lock()
						succeeded = append(succeeded, outcome{cs[i].Payment.ID, a.ev})
						mu.Unlock()
					case errors.Is(err, payment.ErrConflict), errors.Is(err, payment.ErrInvalidTransition):
						lost.Add(1)
					default:
						t.Errorf("instance %d: %s %s: %v", k, a.ev, cs[i].Payment.ID, err)
					}
				}
			})
		}
		readers.Go(func() { // this instance's event reader, polling while the others write
			tick := time.NewTicker(5 * time.Millisecond) // pacing only: the final read below catches up
			defer tick.Stop()
			var after int64
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				es, err := stores[k].EventsAfter(ctx, after, 500)
				if err != nil {
					t.Errorf("instance %d: events: %v", k, err)
					return
				}
				for _, e := range es {
					if e.Seq <= after {
						t.Errorf("instance %d: event %d after %d", k, e.Seq, after)
					}
					after = e.Seq
				}
				seen[k] = append(seen[k], es...)
			}
		})
	}
	racing.Wait()
	close(done)
	readers.Wait()

	// Every transition an instance was told succeeded, exactly once; nothing else.
	won := map[payment.ID]map[fsm.Event]int{}
	for _, o := range succeeded {
		if won[o.id] == nil {
			won[o.id] = map[fsm.Event]int{}
		}
		won[o.id][o.ev]++
	}
	transitions := 0
	for _, c := range cs {
		id := c.Payment.ID
		p, err := setup.GetPayment(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		h, err := setup.History(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		assert.Contains(t, []payment.Status{payment.StatusApproved, payment.StatusProcessing, payment.StatusCancelled},
			p.Status, "%s: at least one action wins, and none leads elsewhere", id)
		require.Equal(t, int(p.Version), len(h), "%s: one history record per version", id)
		inHistory := map[fsm.Event]int{}
		for i, r := range h[1:] {
			to, err := fsm.Next(r.From, r.Event)
			assert.NoError(t, err, "%s: history record %d", id, r.Seq)
			assert.Equal(t, to, r.To, "%s: record %d", id, r.Seq)
			assert.Equal(t, h[i].To, r.From, "%s: record %d starts where the last ended", id, r.Seq)
			inHistory[r.Event]++
			transitions++
		}
		assert.Equal(t, p.Status, h[len(h)-1].To, id)
		wantWon := won[id]
		if wantWon == nil {
			wantWon = map[fsm.Event]int{}
		}
		assert.Equal(t, wantWon, inHistory, "%s: acknowledged transitions = history", id)
		submitted := 0
		if p.Status == payment.StatusProcessing {
			submitted = 1
		}
		assert.Equal(t, submitted, rail.Accepted(id), "%s: submissions the rail accepted", id)
		assert.Equal(t, submitted, rail.Attempts(id), "%s: submissions the rail saw", id)
	}
	assert.Len(t, succeeded, transitions)

	// Each instance's reader saw every event once, in order: the creations and each transition.
	for k := range instances {
		es, err := stores[k].EventsAfter(ctx, lastSeq(seen[k]), 0)
		require.NoError(t, err)
		all := append(seen[k], es...)
		ids := map[string]bool{}
		for i, e := range all {
			if i > 0 && e.Seq <= all[i-1].Seq {
				t.Errorf("instance %d: seq %d after %d", k, e.Seq, all[i-1].Seq)
			}
			ids[e.ID] = true
		}
		assert.Len(t, all, payments+transitions, "instance %d", k)
		assert.Len(t, ids, payments+transitions, "instance %d: distinct events", k)
	}
	t.Logf("%d transitions won, %d lost races or refused; %d events", transitions, lost.Load(), payments+transitions)
}

func lastSeq(es []payment.LoggedEvent) int64 {
	if len(es) == 0 {
		return 0
	}
	return es[len(es)-1].Seq
}
