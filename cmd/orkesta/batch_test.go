package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchFailedOutRewritten: --failed-out is written on every run, with the header alone when
// nothing failed, so that submitting the fixed file again with --failed-out pointing at itself
// leaves nothing to create twice; a --failed-out that cannot be written stops the batch before any
// payment is created.
func TestBatchFailedOutRewritten(t *testing.T) {
	h := newHarness(t).served(t)
	csvText := "amount;currency;from_account;to_account;reference\n" +
		"1250.50;TRY;{{own}};{{vendor}};INV-1\n" +
		"12.345;TRY;{{own}};{{vendor}};INV-2\n"
	// The failed row as the user fixes it in the file --failed-out wrote: the amount, not the error.
	fixed := "amount;currency;from_account;to_account;reference;error\n" +
		"12.34;TRY;{{own}};{{vendor}};INV-2;amount: has more decimals than TRY allows\n"
	runScenario(t, h, "batch-failed-out", append(setupAccounts(),
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--failed-out", "$TMP/missing/failed.csv"}, code: ExitError,
			files: map[string]string{"pay.csv": csvText}},
		step{args: []string{"payments", "list"}},
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--failed-out", "$TMP/failed.csv"}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/failed.csv", "--failed-out", "$TMP/failed.csv", "-o", "json"},
			files: map[string]string{"failed.csv": fixed}},
		step{args: []string{"batch", "submit", "$TMP/failed.csv", "--failed-out", "$TMP/failed.csv"}, code: ExitError},
		step{args: []string{"payments", "list"}},
	))
	failed, err := os.ReadFile(filepath.Join(h.dir, "failed.csv"))
	require.NoError(t, err)
	assert.Equal(t, "amount;currency;from_account;to_account;reference;error\n", strings.ReplaceAll(string(failed), "\r\n", "\n"),
		"nothing failed: the header alone")
	_, err = os.Stat(filepath.Join(h.dir, "missing"))
	assert.True(t, os.IsNotExist(err))
	noTemporaryFiles(t, h.dir, "pay.csv", "failed.csv")
}
