//go:build !linux

package reconcile

// makeTable makes a slice for a table read at random; see the Linux version.
func makeTable[T any](n int) []T { return make([]T, n) }
