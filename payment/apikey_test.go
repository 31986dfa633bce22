package payment_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

func TestCheckKeyName(t *testing.T) {
	assert.NoError(t, payment.CheckKeyName("production-erp-integration"))
	assert.NoError(t, payment.CheckKeyName(strings.Repeat("ş", payment.MaxKeyNameLen)))
	for _, bad := range []string{"", strings.Repeat("ş", payment.MaxKeyNameLen+1), "erp\x00", "erp\xfe", "a\tb"} {
		err := payment.CheckKeyName(bad)
		require.ErrorIs(t, err, payment.ErrInvalid, "%q", bad)
		fe := payment.FieldErrors(err)
		require.Len(t, fe, 1)
		assert.Equal(t, "name", fe[0].Field)
	}
}

// A scope nobody knows, asked for by a mistyped route, is allowed to no key: a typo must not open
// an endpoint to every key.
func TestScopeAllows(t *testing.T) {
	assert.True(t, payment.ScopeAdmin.Allows(payment.ScopeReadWrite))
	assert.True(t, payment.ScopeReadWrite.Allows(payment.ScopeReadWrite))
	assert.False(t, payment.ScopeReadOnly.Allows(payment.ScopeReadWrite))
	assert.False(t, payment.Scope("root").Allows(payment.ScopeReadOnly))
	for _, need := range []payment.Scope{"", "write", "Admin"} {
		assert.False(t, payment.ScopeAdmin.Allows(need), "%q", need)
	}
}
