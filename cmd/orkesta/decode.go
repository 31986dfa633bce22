package main

import (
	"io"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
)

// decodeStatement decodes a statement file in any format reconcile/detect knows (MT940, camt.053,
// CSV, XLSX), found from its content. account names the statement's account for formats that do not
// carry one.
func decodeStatement(r io.ReaderAt, size int64, account string) ([]reconcile.Statement, error) {
	_, stmts, err := detect.Decode(r, size, detect.Options{Account: account})
	if err == nil && len(stmts) == 0 {
		return nil, errNoStatement
	}
	return stmts, err
}
