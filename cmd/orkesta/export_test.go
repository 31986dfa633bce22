package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/rail/sandbox"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
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

// e2eIDs returns the end-to-end ids of a pain.001 file, in order.
func e2eIDs(t *testing.T, path string) []string {
	t.Helper()
	xml, err := os.ReadFile(path)
	require.NoError(t, err)
	var ids []string
	for _, m := range regexp.MustCompile(`<EndToEndId>([^<]+)</EndToEndId>`).FindAllStringSubmatch(string(xml), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// paymentsState returns the status and the end-to-end id of each payment.
func paymentsState(t *testing.T, h *harness, ids []string) (statuses []payment.Status, e2e []string) {
	t.Helper()
	for _, id := range ids {
		p, err := h.store.GetPayment(t.Context(), defaultWorkspace, payment.ID(id))
		require.NoError(t, err)
		statuses, e2e = append(statuses, p.Status), append(e2e, p.EndToEnd)
	}
	return statuses, e2e
}

// noTemporaryFiles checks that dir holds only the names given.
func noTemporaryFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}

// TestExportUnwritableOut: an --out that cannot be written stops the export before any payment
// moves, so that a later export with a good --out still sends them.
func TestExportUnwritableOut(t *testing.T) {
	for _, tc := range []struct{ name, out, want string }{
		{name: "missing folder", out: "missing/transfers.xml", want: "no such file or directory"},
		{name: "folder is a file", out: "plain.txt/transfers.xml", want: "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			require.NoError(t, os.WriteFile(filepath.Join(h.dir, "plain.txt"), nil, 0o644))
			own, ids := approvedTransfers(t, h, 2)
			bad := filepath.Join(h.dir, tc.out)
			r := h.run("export", "pain001", "--account", own, "--out", bad)
			assert.Equal(t, ExitError, r.code)
			assert.Equal(t, "orkesta: write "+bad+": "+tc.want+"\n", r.stderr)
			statuses, e2e := paymentsState(t, h, ids)
			assert.Equal(t, []payment.Status{payment.StatusApproved, payment.StatusApproved}, statuses)

			good := filepath.Join(h.dir, "transfers.xml")
			r = h.run("export", "pain001", "--account", own, "--out", good)
			require.Equal(t, ExitOK, r.code, r.stderr)
			assert.Equal(t, e2e, e2eIDs(t, good))
			statuses, _ = paymentsState(t, h, ids)
			assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusProcessing}, statuses)
			noTemporaryFiles(t, h.dir, "plain.txt", "transfers.xml")
		})
	}
}

// failingUpdates is a store whose updates of some payments fail with the error given.
type failingUpdates struct {
	*memory.Store
	fail map[payment.ID]error
}

func (s *failingUpdates) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if err := s.fail[c.Payment.ID]; err != nil {
		return err
	}
	return s.Store.UpdatePayment(ctx, c, prev)
}

// TestExportSubmitFails: when a payment does not move to processing, the file holds exactly the
// payments that did (and no file is written when none did); the others stay approved, and the next
// export takes them.
func TestExportSubmitFails(t *testing.T) {
	const (
		approved   = payment.StatusApproved
		processing = payment.StatusProcessing
	)
	for _, tc := range []struct {
		name     string
		failing  int   // the payment (of three) whose update fails
		err      error // with this error
		code     int
		stderr   string
		inFile   []int // the payments the file holds; nil: no file
		statuses []payment.Status
	}{
		{name: "changed meanwhile: skipped", failing: 1, err: payment.ErrConflict, code: ExitOK,
			inFile: []int{0, 2}, statuses: []payment.Status{processing, approved, processing}},
		{name: "a failure part-way: the file holds the payments before it", failing: 1, err: errors.New("disk I/O error"),
			code: ExitError, stderr: "disk I/O error; it and the 1 after it are not in the file",
			inFile: []int{0}, statuses: []payment.Status{processing, approved, approved}},
		{name: "the first fails: no file", failing: 0, err: errors.New("disk I/O error"), code: ExitError,
			stderr: "no payment moved and nothing was written", statuses: []payment.Status{approved, approved, approved}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			own, ids := approvedTransfers(t, h, 3)
			_, e2e := paymentsState(t, h, ids)
			h.wrap = func(m *memory.Store) payment.Store {
				return &failingUpdates{Store: m, fail: map[payment.ID]error{payment.ID(ids[tc.failing]): tc.err}}
			}
			out := filepath.Join(h.dir, "transfers.xml")
			r := h.run("export", "pain001", "--account", own, "--out", out)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.stderr)
			statuses, _ := paymentsState(t, h, ids)
			assert.Equal(t, tc.statuses, statuses)
			if tc.inFile == nil {
				noTemporaryFiles(t, h.dir)
				return
			}
			var want []string
			for _, i := range tc.inFile {
				want = append(want, e2e[i])
			}
			assert.Equal(t, want, e2eIDs(t, out), "the file holds exactly the payments that are processing")
			assert.Contains(t, r.stdout, fmt.Sprintf(": %d transfers,", len(tc.inFile)))
			noTemporaryFiles(t, h.dir, "transfers.xml")

			// Once the store works again, the next export takes the payments still approved.
			h.wrap = nil
			next := filepath.Join(h.dir, "next.xml")
			r = h.run("export", "pain001", "--account", own, "--out", next)
			var left []string
			for i, st := range statuses {
				if st == approved {
					left = append(left, e2e[i])
				}
			}
			if left == nil {
				assert.Equal(t, ExitError, r.code, "nothing left to export")
				return
			}
			require.Equal(t, ExitOK, r.code, r.stderr)
			assert.Equal(t, left, e2eIDs(t, next))
		})
	}
}

// TestExportNeverReplacesAFile: an --out that exists already (an earlier export's file, perhaps not
// uploaded yet, or a folder) stops the export before any payment moves, and is left as it was.
func TestExportNeverReplacesAFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dryRun bool
		folder bool
	}{
		{name: "an earlier export's file"},
		{name: "an earlier export's file, dry run", dryRun: true},
		{name: "a folder", folder: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			out := filepath.Join(h.dir, "transfers.xml")
			names := []string{"transfers.xml"}
			var before []string
			if tc.folder {
				require.NoError(t, os.Mkdir(out, 0o755))
			} else {
				first, _ := approvedTransfers(t, h, 2)
				r := h.run("export", "pain001", "--account", first, "--out", out)
				require.Equal(t, ExitOK, r.code, r.stderr)
				before = e2eIDs(t, out)
			}
			own, ids := approvedTransfers(t, h, 1)
			args := []string{"export", "pain001", "--account", own, "--out", out}
			if tc.dryRun {
				args = append(args, "--dry-run")
			}
			r := h.run(args...)
			assert.Equal(t, ExitError, r.code)
			assert.Equal(t, "orkesta: write "+out+": file already exists (an earlier export's file?); move it away or "+
				"choose another --out: nothing was changed\n", r.stderr)
			statuses, _ := paymentsState(t, h, ids)
			assert.Equal(t, []payment.Status{payment.StatusApproved}, statuses)
			if !tc.folder {
				assert.Equal(t, before, e2eIDs(t, out), "the earlier file is left as it was")
			}
			noTemporaryFiles(t, h.dir, names...)
		})
	}
}

// appearingOut is a store that creates the file out, as another export would, when the first
// payment moves to processing.
type appearingOut struct {
	*memory.Store
	out string
}

func (s *appearingOut) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if _, err := os.Stat(s.out); os.IsNotExist(err) {
		if err := os.WriteFile(s.out, []byte("another export's file"), 0o644); err != nil {
			return err
		}
	}
	return s.Store.UpdatePayment(ctx, c, prev)
}

// TestExportOutAppearsMeanwhile: when another export writes --out while this one moves its payments,
// neither file is lost: --out keeps the other one, and this one's file stays under its temporary name,
// which the error gives.
func TestExportOutAppearsMeanwhile(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	_, e2e := paymentsState(t, h, ids)
	out := filepath.Join(h.dir, "transfers.xml")
	h.wrap = func(m *memory.Store) payment.Store { return &appearingOut{Store: m, out: out} }
	r := h.run("export", "pain001", "--account", own, "--out", out)
	assert.Equal(t, ExitError, r.code)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "another export's file", string(got), "the other export's file is not replaced")
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusProcessing}, statuses)
	m := regexp.MustCompile(`their file is (\S+\.tmp):`).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	assert.Contains(t, r.stderr, "file already exists, written while this export ran")
	assert.Equal(t, e2e, e2eIDs(t, m[1]), "this export's file is kept")
}

// failSyncDir makes the n-th folder sync fail with an I/O error, until the test ends.
func failSyncDir(t *testing.T, n int) {
	t.Helper()
	real := syncDir
	t.Cleanup(func() { syncDir = real })
	calls := 0
	syncDir = func(d string) error {
		calls++
		if calls == n {
			return errors.New("sync folder " + d + ": input/output error")
		}
		return real(d)
	}
}

// TestExportRewriteFails: of three payments one changed meanwhile (skipped), and writing the file of
// the two others fails. The first file, which holds them, is kept, and the error names it, the
// payments it holds that are processing, and the one it holds that must not be paid.
func TestExportRewriteFails(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 3)
	_, e2e := paymentsState(t, h, ids)
	h.wrap = func(m *memory.Store) payment.Store {
		return &failingUpdates{Store: m, fail: map[payment.ID]error{payment.ID(ids[1]): payment.ErrConflict}}
	}
	failSyncDir(t, 2) // the first file's sync passes, the second file's fails
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	assert.Equal(t, ExitError, r.code)
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusApproved, payment.StatusProcessing}, statuses)
	m := regexp.MustCompile(`their file is (\S+\.tmp), `).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	assert.Equal(t, e2e, e2eIDs(t, m[1]), "the kept file holds the moved payments, and the skipped one")
	assert.Contains(t, r.stderr, "input/output error; "+ids[0]+", "+ids[2]+" are processing and their file is "+m[1]+
		", but it also holds the transfers of "+ids[1]+" (end-to-end "+e2e[1]+"), which did not move and must NOT "+
		"be paid: delete those transfers from it (and correct NbOfTxs and CtrlSum), then rename it to "+out+"\n")
	noTemporaryFiles(t, h.dir, filepath.Base(m[1]))
}

// TestExportFinalSyncFails: the file is in place at --out and only syncing its folder fails; the
// error says so.
func TestExportFinalSyncFails(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	_, e2e := paymentsState(t, h, ids)
	failSyncDir(t, 2) // the temporary file's sync passes, the one after it is linked to --out fails
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	assert.Equal(t, ExitError, r.code)
	assert.Equal(t, "orkesta: sync folder "+h.dir+": input/output error; "+ids[0]+", "+ids[1]+" are processing and "+
		"their file is written to "+out+": only syncing its folder failed\n", r.stderr)
	assert.Equal(t, e2e, e2eIDs(t, out))
	noTemporaryFiles(t, h.dir, "transfers.xml")
}

// TestExportedPaymentsAreNotSentAgain: the payments of an export are in its file, so a processor on the
// same database (orkesta serve with a rail for bank transfers) must not hand them to its rail: they
// stay processing until a statement or a status report settles or fails them.
func TestExportedPaymentsAreNotSentAgain(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	require.Equal(t, ExitOK, r.code, r.stderr)

	rail := &paymenttest.Rail{}
	svc := payment.NewService(h.store, payment.Options{Clock: h.clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}})
	pr := payment.NewProcessor(svc, payment.ProcessorOptions{Owner: "serve"})
	for range 2 {
		st, err := pr.ProcessOnce(t.Context())
		require.NoError(t, err)
		assert.Zero(t, st.Submitted, "%+v", st)
		h.clock.Advance(time.Hour)
	}
	for _, id := range ids {
		assert.Zero(t, rail.Attempts(payment.ID(id)), "%s went to a rail after its file", id)
	}
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusProcessing}, statuses)
}

// TestExportedPaymentsNotSentBySandboxServe: `orkesta serve --rail sandbox` on the same database as
// `orkesta export pain001`. The sandbox rail reports outcomes (RailStatusPoller) and never saw the
// exported payments: a processor that asked it about them would hear "not found" and send them. The
// payments are in the bank file: no processor sends them, nor asks a rail about them.
func TestExportedPaymentsNotSentBySandboxServe(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	require.Equal(t, ExitOK, r.code, r.stderr)

	rail := sandbox.New(sandbox.Options{Clock: h.clock, SettleDelay: 5 * time.Second}) // as serve wires it
	rails := map[payment.Method]payment.Rail{}
	for _, m := range payment.Methods() {
		rails[m] = rail
	}
	svc := payment.NewService(h.store, payment.Options{Clock: h.clock, Rails: rails})
	pr := payment.NewProcessor(svc, payment.ProcessorOptions{Owner: "serve", PollInterval: 2 * time.Second})
	for range 4 {
		_, err := pr.ProcessOnce(t.Context())
		require.NoError(t, err)
		h.clock.Advance(time.Minute)
	}
	for _, id := range ids {
		assert.Zero(t, rail.Attempts(payment.ID(id)), "%s is in the pain.001 file and was sent to the sandbox rail as well", id)
	}
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusProcessing}, statuses)
}

// processorBetween runs a processor (a serve on the same database) right after each payment moves to
// processing, before the export's next step.
type processorBetween struct {
	*memory.Store
	pr *payment.Processor
}

func (s *processorBetween) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if err := s.Store.UpdatePayment(ctx, c, prev); err != nil {
		return err
	}
	if c.Payment.Status == payment.StatusProcessing {
		_, _ = s.pr.ProcessOnce(ctx)
	}
	return nil
}

// TestExportRacesProcessor: a processor that claims right after the export moved a payment to
// processing (or after an export killed then) must not hand it to its rail: it is in the file.
func TestExportRacesProcessor(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 1)
	rail := &paymenttest.Rail{} // not polled
	svc := payment.NewService(h.store, payment.Options{Clock: h.clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}})
	pr := payment.NewProcessor(svc, payment.ProcessorOptions{Owner: "serve"})
	h.wrap = func(m *memory.Store) payment.Store { return &processorBetween{Store: m, pr: pr} }
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	require.Equal(t, ExitOK, r.code, r.stderr)
	_, e2e := paymentsState(t, h, ids)
	assert.Equal(t, e2e, e2eIDs(t, out), "both payments are in the file")
	for _, id := range ids {
		assert.Zero(t, rail.Attempts(payment.ID(id)), "%s is in the pain.001 file and was sent to the rail as well", id)
	}
}

// TestExportBankTimezone: at 01:30 in Istanbul (22:30 UTC the day before), a payment whose value
// date is the UTC day is asked of a Turkish bank for its today, not for its yesterday; a zone that
// does not exist is a usage error that changes nothing.
func TestExportBankTimezone(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 1)
	h.clock.Advance(13*time.Hour + 30*time.Minute) // 2026-01-15 22:30 UTC, 2026-01-16 01:30 in Istanbul
	out := filepath.Join(h.dir, "transfers.xml")

	r := h.run("export", "pain001", "--account", own, "--out", out, "--bank-timezone", "Mars/Olympus")
	require.Equal(t, ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "--bank-timezone")
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusApproved}, statuses, "nothing changed")

	r = h.run("export", "pain001", "--account", own, "--out", out, "--bank-timezone", "Europe/Istanbul")
	require.Equal(t, ExitOK, r.code, r.stderr)
	xml, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(xml), "<ReqdExctnDt><Dt>2026-01-16</Dt></ReqdExctnDt>")
	assert.Contains(t, string(xml), "+03:00</CreDtTm>")
}
