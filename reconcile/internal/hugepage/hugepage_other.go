//go:build !linux

package hugepage

// Advise does nothing here: transparent huge pages are a Linux feature.
func Advise[T any](s []T) {}
