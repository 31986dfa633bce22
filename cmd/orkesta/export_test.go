package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
			code: ExitError, stderr: "disk I/O error; it and the 1 after it did not move: they are still approved, and the next export takes them",
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
			assert.Contains(t, r.stdout, ": "+count(len(tc.inFile), "transfer", "transfers")+",")
			noTemporaryFiles(t, h.dir, "transfers.xml")

			// Once the store works again, the next export takes the payments still approved.
			h.wrap = nil
			nextExportTakesApproved(t, h, own, statuses, e2e)
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
		"be paid: delete those transfers from it and any payment block (PmtInf) left without one, and correct NbOfTxs "+
		"and CtrlSum in the group header and in each block changed, then rename it to "+out+"\n")
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

// writtenThenFails is a store whose update of one payment reports an error, as a connection lost at
// commit does: it is written first (as the export asked, or as another actor's move), or not at all
// when written is "none". With unreadable, that payment cannot be read again once the error came.
type writtenThenFails struct {
	*memory.Store
	id         payment.ID
	written    string // "export", "processor" (another actor moved it first), "none"
	unreadable bool
	failed     bool
}

func (s *writtenThenFails) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if c.Payment.ID != s.id {
		return s.Store.UpdatePayment(ctx, c, prev)
	}
	switch s.written {
	case "export":
		if err := s.Store.UpdatePayment(ctx, c, prev); err != nil {
			return err
		}
	case "processor":
		c.History.Actor, c.Outside = "processor", false
		if err := s.Store.UpdatePayment(ctx, c, prev); err != nil {
			return err
		}
	}
	s.failed = true
	return errors.New("connection reset by peer")
}

func (s *writtenThenFails) GetPayment(ctx context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error) {
	if s.unreadable && s.failed && id == s.id {
		return payment.Payment{}, errors.New("connection refused")
	}
	return s.Store.GetPayment(ctx, ws, id)
}

// TestExportSubmitWrittenThenFails: the store reports an error for a payment's move to processing.
// The export reads the payment again: when this export's move was written, the payment is processing
// outside the rails (no processor sends it, no export takes it again), so its transfer stays in the
// file; when it is still approved, or another actor moved it, it is left out. When it cannot be read,
// the error says what is known. The payments after it stay approved, for the next export.
func TestExportSubmitWrittenThenFails(t *testing.T) {
	const (
		approved   = payment.StatusApproved
		processing = payment.StatusProcessing
	)
	for _, tc := range []struct {
		name       string
		failing    int
		written    string
		unreadable bool
		code       int
		stderr     []string // with ids[i] for {i}
		inFile     []int
		statuses   []payment.Status
	}{
		{name: "written: in the file", failing: 1, written: "export", code: ExitError,
			stderr:   []string{"submit {1}: connection reset by peer, but it moved: it is processing and in the file; the 1 after it did not move: it is still approved, and the next export takes it"},
			inFile:   []int{0, 1},
			statuses: []payment.Status{processing, processing, approved}},
		{name: "the last one written: all in the file", failing: 2, written: "export", code: ExitOK,
			inFile: []int{0, 1, 2}, statuses: []payment.Status{processing, processing, processing}},
		{name: "written by another actor: left out", failing: 1, written: "processor", code: ExitError,
			stderr:   []string{"submit {1}: connection reset by peer; it was changed meanwhile (it is processing now, moved by processor) and is not in this export; the 1 after it did not move"},
			inFile:   []int{0},
			statuses: []payment.Status{processing, processing, approved}},
		{name: "written, then unreadable: cannot tell", failing: 1, written: "export", unreadable: true, code: ExitError,
			stderr: []string{"submit {1}: connection reset by peer; could not tell whether it moved (reading it again: ",
				"connection refused): check it with orkesta payments get {1}: if it is still approved, the next export takes it; " +
					"if it is processing, it is in no file, and no processor will send it nor export take it again: pay it at the bank yourself",
				"the 1 after it did not move"},
			inFile:   []int{0},
			statuses: []payment.Status{processing, processing, approved}},
		{name: "the first written, then unreadable: nothing written", failing: 0, written: "export", unreadable: true,
			code:     ExitError,
			stderr:   []string{"could not tell whether it moved", "; nothing was written"},
			statuses: []payment.Status{processing, approved, approved}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			own, ids := approvedTransfers(t, h, 3)
			_, e2e := paymentsState(t, h, ids)
			h.wrap = func(m *memory.Store) payment.Store {
				return &writtenThenFails{Store: m, id: payment.ID(ids[tc.failing]), written: tc.written, unreadable: tc.unreadable}
			}
			out := filepath.Join(h.dir, "transfers.xml")
			r := h.run("export", "pain001", "--account", own, "--out", out)
			assert.Equal(t, tc.code, r.code, r.stderr)
			named := strings.NewReplacer("{0}", ids[0], "{1}", ids[1], "{2}", ids[2])
			for _, s := range tc.stderr {
				assert.Contains(t, r.stderr, named.Replace(s))
			}
			assert.NotContains(t, r.stderr, "no payment moved")
			statuses, _ := paymentsState(t, h, ids)
			assert.Equal(t, tc.statuses, statuses)
			if tc.inFile == nil {
				noTemporaryFiles(t, h.dir)
				return
			}
			var want []string
			for _, i := range tc.inFile {
				want = append(want, e2e[i])
				assert.Regexp(t, ids[i]+`\s.*\sprocessing\n`, r.stdout)
			}
			assert.Equal(t, want, e2eIDs(t, out), "the file holds exactly the payments this export moved")
			noTemporaryFiles(t, h.dir, "transfers.xml")

			// The next export takes the payments still approved, and only them.
			h.wrap = nil
			nextExportTakesApproved(t, h, own, statuses, e2e)
		})
	}
}

// TestExportRewriteFailsAfterSubmitError: the second payment's move fails (not written), then
// writing the file of the first fails. The kept file holds all three transfers; the error says the
// second and third did not move and must be deleted from it, and does not say that they are in no
// file.
func TestExportRewriteFailsAfterSubmitError(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 3)
	_, e2e := paymentsState(t, h, ids)
	h.wrap = func(m *memory.Store) payment.Store {
		return &failingUpdates{Store: m, fail: map[payment.ID]error{payment.ID(ids[1]): errors.New("disk I/O error")}}
	}
	failSyncDir(t, 2)
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	assert.Equal(t, ExitError, r.code)
	m := regexp.MustCompile(`their file is (\S+\.tmp), `).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	assert.Equal(t, e2e, e2eIDs(t, m[1]))
	assert.NotContains(t, r.stderr, "not in the file")
	assert.Contains(t, r.stderr, ids[0]+" are processing and their file is "+m[1]+", but it also holds the transfers of "+
		ids[1]+" (end-to-end "+e2e[1]+"), "+ids[2]+" (end-to-end "+e2e[2]+"), which did not move and must NOT be paid")
	assert.Contains(t, r.stderr, "submit "+ids[1]+": disk I/O error; it and the 1 after it did not move: they are still approved")
}

// TestExportRewriteFailsUnsure: the second payment's move is written but reported failed and it
// cannot be read again, then writing the file of the first fails. The kept file holds its transfer;
// the error says to keep it only if the payment is processing.
func TestExportRewriteFailsUnsure(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	_, e2e := paymentsState(t, h, ids)
	h.wrap = func(m *memory.Store) payment.Store {
		return &writtenThenFails{Store: m, id: payment.ID(ids[1]), written: "export", unreadable: true}
	}
	failSyncDir(t, 2)
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	assert.Equal(t, ExitError, r.code)
	m := regexp.MustCompile(`their file is (\S+\.tmp), `).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	assert.Equal(t, e2e, e2eIDs(t, m[1]))
	assert.Contains(t, r.stderr, ids[0]+" are processing and their file is "+m[1]+", but it also holds the transfer of "+
		ids[1]+" (end-to-end "+e2e[1]+"), which may have moved: keep it only if orkesta payments get "+ids[1]+
		" shows it processing; otherwise delete it and any payment block (PmtInf) left without one")
}

// schemaCheck validates path against the pain.001 schema of the version ("09" or "03") with xmllint,
// and skips the test when xmllint is not installed.
func schemaCheck(t *testing.T, path, version string) (string, bool) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found (Debian: apt-get install libxml2-utils); schema validation skipped")
	}
	xsd := filepath.Join("..", "..", "adapters", "rail", "pain001", "testdata", "xsd", "pain.001.001."+version+".xsd")
	out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput()
	return string(out), err == nil
}

// TestExportKeptFileInstructions: of three transfers the second has a value date of its own (its own
// payment block); it changes meanwhile (skipped) and writing the file of the two others fails. The
// kept file is valid, and following the error's instructions gives a valid file too.
func TestExportKeptFileInstructions(t *testing.T) {
	h := newHarness(t)
	id := regexp.MustCompile(`id:\s+((?:acc|pay)_\S+)`)
	run := func(args ...string) string {
		t.Helper()
		r := h.run(args...)
		require.Equal(t, ExitOK, r.code, "%v\n%s", args, r.stderr)
		m := id.FindStringSubmatch(r.stdout)
		require.Len(t, m, 2, r.stdout)
		return m[1]
	}
	own := run("accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "--iban", "TR330006100519786457841326")
	vendor := run("accounts", "create", "--name", "Vendor", "--currency", "TRY", "--type", "external",
		"--iban", "TR320010009999901234567890")
	var ids []string
	for i, vd := range []string{"2026-01-15", "2026-01-20", "2026-01-15"} {
		p := run("payments", "create", "--from", own, "--to", vendor, "--amount", strconv.Itoa(100*(i+1)), "--value-date", vd)
		run("payments", "approve", p)
		ids = append(ids, p)
	}
	_, e2e := paymentsState(t, h, ids)
	h.wrap = func(m *memory.Store) payment.Store {
		return &failingUpdates{Store: m, fail: map[payment.ID]error{payment.ID(ids[1]): payment.ErrConflict}}
	}
	failSyncDir(t, 2)
	r := h.run("export", "pain001", "--account", own, "--out", filepath.Join(h.dir, "transfers.xml"))
	require.Equal(t, ExitError, r.code)
	m := regexp.MustCompile(`their file is (\S+\.tmp), `).FindStringSubmatch(r.stderr)
	require.Len(t, m, 2, r.stderr)
	msg, ok := schemaCheck(t, m[1], "09")
	require.True(t, ok, msg)
	assert.Contains(t, r.stderr, "delete those transfers from it and any payment block (PmtInf) left without one, "+
		"and correct NbOfTxs and CtrlSum in the group header and in each block changed")

	// Follow the instructions: delete the transfer, the payment block it leaves empty, and correct the
	// group header.
	kept, err := os.ReadFile(m[1])
	require.NoError(t, err)
	x := string(kept)
	i := strings.Index(x, "<EndToEndId>"+e2e[1]+"<")
	require.Positive(t, i, x)
	start := strings.LastIndex(x[:i], "<PmtInf>")
	end := strings.Index(x[i:], "</PmtInf>") + i + len("</PmtInf>")
	require.Equal(t, 1, strings.Count(x[start:end], "<CdtTrfTxInf>"), "the second transfer is alone in its block")
	x = x[:start] + x[end:]
	require.Contains(t, x, "<NbOfTxs>3</NbOfTxs><CtrlSum>600.00</CtrlSum>")
	x = strings.Replace(x, "<NbOfTxs>3</NbOfTxs><CtrlSum>600.00</CtrlSum>", "<NbOfTxs>2</NbOfTxs><CtrlSum>400.00</CtrlSum>", 1)
	edited := filepath.Join(h.dir, "edited.xml")
	require.NoError(t, os.WriteFile(edited, []byte(x), 0o600))
	msg, ok = schemaCheck(t, edited, "09")
	assert.True(t, ok, "following the error's instructions gives an invalid pain.001: %s", msg)
	assert.Equal(t, []string{e2e[0], e2e[2]}, e2eIDs(t, edited))
}

// TestExportZones: files written for banks in several time zones, at the spring-forward in New York,
// are valid pain.001 files of both versions, created at the bank's local time and asking for the
// bank's today; a zone that is not an IANA name is a usage error that changes nothing.
func TestExportZones(t *testing.T) {
	for _, tc := range []struct{ zone, created, date string }{
		{"America/New_York", "2026-03-08T03:30:00-04:00", "2026-03-08"},
		{"Pacific/Kiritimati", "2026-03-08T21:30:00+14:00", "2026-03-08"},
		{"Asia/Kathmandu", "2026-03-08T13:15:00+05:45", "2026-03-08"},
		{"America/St_Johns", "2026-03-08T05:00:00-02:30", "2026-03-08"},
		{"UTC", "2026-03-08T07:30:00Z", "2026-03-08"},
		{"EST", "2026-03-08T02:30:00-05:00", "2026-03-08"},
		{"Local", "", ""}, // this machine's: only valid
	} {
		for _, v := range []string{"09", "03"} {
			t.Run(tc.zone+"/"+v, func(t *testing.T) {
				h := newHarness(t)
				own, _ := approvedTransfers(t, h, 2)
				// 2026-03-08 07:30 UTC: 03:30 EDT, just after the spring-forward in New York.
				h.clock.Advance(time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC).Sub(h.clock.Now()))
				out := filepath.Join(h.dir, "t.xml")
				r := h.run("export", "pain001", "--account", own, "--out", out, "--bank-timezone", tc.zone, "--version", v)
				require.Equal(t, ExitOK, r.code, r.stderr)
				msg, ok := schemaCheck(t, out, v)
				assert.True(t, ok, msg)
				if tc.created == "" {
					return
				}
				xml, err := os.ReadFile(out)
				require.NoError(t, err)
				assert.Contains(t, string(xml), "<CreDtTm>"+tc.created+"</CreDtTm>")
				date := "<ReqdExctnDt><Dt>" + tc.date + "</Dt></ReqdExctnDt>"
				if v == "03" {
					date = "<ReqdExctnDt>" + tc.date + "</ReqdExctnDt>"
				}
				assert.Contains(t, string(xml), date)
			})
		}
	}
	for _, zone := range []string{"", "+03:00", "../../etc/passwd", "Mars/Olympus"} {
		t.Run("refused "+zone, func(t *testing.T) {
			h := newHarness(t)
			own, ids := approvedTransfers(t, h, 1)
			out := filepath.Join(h.dir, "t.xml")
			r := h.run("export", "pain001", "--account", own, "--out", out, "--bank-timezone", zone)
			assert.Equal(t, ExitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, "--bank-timezone: ")
			statuses, _ := paymentsState(t, h, ids)
			assert.Equal(t, []payment.Status{payment.StatusApproved}, statuses)
			noTemporaryFiles(t, h.dir)
		})
	}
}

// otherExportFirst: export A's move of one payment never reaches the database (the connection is
// lost before it is sent); meanwhile a second export of the same account, run by a colleague,
// moves that payment into its own file.
type otherExportFirst struct {
	*memory.Store
	id   payment.ID
	hook func()
	done bool
}

func (s *otherExportFirst) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if c.Payment.ID == s.id && !s.done {
		s.done = true
		s.hook()                                      // the other export runs to its end
		return errors.New("connection reset by peer") // A's own write was never sent
	}
	return s.Store.UpdatePayment(ctx, c, prev)
}

// TestExportConcurrentExportMovedIt: when export A's move of a payment fails and another export of
// the same account moved it meanwhile, A reads it again and must see another export's move: the
// payment is in the other file only, never in both (the bank would pay it twice).
func TestExportConcurrentExportMovedIt(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	_, e2e := paymentsState(t, h, ids)
	outA := filepath.Join(h.dir, "a.xml")
	outB := filepath.Join(h.dir, "b.xml")
	var rB result
	h.wrap = func(m *memory.Store) payment.Store {
		return &otherExportFirst{Store: m, id: payment.ID(ids[1]), hook: func() {
			saved := h.wrap
			h.wrap = nil
			rB = h.run("export", "pain001", "--account", own, "--out", outB)
			h.wrap = saved
		}}
	}
	rA := h.run("export", "pain001", "--account", own, "--out", outA)
	require.Equal(t, ExitOK, rB.code, rB.stderr)
	assert.Equal(t, []string{e2e[1]}, e2eIDs(t, outB), "the other export moved the second payment")
	assert.NotContains(t, e2eIDs(t, outA), e2e[1], "export A did not move the second payment, but its file holds it too: paid twice")
	assert.Equal(t, []string{e2e[0]}, e2eIDs(t, outA))
	assert.NotEqual(t, ExitOK, rA.code, "A says what happened to the second payment")
	assert.Contains(t, rA.stderr, "cli:export:MSG", "it names the other export's move")
}

// nextExportTakesApproved runs another export of own and checks that its file holds exactly the
// payments whose status (statuses, in the order of e2e) is approved; with none, it exits 1.
func nextExportTakesApproved(t *testing.T, h *harness, own string, statuses []payment.Status, e2e []string) {
	t.Helper()
	next := filepath.Join(h.dir, "next.xml")
	r := h.run("export", "pain001", "--account", own, "--out", next)
	var left []string
	for i, st := range statuses {
		if st == payment.StatusApproved {
			left = append(left, e2e[i])
		}
	}
	if left == nil {
		assert.Equal(t, ExitError, r.code, "nothing left to export")
		return
	}
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Equal(t, left, e2eIDs(t, next))
}
