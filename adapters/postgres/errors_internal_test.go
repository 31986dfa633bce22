package postgres

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/payment"
)

// Text PostgreSQL cannot hold (a NUL byte, invalid UTF-8, \u0000 in jsonb) that got past validation
// is the caller's bad input, ErrInvalid (a 400 through the API), not a server failure.
func TestTranslateTextPostgreSQLCannotHold(t *testing.T) {
	for _, code := range []string{"22021", "22P05"} {
		err := translate(&pgconn.PgError{Code: code, Message: "invalid byte sequence for encoding \"UTF8\": 0x00"})
		assert.ErrorIs(t, err, payment.ErrInvalid, code)
		assert.Contains(t, err.Error(), "NUL byte or invalid UTF-8", code)
		var pe *pgconn.PgError
		assert.True(t, errors.As(err, &pe), "the driver's error stays in the chain")
	}
}
