package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/orkesta/orkesta/payment"
)

// SQLite extended result codes (https://sqlite.org/rescode.html).
const (
	codeConstraint           = 19
	codeConstraintCheck      = 275
	codeConstraintForeignKey = 787
	codeConstraintNotNull    = 1299
	codeConstraintPrimaryKey = 1555
	codeConstraintTrigger    = 1811
	codeConstraintUnique     = 2067
	codeConstraintDataType   = 3091
)

// translate turns driver errors into the payment package's classes: no rows is ErrNotFound, a unique
// violation ErrDuplicate, a foreign key violation (unknown workspace or account) ErrNotFound, a check
// violation ErrInvalid. The driver's error stays in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return payment.ErrNotFound
	}
	code, ok := resultCode(err)
	if !ok || code&0xff != codeConstraint {
		return fmt.Errorf("sqlite: %w", err)
	}
	switch code {
	case codeConstraintUnique, codeConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", payment.ErrDuplicate, err)
	case codeConstraintForeignKey:
		return fmt.Errorf("%w: workspace or account does not exist: %w", payment.ErrNotFound, err)
	case codeConstraintCheck, codeConstraintNotNull, codeConstraintTrigger, codeConstraintDataType:
		return fmt.Errorf("%w: %w", payment.ErrInvalid, err)
	}
	return fmt.Errorf("sqlite: %w", err)
}
