package batch

import (
	"sync"
	"sync/atomic"
)

// each calls fn(i) for every i in [0, n) on up to conc goroutines, handing out indexes in increasing
// order, a run of eachRun at a time, and returns when every call has returned. fn must touch only what
// belongs to its i.
func each(n, conc int, fn func(i int)) {
	conc = min(conc, (n+eachRun-1)/eachRun)
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
				start := int(next.Add(eachRun) - eachRun)
				if start >= n {
					return
				}
				for i := start; i < min(start+eachRun, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
}

// eachRun is how many consecutive indexes a goroutine of each takes at once: neighbouring items share
// cache lines, and one goroutine writing both costs less than two taking turns (500-item batch on the
// memory store at concurrency 4: about 10 % faster than one index at a time).
const eachRun = 16
