package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orkesta/orkesta/payment"
)

// translate turns driver errors into the payment package's classes: no rows is ErrNotFound, a unique
// violation ErrDuplicate, a foreign key violation (unknown workspace or account) ErrNotFound, a check
// violation or text PostgreSQL cannot hold (NUL, invalid UTF-8) ErrInvalid. The driver's error stays
// in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return payment.ErrNotFound
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("postgres: %w", err)
	}
	switch pe.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%w: %w", payment.ErrDuplicate, err)
	case "23503": // foreign_key_violation
		return fmt.Errorf("%w: workspace or account does not exist: %w", payment.ErrNotFound, err)
	case "23000", "23502", "23514": // integrity_constraint_violation (append-only history), not_null, check
		return fmt.Errorf("%w: %w", payment.ErrInvalid, err)
	case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
		return fmt.Errorf("%w: text with a NUL byte or invalid UTF-8, which PostgreSQL cannot store: %w", payment.ErrInvalid, err)
	}
	return fmt.Errorf("postgres: %w", err)
}

// ceilMicro rounds t up to the next microsecond: stored times have microseconds, so "at or after t"
// is "at or after ceilMicro(t)".
func ceilMicro(t time.Time) time.Time {
	if u := t.Truncate(time.Microsecond); !u.Equal(t) {
		return u.Add(time.Microsecond)
	}
	return t
}

// cannotHold reports whether PostgreSQL refuses s as text (invalid UTF-8 or a NUL byte). Such text is
// in no row: a lookup by it answers ErrNotFound without asking the server, as the other stores do.
func cannotHold(s string) bool { return !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 }
