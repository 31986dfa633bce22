package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// client is a browser without a browser: a cookie jar that follows redirects and reads CSRF tokens.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func newClient(t testing.TB, e *testEnv) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, base: e.server.URL, http: &http.Client{Jar: jar}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (int, string) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (c *client) get(path string) (int, string) {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	require.NoError(c.t, err)
	return c.do(req)
}

// post sends a form with the current CSRF token (unless form sets csrf itself).
func (c *client) post(path string, form url.Values) (int, string) {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) upload(path, field, name, content string) (int, string) {
	return c.uploadForm(path, nil, field, name, content)
}

// uploadForm posts a multipart form with fields and one file.
func (c *client) uploadForm(path string, fields url.Values, field, name, content string) (int, string) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	require.NoError(c.t, w.WriteField("csrf", c.csrf))
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(c.t, w.WriteField(k, v))
		}
	}
	fw, err := w.CreateFormFile(field, name)
	require.NoError(c.t, err)
	_, _ = fw.Write([]byte(content))
	require.NoError(c.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func (c *client) signIn(secret string) (int, string) {
	c.get("/login")
	return c.post("/login", url.Values{"api_key": {secret}, "next": {"/payments"}})
}

func TestSignIn(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	tests := []struct {
		name   string
		secret string
		want   int
		text   string
	}{
		{"unknown key", "ok_UNKNOWN", http.StatusUnauthorized, "not valid"},
		{"empty key", "", http.StatusUnauthorized, "Enter an API key"},
		{"valid key", e.writer, http.StatusOK, "New payment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, e)
			code, body := c.signIn(tc.secret)
			assert.Equal(t, tc.want, code)
			assert.Contains(t, body, tc.text)
		})
	}

	t.Run("the session cookie is HttpOnly and SameSite=Strict", func(t *testing.T) {
		c := newClient(t, e)
		c.get("/login")
		c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		form := url.Values{"api_key": {e.writer}, "csrf": {c.csrf}}
		req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.http.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		var found bool
		for _, ck := range resp.Cookies() {
			if ck.Name == "orkesta_session" {
				found = true
				assert.True(t, ck.HttpOnly)
				assert.Equal(t, http.SameSiteStrictMode, ck.SameSite)
			}
		}
		assert.True(t, found)
	})

	t.Run("sign-in without the form's token is refused", func(t *testing.T) {
		c := newClient(t, e)
		code, _ := c.post("/login", url.Values{"api_key": {e.writer}, "csrf": {"forged"}})
		assert.Equal(t, http.StatusForbidden, code)
	})

	t.Run("pages need a session", func(t *testing.T) {
		c := newClient(t, e)
		code, body := c.get("/payments/new")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "Sign in to Orkesta", "redirected to the sign-in page")
		code, _ = c.post("/payments", url.Values{"amount": {"1"}})
		assert.Equal(t, http.StatusForbidden, code)
	})

	t.Run("an off-site next is ignored", func(t *testing.T) {
		c := newClient(t, e)
		c.get("/login")
		c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		form := url.Values{"api_key": {e.writer}, "csrf": {c.csrf}, "next": {"//evil.example/x"}}
		req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.http.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, "/payments", resp.Header.Get("Location"))
	})

	// A browser drops the tab of "/%09/evil.example" and goes to //evil.example.
	t.Run("a next a browser reads as another site is ignored", func(t *testing.T) {
		c := newClient(t, e)
		// location sends req with the client's cookies but reads the answer itself: the client would
		// refuse to parse a Location with a control character before anyone could assert on it.
		location := func(req *http.Request) string {
			for _, ck := range c.http.Jar.Cookies(req.URL) {
				req.AddCookie(ck)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			c.http.Jar.SetCookies(req.URL, resp.Cookies())
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			return resp.Header.Get("Location")
		}
		code, body := c.get("/login?next=/%09/evil.example")
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, `name="next" value="/payments"`, "signed out: the form carries the default page")

		form := url.Values{"api_key": {e.writer}, "csrf": {c.csrf}, "next": {"/\t/evil.example"}}
		req, _ := http.NewRequest(http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		assert.Equal(t, "/payments", location(req), "signing in")

		req, _ = http.NewRequest(http.MethodGet, c.base+"/login?next=/%09/evil.example", nil)
		assert.Equal(t, "/payments", location(req), "signed in")
	})
}

func TestCSRFAndScopes(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	p := e.MustCreate(t)

	t.Run("a form without the session's token changes nothing", func(t *testing.T) {
		c := newClient(t, e)
		c.signIn(e.writer)
		code, body := c.post("/payments/"+string(p.ID)+"/cancel", url.Values{"csrf": {"forged"}})
		assert.Equal(t, http.StatusForbidden, code)
		assert.Contains(t, body, "did not come from this dashboard")
		got, err := e.Service.Get(context.Background(), e.Workspace.ID, p.ID)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusPending, got.Status)
	})

	t.Run("a read-only key sees but cannot change", func(t *testing.T) {
		c := newClient(t, e)
		c.signIn(e.reader)
		code, body := c.get("/payments/" + string(p.ID))
		assert.Equal(t, http.StatusOK, code)
		assert.NotContains(t, body, `id="cancel"`)
		code, _ = c.post("/payments/"+string(p.ID)+"/cancel", nil)
		assert.Equal(t, http.StatusForbidden, code)
		code, _ = c.get("/settings/keys")
		assert.Equal(t, http.StatusForbidden, code)
		code, _ = c.get("/payments/new")
		assert.Equal(t, http.StatusForbidden, code)
	})

	t.Run("revoking a key ends its sessions", func(t *testing.T) {
		victim := e.key(t, "short-lived", payment.ScopeReadWrite)
		c := newClient(t, e)
		_, body := c.signIn(victim)
		require.Contains(t, body, "New payment")
		keys, err := e.store.ListAPIKeys(context.Background(), e.Workspace.ID)
		require.NoError(t, err)
		for _, k := range keys {
			if k.Name == "short-lived" {
				require.NoError(t, e.store.RevokeAPIKey(context.Background(), e.Workspace.ID, k.ID, e.Clock.Now()))
			}
		}
		code, body := c.get("/payments")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "revoked or has expired")
	})
}

func TestPaymentForm(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	_, form := c.get("/payments/new")
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(form)[1]
	valid := func(amount string) url.Values {
		return url.Values{"method": {"bank_transfer"}, "from_account": {string(e.Own.ID)}, "to_account": {string(e.Vendor.ID)},
			"amount": {amount}, "currency": {"TRY"}, "reference": {"INV-77"}, "description": {"<b>bold</b>"}, "token": {token}}
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		field  string
		text   string
	}{
		{"too many decimals", valid("10.001"), http.StatusUnprocessableEntity, "amount-error", "at most 2 decimals"},
		{"decimal comma", valid("10,50"), http.StatusUnprocessableEntity, "amount-error", "with a dot"},
		{"empty amount", valid(""), http.StatusUnprocessableEntity, "amount-error", "Enter an amount"},
		{"zero", valid("0"), http.StatusUnprocessableEntity, "amount-error", "more than zero"},
		{"float trap", valid("0.1e1"), http.StatusUnprocessableEntity, "amount-error", "at most 2 decimals"},
		{"too large", valid("92233720368547758.08"), http.StatusUnprocessableEntity, "amount-error",
			"The amount is too large: the most is 92,233,720,368,547,758.07 TRY."},
		{"same account", func() url.Values { v := valid("1"); v.Set("to_account", string(e.Own.ID)); return v }(),
			http.StatusUnprocessableEntity, "to_account-error", "Must differ from the From account"},
		{"method outside the plan", func() url.Values { v := valid("1"); v.Set("method", "cheque"); return v }(),
			http.StatusUnprocessableEntity, "method-error", "Unknown method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.post("/payments", tc.form)
			assert.Equal(t, tc.status, code)
			assert.Contains(t, body, `id="`+tc.field+`"`)
			assert.Contains(t, body, tc.text)
		})
	}
	t.Run("valid, and a double submit creates one payment", func(t *testing.T) {
		code, body := c.post("/payments", valid("1234567.89"))
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "1,234,567.89 TRY")
		assert.Contains(t, body, "&lt;b&gt;bold&lt;/b&gt;", "descriptions are escaped")
		code, _ = c.post("/payments", valid("1234567.89"))
		assert.Equal(t, http.StatusOK, code)
		pg, err := e.Service.List(context.Background(), e.Workspace.ID, payment.ListFilter{Reference: "INV-77"})
		require.NoError(t, err)
		require.Len(t, pg.Payments, 1)
		assert.Equal(t, int64(123456789), pg.Payments[0].Amount)
	})
}

func TestBatchUpload(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/batch")
	csv := "amount,currency,from_account,to_account,reference\n" +
		"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",B-1\n" +
		"1.001,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",B-2\n"
	code, body := c.upload("/batch", "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "1 created, 1 failed")
	m := regexp.MustCompile(`(?s)<textarea name="csv" hidden>(.*?)</textarea>`).FindStringSubmatch(body)
	require.Len(t, m, 2)
	code, failed := c.post("/batch/failed.csv", url.Values{"csv": {htmlUnescape(m[1])}})
	assert.Equal(t, http.StatusOK, code)
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(csv))
	require.NoError(t, err)
	assert.Equal(t, "amount,currency,from_account,to_account,reference,idempotency_key,error\n"+
		"1.001,TRY,"+string(e.Own.ID)+","+string(e.Vendor.ID)+",B-2,"+dashboard.CSVKeyPrefix(f)+`:2,"amount: ""1.001"" has more than 2 decimal places for TRY"`+"\n",
		failed, "the failed row with the key the uploaded file gives it")

	t.Run("a file that is no payments CSV", func(t *testing.T) {
		code, body := c.upload("/batch", "file", "x.csv", "hello\n")
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, "unknown column")
	})
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestKeysPage(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.admin)
	c.get("/settings/keys")
	code, body := c.post("/settings/keys", url.Values{"name": {"production-erp-integration"}, "scope": {"read-write"},
		"expires": {"2026-12-31"}})
	require.Equal(t, http.StatusOK, code)
	secret := regexp.MustCompile(`id="secret">(ok_[A-Z2-7]+)<`).FindStringSubmatch(body)
	require.Len(t, secret, 2, "the secret is shown once")
	k, err := e.store.GetAPIKeyByHash(context.Background(), payment.HashAPIKey(secret[1]))
	require.NoError(t, err)
	assert.Equal(t, payment.ScopeReadWrite, k.Scope)
	assert.Equal(t, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), k.ExpiresAt)

	_, body = c.get("/settings/keys")
	assert.NotContains(t, body, secret[1], "never shown again")

	code, body = c.post("/settings/keys", url.Values{"name": {""}, "scope": {"root"}, "expires": {"2020-01-01"}})
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, `id="name-error"`)
	assert.Contains(t, body, `id="expires-error"`)
	for _, name := range []string{"erp\x00", strings.Repeat("ş", 101)} {
		code, body = c.post("/settings/keys", url.Values{"name": {name}, "scope": {"read-only"}})
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, "Use at most 100 characters, without control characters.")
	}

	code, body = c.post("/settings/keys/"+k.ID+"/revoke", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "Key revoked")
	_, err = e.store.GetAPIKeyByHash(context.Background(), payment.HashAPIKey(secret[1]))
	require.NoError(t, err)
	k, _ = e.store.GetAPIKeyByHash(context.Background(), payment.HashAPIKey(secret[1]))
	assert.False(t, k.RevokedAt.IsZero())
}

func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	resp, err := http.Get(e.server.URL + "/login")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'")
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
	resp, err = http.Get(e.server.URL + "/assets/style.css")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestCancelReasonIsCutByCharacters: a reason longer than the form allows is cut to 200 characters,
// never inside one (a Turkish "ş" is two bytes), so what the history keeps is valid UTF-8.
func TestCancelReasonIsCutByCharacters(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	p := e.MustCreate(t)
	c := newClient(t, e)
	c.signIn(e.writer)
	reason := "İptal: " + strings.Repeat("ş", 250)
	code, body := c.post("/payments/"+string(p.ID)+"/cancel", url.Values{"reason": {reason}})
	require.Equal(t, http.StatusOK, code, body)
	h, err := e.Service.History(context.Background(), e.Workspace.ID, p.ID)
	require.NoError(t, err)
	got := h[len(h)-1]
	assert.Equal(t, payment.StatusCancelled, got.To)
	assert.True(t, utf8.ValidString(got.Reason))
	assert.Equal(t, []rune(reason)[:200], []rune(got.Reason))
}

// TestSubmitWhoseRailCallFails: Submit moves the payment to processing, then its rail's call fails;
// the page says the payment is processing and will be tried again. A rail error that wraps
// ErrNotFound or ErrConflict (a bank's 404 or 409) showed "not found" for a payment that exists, or
// "someone changed this payment ... try again"; another unclassified one an internal error.
func TestSubmitWhoseRailCallFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"404", fmt.Errorf("bank api: %w", payment.ErrNotFound), "did not finish; it will be tried again."},
		{"409", fmt.Errorf("bank api: request in progress: %w", payment.ErrConflict), "did not finish; it will be tried again."},
		{"timeout", errors.New("bank api: i/o timeout"), "did not finish; it will be tried again."},
		{"temporary", &payment.RailError{Code: "AM04", Temporary: true}, "did not finish (AM04); it will be tried again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rail := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) {
				return payment.RailReceipt{}, tc.err
			}}
			store := memory.New()
			env := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{
				Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}}))
			e := &testEnv{Env: env, store: store}
			e.writer = e.key(t, "writer-key", payment.ScopeReadWrite)
			e.handler = dashboard.New(env.Service, store, dashboard.Options{Clock: env.Clock})
			e.server = httptest.NewServer(e.handler)
			t.Cleanup(e.server.Close)
			c := newClient(t, e)
			c.signIn(e.writer)
			p := env.MustCreate(t)
			code, body := c.post("/payments/"+string(p.ID)+"/submit", nil)
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, "The payment is processing, but handing it to the payment network "+tc.want)
			assert.Equal(t, 1, rail.Attempts(p.ID))
			got, err := env.Service.Get(context.Background(), env.Workspace.ID, p.ID)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusProcessing, got.Status)
		})
	}
}

// TestSendNowOnlyWhereApprovalAllowsIt: a pending payment that the workspace's approval policy holds
// for approval has no Send now button, since Submit refuses it; one below the threshold has, and so
// has the same payment once approved. Before, every pending payment showed the button, and pressing
// it said "Not done: the workspace requires approval".
func TestSendNowOnlyWhereApprovalAllowsIt(t *testing.T) {
	e := newTestEnvWith(t, dashboard.Options{}, nil, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 100_000}}))
	big := e.MustCreate(t, func(r *payment.Request) { r.Amount = 100_000 })
	small := e.MustCreate(t, func(r *payment.Request) { r.Amount = 99_999; r.Reference = "INV-SMALL" })
	c := newClient(t, e)
	c.signIn(e.writer)
	_, body := c.get("/payments/" + string(big.ID))
	assert.NotContains(t, body, `id="send"`, "approval required: Submit refuses it")
	assert.Contains(t, body, `id="approve"`)
	_, body = c.get("/payments/" + string(small.ID))
	assert.Contains(t, body, `id="send"`, "below the threshold")

	_, body = c.post("/payments/"+string(big.ID)+"/approve", nil)
	require.Contains(t, body, "Payment approved.")
	assert.Contains(t, body, `id="send"`)
	_, body = c.post("/payments/"+string(big.ID)+"/submit", nil)
	assert.Contains(t, body, "Payment sent for processing.")
}

// TestApproveUnderMakerChecker: under maker-checker the key that created a payment is not offered
// Approve, which the service refuses it, and the page says another key approves it; another key is
// offered it and its approval goes through. Before, the creator saw the button, and pressing it said
// "Not done: the creator of a payment may not approve it".
func TestApproveUnderMakerChecker(t *testing.T) {
	e := newTestEnvWith(t, dashboard.Options{}, nil, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalRequired, MakerChecker: true}))
	maker := newClient(t, e)
	maker.signIn(e.writer)
	maker.get("/payments/new")
	_, body := maker.post("/payments", url.Values{"method": {"bank_transfer"}, "from_account": {string(e.Own.ID)},
		"to_account": {string(e.Vendor.ID)}, "amount": {"10.00"}, "currency": {"TRY"}, "token": {"maker-checker-token-1"}})
	require.Contains(t, body, "Payment created")
	id := regexp.MustCompile(`<code>(pay_[0-9A-Z]+)</code>`).FindStringSubmatch(body)[1]
	assert.NotContains(t, body, `id="approve"`)
	assert.Contains(t, body, `id="maker-checker"`)
	assert.Contains(t, body, `id="cancel"`, "the creator may still cancel")

	checker := newClient(t, e)
	checker.signIn(e.admin)
	_, body = checker.get("/payments/" + id)
	assert.Contains(t, body, `id="approve"`)
	assert.NotContains(t, body, `id="maker-checker"`)
	_, body = checker.post("/payments/"+id+"/approve", nil)
	assert.Contains(t, body, "Payment approved.")
}

// TestSubmitWhoseRailAnswersAtOnce: Send now on a rail that answers at once says what became of the
// payment: refused for good, it is failed, and the page says so with the network's code and reason;
// settled, it says sent and settled. Before, both said "Payment sent for processing.", as a success,
// beside a failed payment.
func TestSubmitWhoseRailAnswersAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		receipt payment.RailReceipt
		err     error
		status  payment.Status
		want    string
	}{
		{"refused", payment.RailReceipt{}, &payment.RailError{Code: "AC04", Message: "closed account"}, payment.StatusFailed,
			`<div class="flash error" role="status" id="flash">The payment network refused the payment (AC04: closed account): the payment is failed.</div>`},
		{"settled", payment.RailReceipt{Settled: true, Reference: "BANK-1"}, nil, payment.StatusSettled,
			`id="flash">Payment sent and settled.</div>`},
		{"accepted", payment.RailReceipt{Reference: "BANK-1"}, nil, payment.StatusProcessing,
			`id="flash">Payment sent for processing.</div>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rail := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) { return tc.receipt, tc.err }}
			store := memory.New()
			env := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{
				Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}}))
			e := &testEnv{Env: env, store: store}
			e.writer = e.key(t, "writer-key", payment.ScopeReadWrite)
			e.handler = dashboard.New(env.Service, store, dashboard.Options{Clock: env.Clock})
			e.server = httptest.NewServer(e.handler)
			t.Cleanup(e.server.Close)
			c := newClient(t, e)
			c.signIn(e.writer)
			p := env.MustCreate(t)
			code, body := c.post("/payments/"+string(p.ID)+"/submit", nil)
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, tc.want)
			assert.Contains(t, body, `id="status">`+string(tc.status)+`<`)
			got, err := env.Service.Get(context.Background(), env.Workspace.ID, p.ID)
			require.NoError(t, err)
			assert.Equal(t, tc.status, got.Status)
		})
	}
}
