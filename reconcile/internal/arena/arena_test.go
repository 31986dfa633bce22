package arena

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTextsStay: texts handed out stay as they were while later ones fill the block and new blocks
// are made, one allocation per block.
func TestTextsStay(t *testing.T) {
	var a Arena
	var got []string
	for i := range 20_000 {
		got = append(got, a.Position(i))
		got = append(got, a.Join("x", strconv.Itoa(i), "y"))
	}
	for i := range 20_000 {
		require.Equal(t, "line "+strconv.Itoa(i), got[2*i])
		require.Equal(t, "x"+strconv.Itoa(i)+"y", got[2*i+1])
	}
	assert.Equal(t, "", a.Keep(a.Room(10)))
	long := strings.Repeat("z", 3*Block)
	assert.Equal(t, long+"-"+long, a.Join(long, "-", long), "a text longer than a block gets a block of its own")
	allocs := testing.AllocsPerRun(100, func() { a.Position(123456) })
	assert.Less(t, allocs, 0.1)
}

func TestKeepElsewhere(t *testing.T) {
	var a Arena
	a.Room(8)
	assert.Panics(t, func() { a.Keep([]byte("not from Room")) })
}
