package reconcile

import (
	"testing"
	"unsafe"
)

// TestPinfoSize: two payment records to a cache line, none across two (see pinfo).
func TestPinfoSize(t *testing.T) {
	if n := unsafe.Sizeof(pinfo{}); 64%n != 0 {
		t.Fatalf("pinfo is %d bytes; 64 is not a multiple", n)
	}
}
