package batch

import (
	"sync"
	"sync/atomic"
)

// each calls fn(i) for every i in [0, n) on up to conc goroutines, handing out indexes in increasing
// order, and returns when every call has returned. fn must touch only what belongs to its i.
func each(n, conc int, fn func(i int)) {
	conc = min(conc, n)
	if conc <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
