package reconcile

import "testing"

// makeTable must behave as make whatever the size: advised or not, the slice is zeroed, of the
// asked length, and usable throughout.
func TestMakeTable(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 5 << 20 / 32, 9<<20/32 + 3} {
		s := makeTable[pinfo](n)
		if len(s) != n {
			t.Fatalf("makeTable(%d): len %d", n, len(s))
		}
		for i := range s {
			if s[i] != (pinfo{}) {
				t.Fatalf("makeTable(%d)[%d] = %+v, want zero", n, i, s[i])
			}
			s[i].amount = int64(i)
		}
		for i := range s {
			if s[i].amount != int64(i) {
				t.Fatalf("makeTable(%d)[%d] lost its value", n, i)
			}
		}
	}
}
