package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// harness runs the CLI in-process on one memory store with a fixed clock and deterministic ids, so
// output is the same on every run.
type harness struct {
	store   *memory.Store
	clock   *paymenttest.Clock
	ids     *paymenttest.IDs
	env     map[string]string
	dir     string
	secrets int
	// wrap, when set, stands between the commands and store (to make some of its calls fail).
	wrap func(*memory.Store) payment.Store
	// files makes the commands open the database --db or --postgres names, not store.
	files bool
}

func newHarness(t *testing.T) *harness {
	return &harness{store: memory.New(), clock: paymenttest.NewClock(paymenttest.Epoch), ids: &paymenttest.IDs{},
		env: map[string]string{}, dir: t.TempDir()}
}

// served gives the harness's database the workspace serve's first start creates: the commands other
// than serve and accounts create need it.
func (h *harness) served(t *testing.T) *harness {
	t.Helper()
	_, _, err := ensureWorkspace(t.Context(), h.store, defaultWorkspace, payment.PlanGrowth, payment.ApprovalNone, h.clock.Now())
	require.NoError(t, err)
	return h
}

func (h *harness) cli(stdin io.Reader, stdout, stderr io.Writer) *cli {
	c := &cli{
		stdin: stdin, stdout: stdout, stderr: stderr,
		getenv:     func(k string) string { return h.env[k] },
		isTerminal: func(io.Writer) bool { return false },
		clock:      h.clock, ids: h.ids, batchConcurrency: 1,
		newSecret: func() (string, [32]byte) {
			h.secrets++
			s := fmt.Sprintf("ok_TESTSECRET%020d", h.secrets)
			return s, payment.HashAPIKey(s)
		},
		openStore: func(context.Context, dbConfig) (*backend, error) {
			var st payment.Store = h.store
			if h.wrap != nil {
				st = h.wrap(h.store)
			}
			return &backend{kind: "memory", store: st, keys: h.store, events: h.store, close: func() error { return nil }}, nil
		},
	}
	if h.files {
		c.openStore = nil
	}
	return c
}

type result struct {
	stdout, stderr string
	code           int
}

func (h *harness) run(args ...string) result {
	return h.runIn("", args...)
}

func (h *harness) runIn(stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := h.cli(strings.NewReader(stdin), &out, &errb).run(context.Background(), args)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// transcript renders one command and its result for a golden file.
func transcript(args []string, r result) string {
	var b strings.Builder
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if a == "" || strings.ContainsAny(a, " \"'*?<>|&;") {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	fmt.Fprintf(&b, "$ orkesta %s\n", strings.Join(quoted, " "))
	if r.stdout != "" {
		b.WriteString(r.stdout)
		if !strings.HasSuffix(r.stdout, "\n") {
			b.WriteString("\n")
		}
	}
	if r.stderr != "" {
		b.WriteString("[stderr]\n" + r.stderr)
		if !strings.HasSuffix(r.stderr, "\n") {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "[exit %d]\n\n", r.code)
	return b.String()
}

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./cmd/orkesta -update")
	if string(want) != got {
		t.Errorf("golden %s differs (review, then go test ./cmd/orkesta -update):\n%s", path, firstDiff(string(want), got))
	}
}

// firstDiff shows the first differing line of two texts with a little context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-3); j < i; j++ {
		fmt.Fprintf(&b, "  %s\n", g[j])
	}
	for j := i; j < min(len(w), i+3); j++ {
		fmt.Fprintf(&b, "- %s\n", w[j])
	}
	for j := i; j < min(len(g), i+3); j++ {
		fmt.Fprintf(&b, "+ %s\n", g[j])
	}
	return b.String()
}

// step is one command of a scenario; args may use {{name}} placeholders filled from earlier output.
type step struct {
	args  []string
	stdin string
	code  int
	// files are written to the harness directory before the step (their text may use {{name}} too).
	files map[string]string
	// save captures a value from stdout by regexp (first group) under a name for later steps.
	save map[string]string
}

func runScenario(t *testing.T, h *harness, name string, steps []step) {
	t.Helper()
	vars := map[string]string{}
	var b strings.Builder
	for _, s := range steps {
		args := make([]string, len(s.args))
		for i, a := range s.args {
			for k, v := range vars {
				a = strings.ReplaceAll(a, "{{"+k+"}}", v)
			}
			args[i] = strings.ReplaceAll(a, "$TMP", h.dir)
		}
		for name, text := range s.files {
			for k, v := range vars {
				text = strings.ReplaceAll(text, "{{"+k+"}}", v)
			}
			require.NoError(t, os.WriteFile(filepath.Join(h.dir, name), []byte(text), 0o644))
		}
		r := h.runIn(s.stdin, args...)
		assert.Equal(t, s.code, r.code, "orkesta %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
		for k, re := range s.save {
			m := regexp.MustCompile(re).FindStringSubmatch(r.stdout)
			require.Len(t, m, 2, "capture %s from %q", k, r.stdout)
			vars[k] = m[1]
		}
		b.WriteString(strings.ReplaceAll(transcript(args, r), h.dir, "$TMP"))
	}
	golden(t, name, b.String())
}

func TestPaymentsAccountsKeys(t *testing.T) {
	h := newHarness(t).served(t)
	runScenario(t, h, "payments", []step{
		{args: []string{"accounts", "list"}},
		{args: []string{"accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "--iban", "TR33 0006 1005 1978 6457 8413 26"},
			save: map[string]string{"own": `id:\s+(acc_\S+)`}},
		{args: []string{"accounts", "create", "--name", "Yılmaz Tekstil", "--currency", "TRY", "--type", "external"},
			save: map[string]string{"vendor": `id:\s+(acc_\S+)`}},
		{args: []string{"accounts", "create", "--name", "Bad", "--currency", "TRX", "--iban", "TR330006100519786457841327"}, code: ExitError},
		{args: []string{"accounts", "list"}},
		{args: []string{"accounts", "list", "--output", "json"}},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "1250.50",
			"--reference", "INV-2026-001", "--description", "Kumaş faturası"}, save: map[string]string{"p1": `id:\s+(pay_\S+)`}},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "12.345"}, code: ExitError},
		{args: []string{"payments", "create", "--from", "{{vendor}}", "--to", "{{vendor}}", "--amount", "0", "--method", "cheque"}, code: ExitError},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "10", "--value-date", "2026-13-45"}, code: ExitError},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "99.90", "--method", "eft",
			"--reference", "INV-2026-002", "--value-date", "2026-01-20", "--output", "json"}, save: map[string]string{"p2": `"id": "(pay_[^"]+)"`}},
		{args: []string{"payments", "get", "{{p1}}"}},
		{args: []string{"payments", "list"}},
		{args: []string{"payments", "list", "--status", "pending", "--reference", "INV-2026-002", "--output", "json"}},
		{args: []string{"payments", "list", "--limit", "1"}},
		{args: []string{"payments", "approve", "{{p1}}", "--actor", "checker@example.com"}},
		{args: []string{"payments", "cancel", "{{p2}}", "--reason", "sent twice"}},
		{args: []string{"payments", "cancel", "{{p2}}"}, code: ExitError},
		{args: []string{"payments", "history", "{{p2}}"}},
		{args: []string{"payments", "history", "{{p2}}", "-o", "json"}},
		{args: []string{"payments", "get", "pay_01KF0E44M0000000000000000Z"}, code: ExitError},
	})
	runScenario(t, h, "keys", []step{
		{args: []string{"keys", "list"}},
		{args: []string{"keys", "create", "--name", "production-erp-integration", "--scope", "read-write", "--expires", "2027-01-01"},
			save: map[string]string{"k1": `id:\s+(key_\S+)`}},
		{args: []string{"keys", "create", "--name", "ci", "--scope", "read-only", "--expires", "30d", "--output", "json"}},
		{args: []string{"keys", "list"}},
		{args: []string{"keys", "revoke", "{{k1}}"}},
		{args: []string{"keys", "list", "-o", "json"}},
		{args: []string{"keys", "revoke", "key_01KF0E44M00000000000000000"}, code: ExitError},
		{args: []string{"keys", "create", "--name", "x", "--scope", "superuser"}, code: ExitUsage},
		{args: []string{"keys", "create", "--name", "x", "--expires", "2020-01-01"}, code: ExitUsage},
	})
}

func TestUsageErrors(t *testing.T) {
	h := newHarness(t).served(t)
	runScenario(t, h, "usage", []step{
		{args: []string{"frobnicate"}, code: ExitUsage},
		{args: []string{"payments"}, code: ExitUsage},
		{args: []string{"payments", "pay"}, code: ExitUsage},
		{args: []string{"payments", "get"}, code: ExitUsage},
		{args: []string{"payments", "get", "not-an-id"}, code: ExitUsage},
		{args: []string{"payments", "create", "--amount", "10"}, code: ExitUsage},
		{args: []string{"payments", "list", "--status", "done"}, code: ExitUsage},
		{args: []string{"payments", "list", "--limit", "ten"}, code: ExitUsage},
		{args: []string{"payments", "list", "--bogus"}, code: ExitUsage},
		{args: []string{"accounts", "list", "--output", "yaml"}, code: ExitUsage},
		{args: []string{"accounts", "list", "extra"}, code: ExitUsage},
		{args: []string{"accounts", "list", "--workspace", "ws_nope"}, code: ExitUsage},
		{args: []string{"keys", "revoke", "pay_01KF0E44M00000000000000000"}, code: ExitUsage},
		{args: []string{"serve", "--rail", "swift"}, code: ExitUsage},
		{args: []string{"serve", "--approval", "maybe"}, code: ExitUsage},
	})
}

// TestHelp checks that every command has a short description and an example, and keeps the help
// of the main commands in golden files.
func TestHelp(t *testing.T) {
	h := newHarness(t)
	root := h.cli(nil, io.Discard, io.Discard).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		t.Run(c.CommandPath(), func(t *testing.T) {
			assert.NotEmpty(t, c.Short, "short description")
			assert.NotEmpty(t, c.Example, "example")
		})
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				walk(s)
			}
		}
	}
	walk(root)
	var b strings.Builder
	for _, args := range [][]string{{"--help"}, {"payments", "create", "--help"}, {"serve", "--help"}, {"keys", "create", "-h"}} {
		r := h.run(args...)
		assert.Equal(t, ExitOK, r.code)
		b.WriteString(transcript(args, r))
	}
	golden(t, "help", b.String())
}

// setupAccounts creates the internal TRY account "own" and the counterparty "vendor".
func setupAccounts() []step {
	return []step{
		{args: []string{"accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "--iban", "TR330006100519786457841326"},
			save: map[string]string{"own": `id:\s+(acc_\S+)`}},
		{args: []string{"accounts", "create", "--name", "Yılmaz Tekstil", "--currency", "TRY", "--type", "external"},
			save: map[string]string{"vendor": `id:\s+(acc_\S+)`}},
	}
}

func TestBatchSubmit(t *testing.T) {
	h := newHarness(t).served(t)
	csvText := "amount;currency;from_account;to_account;reference;description\n" +
		"1250.50;TRY;{{own}};{{vendor}};INV-1;Kumaş\n" +
		"12.345;TRY;{{own}};{{vendor}};INV-2;too precise\n" +
		"99.90;TRY;{{own}};{{own}};INV-3;same account\n" +
		"100;TRY;{{own}};{{vendor}};INV-4;\"=HYPERLINK(\"\"x\"\")\"\n"
	jsonText := `[{"amount":5000,"currency":"TRY","method":"eft","from_account":"{{own}}","to_account":"{{vendor}}","reference":"INV-5"},
 {"amount":-1,"currency":"TRY","method":"eft","from_account":"{{own}}","to_account":"{{vendor}}"}]`
	runScenario(t, h, "batch", append(setupAccounts(),
		step{args: []string{"batch", "submit", "$TMP/pay.csv", "--failed-out", "$TMP/failed.csv"}, code: ExitError,
			files: map[string]string{"pay.csv": csvText}},
		step{args: []string{"batch", "submit", "$TMP/pay.json", "-o", "json"}, code: ExitError,
			files: map[string]string{"pay.json": jsonText}},
		step{args: []string{"batch", "submit", "$TMP/bad.csv"}, code: ExitError,
			files: map[string]string{"bad.csv": "amount,currency,payee\n1,TRY,x\n"}},
		step{args: []string{"batch", "submit", "$TMP/missing.csv"}, code: ExitError},
		step{args: []string{"batch", "submit"}, code: ExitUsage},
	))
	failed, err := os.ReadFile(filepath.Join(h.dir, "failed.csv"))
	require.NoError(t, err)
	golden(t, "batch-failed.csv", strings.ReplaceAll(string(failed), "\r\n", "\n"))
}

func TestStatementInspect(t *testing.T) {
	runScenario(t, newHarness(t), "statement", []step{
		{args: []string{"statement", "inspect", "testdata/statement.sta"}},
		{args: []string{"statement", "inspect", "testdata/statement.sta", "--output", "json"}},
		{args: []string{"statement", "inspect", "testdata/mismatch.sta"}},
		{args: []string{"statement", "inspect", "testdata/broken.sta"}, code: ExitError},
		// A Turkish export that names its IBAN but no currency, and one with columns no preset knows.
		{args: []string{"statement", "inspect", "testdata/export-tr.csv"}, code: ExitError},
		{args: []string{"statement", "inspect", "testdata/export-tr.csv", "--currency", "TRY"}},
		{args: []string{"statement", "inspect", "testdata/export-tr.csv", "--currency", "XYZ"}, code: ExitUsage},
		{args: []string{"statement", "inspect", "testdata/export-tr.csv", "--accounts", "testdata/accounts.csv", "-o", "json"}},
		{args: []string{"statement", "inspect", "testdata/custom.csv"}, code: ExitError},
		{args: []string{"statement", "inspect", "testdata/custom.csv", "--mapping", "testdata/custom.mapping.json"}},
		{args: []string{"statement", "inspect", "testdata/custom.csv", "--mapping", "testdata/accounts.csv"}, code: ExitError},
		// A mapping chosen by name: the preset alone does not read this export, and names no mapping there is not.
		{args: []string{"statement", "inspect", "testdata/export-tr.csv", "--currency", "TRY", "--use-mapping", "en"}, code: ExitError},
		{args: []string{"statement", "inspect", "testdata/custom.csv", "--mapping", "testdata/custom.mapping.json", "--use-mapping", "mybank"}},
		{args: []string{"statement", "inspect", "testdata/custom.csv", "--mapping", "testdata/custom.mapping.json", "--use-mapping", "garanti"}, code: ExitUsage},
		{args: []string{"statement", "inspect", "testdata/custom.csv", "--mapping", "testdata/custom.mapping.json", "--mapping", "testdata/custom.mapping.json"}, code: ExitError},
		// BAI2: the public sample, and a bank's own type code that must be given its direction.
		{args: []string{"statement", "inspect", "testdata/report.bai"}},
		{args: []string{"statement", "inspect", "testdata/own-codes.bai"}, code: ExitError},
		{args: []string{"statement", "inspect", "testdata/own-codes.bai", "--type-code", "901=credit"}},
		{args: []string{"statement", "inspect", "testdata/own-codes.bai", "--type-code", "901=sideways"}, code: ExitUsage},
		// A Polish MT940 in Windows-1250 (ł is 0xB3, ę 0xEA): taken as Windows-1254 unless --charset says.
		{args: []string{"statement", "inspect", "$TMP/pl.sta", "-o", "json"}, files: map[string]string{"pl.sta": plMT940}},
		{args: []string{"statement", "inspect", "$TMP/pl.sta", "-o", "json", "--charset", "windows-1250"}},
		{args: []string{"statement", "inspect", "$TMP/pl.sta", "--charset", "klingon"}, code: ExitUsage},
		{args: []string{"statement", "inspect", "testdata/nope.sta"}, code: ExitError},
		{args: []string{"statement", "inspect"}, code: ExitUsage},
	})
}

// plMT940 is a statement of a Polish bank in Windows-1250: "Zapłata za fakturę FV/2026/01".
const plMT940 = ":20:STMT20260120\n:25:PL61109010140000071219812874\n:28C:00001/001\n:60F:C260119PLN1000,00\n" +
	":61:2601200120C250,00NTRFFV-2026-01\n:86:Zap\xb3ata za faktur\xea FV/2026/01\n:62F:C260120PLN1250,00\n-\n"

// TestSQLiteThroughRun uses the real entry point and a real SQLite file: what one command writes,
// the next one reads.
func TestSQLiteThroughRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orkesta.db")
	run := func(args ...string) result {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--db", db}, args...), strings.NewReader(""), &out, &errb)
		return result{stdout: out.String(), stderr: errb.String(), code: code}
	}
	r := run("accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	r = run("accounts", "create", "--name", "Vendor", "--currency", "TRY", "--type", "external", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	r = run("accounts", "list", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Operating TRY")
	assert.Contains(t, r.stdout, "Vendor")
	ids := regexp.MustCompile(`"id": "(acc_[^"]+)"`).FindAllStringSubmatch(r.stdout, -1)
	require.Len(t, ids, 2)
	r = run("payments", "create", "--from", ids[0][1], "--to", ids[1][1], "--amount", "10.00", "--reference", "R-1")
	require.Equal(t, ExitOK, r.code, r.stderr)
	r = run("payments", "list", "--reference", "R-1")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "10.00 TRY")
}

// TestPostgresThroughRun runs commands against PostgreSQL (ORKESTA_TEST_POSTGRES) in a workspace of
// its own, so it can share the database with other tests.
func TestPostgresThroughRun(t *testing.T) {
	dsn := os.Getenv("ORKESTA_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("ORKESTA_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ws := "ws_" + payment.NewULIDSource().NewULID(time.Now())
	run := func(args ...string) result {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--postgres", dsn, "--workspace", ws}, args...),
			strings.NewReader(""), &out, &errb)
		return result{stdout: out.String(), stderr: errb.String(), code: code}
	}
	r := run("accounts", "create", "--name", "Operating TRY", "--currency", "TRY")
	require.Equal(t, ExitOK, r.code, r.stderr)
	r = run("keys", "create", "--name", "pg-test", "--scope", "read-only", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	r = run("accounts", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Operating TRY")
	r = run("keys", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "pg-test")
}

func TestReconcile(t *testing.T) {
	h := newHarness(t)
	base := []string{"reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/statement.sta"}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	runScenario(t, h, "reconcile", []step{
		{args: base},
		{args: with("--accounts", "testdata/accounts.csv", "--out", "$TMP/report.json")},
		{args: with("--accounts", "testdata/accounts.csv", "--out", "$TMP/report.csv", "-o", "json")},
		{args: with("--fail-on-unmatched"), code: ExitUnmatched},
		{args: with("--statement", "testdata/mismatch.sta", "--date-window", "1")},
		{args: []string{"reconcile", "--payments", "testdata/bad-payments.csv", "--statement", "testdata/statement.sta"}, code: ExitError},
		{args: []string{"reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/broken.sta"}, code: ExitError},
		{args: []string{"reconcile", "--payments", "testdata/payments.csv"}, code: ExitUsage},
		{args: with("--out", "$TMP/report.xlsx", "--fail-on-unmatched"), code: ExitUnmatched},
		{args: with("--out", "$TMP/report.pdf"), code: ExitUsage},
		{args: with("--date-window", "-1"), code: ExitUsage},
		// The currency of an export that names only its account comes from --accounts.
		{args: []string{"reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/export-tr.csv",
			"--accounts", "testdata/accounts.csv"}},
		{args: []string{"reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/custom.csv",
			"--mapping", "testdata/custom.mapping.json", "--account", "TR330006100519786457841326", "--accounts", "testdata/accounts.csv"}},
	})
	book, err := os.ReadFile(filepath.Join(h.dir, "report.xlsx"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(book, []byte("PK\x03\x04")), "an XLSX workbook is a zip file")
	// The reports' content is package reconcile's (and golden-tested there); here: the right file in
	// the right format.
	js, err := os.ReadFile(filepath.Join(h.dir, "report.json"))
	require.NoError(t, err)
	var rep reconcile.Report
	require.NoError(t, json.Unmarshal(js, &rep))
	assert.Equal(t, 3, rep.Summary.Entries)
	assert.Len(t, rep.Matches, 2)
	csvText, err := os.ReadFile(filepath.Join(h.dir, "report.csv"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(csvText), "section,payment_id,"), "a CSV report")
	assert.Equal(t, 4, strings.Count(string(csvText), "\n"), "a header, two matches, one unmatched entry")
}

func TestExportPain001(t *testing.T) {
	h := newHarness(t).served(t)
	runScenario(t, h, "export", []step{
		{args: []string{"accounts", "create", "--name", "Operating TRY", "--currency", "TRY", "--iban", "TR330006100519786457841326"},
			save: map[string]string{"own": `id:\s+(acc_\S+)`}},
		{args: []string{"accounts", "create", "--name", "Yılmaz Tekstil", "--currency", "TRY", "--type", "external",
			"--iban", "TR320010009999901234567890"}, save: map[string]string{"vendor": `id:\s+(acc_\S+)`}},
		{args: []string{"accounts", "create", "--name", "No IBAN Ltd", "--currency", "TRY", "--type", "external"},
			save: map[string]string{"noiban": `id:\s+(acc_\S+)`}},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "1250.50", "--reference", "INV-1",
			"--description", "Kumaş faturası"}, save: map[string]string{"p1": `id:\s+(pay_\S+)`}},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{vendor}}", "--amount", "99.90", "--method", "eft",
			"--reference", "INV-2"}, save: map[string]string{"p2": `id:\s+(pay_\S+)`}},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "$TMP/none.xml"}, code: ExitError},
		{args: []string{"payments", "approve", "{{p1}}", "-o", "json"}},
		{args: []string{"payments", "approve", "{{p2}}", "-o", "json"}},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "$TMP/dry.xml", "--dry-run"}},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "$TMP/transfers.xml"}},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "$TMP/again.xml"}, code: ExitError},
		{args: []string{"payments", "create", "--from", "{{own}}", "--to", "{{noiban}}", "--amount", "10", "--reference", "INV-3"},
			save: map[string]string{"p3": `id:\s+(pay_\S+)`}},
		{args: []string{"payments", "approve", "{{p3}}", "-o", "json"}},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "$TMP/bad.xml"}, code: ExitError},
		{args: []string{"export", "pain001", "--account", "{{own}}"}, code: ExitUsage},
		{args: []string{"export", "pain001", "--account", "{{own}}", "--out", "x.xml", "--version", "02"}, code: ExitUsage},
	})
	xml, err := os.ReadFile(filepath.Join(h.dir, "transfers.xml"))
	require.NoError(t, err)
	golden(t, "export-transfers.xml", string(xml))
	_, err = os.Stat(filepath.Join(h.dir, "bad.xml"))
	assert.True(t, os.IsNotExist(err), "a refused export writes nothing")
}

// TestReconcileCorpus runs orkesta reconcile on every case of the project's corpus
// (testdata/reconcile) with the flags a user has (no preset, no currency: the CLI finds the format,
// the columns and, from the accounts, the currency) and compares the JSON report with the case's
// golden one. The XLSX case is a tab-separated sheet the library's test turns into a workbook; the
// library's golden test covers it.
func TestReconcileCorpus(t *testing.T) {
	n := 0
	for _, c := range reconciletest.Cases(t, "../../testdata/reconcile") {
		if slices.ContainsFunc(c.Statements, func(s string) bool { return strings.HasSuffix(s, ".xlsx.tsv") }) {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report.json")
			args := []string{"reconcile", "--payments", filepath.Join(c.Dir, c.Payments), "--out", out}
			for _, s := range c.Statements {
				args = append(args, "--statement", filepath.Join(c.Dir, s))
			}
			if c.Accounts != "" {
				args = append(args, "--accounts", filepath.Join(c.Dir, c.Accounts))
			}
			if c.Account != "" {
				args = append(args, "--account", c.Account)
			}
			if c.DateWindow != 0 {
				args = append(args, "--date-window", strconv.Itoa(c.DateWindow))
			}
			r := newHarness(t).run(args...)
			require.Equal(t, ExitOK, r.code, "%s", r.stderr)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(c.Dir, "report.golden.json"))
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(got))
		})
	}
	require.GreaterOrEqual(t, n, 5, "the corpus's cases run here")
}
