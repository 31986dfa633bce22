package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestServePostgresSharesIdempotency: two serve instances on one PostgreSQL database
// (ORKESTA_TEST_POSTGRES) share the API's idempotency records: the same Idempotency-Key sent to both
// creates one API key, and the second instance replays the first one's answer. The test has a
// workspace of its own, so it can share the database with other tests and runs.
func TestServePostgresSharesIdempotency(t *testing.T) {
	dsn := os.Getenv("ORKESTA_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("ORKESTA_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ulids := payment.NewULIDSource()
	ws := "ws_" + ulids.NewULID(time.Now())
	admin := "ok_" + ulids.NewULID(time.Now()) // a secret of this run: api key hashes are unique in the database
	h := newHarness(t)
	h.files = true
	h.clock = paymenttest.NewClock(time.Now().UTC()) // ids made from it differ from earlier runs'
	h.env["ORKESTA_API_KEY"] = admin
	args := []string{"--postgres", dsn, "--workspace", ws, "--no-demo"}
	a, _, aErr, stopA := startServe(t, h, args...)
	b, _, bErr, stopB := startServe(t, h, args...)

	post := func(base, key string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/v1/api_keys", strings.NewReader(`{"name":"ci","scope":"read-only"}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(body)
	}
	code, hdr, first := post(a, "create-ci-key")
	require.Equal(t, http.StatusCreated, code, first)
	assert.Empty(t, hdr.Get("Idempotent-Replayed"))
	code, hdr, again := post(b, "create-ci-key")
	require.Equal(t, http.StatusCreated, code, again)
	assert.Equal(t, "true", hdr.Get("Idempotent-Replayed"), "the other instance replays")
	assert.Equal(t, first, again, "the first answer, byte for byte")

	code, body := get(t, b+"/v1/api_keys", admin)
	require.Equal(t, http.StatusOK, code, body)
	var list struct {
		Data []struct{ Name string } `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	var names []string
	for _, k := range list.Data {
		names = append(names, k.Name)
	}
	assert.ElementsMatch(t, []string{"bootstrap", "ci"}, names, "one key created")

	// Another key is another request, on either instance.
	code, _, _ = post(b, "create-ci-key-2")
	assert.Equal(t, http.StatusCreated, code)
	assert.Equal(t, ExitOK, stopA(), aErr.String())
	assert.Equal(t, ExitOK, stopB(), bErr.String())
}
