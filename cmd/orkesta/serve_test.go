package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// syncBuffer is a bytes.Buffer safe to write from the server while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `orkesta serve` in-process on a free port and returns its base URL; cancel stops it
// and waits for the exit code.
func startServe(t *testing.T, h *harness, args ...string) (base string, stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	c := h.cli(strings.NewReader(""), stdout, stderr)
	addr := make(chan string, 1)
	c.onListen = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-done:
		cancel()
		t.Fatalf("serve exited with %d:\n%s", code, stderr.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			code = <-done
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return base, stdout, stderr, stop
}

// serveExit runs serve, which must stop before it listens, and returns its exit code and stderr.
func serveExit(t *testing.T, h *harness, args ...string) (int, string) {
	t.Helper()
	stderr := &syncBuffer{}
	c := h.cli(strings.NewReader(""), &syncBuffer{}, stderr)
	listening := make(chan struct{}, 1)
	c.onListen = func(string) { listening <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	select {
	case code := <-done:
		return code, stderr.String()
	case <-listening:
		cancel()
		<-done
		t.Fatalf("serve started:\n%s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve neither started nor stopped")
	}
	return 0, ""
}

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	return send(t, http.MethodGet, url, key, "", "")
}

func TestServe(t *testing.T) {
	t.Run("first start creates the workspace, an admin key printed once and demo accounts", func(t *testing.T) {
		h := newHarness(t)
		base, stdout, stderr, stop := startServe(t, h)
		code, body := get(t, base+"/healthz", "")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, "ok\n", body)
		assert.Contains(t, stdout.String(), "ok_TESTSECRET00000000000000000001", "the admin key is printed")
		code, body = get(t, base+"/v1/accounts", "ok_TESTSECRET00000000000000000001")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "Operating Account")
		code, _ = get(t, base+"/v1/accounts", "")
		assert.Equal(t, http.StatusUnauthorized, code)
		code, body = get(t, base+"/login", "")
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "Sign in to Orkesta")
		assert.Equal(t, ExitOK, stop(), "a cancelled context is a clean shutdown")
		assert.Contains(t, stderr.String(), "shutting down")
		assert.Contains(t, stderr.String(), "msg=stopped")

		// A restart on the same database reuses the workspace and prints no new key.
		_, stdout2, _, stop2 := startServe(t, h)
		assert.NotContains(t, stdout2.String(), "ok_TESTSECRET")
		assert.Equal(t, ExitOK, stop2())
		accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
		require.NoError(t, err)
		assert.Len(t, accounts, len(demoAccounts()), "demo accounts are created once")
	})

	t.Run("a restart without --no-demo adds no demo accounts to a database that started without them", func(t *testing.T) {
		h := newHarness(t)
		_, _, _, stop := startServe(t, h, "--no-demo")
		require.Equal(t, ExitOK, stop())
		_, _, _, stop = startServe(t, h)
		require.Equal(t, ExitOK, stop())
		accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
		require.NoError(t, err)
		assert.Empty(t, accounts)
	})

	t.Run("--approval required on a database whose workspace sends without approval refuses to start", func(t *testing.T) {
		// The flag shapes a new workspace only: starting as asked would send every payment at once
		// while the operator believes each waits for an approver.
		h := newHarness(t)
		_, _, _, stop := startServe(t, h, "--no-demo")
		require.Equal(t, ExitOK, stop())
		code, stderr := serveExit(t, h, "--no-demo", "--approval", "required")
		require.Equal(t, ExitUsage, code, stderr)
		assert.Contains(t, stderr, "--approval required: workspace "+string(defaultWorkspace)+" sends payments without approval")

		// The other way round payments wait for an approver anyway: a warning, and it starts.
		h = newHarness(t)
		_, _, _, stop = startServe(t, h, "--no-demo", "--approval", "required")
		require.Equal(t, ExitOK, stop())
		_, _, warned, stop := startServe(t, h, "--no-demo", "--approval", "none")
		require.Equal(t, ExitOK, stop())
		assert.Contains(t, warned.String(), "shape a new workspace only")
	})

	t.Run("a first start that stopped before storing its key still gets the demo accounts", func(t *testing.T) {
		h := newHarness(t)
		h.env["ORKESTA_API_KEY"] = "short"
		r := h.run("serve", "--addr", "127.0.0.1:0")
		require.Equal(t, ExitUsage, r.code, r.stderr)
		delete(h.env, "ORKESTA_API_KEY")
		_, _, _, stop := startServe(t, h)
		require.Equal(t, ExitOK, stop())
		accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
		require.NoError(t, err)
		assert.Len(t, accounts, len(demoAccounts()))
	})

	t.Run("ORKESTA_API_KEY seeds the admin key; --no-demo skips the demo accounts", func(t *testing.T) {
		h := newHarness(t)
		h.env["ORKESTA_API_KEY"] = "ok_SEEDEDKEYFORSCRIPTS0001"
		base, stdout, _, stop := startServe(t, h, "--no-demo")
		assert.NotContains(t, stdout.String(), "ok_", "a seeded key is not printed")
		code, body := get(t, base+"/v1/accounts", "ok_SEEDEDKEYFORSCRIPTS0001")
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, "[]", strings.TrimSpace(body))
		assert.Equal(t, ExitOK, stop())
	})

	t.Run("--mapping: a bank's export the presets do not read uploads into a run", func(t *testing.T) {
		h := newHarness(t)
		base, _, _, stop := startServe(t, h, "--mapping", "testdata/custom.mapping.json")
		defer stop()
		key := "ok_TESTSECRET00000000000000000001"
		accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
		require.NoError(t, err)
		var own string
		for _, a := range accounts {
			if a.Currency == "TRY" && a.Type == payment.AccountInternal {
				own = string(a.ID)
				break
			}
		}
		require.NotEmpty(t, own)
		code, body := send(t, "POST", base+"/v1/reconciliation/runs", key, "application/json",
			`{"account":"`+own+`","from":"2026-01-01","to":"2026-01-31"}`)
		require.Equal(t, http.StatusCreated, code, body)
		id := regexp.MustCompile(`"id":"(run_[^"]+)"`).FindStringSubmatch(body)
		require.Len(t, id, 2, body)
		file, err := os.ReadFile("testdata/custom.csv")
		require.NoError(t, err)
		code, body = send(t, "POST", base+"/v1/reconciliation/runs/"+id[1]+"/statements", key,
			"application/octet-stream", string(file))
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"format":"csv"`)
		assert.Contains(t, body, `"added":2`)
	})

	t.Run("a mapping file that does not read stops the start", func(t *testing.T) {
		h := newHarness(t)
		r := h.run("serve", "--addr", "127.0.0.1:0", "--mapping", "testdata/accounts.csv")
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.stderr, "testdata/accounts.csv")
		accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
		require.NoError(t, err)
		assert.Empty(t, accounts, "nothing was created")
	})

	t.Run("a busy address is an error", func(t *testing.T) {
		h := newHarness(t)
		base, _, _, _ := startServe(t, h)
		r := h.run("serve", "--addr", strings.TrimPrefix(base, "http://"))
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.stderr, "listen on")
	})
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// browse is a cookie-keeping client for the dashboard that remembers the last CSRF token it saw.
type browse struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string
}

func (b *browse) do(method, path string, form url.Values) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf", b.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := csrfField.FindSubmatch(out); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(out)
}

// TestServeWebhooks adds an endpoint in the dashboard of a running server, creates a payment through
// the API and waits for the signed delivery.
func TestServeWebhooks(t *testing.T) {
	got := make(chan *http.Request, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	h := newHarness(t)
	h.env["ORKESTA_API_KEY"] = "ok_SEEDEDKEYFORWEBHOOKTEST1"
	base, _, _, stop := startServe(t, h, "--webhook-allow-http", "--webhook-allow-private") // the receiver is on loopback
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browse{t: t, c: &http.Client{Jar: jar}, base: base}
	b.do(http.MethodGet, "/login", nil)
	code, body := b.do(http.MethodPost, "/login", url.Values{"api_key": {"ok_SEEDEDKEYFORWEBHOOKTEST1"}})
	require.Equal(t, http.StatusOK, code, body)
	b.do(http.MethodGet, "/integrations/webhooks", nil)
	code, body = b.do(http.MethodPost, "/integrations/webhooks", url.Values{"url": {receiver.URL + "/hook"}, "all": {"1"}})
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "whsec_")

	accounts, err := h.store.ListAccounts(context.Background(), defaultWorkspace)
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/payments", strings.NewReader(fmt.Sprintf(
		`{"amount":5000,"currency":"TRY","method":"bank_transfer","from_account":%q,"to_account":%q,"reference":"INV-1"}`,
		accounts[0].ID, accounts[2].ID)))
	req.Header.Set("Authorization", "Bearer ok_SEEDEDKEYFORWEBHOOKTEST1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	select {
	case r := <-got:
		assert.NotEmpty(t, r.Header.Get("X-Signature-256"))
		assert.Equal(t, "/hook", r.URL.Path)
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook delivery within 20s")
	}
	assert.Equal(t, ExitOK, stop())
}

// send makes a request with a body and returns the status and the body of the answer.
func send(t *testing.T, method, url, key, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}

// boolFlagCase is one way of giving, or not giving, a boolean serve flag, and the value it comes to.
type boolFlagCase struct {
	name string
	args []string
	env  map[string]string
	want bool
}

// boolFlagCases are the cases of a boolean serve flag and its environment variable: off by default,
// on with the flag or with the variable, and the flag winning over the variable.
func boolFlagCases(flag, env string) []boolFlagCase {
	return []boolFlagCase{
		{name: "off by default"},
		{name: flag, args: []string{flag}, want: true},
		{name: env, env: map[string]string{env: "true"}, want: true},
		{name: "the flag wins", args: []string{flag + "=false"}, env: map[string]string{env: "1"}},
	}
}

// badBoolEnv checks that a value of env that is not a boolean stops serve with a usage error.
func badBoolEnv(t *testing.T, env, value string) {
	t.Helper()
	h := newHarness(t)
	h.env[env] = value
	// --plan bogus stops, instead of running on, a serve that would not read the variable.
	r := h.run("serve", "--addr", "127.0.0.1:0", "--plan", "bogus")
	assert.Equal(t, ExitUsage, r.code)
	assert.Contains(t, r.stderr, env+"="+strconv.Quote(value)+": want true or false")
}

// TestServeSecureCookies: --secure-cookies (or ORKESTA_SECURE_COOKIES) marks the dashboard's cookies,
// the session's among them, Secure.
func TestServeSecureCookies(t *testing.T) {
	for _, tc := range boolFlagCases("--secure-cookies", "ORKESTA_SECURE_COOKIES") {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			const key = "ok_SEEDEDKEYFORSECURECOOKIE"
			h.env["ORKESTA_API_KEY"] = key
			maps.Copy(h.env, tc.env)
			base, _, _, stop := startServe(t, h, append([]string{"--no-demo"}, tc.args...)...)
			login, session := signIn(t, base, key)
			assert.Equal(t, tc.want, login.Secure, "the sign-in form's cookie")
			assert.Equal(t, tc.want, session.Secure, "the session cookie")
			assert.Equal(t, tc.want, strings.HasPrefix(session.Name, "__Host-"), "a Secure cookie is a __Host- one: %s", session.Name)
			assert.True(t, session.HttpOnly)
			resp, err := http.Get(base + "/login")
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, tc.want, resp.Header.Get("Strict-Transport-Security") != "", "HSTS only with secure cookies")
			assert.Equal(t, ExitOK, stop())
		})
	}
	t.Run("a value that is not a boolean is a usage error", func(t *testing.T) {
		badBoolEnv(t, "ORKESTA_SECURE_COOKIES", "on")
	})
}

// signIn signs in to the dashboard at base with key, keeping the cookies by hand (a cookie jar keeps
// Secure cookies off plain HTTP), and returns the sign-in form's cookie and the session cookie
// (named with the __Host- prefix or without).
func signIn(t *testing.T, base, key string) (login, session *http.Cookie) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cookie := func(resp *http.Response, name string) *http.Cookie {
		for _, ck := range resp.Cookies() {
			if strings.TrimPrefix(ck.Name, "__Host-") == name {
				return ck
			}
		}
		t.Fatalf("no %s cookie in %v", name, resp.Header.Values("Set-Cookie"))
		return nil
	}
	resp, err := c.Get(base + "/login")
	require.NoError(t, err)
	page, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	login = cookie(resp, "orkesta_login")
	csrf := csrfField.FindSubmatch(page)
	require.NotNil(t, csrf, "the sign-in form has a CSRF token")
	req, err := http.NewRequest(http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"api_key": {key}, "csrf": {string(csrf[1])}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: login.Name, Value: login.Value})
	resp, err = c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed in")
	return login, cookie(resp, "orkesta_session")
}
