package httpapi

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndpointEventsCountedOnceInLinearTime: an event type listed twice counts once, and finding the
// repeats does not compare every name with every other. A 1 MiB body of 130,000 distinct names took
// over ten seconds of CPU; any read-write key could send a few.
func TestEndpointEventsCountedOnceInLinearTime(t *testing.T) {
	m, err := decodeEndpointRequest([]byte(`{"events":["payment.settled","payment.failed","payment.settled"]}`))
	require.Nil(t, err)
	assert.Equal(t, []payment.EventType{"payment.settled", "payment.failed"}, m.Events)

	var b strings.Builder
	b.WriteString(`{"url":"https://hooks.example.com","events":["e0"`)
	for i := 1; b.Len() < DefaultMaxBodyBytes-20; i++ {
		b.WriteString(`,"e` + strconv.Itoa(i) + `"`)
	}
	b.WriteString(`,"e0"]}`)
	start := time.Now()
	m, err = decodeEndpointRequest([]byte(b.String()))
	elapsed := time.Since(start)
	require.Nil(t, err)
	assert.Greater(t, len(m.Events), 100_000)
	assert.Equal(t, payment.EventType("e0"), m.Events[0])
	assert.NotEqual(t, payment.EventType("e0"), m.Events[len(m.Events)-1], "the repeat counts once")
	assert.Less(t, elapsed, 3*time.Second)
}
