//go:build ncruces

package sqlite

import (
	"errors"

	sqlite3 "github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
)

// DriverName is the database/sql driver this package registers (ncruces/go-sqlite3).
const DriverName = "sqlite3"

// resultCode returns the SQLite extended result code of a driver error.
func resultCode(err error) (int, bool) {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		return int(e.ExtendedCode()), true
	}
	return 0, false
}
