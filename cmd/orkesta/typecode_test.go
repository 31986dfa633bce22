package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTypeCodeOverridesStandardCode: --type-code gives a bank's own BAI2 code its direction, and
// may also override a standard one (bai2.Options.TypeCodes may); its help says both.
func TestTypeCodeOverridesStandardCode(t *testing.T) {
	h := newHarness(t)
	r := h.run("statement", "inspect", "testdata/own-codes.bai", "--type-code", "901=credit", "--type-code", "165=debit")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "-250.00  INV-2025-0042", "165, a standard credit code, is a debit by --type-code")

	for _, cmd := range [][]string{{"statement", "inspect"}, {"reconcile"}, {"serve"}} {
		r := h.run(append(cmd, "--help")...)
		require.Equal(t, ExitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "or override a standard code's", cmd)
	}
}
