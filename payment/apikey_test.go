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
