package sqlite

import (
	"errors"

	sqlite3 "modernc.org/sqlite" // registers the driver "sqlite"
)

// DriverName is the database/sql driver this package registers (modernc.org/sqlite).
const DriverName = "sqlite"

// resultCode returns the SQLite extended result code of a driver error.
func resultCode(err error) (int, bool) {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}
