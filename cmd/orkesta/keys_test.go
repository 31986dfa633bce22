package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeysCreateExpiresTooFar: a number of days beyond what a duration holds is refused, not
// wrapped around to a key that expired decades ago (or expires at some arbitrary later date).
func TestKeysCreateExpiresTooFar(t *testing.T) {
	h := newHarness(t).served(t)
	for _, days := range []string{"106752d", "200000d", "99999999d"} {
		r := h.run("keys", "create", "--name", "far", "--expires", days)
		assert.Equal(t, ExitUsage, r.code, "%s: %s", days, r.stdout)
		assert.Contains(t, r.stderr, "too far away")
	}
	keys, err := h.store.ListAPIKeys(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	assert.Empty(t, keys, "no key is created")

	r := h.run("keys", "create", "--name", "far", "--expires", "106751d")
	require.Equal(t, ExitOK, r.code, r.stderr)
	keys, err = h.store.ListAPIKeys(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.True(t, keys[0].ExpiresAt.After(h.clock.Now().Add(290*365*24*time.Hour)), "expires %s", keys[0].ExpiresAt)
}

// TestKeysCreateNameTrimmed: as through the API, a key's name is taken without its surrounding
// spaces, so a name of spaces alone is no name and creates no key.
func TestKeysCreateNameTrimmed(t *testing.T) {
	h := newHarness(t).served(t)
	r := h.run("keys", "create", "--name", "   ")
	assert.Equal(t, ExitUsage, r.code, r.stdout)
	assert.Contains(t, r.stderr, "keys create needs --name")
	keys, err := h.store.ListAPIKeys(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	assert.Empty(t, keys)

	r = h.run("keys", "create", "--name", "  erp  ")
	require.Equal(t, ExitOK, r.code, r.stderr)
	keys, err = h.store.ListAPIKeys(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, "erp", keys[0].Name)
}
