package reconciletest

import (
	"errors"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
)

// CheckParseErrors fails t unless err is what a statement decoder must return: a
// *reconcile.ParseError, or several joined (the last may be the note that reconcile.MaxErrors was
// reached), each of format (any format when it is empty); and a file that is no statement at all is
// one error, not one among others. The decoders' fuzz targets call it on every error they meet.
func CheckParseErrors(t testing.TB, err error, format string) {
	t.Helper()
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	for i, e := range list {
		var pe *reconcile.ParseError
		if !errors.As(e, &pe) {
			if i == len(list)-1 && i == reconcile.MaxErrors {
				continue // the note that the cap was reached
			}
			t.Fatalf("problem %d is not a *reconcile.ParseError: %T %v", i, e, e)
		}
		if format != "" && pe.Format != format {
			t.Fatalf("problem %d is of format %q, not %q: %v", i, pe.Format, format, e)
		}
	}
	if errors.Is(err, reconcile.ErrNotStatement) && len(list) != 1 {
		t.Fatalf("not a statement, and other problems too: %v", err)
	}
}
