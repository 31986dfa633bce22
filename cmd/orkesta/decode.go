package main

import (
	"io"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/mt940"
)

// decodeStatement decodes a statement file. Until reconcile/detect lands it reads MT940 only.
func decodeStatement(r io.ReaderAt, size int64) ([]reconcile.Statement, error) {
	stmts, err := mt940.Decode(io.NewSectionReader(r, 0, size), mt940.Options{})
	if err == nil && len(stmts) == 0 {
		return nil, errNoStatement
	}
	return stmts, err
}
