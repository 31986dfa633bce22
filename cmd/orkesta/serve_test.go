package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
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

	t.Run("a busy address is an error", func(t *testing.T) {
		h := newHarness(t)
		base, _, _, _ := startServe(t, h)
		r := h.run("serve", "--addr", strings.TrimPrefix(base, "http://"))
		assert.Equal(t, ExitError, r.code)
		assert.Contains(t, r.stderr, "listen on")
	})
}
