package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestMissingDatabase: a database command on a SQLite file that does not exist (a mistyped --db or
// ORKESTA_DB) fails and creates nothing, instead of answering from a new empty database.
func TestMissingDatabase(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{name: "payments list", args: []string{"payments", "list"}},
		{name: "payments get", args: []string{"payments", "get", "pay_01KF0E44M00000000000000000"}},
		{name: "payments create", args: []string{"payments", "create", "--from", "acc_01KF0E44M00000000000000001",
			"--to", "acc_01KF0E44M00000000000000002", "--amount", "10"}},
		{name: "accounts list", args: []string{"accounts", "list"}},
		{name: "keys list", args: []string{"keys", "list"}},
		{name: "keys create", args: []string{"keys", "create", "--name", "ci"}},
		{name: "webhooks list", args: []string{"webhooks", "list"}},
		{name: "export pain001", args: []string{"export", "pain001", "--account", "acc_01KF0E44M00000000000000001",
			"--out", "transfers.xml", "--dry-run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.files = true
			typo := filepath.Join(h.dir, "typo.db")
			for _, viaEnv := range []bool{false, true} {
				args := append([]string{"--db", typo}, tc.args...)
				if viaEnv {
					h.env["ORKESTA_DB"], args = typo, tc.args
				}
				r := h.run(args...)
				assert.Equal(t, ExitError, r.code)
				assert.Equal(t, "orkesta: no orkesta database at "+typo+"; run orkesta serve first\n", r.stderr)
				assert.Empty(t, r.stdout)
				noTemporaryFiles(t, h.dir)
			}
		})
	}
}

// TestUnknownWorkspace: a database command in a workspace the database does not have fails and does
// not create it; accounts create, the first step of a database set up without serve, creates the
// database and the workspace and says so.
func TestUnknownWorkspace(t *testing.T) {
	h := newHarness(t)
	h.files = true
	db := filepath.Join(h.dir, "orkesta.db")
	r := h.run("--db", db, "accounts", "create", "--name", "Operating TRY", "--currency", "TRY")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, "orkesta: created workspace "+defaultWorkspace+" in "+db+"\n", r.stderr)
	r = h.run("--db", db, "accounts", "create", "--name", "Vendor", "--currency", "TRY", "--type", "external")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr, "the workspace is there now")

	const other = "ws_01KF0E44M00000000000000000"
	for _, args := range [][]string{{"payments", "list"}, {"accounts", "list"}, {"keys", "create", "--name", "ci"}} {
		for range 2 { // the second time too: the first did not create it
			r = h.run(append([]string{"--db", db, "--workspace", other}, args...)...)
			assert.Equal(t, ExitError, r.code, "%v", args)
			assert.Equal(t, "orkesta: no workspace "+other+" in "+db+"\n", r.stderr)
			assert.Empty(t, r.stdout)
		}
	}
	r = h.run("--db", db, "accounts", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Operating TRY")
}

// TestServeThenCommands: the README's flow on a SQLite file. serve creates the database and the
// workspace; the commands then work on them.
func TestServeThenCommands(t *testing.T) {
	h := newHarness(t)
	h.files = true
	db := filepath.Join(h.dir, "approvals.db")
	h.env["ORKESTA_API_KEY"] = "ok_SEEDEDKEYFORSESSIONTEST1"
	_, _, _, stop := startServe(t, h, "--db", db, "--approval", "required")
	h.env["ORKESTA_DB"] = db
	r := h.run("accounts", "list", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	ids := regexp.MustCompile(`"id": "(acc_[^"]+)"`).FindAllStringSubmatch(r.stdout, -1)
	require.Greater(t, len(ids), 1, "the demo accounts")
	r = h.run("payments", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	r = h.run("keys", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, ExitOK, stop())
	_, err := os.Stat(db)
	assert.NoError(t, err)
}

// TestInMemoryDatabase: ":memory:" is a new, empty database for every command, so there is no earlier
// setup to miss: a command runs in a new workspace (and says so) instead of failing.
func TestInMemoryDatabase(t *testing.T) {
	h := newHarness(t)
	h.files = true // the real opening path: --db :memory: as a user gives it
	r := h.run("--db", ":memory:", "payments", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "STATUS")
	assert.Contains(t, r.stderr, "created workspace "+defaultWorkspace+" in :memory:")
}

// TestWorkspaceInLowerCaseIsTheWorkspace: --workspace with the ULID in lower case is the workspace
// stored in upper case: accounts create works in it and creates no other. It created a second,
// empty workspace under the lower-case id and said so.
func TestWorkspaceInLowerCaseIsTheWorkspace(t *testing.T) {
	h := newHarness(t)
	const ws = "ws_01KF0E44M000000000000000AB"
	_, _, err := ensureWorkspace(t.Context(), h.store, ws, payment.PlanGrowth, payment.ApprovalNone, h.clock.Now())
	require.NoError(t, err)
	lower := "ws_" + strings.ToLower(ws[3:])
	r := h.run("--workspace", lower, "accounts", "create", "--name", "Operating TRY", "--currency", "TRY")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr, "the workspace is there")
	_, err = h.store.GetWorkspace(t.Context(), payment.WorkspaceID(lower))
	assert.ErrorIs(t, err, payment.ErrNotFound, "no second workspace")
	accts, err := h.store.ListAccounts(t.Context(), ws)
	require.NoError(t, err)
	require.Len(t, accts, 1)
}
