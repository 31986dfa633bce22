package mt940

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

// bigFile is a multi-statement file over parallelMin bytes with a bad line in statement bad1 and
// statement bad2 (none when negative).
func bigFile(bad1, bad2 int) string {
	var b strings.Builder
	for i := 0; b.Len() < parallelMin+parallelMin/2; i++ {
		fmt.Fprintf(&b, ":20:S%d\n:25:NL91ABNA0417164300\n:60F:C240101EUR100,00\n", i)
		for j := range 20 {
			mark := "C"
			if i == bad1 || i == bad2 {
				mark = "X"
			}
			fmt.Fprintf(&b, ":61:240102%s1,%02dNTRFREF%d\n:86:?20 free text %d\n", mark, j, j, i)
		}
		b.WriteString(":62F:C240102EUR101,90\n-\n")
	}
	return b.String()
}

func TestParallelEqualsOnePass(t *testing.T) {
	text := bigFile(-1, -1)
	require.Len(t, split(text, 2), 2)
	par, err := decodeText(text, Options{}, false) // parallel when GOMAXPROCS > 1
	require.NoError(t, err)
	p := newParser(text, 0, Options{}, false)
	p.run()
	require.Empty(t, p.errs)
	reconcile.FingerprintAll(p.out) // as decodeText does once the parts are read
	assert.Equal(t, p.out, par)
	assert.Equal(t, "line 4", par[0].Entries[0].Position)
}

func TestParallelErrorLines(t *testing.T) {
	last := strings.Count(bigFile(-1, -1), ":20:") - 1
	_, err := decodeText(bigFile(1, last), Options{}, false)
	require.Error(t, err)
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		lines = append(lines, e.(*reconcile.ParseError).Line)
	}
	require.Len(t, lines, 40)
	per := 3 + 40 + 2 // lines of one statement
	assert.Equal(t, per+4, lines[0])
	assert.Equal(t, last*per+4, lines[20])
}

func TestSplitCutsAtStatements(t *testing.T) {
	text := bigFile(-1, -1)
	parts := split(text, 3)
	require.Len(t, parts, 3)
	require.Len(t, split(text[:parallelMin-1], 3), 1, "small inputs are one part")
	var joined strings.Builder
	for i, p := range parts {
		if i > 0 {
			assert.True(t, strings.HasPrefix(p.text, ":20:"))
		}
		assert.Equal(t, strings.Count(joined.String(), "\n"), p.lines)
		joined.WriteString(p.text)
	}
	assert.Equal(t, text, joined.String())
}
