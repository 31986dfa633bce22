package httpapi

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyNames is an object of n distinct member names, "k0" to "k<n-1>", then extra members.
func manyNames(n int, extra string) []byte {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		b.WriteString(`"k` + strconv.Itoa(i) + `":0,`)
	}
	b.WriteString(extra + "}")
	return []byte(b.String())
}

// TestManyMemberNamesTakeLinearTime: finding duplicates among an object's names does not compare
// each name with every other. A 1 MiB body of 95,000 distinct names took about ten seconds of CPU
// (a 4 MiB batch item, minutes), any read-write key could stall a server with a few of them.
func TestManyMemberNamesTakeLinearTime(t *testing.T) {
	body := manyNames(95_000, `"last":0`)
	require.Less(t, len(body), DefaultMaxBodyBytes+1)
	start := time.Now()
	_, perr := decodePaymentRequest(body)
	cerr := checkJSON(body, nil)
	elapsed := time.Since(start)
	require.NotNil(t, perr)
	assert.Equal(t, CodeUnknownField, perr.Code)
	assert.Nil(t, cerr)
	assert.Less(t, elapsed, 3*time.Second, "two passes over 95,000 names")
}

// TestDuplicateFoundAmongManyMembers: a repeated name is found however many names come between.
func TestDuplicateFoundAmongManyMembers(t *testing.T) {
	for _, n := range []int{manyMembers - 1, manyMembers, manyMembers + 1, 1000} {
		for _, dup := range []string{"k0", "k" + strconv.Itoa(n-1)} {
			body := manyNames(n, `"`+dup+`":{"a":1,"a":2}`)
			e := checkJSON(body, nil)
			require.NotNil(t, e, "%d names, %s repeated", n, dup)
			var got []string
			for _, fe := range e.Errors {
				got = append(got, fe.Param+":"+fe.Code)
			}
			assert.Equal(t, []string{dup + ":" + FieldDuplicate, dup + ".a:" + FieldDuplicate}, got, "%d names", n)
		}
	}
}
