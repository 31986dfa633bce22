package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestGroupCommit queues writes behind a commit in flight and checks that they are committed together,
// each in its own savepoint: the one that fails changes nothing, the others are all stored, and the
// caller cancelled while queued is skipped.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "group.db"), OpenOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s := New(db, Options{})
	require.NoError(t, s.Migrate(ctx))
	ws := func(id string) payment.Workspace {
		return payment.Workspace{ID: payment.WorkspaceID(id), Name: id, Plan: payment.PlanStarter,
			Approval: payment.ApprovalPolicy{Mode: payment.ApprovalNone}, CreatedAt: time.Unix(0, 0)}
	}
	require.NoError(t, s.CreateWorkspace(ctx, ws("ws_taken")))

	// The leader's write holds the writer until released.
	release := make(chan struct{})
	leader := make(chan error, 1)
	go func() {
		leader <- s.write(ctx, func(ctx context.Context, q querier) error {
			<-release
			_, err := q.exec(ctx, `INSERT INTO workspaces (id, name, plan_name, plan_methods, approval_mode, maker_checker, created_at)
				VALUES ('ws_leader', 'leader', 'starter', 'eft', 'none', 0, '1970-01-01T00:00:00.000000Z')`)
			return err
		})
	}()
	waitQueued := func(n int) {
		for {
			s.w.mu.Lock()
			q, leading := len(s.w.queue), s.w.leading
			s.w.mu.Unlock()
			if leading && q == n {
				return
			}
			runtime.Gosched()
		}
	}
	waitQueued(0)
	cancelled, cancel := context.WithCancel(ctx)
	results := make([]chan error, 4)
	for i, w := range []struct {
		ctx context.Context
		ws  string
	}{{ctx, "ws_a"}, {ctx, "ws_taken"}, {cancelled, "ws_cancelled"}, {ctx, "ws_b"}} {
		results[i] = make(chan error, 1)
		go func() { results[i] <- s.CreateWorkspace(w.ctx, ws(w.ws)) }()
		waitQueued(i + 1)
	}
	cancel()
	close(release)

	require.NoError(t, <-leader)
	assert.NoError(t, <-results[0])
	assert.ErrorIs(t, <-results[1], payment.ErrDuplicate)
	assert.ErrorIs(t, <-results[2], context.Canceled)
	assert.NoError(t, <-results[3])
	for id, want := range map[string]error{"ws_leader": nil, "ws_a": nil, "ws_b": nil, "ws_cancelled": payment.ErrNotFound} {
		_, err := s.GetWorkspace(ctx, payment.WorkspaceID(id))
		if want == nil {
			assert.NoError(t, err, id)
		} else {
			assert.True(t, errors.Is(err, want), "%s: %v", id, err)
		}
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	assert.False(t, s.w.leading, "the writer is idle again")
	assert.Empty(t, s.w.queue)
}

// TestWriterSurvivesAPanic checks that a write that panics fails its group with an error, rolls it
// back, and leaves the writer usable.
func TestWriterSurvivesAPanic(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "panic.db"), OpenOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s := New(db, Options{})
	require.NoError(t, s.Migrate(ctx))
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		if _, err := q.exec(ctx, `INSERT INTO workspaces (id, name, plan_name, plan_methods, approval_mode, maker_checker, created_at)
			VALUES ('ws_gone', 'x', 'starter', 'eft', 'none', 0, '1970-01-01T00:00:00.000000Z')`); err != nil {
			return err
		}
		panic("bug")
	})
	assert.ErrorContains(t, err, "panicked")
	_, err = s.GetWorkspace(ctx, "ws_gone")
	assert.ErrorIs(t, err, payment.ErrNotFound, "rolled back")
	require.NoError(t, s.CreateWorkspace(ctx, payment.Workspace{ID: "ws_next", Name: "next", Plan: payment.PlanStarter,
		Approval: payment.ApprovalPolicy{Mode: payment.ApprovalNone}, CreatedAt: time.Unix(0, 0)}), "the writer still works")
}
