package reconciletest

import "runtime/metrics"

// HeapPeak keeps the most the heap held (heap objects: live ones and garbage not yet collected)
// over the calls to Sample. Streaming benchmarks sample it from inside the decoder's callback to
// show that memory does not grow with the file.
type HeapPeak struct {
	s    []metrics.Sample
	Peak uint64 // bytes
}

// NewHeapPeak returns a HeapPeak that has sampled nothing yet.
func NewHeapPeak() *HeapPeak {
	return &HeapPeak{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

// Sample reads the heap now and keeps it when it is the most so far.
func (h *HeapPeak) Sample() {
	metrics.Read(h.s)
	h.Peak = max(h.Peak, h.s[0].Value.Uint64())
}
