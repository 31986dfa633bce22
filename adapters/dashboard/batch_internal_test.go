package dashboard

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAgainChoicesBound: a session remembers the choice of its first "again" upload through
// maxAgainChoices-1 later ones (thousands, not the 64 it once kept), so that the first form sent
// again later gets the same keys; past the bound the oldest is forgotten, and the memory stays
// bounded.
func TestAgainChoicesBound(t *testing.T) {
	require.GreaterOrEqual(t, maxAgainChoices, 4096)
	a := &againChoices{}
	first := a.choice("first")
	first.decided, first.prefix = true, "p"
	for i := range maxAgainChoices - 1 {
		a.choice("other " + strconv.Itoa(i))
	}
	assert.Same(t, first, a.choice("first"), "remembered through %d later uploads", maxAgainChoices-1)
	a.choice("one more")
	assert.NotSame(t, first, a.choice("first"), "forgotten past the bound")
	assert.Len(t, a.m, maxAgainChoices)
	assert.Len(t, a.order, maxAgainChoices)
}
