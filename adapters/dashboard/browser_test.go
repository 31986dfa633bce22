package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/payment"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless chromium for one test, or skips the test when chromium is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need %s (apt-get install -y chromium; .ci/run installs it)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	var stderr bytes.Buffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&stderr),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelB()
		cancelA()
		cancel()
		if t.Failed() {
			t.Logf("chromium output (last 2 KiB):\n%s", tail(stderr.String(), 2048))
		}
	})
	return bctx
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// artifacts is where screenshots go: $ORKESTA_ARTIFACTS/screenshots when set (CI keeps it), else a
// temporary directory. Never a tracked path.
func artifacts(t *testing.T) string {
	dir := os.Getenv("ORKESTA_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// submit clicks a button that submits a form and waits until the next page has loaded.
func submit(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	_, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	require.NoError(t, err, "submit %s", sel)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(t, err, "text of %s", sel)
	return strings.TrimSpace(s)
}

func signIn(t *testing.T, ctx context.Context, base, secret string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("api_key")),
		chromedp.SendKeys(chromedp.ID("api_key"), secret),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("new-payment")),
	)
}

func TestBrowserPayments(t *testing.T) {
	ctx := browser(t)
	e := newTestEnv(t, dashboard.Options{})
	dir := artifacts(t)
	base := e.server.URL
	// A payment whose description is markup: it must show as text.
	e.MustCreate(t, func(r *payment.Request) {
		r.Description = `<script>alert("x")</script>`
		r.Reference = "INV-XSS-1"
	})

	t.Run("sign in with a wrong key is refused", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(base+"/payments"),
			chromedp.WaitVisible(chromedp.ID("api_key")),
			chromedp.SendKeys(chromedp.ID("api_key"), "ok_NOTAKEY"),
			chromedp.Click(chromedp.ID("signin")),
			chromedp.WaitVisible(chromedp.ID("api_key-error")),
		)
		assert.Contains(t, text(t, ctx, "#api_key-error"), "not valid")
		shot(t, ctx, dir, "01-sign-in-refused")
	})

	t.Run("sign in", func(t *testing.T) {
		signIn(t, ctx, base, e.writer)
		assert.Contains(t, text(t, ctx, "#payments"), "INV-XSS-1")
		shot(t, ctx, dir, "02-payments")
	})

	t.Run("bad amount shows a field error", func(t *testing.T) {
		do(t, ctx,
			chromedp.Click(chromedp.ID("new-payment")),
			chromedp.WaitVisible(chromedp.ID("payment-form")),
			chromedp.SetValue(chromedp.ID("from_account"), string(e.Own.ID)),
			chromedp.SetValue(chromedp.ID("to_account"), string(e.Vendor.ID)),
			chromedp.SendKeys(chromedp.ID("amount"), "12.345"),
			chromedp.SendKeys(chromedp.ID("reference"), "INV-2026-0042"),
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("amount-error")),
		)
		assert.Contains(t, text(t, ctx, "#amount-error"), "at most 2 decimals")
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("reference")))
		require.NoError(t, err)
		assert.Equal(t, "INV-2026-0042", v, "typed values survive the error")
		shot(t, ctx, dir, "03-amount-error")
	})

	t.Run("create a payment through the form", func(t *testing.T) {
		do(t, ctx,
			chromedp.SetValue(chromedp.ID("amount"), "1250.50"),
			chromedp.SendKeys(chromedp.ID("description"), "Kumaş faturası"),
			chromedp.Click(chromedp.ID("submit")),
			chromedp.WaitVisible(chromedp.ID("history")),
		)
		assert.Equal(t, "pending", text(t, ctx, "#status"))
		assert.Contains(t, text(t, ctx, "#flash"), "1,250.50 TRY")
		page, err := e.Service.List(context.Background(), e.Workspace.ID, payment.ListFilter{Reference: "INV-2026-0042"})
		require.NoError(t, err)
		require.Len(t, page.Payments, 1)
		assert.Equal(t, int64(125050), page.Payments[0].Amount, "1250.50 TRY is exactly 125050 kuruş")
		shot(t, ctx, dir, "04-payment-created")
	})

	t.Run("cancel a pending payment", func(t *testing.T) {
		do(t, ctx,
			chromedp.SendKeys(chromedp.ID("reason"), "entered twice"),
			chromedp.Evaluate[chromedp.Void]("window.confirm = () => true"),
		)
		submit(t, ctx, "#cancel")
		assert.Contains(t, text(t, ctx, "#flash"), "Payment cancelled")
		assert.Equal(t, "cancelled", text(t, ctx, "#status"))
		assert.Contains(t, text(t, ctx, "#history"), "entered twice")
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#cancel, #approve").length`))
		require.NoError(t, err)
		assert.Zero(t, n, "a cancelled payment offers no actions")
		shot(t, ctx, dir, "05-payment-cancelled")
	})

	t.Run("markup in a description is shown as text", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(base+"/payments?q=INV-XSS-1"),
			chromedp.WaitVisible(chromedp.ID("payments")),
			chromedp.Click(chromedp.CSS("#payments tbody a")),
			chromedp.WaitVisible(chromedp.ID("description")),
		)
		assert.Equal(t, `<script>alert("x")</script>`, text(t, ctx, "#description"))
	})

	t.Run("filters and phone width", func(t *testing.T) {
		do(t, ctx,
			chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(base+"/payments?status=pending"),
			chromedp.WaitVisible(chromedp.ID("payments")),
		)
		assert.Contains(t, text(t, ctx, "#payments"), "INV-XSS-1")
		assert.NotContains(t, text(t, ctx, "#payments"), "INV-2026-0042", "the cancelled payment is filtered out")
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		require.NoError(t, err)
		assert.LessOrEqual(t, w, 390, "no horizontal scrolling of the page on a phone")
		shot(t, ctx, dir, "06-phone-payments")
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
	})

	t.Run("sign out", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(base+"/payments"),
			chromedp.WaitVisible(chromedp.ID("logout")),
			chromedp.Click(chromedp.ID("logout")),
			chromedp.WaitVisible(chromedp.ID("api_key")),
			chromedp.Navigate(base+"/payments"),
			chromedp.WaitVisible(chromedp.ID("api_key")),
		)
	})
}

// statementFor writes an MT940 statement of the env's own TRY account with the given :61:/:86: pairs
// (each already formatted), opening at 100,000.00 TRY.
func statementFor(lines ...string) string {
	var b strings.Builder
	b.WriteString(":20:STMT0115\r\n:25:TR330006100519786457841326\r\n:28C:1/1\r\n:60F:C260114TRY100000,00\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("-\r\n")
	return b.String()
}

func TestBrowserReconciliation(t *testing.T) {
	ctx := browser(t)
	e := newTestEnv(t, dashboard.Options{})
	dir := artifacts(t)
	base := e.server.URL
	exact := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }),
		payment.StatusSettled)
	fuzzy := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 9990, "INV-R-2" }),
		payment.StatusProcessing)
	stmt := statementFor(
		":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1",
		":61:2601150115D99,90NTRFNONREF", ":86:EFT Yilmaz Tekstil",
		":61:2601150115D15,00NCHGNONREF", ":86:Hesap isletim ucreti",
	)
	path := filepath.Join(t.TempDir(), "statement.sta")
	require.NoError(t, os.WriteFile(path, []byte(stmt), 0o644))

	signIn(t, ctx, base, e.writer)
	t.Run("upload a statement and run", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(base+"/reconciliation"),
			chromedp.WaitVisible(chromedp.ID("run-form")),
			chromedp.SetUploadFiles(chromedp.ID("statement"), []string{path}),
			chromedp.Click(chromedp.ID("run")),
			chromedp.WaitVisible(chromedp.ID("run-status")),
		)
		assert.Equal(t, "1", text(t, ctx, "#exact-count"))
		assert.Equal(t, "1", text(t, ctx, "#fuzzy-count"))
		assert.Equal(t, "1", text(t, ctx, "#unmatched-count"))
		assert.Contains(t, text(t, ctx, "#exact"), string(exact.ID))
		assert.Contains(t, text(t, ctx, "#fuzzy"), "no text of the entry names", "the reference reason is shown")
		shot(t, ctx, dir, "10-reconciliation-run")
	})

	t.Run("finalizing with open items is refused", func(t *testing.T) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void]("window.confirm = () => true"))
		submit(t, ctx, "#finalize")
		assert.Contains(t, text(t, ctx, "#flash"), "1 fuzzy match waits")
	})

	t.Run("approve the fuzzy match and resolve the fee", func(t *testing.T) {
		submit(t, ctx, "#fuzzy button.approve")
		assert.Contains(t, text(t, ctx, "#flash"), "Match approved")
		do(t, ctx, chromedp.SendKeys(chromedp.CSS("#unmatched input.note"), "account fee"))
		submit(t, ctx, "#unmatched button.dismiss")
		assert.Contains(t, text(t, ctx, "#flash"), "resolved without a payment")
		assert.Contains(t, text(t, ctx, "#fuzzy"), "approved")
	})

	t.Run("finalize", func(t *testing.T) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void]("window.confirm = () => true"))
		submit(t, ctx, "#finalize")
		assert.Contains(t, text(t, ctx, "#flash"), "Run finalized: 2 payments are reconciled")
		assert.Equal(t, "finalized", text(t, ctx, "#run-status"))
		for _, id := range []payment.ID{exact.ID, fuzzy.ID} {
			p, err := e.Service.Get(context.Background(), e.Workspace.ID, id)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusReconciled, p.Status, id)
		}
		shot(t, ctx, dir, "11-reconciliation-finalized")
		do(t, ctx, chromedp.Navigate(base+"/reconciliation"), chromedp.WaitVisible(chromedp.ID("chart")))
		shot(t, ctx, dir, "12-reconciliation-runs")
	})
}

// TestBrowserEveryPageFits opens every page at desktop and phone widths: nothing may make the page
// scroll sideways (wide tables scroll inside their own box).
func TestBrowserEveryPageFits(t *testing.T) {
	ctx := browser(t)
	hooks := &fakeHooks{answer: payment.WebhookTest{StatusCode: 204}}
	e := newTestEnv(t, dashboard.Options{Webhooks: hooks})
	hooks.store = e.store
	dir := artifacts(t)
	base := e.server.URL
	p := e.MustCreate(t, func(r *payment.Request) {
		r.Description = "Çok uzun bir açıklama: " + strings.Repeat("ödeme ", 19)
	})
	_, err := hooks.CreateEndpoint(context.Background(), e.Workspace.ID, payment.WebhookEndpointRequest{
		URL: "https://erp.example.com/hooks/orkesta/a/very/long/path/that/goes/on", Events: payment.EventTypes()})
	require.NoError(t, err)
	eps, err := hooks.Endpoints(context.Background(), e.Workspace.ID)
	require.NoError(t, err)
	signIn(t, ctx, base, e.admin)
	pages := []struct{ name, path, ready string }{
		{"payments", "/payments", "payments"},
		{"new-payment", "/payments/new", "payment-form"},
		{"payment", "/payments/" + string(p.ID), "history"},
		{"batch", "/batch", "batch-form"},
		{"reconciliation", "/reconciliation", "run-form"},
		{"keys", "/settings/keys", "keys"},
		{"webhooks", "/integrations/webhooks", "endpoints"},
		{"webhook", "/integrations/webhooks/" + eps[0].ID, "send-test"},
	}
	for _, width := range []int64{1280, 390} {
		do(t, ctx, chromedp.EmulateViewport(width, 844))
		for _, pg := range pages {
			t.Run(pg.name+"@"+strconv.FormatInt(width, 10), func(t *testing.T) {
				do(t, ctx, chromedp.Navigate(base+pg.path), chromedp.WaitVisible(chromedp.ID(pg.ready)))
				w, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
				require.NoError(t, err)
				assert.LessOrEqual(t, w, width, "the page scrolls sideways")
				shot(t, ctx, dir, fmt.Sprintf("20-%s-%d", pg.name, width))
			})
		}
	}
}
