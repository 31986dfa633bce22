package fsm_test

import (
	"errors"
	"flag"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/orkesta/orkesta/fsm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// want is the contract written out by hand, independently of the table in machine.go.
var want = map[fsm.Status]map[fsm.Event]fsm.Status{
	fsm.StatusPending: {
		fsm.EventApprove: fsm.StatusApproved,
		fsm.EventSubmit:  fsm.StatusProcessing,
		fsm.EventCancel:  fsm.StatusCancelled,
	},
	fsm.StatusApproved: {
		fsm.EventSubmit: fsm.StatusProcessing,
		fsm.EventCancel: fsm.StatusCancelled,
	},
	fsm.StatusProcessing: {
		fsm.EventSettle: fsm.StatusSettled,
		fsm.EventFail:   fsm.StatusFailed,
	},
	fsm.StatusSettled:    {fsm.EventReconcile: fsm.StatusReconciled},
	fsm.StatusReconciled: {fsm.EventUnreconcile: fsm.StatusSettled},
	fsm.StatusFailed:     {},
	fsm.StatusCancelled:  {},
}

func TestNextEveryPair(t *testing.T) {
	require.Len(t, fsm.Statuses(), 7)
	require.Len(t, fsm.Events(), 7)
	for _, from := range fsm.Statuses() {
		for _, ev := range fsm.Events() {
			t.Run(string(from)+"/"+string(ev), func(t *testing.T) {
				to, err := fsm.Next(from, ev)
				exp, legal := want[from][ev]
				if legal {
					require.NoError(t, err)
					assert.Equal(t, exp, to)
					assert.True(t, fsm.Can(from, ev))
					e, ok := fsm.EventTo(from, to)
					assert.True(t, ok)
					assert.Equal(t, ev, e)
					return
				}
				require.Error(t, err)
				assert.ErrorIs(t, err, fsm.ErrInvalidTransition)
				var te *fsm.TransitionError
				require.True(t, errors.As(err, &te))
				assert.Equal(t, from, te.From)
				assert.Equal(t, ev, te.Event)
				assert.Contains(t, err.Error(), string(from), "the error names the current status")
				assert.Contains(t, err.Error(), string(ev), "the error names the event")
				assert.Equal(t, from, to, "a refused move leaves the status as it was")
				assert.False(t, fsm.Can(from, ev))
			})
		}
	}
}

func TestUnknownStatusAndEvent(t *testing.T) {
	_, err := fsm.Next("paid", fsm.EventSettle)
	assert.ErrorIs(t, err, fsm.ErrInvalidTransition)
	assert.EqualError(t, err, `fsm: unknown status "paid"`)
	_, err = fsm.Next(fsm.StatusPending, "refund")
	assert.EqualError(t, err, `fsm: unknown event "refund"`)
	assert.False(t, fsm.Status("").Valid())
	assert.False(t, fsm.Event("").Valid())
}

func TestCanCancel(t *testing.T) {
	for _, s := range fsm.Statuses() {
		want := s == fsm.StatusPending || s == fsm.StatusApproved
		assert.Equal(t, want, fsm.CanCancel(s), s)
	}
}

func TestTerminal(t *testing.T) {
	assert.True(t, fsm.StatusFailed.Terminal())
	assert.True(t, fsm.StatusCancelled.Terminal())
	assert.False(t, fsm.StatusReconciled.Terminal(), "a reconciliation can be undone")
	assert.False(t, fsm.StatusPending.Terminal())
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 1000; i++ {
				to, err := fsm.Next(fsm.StatusApproved, fsm.EventSubmit)
				if err != nil || to != fsm.StatusProcessing {
					t.Errorf("got %s, %v", to, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestDiagramInREADME keeps the state diagram in the README equal to the table. Run with -update to
// rewrite the README's mermaid block.
func TestDiagramInREADME(t *testing.T) {
	const path = "../README.md"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	readme := string(raw)
	const open, close = "```mermaid\n", "```"
	start := strings.Index(readme, open)
	require.GreaterOrEqual(t, start, 0, "README.md has no mermaid block")
	end := strings.Index(readme[start+len(open):], close)
	require.GreaterOrEqual(t, end, 0)
	end += start + len(open)
	got := readme[start+len(open) : end]
	if *update {
		readme = readme[:start+len(open)] + fsm.Diagram() + readme[end:]
		require.NoError(t, os.WriteFile(path, []byte(readme), 0o644))
		return
	}
	assert.Equal(t, fsm.Diagram(), got, "README diagram is stale: go test ./fsm -run Diagram -update")
}

func TestDiagramShape(t *testing.T) {
	d := fsm.Diagram()
	assert.True(t, strings.HasPrefix(d, "stateDiagram-v2\n"))
	assert.Contains(t, d, "pending --> approved: approve\n")
	assert.Contains(t, d, "reconciled --> settled: unreconcile\n")
	assert.Equal(t, 9, strings.Count(d, ": "), "one line per legal move")
}
