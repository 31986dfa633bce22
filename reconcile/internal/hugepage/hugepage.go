// Package hugepage asks the operating system to back large arrays with transparent huge pages.
//
// A process that builds a few hundred megabytes of arrays touches every 4 KiB page of them once, and
// on Linux each first touch is a page fault: on some virtual machines that is several microseconds,
// a second or more for a million-entry reconciliation. Where transparent huge pages are enabled only
// on request (/sys/kernel/mm/transparent_hugepage/enabled reads "madvise", the usual default), the
// arrays that Advise is given are faulted in 2 MiB at a time instead. It is advice: the kernel may
// ignore it, and it never changes the contents of the memory.
//
// A fault in advised memory may make the kernel compact memory to find a free huge page, as the
// transparent_hugepage/defrag setting says ("madvise", the default, compacts right away). An operator
// who would rather not have it sets transparent_hugepage/enabled to "never", which this package
// then cannot override.
package hugepage

// minBytes is the smallest array worth advising: below it, few whole huge pages fit in it.
const minBytes = 8 << 20

// size is the size of a huge page on the platforms this package advises.
const size = 2 << 20

// Make is make([]T, n, capacity) with Advise: for the large arrays a decoder or the matcher builds.
func Make[T any](n, capacity int) []T {
	s := make([]T, n, capacity)
	Advise(s)
	return s
}

// span is the part of the n bytes at start worth advising: the whole huge pages inside them, when
// they are at least minBytes; ok is false otherwise.
func span(start, n uintptr) (lo, hi uintptr, ok bool) {
	if n < minBytes {
		return 0, 0, false
	}
	lo = (start + size - 1) &^ (size - 1)
	hi = (start + n) &^ (size - 1)
	return lo, hi, hi > lo
}
