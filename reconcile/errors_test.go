package reconcile_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/reconcile"
)

// TestParseErrorText: the position (a line, or a sheet and cell) and the field follow the format;
// an error with neither reads "format: reason".
func TestParseErrorText(t *testing.T) {
	reason := errors.New("the reason")
	for _, c := range []struct {
		err  reconcile.ParseError
		want string
	}{
		{reconcile.ParseError{Format: "mt940", Line: 4, Field: ":61:", Err: reason}, "mt940: line 4 :61:: the reason"},
		{reconcile.ParseError{Format: "xlsx", Cell: "Sheet1!C7", Field: "Tutar", Err: reason}, "xlsx: Sheet1!C7 Tutar: the reason"},
		{reconcile.ParseError{Format: "csv", Line: 2, Err: reason}, "csv: line 2: the reason"},
		{reconcile.ParseError{Format: "camt053", Field: "Options.Charset", Err: reason}, "camt053: Options.Charset: the reason"},
		{reconcile.ParseError{Format: "detect", Err: reason}, "detect: the reason"},
	} {
		assert.Equal(t, c.want, c.err.Error())
		assert.ErrorIs(t, &c.err, reconcile.ErrParse)
		assert.ErrorIs(t, &c.err, reason)
	}
}
