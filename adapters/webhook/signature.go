package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Header names of a delivery.
const (
	// SignatureHeader carries the hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret.
	SignatureHeader = "X-Signature-256"
	// EventIDHeader and EventTypeHeader repeat the envelope's id and type for routing and logs; only
	// the body is signed.
	EventIDHeader   = "X-Event-Id"
	EventTypeHeader = "X-Event-Type"
)

// DefaultTolerance is how far a delivery's timestamp may be from the receiver's clock in Verify's
// examples and the package documentation's advice.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	// ErrSignature: the signature header is missing, malformed, or does not match the body.
	ErrSignature = errors.New("webhook: signature does not match")
	// ErrTimestamp: the signed timestamp is further from now than the tolerance (a replay, or a
	// clock far off).
	ErrTimestamp = errors.New("webhook: timestamp outside the tolerance")
	// ErrPayload: the body is signed correctly but is not an envelope.
	ErrPayload = errors.New("webhook: malformed payload")
)

// Envelope is the JSON body of every delivery.
type Envelope struct {
	// ID is the event's id (evt_…): the same on every retry of the event, so a receiver drops repeats.
	ID         string              `json:"id"`
	Type       payment.EventType   `json:"type"`
	Workspace  payment.WorkspaceID `json:"workspace_id"`
	OccurredAt time.Time           `json:"occurred_at"`
	// Timestamp is when this attempt was sent, in Unix seconds. It is inside the signed body, so an
	// old delivery replayed later fails Verify's tolerance check.
	Timestamp int64 `json:"timestamp"`
	// Attempt counts from 1 for the event's first delivery attempt to this endpoint.
	Attempt int `json:"attempt"`
	// Data is the payment right after the change (payment.* events) or the event's own payload
	// (reconciliation.completed: the run summary).
	Data json.RawMessage `json:"data"`
}

// Sign returns the value of the X-Signature-256 header for body: hex HMAC-SHA256 keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a delivery as a receiver gets it: header is the X-Signature-256 value (a "sha256="
// prefix is accepted), body the raw request body, now the receiver's clock. The signature is compared
// in constant time before the body is parsed; then the signed timestamp must be within tolerance of
// now (tolerance ≤ 0 skips that check, which leaves replays possible). It returns the envelope; the
// receiver should still drop event ids it has already handled.
func Verify(secret string, body []byte, header string, now time.Time, tolerance time.Duration) (Envelope, error) {
	h := strings.TrimPrefix(strings.TrimSpace(header), "sha256=")
	got, err := hex.DecodeString(h)
	if err != nil || len(got) != sha256.Size {
		return Envelope{}, ErrSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return Envelope{}, ErrSignature
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	if env.ID == "" || env.Type == "" || env.Timestamp == 0 {
		return Envelope{}, fmt.Errorf("%w: id, type and timestamp are required", ErrPayload)
	}
	if tolerance > 0 {
		sent := time.Unix(env.Timestamp, 0)
		if d := now.Sub(sent); d > tolerance || d < -tolerance {
			return Envelope{}, fmt.Errorf("%w: sent %s, now %s (tolerance %s)", ErrTimestamp,
				sent.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), tolerance)
		}
	}
	return env, nil
}
