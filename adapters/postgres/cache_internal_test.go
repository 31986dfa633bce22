package postgres

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRowCacheIsBounded(t *testing.T) {
	c := rowCache[int, string]{max: 3}
	for i := range 10 {
		c.put(i, "row")
		assert.LessOrEqual(t, len(c.m), 3)
		v, ok := c.get(i)
		assert.True(t, ok)
		assert.Equal(t, "row", v)
	}
	_, ok := c.get(0)
	assert.False(t, ok, "forgotten when the cache started over")
}
