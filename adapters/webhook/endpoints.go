package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// SecretPrefix starts every generated endpoint secret.
const SecretPrefix = "whsec_"

// validate checks the request; every problem is a *payment.ValidationError (errors.Is ErrInvalid).
func (d *Dispatcher) validate(r *payment.WebhookEndpointRequest) error {
	var errs []error
	bad := func(field, reason string) {
		errs = append(errs, &payment.ValidationError{Field: field, Reason: reason})
	}
	u, err := url.Parse(strings.TrimSpace(r.URL))
	switch {
	case r.URL == "":
		bad("url", "is required")
	case err != nil || u.Host == "":
		bad("url", "is not an absolute URL")
	case u.User != nil:
		bad("url", "must not carry credentials")
	case u.Scheme != "https" && (u.Scheme != "http" || !d.opts.AllowHTTP):
		bad("url", "must use https")
	case d.guarded:
		if reason := notPublicHost(u.Hostname()); reason != "" {
			bad("url", reason)
		}
	}
	if err := payment.CheckText("description", r.Description, maxNote); err != nil {
		errs = append(errs, err)
	}
	for _, t := range r.Events {
		if !slices.Contains(payment.EventTypes(), t) {
			bad("events", "unknown event type "+strings.ReplaceAll(string(t), "\n", " "))
		}
	}
	return errors.Join(errs...)
}

// notPublicHost says why a URL's host that names its address outright (an IP literal, localhost) is
// not on the public internet, or "" when it is or names a host by another name (which the
// dispatcher's client checks when it connects).
func notPublicHost(host string) string {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "names this machine (localhost); endpoints must be on the public internet"
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		var ae *AddressError
		if errors.As(CheckAddress(addr), &ae) {
			return "is " + ae.reason()
		}
	}
	return ""
}

// maxNote caps a person's note on an endpoint (its description, why it was disabled), in characters.
const maxNote = 200

// newSecret returns a random secret: SecretPrefix and 32 random bytes in hex.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return SecretPrefix + hex.EncodeToString(b[:])
}

// CreateEndpoint registers an endpoint with a new random secret and returns it (the only time the
// secret is handed out apart from RotateSecret). It receives events that occur from now on.
func (d *Dispatcher) CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r payment.WebhookEndpointRequest) (payment.WebhookEndpoint, error) {
	if err := d.validate(&r); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	now := d.opts.Clock.Now().UTC().Truncate(time.Microsecond)
	e := payment.WebhookEndpoint{
		ID: payment.PrefixWebhookEndpoint + d.opts.IDs.NewULID(now), Workspace: ws, URL: strings.TrimSpace(r.URL),
		Description: r.Description, Events: slices.Clone(r.Events), Secret: newSecret(), CreatedAt: now,
	}
	if err := d.store.CreateWebhookEndpoint(ctx, e); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return e, nil
}

// UpdateEndpoint applies change to the endpoint's URL, description and event filter as they are, and
// stores the result once it validates: a caller changes only what it was given.
//
// Changes to one endpoint do not overwrite each other: when another change (or a rotated secret)
// is stored between the read and the write, the endpoint is read again and change applied to it,
// a few times before the conflict is returned.
func (d *Dispatcher) UpdateEndpoint(ctx context.Context, ws payment.WorkspaceID, id string,
	change func(*payment.WebhookEndpointRequest)) (payment.WebhookEndpoint, error) {
	return d.changeEndpoint(ctx, ws, id, func(e *payment.WebhookEndpoint) error {
		r := payment.WebhookEndpointRequest{URL: e.URL, Description: e.Description, Events: slices.Clone(e.Events)}
		change(&r)
		if err := d.validate(&r); err != nil {
			return err
		}
		e.URL, e.Description, e.Events = strings.TrimSpace(r.URL), r.Description, slices.Clone(r.Events)
		return nil
	})
}

// changeAttempts is how many times changeEndpoint reads and writes an endpoint that keeps changing
// under it before it gives up with ErrConflict.
const changeAttempts = 5

// changeEndpoint reads the endpoint, lets fn change it and stores the result unless the stored
// endpoint changed meanwhile, in which case it starts again.
func (d *Dispatcher) changeEndpoint(ctx context.Context, ws payment.WorkspaceID, id string,
	fn func(*payment.WebhookEndpoint) error) (payment.WebhookEndpoint, error) {
	for attempt := 1; ; attempt++ {
		old, err := d.store.GetWebhookEndpoint(ctx, ws, id)
		if err != nil {
			return payment.WebhookEndpoint{}, err
		}
		e := old
		e.Events = slices.Clone(old.Events)
		if err := fn(&e); err != nil {
			return payment.WebhookEndpoint{}, err
		}
		err = d.store.UpdateWebhookEndpoint(ctx, old, e)
		switch {
		case err == nil:
			return e, nil
		case !errors.Is(err, payment.ErrConflict) || attempt == changeAttempts:
			return payment.WebhookEndpoint{}, err
		}
	}
}

// RotateSecret gives an endpoint a new secret and returns the endpoint with it. Deliveries sent from
// then on are signed with the new secret.
func (d *Dispatcher) RotateSecret(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return d.changeEndpoint(ctx, ws, id, func(e *payment.WebhookEndpoint) error {
		e.Secret = newSecret()
		return nil
	})
}

// DisableEndpoint stops deliveries to an endpoint, with the operator's reason (checked as a
// description is), and returns the endpoint as it is now.
func (d *Dispatcher) DisableEndpoint(ctx context.Context, ws payment.WorkspaceID, id, reason string) (payment.WebhookEndpoint, error) {
	if err := payment.CheckText("reason", reason, maxNote); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return d.setDisabled(ctx, ws, id, true, reason)
}

// EnableEndpoint re-enables an endpoint (disabled by hand or after its retries ran out) and returns
// it. Deliveries that were pending when it was disabled resume; events that occurred while it was
// disabled are not delivered.
func (d *Dispatcher) EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return d.setDisabled(ctx, ws, id, false, "")
}

func (d *Dispatcher) setDisabled(ctx context.Context, ws payment.WorkspaceID, id string, disabled bool, reason string) (payment.WebhookEndpoint, error) {
	if err := d.store.SetWebhookEndpointDisabled(ctx, ws, id, disabled, d.opts.Clock.Now(), reason); err != nil {
		return payment.WebhookEndpoint{}, err
	}
	return d.store.GetWebhookEndpoint(ctx, ws, id)
}

// DeleteEndpoint removes an endpoint and its pending deliveries.
func (d *Dispatcher) DeleteEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error {
	return d.store.DeleteWebhookEndpoint(ctx, ws, id)
}

// Endpoint returns one of a workspace's endpoints.
func (d *Dispatcher) Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	return d.store.GetWebhookEndpoint(ctx, ws, id)
}

// Endpoints lists a workspace's endpoints, oldest first.
func (d *Dispatcher) Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	return d.store.ListWebhookEndpoints(ctx, ws)
}

// Deliveries lists an endpoint's deliveries, newest first (limit 0: all).
func (d *Dispatcher) Deliveries(ctx context.Context, ws payment.WorkspaceID, endpointID string, limit int) ([]payment.WebhookDelivery, error) {
	if _, err := d.store.GetWebhookEndpoint(ctx, ws, endpointID); err != nil {
		return nil, err
	}
	return d.store.ListWebhookDeliveries(ctx, ws, endpointID, limit)
}

// SendTest sends one signed event of type t with made-up data to an endpoint, once, now, whether the
// endpoint is enabled or not, and reports the answer. Nothing is stored or retried.
func (d *Dispatcher) SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (payment.WebhookTest, error) {
	if !slices.Contains(payment.EventTypes(), t) {
		return payment.WebhookTest{}, &payment.ValidationError{Field: "type", Reason: "unknown event type"}
	}
	ep, err := d.store.GetWebhookEndpoint(ctx, ws, id)
	if err != nil {
		return payment.WebhookTest{}, err
	}
	now := d.opts.Clock.Now()
	e := payment.Event{ID: payment.PrefixEvent + d.opts.IDs.NewULID(now), Type: t, Workspace: ws, OccurredAt: now,
		Data: json.RawMessage(`{"test":true}`)}
	body, err := envelope(&e, now, 1)
	if err != nil {
		return payment.WebhookTest{}, err
	}
	code, err := d.post(ctx, &ep, &e, body)
	return payment.WebhookTest{EventID: e.ID, StatusCode: code, Err: err}, nil
}
