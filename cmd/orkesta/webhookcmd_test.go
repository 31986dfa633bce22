package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/webhook"
)

// TestWebhooksCommands: endpoints are created (the secret printed once), listed without secrets,
// tested against a receiver that verifies the signature, disabled, enabled, given a new secret and
// deleted, all from the command line.
func TestWebhooksCommands(t *testing.T) {
	h := newHarness(t).served(t)
	var (
		mu       sync.Mutex
		secret   string
		verified []string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		env, err := webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), h.clock.Now(), webhook.DefaultTolerance)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		verified = append(verified, string(env.Type))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	setSecret := func(s string) { mu.Lock(); secret = s; mu.Unlock() }

	r := h.run("webhooks", "create", "--url", "https://erp.example.com/hooks/orkesta", "--description", "ERP")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Regexp(t, `events:\s+all`, r.stdout)
	assert.Regexp(t, `secret:\s+whsec_[0-9a-f]{64}`, r.stdout)
	assert.Contains(t, r.stdout, "shown only this once")

	r = h.run("webhooks", "create", "--url", receiver.URL+"/hook", "--event", "payment.settled,payment.failed", "--event", "payment.settled")
	assert.Equal(t, ExitError, r.code, "plain HTTP needs --allow-http")
	assert.Contains(t, r.stderr, "must use https")
	r = h.run("webhooks", "create", "--url", receiver.URL+"/hook", "--event", "payment.settled", "--allow-http")
	assert.Equal(t, ExitError, r.code, "a receiver on this machine needs --allow-private")
	assert.Contains(t, r.stderr, "is a loopback address; endpoints must be on the public internet")
	r = h.run("webhooks", "create", "--url", receiver.URL+"/hook", "--event", "payment.settled,payment.failed",
		"--event", "payment.settled", "--allow-http", "--allow-private", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	var ep struct {
		ID     string   `json:"id"`
		Events []string `json:"events"`
		Secret string   `json:"secret"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ep))
	assert.Equal(t, []string{"payment.settled", "payment.failed"}, ep.Events)
	setSecret(ep.Secret)

	r = h.run("webhooks", "list")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "https://erp.example.com/hooks/orkesta")
	assert.Contains(t, r.stdout, "payment.settled, payment.failed")
	assert.NotContains(t, r.stdout, "whsec_", "secrets are never listed")

	r = h.run("webhooks", "update", ep.ID, "--description", "ERP, test system")
	assert.Equal(t, ExitError, r.code, "the http:// URL is checked again")
	r = h.run("webhooks", "update", ep.ID, "--description", "ERP, test system", "--allow-http", "--allow-private")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Regexp(t, `events:\s+payment.settled, payment.failed`, r.stdout, "what is not given stays")
	assert.Regexp(t, `description:\s+ERP, test system`, r.stdout)
	r = h.run("webhooks", "update", ep.ID, "--event", "all", "--allow-http", "--allow-private")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Regexp(t, `events:\s+all`, r.stdout)
	r = h.run("webhooks", "update", ep.ID, "--url", "ftp://x")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "url")

	r = h.run("webhooks", "test", ep.ID, "--type", "payment.failed")
	assert.Equal(t, ExitError, r.code, "the receiver is on this machine")
	assert.Contains(t, r.stderr, "is a loopback address")
	r = h.run("webhooks", "test", ep.ID, "--type", "payment.failed", "--allow-private")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "the endpoint answered 204")

	r = h.run("webhooks", "disable", ep.ID, "--reason", "ERP maintenance")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Regexp(t, `state:\s+disabled: ERP maintenance`, r.stdout)
	r = h.run("webhooks", "enable", ep.ID)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Regexp(t, `state:\s+enabled`, r.stdout)

	r = h.run("webhooks", "rotate-secret", ep.ID)
	require.Equal(t, ExitOK, r.code, r.stderr)
	rotated := regexp.MustCompile(`secret:\s+(whsec_[0-9a-f]{64})`).FindStringSubmatch(r.stdout)
	require.Len(t, rotated, 2)
	assert.NotEqual(t, ep.Secret, rotated[1])
	r = h.run("webhooks", "test", ep.ID, "--allow-private")
	assert.Equal(t, ExitError, r.code, "signed with the new secret, which the receiver does not know yet")
	assert.Contains(t, r.stderr, "did not accept the test event")
	setSecret(rotated[1])
	r = h.run("webhooks", "test", ep.ID, "-o", "json", "--allow-private")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"delivered": true`)
	mu.Lock()
	assert.Equal(t, []string{"payment.failed", "payment.settled"}, verified)
	mu.Unlock()

	r = h.run("webhooks", "deliveries", ep.ID)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "LAST ANSWER")

	r = h.run("webhooks", "delete", ep.ID)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "deleted "+ep.ID)
	r = h.run("webhooks", "list", "-o", "json")
	assert.NotContains(t, r.stdout, ep.ID)
	r = h.run("webhooks", "delete", ep.ID)
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "not found")

	for _, args := range [][]string{
		{"webhooks", "create"},
		{"webhooks", "create", "--url", "https://x.example.com/", "--event", "payment.reconciled"},
		{"webhooks", "test", "key_01"},
		{"webhooks", "test", ep.ID, "--type", "payment.exploded"},
		{"webhooks", "deliveries", ep.ID, "--limit", "0"},
		{"webhooks", "update", ep.ID},
		{"webhooks", "update", ep.ID, "--event", "payment.reconciled"},
	} {
		assert.Equal(t, ExitUsage, h.run(args...).code, "%v", args)
	}
}
