package ordered

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestJoinsInOrder: jobs read out of order on several goroutines are joined in the order they were
// added.
func TestJoinsInOrder(t *testing.T) {
	var joined []int
	r := Start(4, func(int) bool { return true }, func(v int) bool { joined = append(joined, v); return true })
	for v := range 1000 {
		r.Add(v)
	}
	require.Empty(t, r.Finish())
	require.False(t, r.Failed())
	want := make([]int, 1000)
	for v := range want {
		want[v] = v
	}
	require.Equal(t, want, joined)
}

// TestStopsAtTheFirstFailure: a job that cannot be read, or not joined, stops the joining: it and
// every job after it come back from Finish, in order, and none of them is joined.
func TestStopsAtTheFirstFailure(t *testing.T) {
	for _, tc := range []struct {
		name       string
		read, join func(int) bool
	}{
		{"read", func(v int) bool { return v != 37 }, func(int) bool { return true }},
		{"join", func(int) bool { return true }, func(v int) bool { return v != 37 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var joined []int
			r := Start(3, tc.read, func(v int) bool {
				if !tc.join(v) {
					return false
				}
				joined = append(joined, v)
				return true
			})
			for v := 0; v < 100 && !r.Failed(); v++ {
				r.Add(v)
			}
			rest := r.Finish()
			require.True(t, r.Failed())
			require.Len(t, joined, 37)
			require.Equal(t, 37, rest[0])
			for i := 1; i < len(rest); i++ {
				require.Equal(t, rest[i-1]+1, rest[i])
			}
		})
	}
}

// TestRefuse: a refused job is not read or joined, and comes back first with the rest.
func TestRefuse(t *testing.T) {
	var joined []int
	r := Start(2, func(v int) bool {
		require.NotEqual(t, 5, v, "a refused job is not read")
		return true
	}, func(v int) bool { joined = append(joined, v); return true })
	for v := range 5 {
		r.Add(v)
	}
	r.Refuse(5)
	require.Equal(t, []int{5}, r.Finish())
	require.True(t, r.Failed())
	require.Equal(t, []int{0, 1, 2, 3, 4}, joined)
}

// TestPanicRaisedOnTheCaller: a panic while a job is read, or joined, is raised again on the
// goroutine that joins it, and the goroutines that read the jobs end: a caller that recovers leaks
// nothing.
func TestPanicRaisedOnTheCaller(t *testing.T) {
	boom := errors.New("boom")
	before := runtime.NumGoroutine()
	r := Start(2, func(v int) bool {
		if v == 3 {
			panic(boom)
		}
		return true
	}, func(int) bool { return true })
	require.PanicsWithError(t, "boom", func() {
		for v := range 10 {
			r.Add(v)
		}
		r.Finish()
	})
	r = Start(2, func(int) bool { return true }, func(v int) bool {
		if v == 5 {
			panic(boom)
		}
		return true
	})
	require.PanicsWithError(t, "boom", func() {
		for v := range 10 {
			r.Add(v)
		}
		r.Finish()
	})
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before, "the reading goroutines end")
}
