package httpapi

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOversizedBatchIsCountedNotKept: a batch over MaxBatchSize is refused for its count, and the
// items past the limit are only counted. A 4 MiB body of empty objects is 1.4 million items: kept as
// requests they took over a gigabyte, so a few such calls could take a server down.
func TestOversizedBatchIsCountedNotKept(t *testing.T) {
	const items = (DefaultMaxBatchBodyBytes - 20) / 3
	body := []byte(`{"payments":[` + strings.Repeat("{},", items-1) + `{}]}`)
	require.LessOrEqual(t, len(body), DefaultMaxBatchBodyBytes)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	reqs, err := decodeBatchRequest(body)
	runtime.ReadMemStats(&after)
	require.NotNil(t, err)
	assert.Equal(t, CodeBatchTooLarge, err.Code)
	assert.Contains(t, err.Message, "1398094 payments")
	assert.Nil(t, reqs)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated to decode a 4 MiB body")
}
