package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCountsAgreeInNumber: a sentence that counts things uses the singular for one of them.
func TestCountsAgreeInNumber(t *testing.T) {
	t.Run("export of one transfer", func(t *testing.T) {
		h := newHarness(t).served(t)
		own, _ := approvedTransfers(t, h, 1)
		r := h.run("export", "pain001", "--account", own, "--out", filepath.Join(h.dir, "transfers.xml"))
		assert.Equal(t, ExitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "): 1 transfer, 100.00 TRY; the payment is processing now")
	})
	t.Run("reconcile with one unmatched entry", func(t *testing.T) {
		r := newHarness(t).run("reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/statement.sta",
			"--fail-on-unmatched")
		assert.Equal(t, ExitUnmatched, r.code)
		assert.Contains(t, r.stderr, "1 unmatched entry, 0 unmatched payments, 0 anomalies")
	})
	t.Run("batch with one row that failed", func(t *testing.T) {
		h := newHarness(t).served(t)
		file := filepath.Join(h.dir, "pay.json")
		require.NoError(t, os.WriteFile(file, []byte(`[{"amount":-1,"currency":"TRY","method":"eft"}]`), 0o644))
		r := h.run("batch", "submit", file)
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.stderr, "1 of 1 payment failed")
	})
	for n, want := range map[int]string{0: "0 anomalies", 1: "1 anomaly", 2: "2 anomalies"} {
		assert.Equal(t, want, count(n, "anomaly", "anomalies"))
	}
}
