package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
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
	assert.Equal(t, "amount;currency;from_account;to_account;reference;error;idempotency_key\n", strings.ReplaceAll(string(failed), "\r\n", "\n"),
		"nothing failed: the header alone")
	_, err = os.Stat(filepath.Join(h.dir, "missing"))
	assert.True(t, os.IsNotExist(err))
	noTemporaryFiles(t, h.dir, "pay.csv", "failed.csv")
}

// errKilled is what a store wrapped by killAfter answers once its budget of writes is spent.
var errKilled = errors.New("killed")

// killAfter stands in for a process killed in the middle of a batch submit: the first left payments
// are written, every later write fails and nothing of it is stored.
type killAfter struct {
	payment.Store
	mu   sync.Mutex
	left int
}

func (k *killAfter) take(n int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n > k.left {
		k.left = 0
		return false
	}
	k.left -= n
	return true
}

func (k *killAfter) CreatePayment(ctx context.Context, c payment.Change) error {
	if !k.take(1) {
		return errKilled
	}
	return k.Store.CreatePayment(ctx, c)
}

// killAfterBatch is killAfter on a store that writes a batch in one transaction (SQLite, PostgreSQL):
// a batch is written whole or not at all.
type killAfterBatch struct {
	*killAfter
	bc payment.BatchCreator
}

func (k *killAfterBatch) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	if !k.take(len(cs)) {
		return nil, errKilled
	}
	return k.bc.CreatePayments(ctx, cs)
}

// batchAccounts creates the accounts payments go from and to, and returns their ids.
func batchAccounts(t *testing.T, h *harness) (own, vendor string) {
	t.Helper()
	id := regexp.MustCompile(`id:\s+(acc_\S+)`)
	var ids []string
	for _, s := range setupAccounts() {
		r := h.run(s.args...)
		require.Equal(t, 0, r.code, r.stderr)
		m := id.FindStringSubmatch(r.stdout)
		require.Len(t, m, 2)
		ids = append(ids, m[1])
	}
	return ids[0], ids[1]
}

// paymentsCSV is a payments CSV of n rows with the references INV-00001 to INV-n.
func paymentsCSV(own, vendor string, n int) string {
	var b strings.Builder
	b.WriteString("amount;currency;from_account;to_account;reference\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d.00;TRY;%s;%s;INV-%05d\n", i, own, vendor, i)
	}
	return b.String()
}

// references counts the payments of the workspace by reference.
func references(t *testing.T, h *harness) map[string]int {
	t.Helper()
	ps, err := h.store.ListPayments(t.Context(), defaultWorkspace, payment.ListFilter{})
	require.NoError(t, err)
	refs := map[string]int{}
	for _, p := range ps {
		refs[p.Reference]++
	}
	return refs
}

// submitJSON runs batch submit with -o json and decodes what it prints.
func submitJSON(t *testing.T, h *harness, wantCode int, args ...string) batchOutput {
	t.Helper()
	r := h.run(append(append([]string{"batch", "submit"}, args...), "-o", "json")...)
	require.Equal(t, wantCode, r.code, r.stderr)
	var out batchOutput
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	return out
}

// TestBatchRerunAfterKill: a CSV submit killed part way leaves some payments; running the same file
// again creates exactly the missing ones, and reports the others as made by the earlier run.
func TestBatchRerunAfterKill(t *testing.T) {
	tests := []struct {
		name    string
		batches bool // the store writes each batch of 500 in one transaction
		written int  // payments written before the kill
	}{
		{"killed between batches", true, 1000},
		{"killed within a batch", false, 750},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const rows = 1200
			h := newHarness(t).served(t)
			own, vendor := batchAccounts(t, h)
			file := filepath.Join(h.dir, "pay.csv")
			require.NoError(t, os.WriteFile(file, []byte(paymentsCSV(own, vendor, rows)), 0o600))

			h.wrap = func(m *memory.Store) payment.Store {
				k := &killAfter{Store: m, left: tc.written}
				if tc.batches {
					return &killAfterBatch{killAfter: k, bc: m}
				}
				return k
			}
			r := h.run("batch", "submit", file)
			require.Equal(t, ExitError, r.code, r.stderr)
			require.Len(t, references(t, h), tc.written, "the kill leaves a part")

			h.wrap = nil
			out := submitJSON(t, h, 0, file)
			assert.Equal(t, rows-tc.written, out.Created, "created: the missing rows")
			assert.Equal(t, tc.written, out.Replayed, "replayed: the rows the first run created")
			assert.Equal(t, 0, out.Failed)
			refs := references(t, h)
			assert.Len(t, refs, rows)
			for ref, n := range refs {
				if !assert.Equal(t, 1, n, ref) {
					break
				}
			}
			for i, it := range out.Items {
				assert.Equal(t, i < tc.written, it.Replayed, "line %d", it.Line)
			}

			out = submitJSON(t, h, 0, file)
			assert.Equal(t, 0, out.Created, "a third run creates nothing")
			assert.Equal(t, rows, out.Replayed)
			assert.Len(t, references(t, h), rows)
		})
	}
}

// TestBatchSameFileAgain: the same file run twice creates its payments once, also when it is saved
// again with other line endings and separator; --idempotency-key with a new value creates them once
// more (but for a row with its own idempotency_key), and that run is as safe to repeat. The same for
// a JSON file.
func TestBatchSameFileAgain(t *testing.T) {
	h := newHarness(t).served(t)
	csvText := "amount;currency;from_account;to_account;reference;idempotency_key\n" +
		"1250.50;TRY;{{own}};{{vendor}};INV-1;\n" +
		"12.345;TRY;{{own}};{{vendor}};INV-2;\n" +
		"99.90;TRY;{{own}};{{vendor}};INV-3;erp-3\n"
	// The same file saved by another program: commas, CRLF, a byte-order mark and a blank line.
	resaved := "\ufeffamount,currency,from_account,to_account,reference,idempotency_key\r\n" +
		"1250.50,TRY,{{own}},{{vendor}},INV-1,\r\n\r\n" +
		"12.345,TRY,{{own}},{{vendor}},INV-2,\r\n" +
		"99.90,TRY,{{own}},{{vendor}},INV-3,erp-3\r\n"
	jsonText := `[{"amount":5000,"currency":"TRY","method":"eft","from_account":"{{own}}","to_account":"{{vendor}}","reference":"INV-5"}]`
	jsonAgain := `{"payments": [
  {"amount": 5000, "currency": "TRY", "method": "eft", "from_account": "{{own}}", "to_account": "{{vendor}}", "reference": "INV-5"}
]}`
	runScenario(t, h, "batch-again", append(setupAccounts(),
		step{args: []string{"batch", "submit", "$TMP/pay.csv"}, code: ExitError,
			files: map[string]string{"pay.csv": csvText, "resaved.csv": resaved}},
		step{args: []string{"batch", "submit", "$TMP/pay.csv"}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/resaved.csv"}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--idempotency-key", strings.Repeat("k", 254)}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--idempotency-key", "march-second-run"}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--idempotency-key", "march-second-run"}, code: ExitError},
		step{args: []string{"batch", "submit", "$TMP/pay.json"},
			files: map[string]string{"pay.json": jsonText, "again.json": jsonAgain}},
		step{args: []string{"batch", "submit", "$TMP/again.json", "-o", "json"}},
		step{args: []string{"batch", "submit", "$TMP/pay.json", "--idempotency-key", "march-second-run"}},
		step{args: []string{"payments", "list"}},
	))
	assert.Equal(t, map[string]int{"INV-1": 2, "INV-3": 1, "INV-5": 2}, references(t, h))
}

// lockedOnce fails the writes of one reference with a transient store error (SQLite "database is
// locked"), as a busy database does to one row of a batch.
type lockedOnce struct {
	*memory.Store
	ref string
}

func (s *lockedOnce) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	var keep []payment.Change
	var at []int
	errs := make([]error, len(cs))
	for i, c := range cs {
		if c.Payment.Reference == s.ref {
			errs[i] = errors.New("database is locked")
			continue
		}
		keep, at = append(keep, c), append(at, i)
	}
	got, err := s.Store.CreatePayments(ctx, keep)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		errs[i] = got[j]
	}
	return errs, nil
}

// TestBatchFailedOutThenSameFileAgain: the two ways the help gives to finish a batch, submitting the
// --failed-out file and running the same file again, done one after the other create each row once:
// the --failed-out file carries each row's idempotency key, the one the original file gives it.
func TestBatchFailedOutThenSameFileAgain(t *testing.T) {
	for _, key := range []string{"", "payroll-run-2"} {
		t.Run("key="+key, func(t *testing.T) {
			h := newHarness(t).served(t)
			own, vendor := batchAccounts(t, h)
			file := filepath.Join(h.dir, "pay.csv")
			failed := filepath.Join(h.dir, "failed.csv")
			require.NoError(t, os.WriteFile(file, []byte(paymentsCSV(own, vendor, 3)), 0o600))
			var keyArgs []string
			if key != "" {
				keyArgs = []string{"--idempotency-key", key}
			}

			h.wrap = func(m *memory.Store) payment.Store { return &lockedOnce{Store: m, ref: "INV-00002"} }
			r := h.run(append([]string{"batch", "submit", file, "--failed-out", failed}, keyArgs...)...)
			require.Equal(t, ExitError, r.code, r.stdout+r.stderr)
			h.wrap = nil

			// The database is fine again: the user submits the failed rows, as the message says.
			out := submitJSON(t, h, ExitOK, failed)
			require.Len(t, out.Items, 1)
			require.NotNil(t, out.Items[0].Payment)
			assert.Equal(t, 1, out.Created)
			prefix := key
			if prefix == "" {
				data, err := os.ReadFile(file)
				require.NoError(t, err)
				f, err := dashboard.ReadPaymentsCSV(bytes.NewReader(data))
				require.NoError(t, err)
				prefix = dashboard.CSVKeyPrefix(f)
			}
			assert.Equal(t, prefix+":2", out.Items[0].Payment.IdempotencyKey, "the original row's key")
			// Later (or another operator), unsure the first run finished, runs the same file again.
			out = submitJSON(t, h, ExitOK, append([]string{file}, keyArgs...)...)
			assert.Equal(t, [3]int{0, 3, 0}, [3]int{out.Created, out.Replayed, out.Failed})
			assert.Equal(t, map[string]int{"INV-00001": 1, "INV-00002": 1, "INV-00003": 1}, references(t, h))
		})
	}
}

// TestBatchOwnKeyRepeatedAcrossBatches: a file whose first and 501st rows repeat one idempotency_key
// (the same payment twice in the ERP export): the 501st fails as a repeated key, as it would within
// 500 rows, not as a row an earlier run created; the file's two batches keep their own ids.
func TestBatchOwnKeyRepeatedAcrossBatches(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	var b []byte
	b = append(b, "amount;currency;from_account;to_account;reference;idempotency_key\n"...)
	for i := 1; i <= 502; i++ {
		ref, key := "INV-"+strconv.Itoa(i), ""
		if i == 1 || i == 501 {
			ref, key = "INV-DUP", "erp-dup"
		}
		b = append(b, fmt.Sprintf("10.00;TRY;%s;%s;%s;%s\n", own, vendor, ref, key)...)
	}
	file := filepath.Join(h.dir, "pay.csv")
	require.NoError(t, os.WriteFile(file, b, 0o600))
	out := submitJSON(t, h, ExitError, file)
	assert.Equal(t, [3]int{501, 0, 1}, [3]int{out.Created, out.Replayed, out.Failed})
	last := out.Items[500]
	assert.Equal(t, 502, last.Line)
	assert.False(t, last.Replayed)
	assert.Equal(t, "failed", string(last.Status))
	assert.Equal(t, "idempotency_key: is the same as item 0's; each item needs its own key", last.Error)
	require.Len(t, out.BatchIDs, 2)
	assert.NotEqual(t, out.BatchIDs[0], out.BatchIDs[1], "the file's two batches")
	assert.Equal(t, 1, references(t, h)["INV-DUP"])
}

// TestBatchFailedOutRefusedForJSON: --failed-out writes the failed rows of a CSV file; given with a
// JSON file it is a usage error before anything is created, not a flag silently ignored that
// leaves no file of failed rows where the operator looks for one.
func TestBatchFailedOutRefusedForJSON(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	in := filepath.Join(h.dir, "pay.json")
	require.NoError(t, os.WriteFile(in, []byte(`[{"amount":5000,"currency":"TRY","method":"eft","from_account":"`+own+
		`","to_account":"`+vendor+`","reference":"INV-1"}]`), 0o600))
	out := filepath.Join(h.dir, "failed.csv")
	r := h.run("batch", "submit", in, "--failed-out", out)
	assert.Equal(t, ExitUsage, r.code, r.stdout)
	assert.Contains(t, r.stderr, "--failed-out")
	assert.Empty(t, references(t, h), "nothing is created")
	assert.NoFileExists(t, out)
}

// TestBatchFailedRowsShowTheirReference: a failed row's REFERENCE cell is the row's reference, so
// that the finance team knows which invoice did not go, in a CSV and a JSON file alike.
func TestBatchFailedRowsShowTheirReference(t *testing.T) {
	for _, tc := range []struct{ name, file, text string }{
		{name: "CSV", file: "pay.csv", text: "amount,currency,from_account,to_account,reference\n12.345,TRY,acc_a,acc_b,INV-77\n"},
		{name: "JSON", file: "pay.json", text: `[{"amount":-1,"currency":"TRY","method":"eft","reference":"INV-77"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t).served(t)
			path := filepath.Join(h.dir, tc.file)
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o644))
			r := h.run("batch", "submit", path)
			require.Equal(t, ExitError, r.code, r.stderr)
			assert.Regexp(t, `(?m)^\S+( \d+)?\s+failed\s+-\s+-\s+INV-77\s+\S`, r.stdout)
		})
	}
}

// errDown is what a store wrapped by downAfter answers once it is down.
var errDown = errors.New("database is down")

// downAfter is a store that goes down once it has written limit payments: every read of the
// workspace (the start of each batch of 500) fails from then on.
type downAfter struct {
	payment.Store
	mu      sync.Mutex
	created int
	limit   int
}

func (d *downAfter) CreatePayment(ctx context.Context, c payment.Change) error {
	d.mu.Lock()
	d.created++
	d.mu.Unlock()
	return d.Store.CreatePayment(ctx, c)
}

func (d *downAfter) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	d.mu.Lock()
	down := d.created >= d.limit
	d.mu.Unlock()
	if down {
		return payment.Workspace{}, errDown
	}
	return d.Store.GetWorkspace(ctx, id)
}

// TestBatchStoreFailsOnALaterBatch: a store error that stops a CSV file after its first batch of 500
// still reports the rows created, the rows not sent as failed (also in --failed-out), and the error.
func TestBatchStoreFailsOnALaterBatch(t *testing.T) {
	const rows = 700
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	file := filepath.Join(h.dir, "pay.csv")
	require.NoError(t, os.WriteFile(file, []byte(paymentsCSV(own, vendor, rows)), 0o600))
	failedOut := filepath.Join(h.dir, "failed.csv")

	h.wrap = func(m *memory.Store) payment.Store { return &downAfter{Store: m, limit: 500} }
	r := h.run("batch", "submit", file, "--failed-out", failedOut)
	assert.Equal(t, ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "the rows from line 502 on were not sent, the rows before it were: database is down")
	assert.Contains(t, r.stdout, "500 created, 200 failed")
	assert.Regexp(t, `line 2 +created +pay_`, r.stdout)
	assert.Regexp(t, `line 701 +not_attempted .*database is down`, r.stdout)
	failed, err := os.ReadFile(failedOut)
	require.NoError(t, err, "--failed-out holds the rows not sent")
	assert.Len(t, strings.Split(strings.TrimSpace(string(failed)), "\n"), 1+rows-500)
	require.Len(t, references(t, h), 500)

	h.wrap = nil
	out := submitJSON(t, h, 0, file)
	assert.Equal(t, []int{rows - 500, 500, 0}, []int{out.Created, out.Replayed, out.Failed})
}

// TestBatchStoreFailsOnTheFirstBatch: a store error that refuses a CSV file's first batch as a whole
// creates nothing, and --failed-out is written all the same: every row, to send again, with its
// error. It was left as an earlier run wrote it, rows that were not this run's failures.
func TestBatchStoreFailsOnTheFirstBatch(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	file := filepath.Join(h.dir, "pay.csv")
	require.NoError(t, os.WriteFile(file, []byte(paymentsCSV(own, vendor, 3)+"x;TRY;"+own+";"+vendor+";INV-BAD\n"), 0o600))
	failedOut := filepath.Join(h.dir, "failed.csv")
	require.NoError(t, os.WriteFile(failedOut, []byte("amount;currency;from_account;to_account;reference;idempotency_key;error\n1.00;TRY;x;y;STALE;k;old\n"), 0o600))

	h.wrap = func(m *memory.Store) payment.Store { return &downAfterReads{Store: m, limit: 1} }
	r := h.run("batch", "submit", file, "--failed-out", failedOut)
	assert.Equal(t, ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "database is down")
	require.Empty(t, references(t, h))
	failed, err := os.ReadFile(failedOut)
	require.NoError(t, err)
	assert.NotContains(t, string(failed), "STALE")
	lines := strings.Split(strings.TrimSpace(string(failed)), "\n")
	require.Len(t, lines, 1+4, "%s", failed)
	assert.Contains(t, lines[1], "database is down")
	assert.Contains(t, lines[4], "INV-BAD")
	assert.NotContains(t, lines[4], "database is down", "a row that did not parse says why")

	h.wrap = nil
	r = h.run("batch", "submit", failedOut, "--failed-out", failedOut)
	assert.Equal(t, ExitError, r.code, r.stderr)
	assert.Contains(t, r.stdout, "3 created, 1 failed")

	// An --idempotency-key too long to derive the rows' keys from gives no row a key: no file is
	// left, neither an earlier run's nor rows under keys other than the ones asked for.
	r = h.run("batch", "submit", file, "--failed-out", failedOut, "--idempotency-key", strings.Repeat("k", 300))
	assert.NotEqual(t, ExitOK, r.code, r.stdout)
	assert.NoFileExists(t, failedOut)
	assert.Len(t, references(t, h), 3)
}

// downAfterReads is a store that fails every workspace read after the first limit (the CLI's own,
// when it opens the database), as the batch's first write is refused.
type downAfterReads struct {
	payment.Store
	mu    sync.Mutex
	reads int
	limit int
}

func (d *downAfterReads) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	d.mu.Lock()
	d.reads++
	down := d.reads > d.limit
	d.mu.Unlock()
	if down {
		return payment.Workspace{}, errDown
	}
	return d.Store.GetWorkspace(ctx, id)
}
