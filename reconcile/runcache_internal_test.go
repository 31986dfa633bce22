package reconcile

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/payment"
)

// TestRunCacheLimits: the cache keeps the runs used last, at most cachedRuns of them and
// cachedEntries entries in all; a run larger than that is not kept.
func TestRunCacheLimits(t *testing.T) {
	const ws = payment.WorkspaceID("ws_1")
	run := func(i, entries int) *Run {
		return &Run{ID: RunID(fmt.Sprintf("run_%d", i)), Workspace: ws, Entries: make([]RunEntry, entries), Version: 1}
	}
	ids := func(c *runCache) []RunID {
		var out []RunID
		for _, r := range c.runs {
			out = append(out, r.ID)
		}
		return out
	}
	var c runCache
	for i := range cachedRuns + 1 {
		c.put(run(i, 1))
	}
	assert.Equal(t, []RunID{"run_4", "run_3", "run_2", "run_1"}, ids(&c), "the one used least recently goes")
	assert.NotNil(t, c.get(ws, "run_2"))
	assert.Equal(t, []RunID{"run_2", "run_4", "run_3", "run_1"}, ids(&c), "a read makes it the most recent")
	assert.Nil(t, c.get("ws_other", "run_2"), "another workspace's run is not handed out")

	c.put(run(9, cachedEntries-2))
	assert.Equal(t, []RunID{"run_9", "run_2", "run_4"}, ids(&c), "entries in all stay within the limit")
	c.put(run(2, cachedEntries+1))
	assert.Equal(t, []RunID{"run_9", "run_4"}, ids(&c), "a run too large is not kept, nor its older copy")

	kept := run(7, 1)
	c.put(kept)
	kept.Version = 99
	assert.Equal(t, int64(1), c.get(ws, "run_7").Version, "the cache keeps a copy")
}
