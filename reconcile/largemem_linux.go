package reconcile

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the platforms Go supports on Linux.
const hugePage = 2 << 20

// makeTable makes a slice for a table read at random (an index, the payment records): on Linux, a
// large one is advised to be backed by transparent huge pages before it is first touched.
//
// Why it pays: matching a million entries reads tables of tens of MB at random. With 4 KiB pages
// nearly every read also misses the TLB, and every table of every Match is faulted in afresh, page
// by page (the runtime returns the memory to the system between runs): tens of thousands of page
// faults per Match. With 2 MiB pages both costs nearly vanish. The advice changes nothing but
// speed; when the system has THP off (or refuses), the slice is an ordinary one.
func makeTable[T any](n int) []T {
	s := make([]T, n)
	var zero T
	size := uintptr(n) * unsafe.Sizeof(zero)
	if size < 2*hugePage {
		return s
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	lo := (start + hugePage - 1) &^ (hugePage - 1)
	hi := (start + size) &^ (hugePage - 1)
	if hi > lo {
		b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s)), lo-start)), hi-lo)
		_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // advice only: an error leaves ordinary pages
	}
	return s
}
