package main

import (
	"encoding/json"
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

// TestKeysCreatePrintsTheStoredExpiry: the expiry keys create prints is the one stored (and listed),
// to the microsecond, as its creation time is.
func TestKeysCreatePrintsTheStoredExpiry(t *testing.T) {
	h := newHarness(t).served(t)
	h.clock.Set(h.clock.Now().Add(123456789 * time.Nanosecond))
	r := h.run("keys", "create", "--name", "ci", "--expires", "30d", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	var created struct {
		CreatedAt time.Time `json:"created_at"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &created))
	keys, err := h.store.ListAPIKeys(t.Context(), defaultWorkspace)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	assert.Equal(t, keys[0].ExpiresAt.UTC(), created.ExpiresAt, "as stored")
	assert.Equal(t, created.CreatedAt.Add(30*24*time.Hour), created.ExpiresAt, "to the microsecond, like created_at")
}

// TestKeysCreateExpiresDateOutOfRange: a well-formed day outside the dates kept (before 1970) is
// refused with the range, not as "neither a date nor a duration", which read as a format error.
func TestKeysCreateExpiresDateOutOfRange(t *testing.T) {
	h := newHarness(t).served(t)
	r := h.run("keys", "create", "--name", "old", "--expires", "1969-01-01")
	assert.Equal(t, ExitUsage, r.code, r.stdout)
	assert.Contains(t, r.stderr, "1970-01-01 to 9999-12-31")
	assert.NotContains(t, r.stderr, "neither a date")
	r = h.run("keys", "create", "--name", "bad", "--expires", "1969-02-30")
	assert.Equal(t, ExitUsage, r.code, r.stdout)
	assert.Contains(t, r.stderr, "neither a date")
}
