package webhook_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "whsec_test"

var sentAt = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func signedBody(t testing.TB, ts time.Time) []byte {
	body, err := json.Marshal(webhook.Envelope{ID: "evt_01JABC", Type: "payment.settled", Workspace: "ws_1",
		OccurredAt: ts, Timestamp: ts.Unix(), Attempt: 1, Data: json.RawMessage(`{"id":"pay_1"}`)})
	require.NoError(t, err)
	return body
}

func TestVerify(t *testing.T) {
	body := signedBody(t, sentAt)
	sig := webhook.Sign(secret, body)
	tests := []struct {
		name      string
		secret    string
		body      []byte
		header    string
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", secret, body, sig, sentAt.Add(time.Minute), 5 * time.Minute, nil},
		{"sha256= prefix", secret, body, "sha256=" + sig, sentAt, 5 * time.Minute, nil},
		{"upper-case hex", secret, body, strings.ToUpper(sig), sentAt, 5 * time.Minute, nil},
		{"at the edge of the tolerance", secret, body, sig, sentAt.Add(5 * time.Minute), 5 * time.Minute, nil},
		{"no tolerance check", secret, body, sig, sentAt.Add(1000 * time.Hour), 0, nil},
		{"wrong secret", "whsec_other", body, sig, sentAt, 5 * time.Minute, webhook.ErrSignature},
		{"tampered body", secret, []byte(strings.Replace(string(body), "pay_1", "pay_2", 1)), sig, sentAt, 5 * time.Minute, webhook.ErrSignature},
		{"missing header", secret, body, "", sentAt, 5 * time.Minute, webhook.ErrSignature},
		{"not hex", secret, body, "zz" + sig[2:], sentAt, 5 * time.Minute, webhook.ErrSignature},
		{"truncated", secret, body, sig[:62], sentAt, 5 * time.Minute, webhook.ErrSignature},
		{"replayed later", secret, body, sig, sentAt.Add(5*time.Minute + time.Second), 5 * time.Minute, webhook.ErrTimestamp},
		{"from the future", secret, body, sig, sentAt.Add(-6 * time.Minute), 5 * time.Minute, webhook.ErrTimestamp},
		{"signed but not json", secret, []byte("hello"), webhook.Sign(secret, []byte("hello")), sentAt, 0, webhook.ErrPayload},
		{"signed but empty envelope", secret, []byte("{}"), webhook.Sign(secret, []byte("{}")), sentAt, 0, webhook.ErrPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := webhook.Verify(tc.secret, tc.body, tc.header, tc.now, tc.tolerance)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				assert.Empty(t, env.ID)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "evt_01JABC", env.ID)
			assert.Equal(t, sentAt.Unix(), env.Timestamp)
			assert.JSONEq(t, `{"id":"pay_1"}`, string(env.Data))
		})
	}
}

func TestSignIsHexHMACSHA256(t *testing.T) {
	// RFC 4231 test case 2.
	assert.Equal(t, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		webhook.Sign("Jefe", []byte("what do ya want for nothing?")))
}

func FuzzVerify(f *testing.F) {
	body := signedBody(f, sentAt)
	f.Add(body, webhook.Sign(secret, body))
	f.Add([]byte("{}"), webhook.Sign(secret, []byte("{}")))
	f.Add([]byte(`{"id":"x","type":"t","timestamp":-9223372036854775808}`), "sha256=00")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		env, err := webhook.Verify(secret, body, header, sentAt, time.Hour)
		if err != nil {
			return
		}
		// Anything accepted was signed with the secret and names an event.
		assert.Equal(t, webhook.Sign(secret, body), strings.ToLower(strings.TrimPrefix(strings.TrimSpace(header), "sha256=")))
		assert.NotEmpty(t, env.ID)
	})
}
