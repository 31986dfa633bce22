package hugepage

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSpan: only arrays of 8 MiB and more are advised, over the whole huge pages inside them.
func TestSpan(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		start, n, lo, hi uintptr
		ok               bool
	}{
		{0, 8*mib - 1, 0, 0, false},             // too small
		{0, 8 * mib, 0, 8 * mib, true},          // aligned: four pages
		{4096, 8 * mib, 2 * mib, 8 * mib, true}, // the first and last partial pages left out
		{2*mib - 1, 8 * mib, 2 * mib, 8 * mib, true},
		{1 << 40, 9 * mib, 1 << 40, 1<<40 + 8*mib, true},
	} {
		lo, hi, ok := span(c.start, c.n)
		require.Equal(t, c.ok, ok, "%#x+%#x", c.start, c.n)
		if ok {
			require.Equal(t, [2]uintptr{c.lo, c.hi}, [2]uintptr{lo, hi}, "%#x+%#x", c.start, c.n)
			require.Zero(t, lo%size)
			require.Zero(t, hi%size)
			require.True(t, c.start <= lo && hi <= c.start+c.n)
		}
	}
}
