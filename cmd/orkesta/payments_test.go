package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPaymentsListMoreKeepsFilters: the command payments list suggests for the next page lists the
// same payments as the first page did (the same filters and page size), not every payment.
func TestPaymentsListMoreKeepsFilters(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	var ids []string
	for range 4 {
		r := h.run("payments", "create", "--from", own, "--to", vendor, "--amount", "1", "--reference", "INV 7", "-o", "json")
		require.Equal(t, ExitOK, r.code, r.stderr)
		ids = append(ids, regexp.MustCompile(`"id": "(pay_[^"]+)"`).FindStringSubmatch(r.stdout)[1])
	}
	for _, id := range ids[1:] { // the oldest stays pending
		r := h.run("payments", "cancel", id)
		require.Equal(t, ExitOK, r.code, r.stderr)
	}

	r := h.run("payments", "list", "--status", "cancelled", "--reference", "INV 7", "--limit", "1")
	require.Equal(t, ExitOK, r.code, r.stderr)
	m := regexp.MustCompile(`more: orkesta (.*)\n`).FindStringSubmatch(r.stdout)
	require.Len(t, m, 2, r.stdout)
	assert.Equal(t, "payments list --status cancelled --reference 'INV 7' --limit 1 --after "+ids[3], m[1])

	r = h.run("payments", "list", "--status", "cancelled", "--reference", "INV 7", "--limit", "1", "--after", ids[3])
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, ids[2])
	assert.NotContains(t, r.stdout, "pending")
	assert.Len(t, regexp.MustCompile(`(?m)^pay_`).FindAllString(r.stdout, -1), 1, "a page of one:\n%s", r.stdout)
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"cancelled,failed": "cancelled,failed",
		"/tmp/o.db":        "/tmp/o.db",
		"INV 7":            "'INV 7'",
		"it's":             `'it'\''s'`,
		"":                 "''",
		"$HOME":            "'$HOME'",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}
