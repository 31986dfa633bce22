package payment_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const readmeMarker = "<!-- Kept equal to Example in payment/example_test.go by TestREADMEExample (-update rewrites it). -->\n```go\n"

// TestREADMEExample keeps the README's embedding example equal to Example, which `go test` runs and
// checks against its // Output: — so the README never shows code that does not compile or work.
func TestREADMEExample(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	body := exampleBody(t, string(src))

	raw, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := string(raw)
	start := strings.Index(readme, readmeMarker)
	require.GreaterOrEqual(t, start, 0, "README.md lacks the embedding example marker")
	start += len(readmeMarker)
	end := strings.Index(readme[start:], "```")
	require.GreaterOrEqual(t, end, 0)
	end += start
	if *update {
		require.NoError(t, os.WriteFile("../README.md", []byte(readme[:start]+body+readme[end:]), 0o644))
		return
	}
	assert.Equal(t, body, readme[start:end], "README example is stale: go test ./payment -run README -update")
}

// exampleBody returns the statements of func Example, up to its // Output: comment, de-indented.
func exampleBody(t *testing.T, src string) string {
	const open = "func Example() {\n"
	i := strings.Index(src, open)
	require.GreaterOrEqual(t, i, 0)
	rest := src[i+len(open):]
	j := strings.Index(rest, "\t// Output:")
	require.GreaterOrEqual(t, j, 0)
	var b strings.Builder
	for _, line := range strings.SplitAfter(rest[:j], "\n") {
		b.WriteString(strings.TrimPrefix(line, "\t"))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
