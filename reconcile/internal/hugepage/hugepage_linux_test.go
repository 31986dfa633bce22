//go:build linux

package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// vmFlags returns the VmFlags of the mapping of this process that holds address a.
func vmFlags(t *testing.T, a uintptr) []string {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= a && a < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Fields(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("no mapping holds %#x", a)
	return nil
}

// TestAdviseMarksTheArray: the whole huge pages inside a large array are advised ("hg" in the
// flags of the mapping that holds them), and its contents are kept.
func TestAdviseMarksTheArray(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages:", err)
	}
	s := make([]uint64, 0, 4<<20) // 32 MiB
	s = append(s, 1, 2, 3)
	Advise(s)
	require.Equal(t, []uint64{1, 2, 3}, s)
	mid := uintptr(unsafe.Pointer(unsafe.SliceData(s))) + 16<<20
	require.Contains(t, vmFlags(t, mid), "hg", "the middle of the array is advised")
	m := Make[uint32](10, 4<<20)
	require.Len(t, m, 10)
	require.Equal(t, 4<<20, cap(m))
	require.Contains(t, vmFlags(t, uintptr(unsafe.Pointer(unsafe.SliceData(m)))+8<<20), "hg")
}
