package payment

import "unsafe"

// unsafeString returns b as a string without copying. b must never be modified afterwards.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
