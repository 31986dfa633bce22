package main

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// approvedTransfers creates an internal account with an IBAN, a counterparty with one and n approved
// bank transfers between them (INV-1 to INV-n, oldest first), and returns the account and the
// payments.
func approvedTransfers(t *testing.T, h *harness, n int) (own string, ids []string) {
	t.Helper()
	id := regexp.MustCompile(`id:\s+((?:acc|pay)_\S+)`)
	run := func(args ...string) string {
		t.Helper()
		r := h.run(args...)
		require.Equal(t, ExitOK, r.code, "%v\n%s", args, r.stderr)
		m := id.FindStringSubmatch(r.stdout)
		require.Len(t, m, 2, r.stdout)
		return m[1]
	}
	own = run("accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "--iban", "TR330006100519786457841326")
	vendor := run("accounts", "create", "--name", "Yılmaz Tekstil", "--currency", "TRY", "--type", "external",
		"--iban", "TR320010009999901234567890")
	for i := 1; i <= n; i++ {
		p := run("payments", "create", "--from", own, "--to", vendor, "--amount", strconv.Itoa(100*i), "--reference",
			"INV-"+strconv.Itoa(i))
		run("payments", "approve", p)
		ids = append(ids, p)
	}
	return own, ids
}
