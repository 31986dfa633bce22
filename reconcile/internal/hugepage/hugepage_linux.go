//go:build linux

package hugepage

import (
	"syscall"
	"unsafe"
)

// Advise asks for huge pages under the whole 2 MiB pages that s's array (up to its capacity) covers,
// when it is at least 8 MiB. Call it right after making the array, before writing it: memory already
// written keeps its small pages. Errors are ignored (a kernel without transparent huge pages).
func Advise[T any](s []T) {
	var zero T
	base := unsafe.Pointer(unsafe.SliceData(s[:cap(s)]))
	lo, hi, ok := span(uintptr(base), uintptr(cap(s))*unsafe.Sizeof(zero))
	if !ok {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, lo-uintptr(base))), hi-lo), syscall.MADV_HUGEPAGE)
}
