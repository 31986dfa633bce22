//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setUmask sets the process's umask for the test and restores it afterwards. The umask is the
// process's: tests that use it do not run in parallel.
func setUmask(t *testing.T, mask int) {
	t.Helper()
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

// fileMode is the permission bits of path as ls shows them (-rw-r--r--).
func fileMode(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Mode().Perm().String()
}

// TestWriteAtomicMode: a new file gets what a plain create gives under the umask, not CreateTemp's
// 0600; a replaced file keeps its own mode, whatever the umask.
func TestWriteAtomicMode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		umask    int
		existing fs.FileMode // 0: no file before
		want     fs.FileMode
	}{
		{name: "new file, umask 022", umask: 0o022, want: 0o644},
		{name: "new file, umask 027", umask: 0o027, want: 0o640},
		{name: "new file, umask 002", umask: 0o002, want: 0o664},
		{name: "replaces a 0644 file under umask 077", umask: 0o077, existing: 0o644, want: 0o644},
		{name: "replaces a 0600 file under umask 022", umask: 0o022, existing: 0o600, want: 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setUmask(t, tc.umask)
			dir := t.TempDir()
			path := filepath.Join(dir, "report.json")
			if tc.existing != 0 {
				require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
				require.NoError(t, os.Chmod(path, tc.existing))
			}
			require.NoError(t, writeAtomic(path, func(w io.Writer) error {
				_, err := io.WriteString(w, "new")
				return err
			}))
			assert.Equal(t, tc.want.String(), fileMode(t, path))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "new", string(got))
			names, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, names, 1, "no temporary file is left")
		})
	}
}

// TestReportAndExportMode: the files the commands write (a reconciliation report, a pain.001 file)
// get 0644 under umask 022, and a report written again keeps the mode it was given.
func TestReportAndExportMode(t *testing.T) {
	setUmask(t, 0o022)
	h := newHarness(t)
	report := filepath.Join(h.dir, "report.json")
	args := []string{"reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/statement.sta", "--out", report}
	r := h.run(args...)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, fs.FileMode(0o644).String(), fileMode(t, report))
	require.NoError(t, os.Chmod(report, 0o640))
	r = h.run(args...)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, fs.FileMode(0o640).String(), fileMode(t, report), "a replaced report keeps its mode")

	out := filepath.Join(h.dir, "transfers.xml")
	own, _ := approvedTransfers(t, h, 1)
	r = h.run("export", "pain001", "--account", own, "--out", out)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, fs.FileMode(0o644).String(), fileMode(t, out))
}

// TestWriteAtomicSyncsFolder: the folder is synced once the temporary file is complete (its name may
// become the only copy of an export's file) and again after the rename, so that the new name survives
// a power loss; a folder that cannot be synced is an error, not a silent success.
func TestWriteAtomicSyncsFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	var synced []string
	real := syncDir
	t.Cleanup(func() { syncDir = real })
	syncDir = func(d string) error {
		entries, err := os.ReadDir(d)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		synced = append(synced, fmt.Sprint(names))
		return real(d)
	}
	require.NoError(t, writeAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "{}"); return err }))
	require.Len(t, synced, 2)
	assert.Regexp(t, `^\[\.report\.json\.[0-9a-z]+\.tmp\]$`, synced[0], "synced with the complete temporary file")
	assert.Equal(t, "[report.json]", synced[1], "synced after the rename")

	syncDir = func(string) error { return errors.New("sync folder: input/output error") }
	err := writeAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "[]"); return err })
	assert.ErrorContains(t, err, "input/output error")
	got, rerr := os.ReadFile(path)
	require.NoError(t, rerr)
	assert.Equal(t, "{}", string(got), "the old content stays")
	entries, rerr := os.ReadDir(dir)
	require.NoError(t, rerr)
	assert.Len(t, entries, 1, "no temporary file left behind")
}
