package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// WebhookEndpoint is a webhook endpoint as the API returns it. Secret is set only in the answers that
// create the endpoint or rotate its secret.
type WebhookEndpoint struct {
	ID          string              `json:"id"`
	URL         string              `json:"url"`
	Description string              `json:"description"`
	Events      []payment.EventType `json:"events"` // empty: every event type
	Disabled    bool                `json:"disabled"`
	// DisabledAt and DisabledReason say when and why, while the endpoint is disabled.
	DisabledAt     time.Time `json:"disabled_at,omitzero"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	Secret         string    `json:"secret,omitempty"`
}

func webhookEndpointOf(e *payment.WebhookEndpoint) WebhookEndpoint {
	events := e.Events
	if events == nil {
		events = []payment.EventType{}
	}
	return WebhookEndpoint{ID: e.ID, URL: e.URL, Description: e.Description, Events: events, Disabled: e.Disabled,
		DisabledAt: e.DisabledAt.UTC(), DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt.UTC()}
}

// WebhookEndpointList is the workspace's endpoints, oldest first.
type WebhookEndpointList struct {
	Data []WebhookEndpoint `json:"data"`
}

// WebhookEndpointDeleted is the answer to DELETE /v1/webhook_endpoints/{id}.
type WebhookEndpointDeleted struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted"`
}

// WebhookDelivery is one event on its way to one endpoint, with the outcome of its last attempt.
type WebhookDelivery struct {
	ID         string                 `json:"id"`
	EndpointID string                 `json:"endpoint_id"`
	EventID    string                 `json:"event_id"`
	EventType  payment.EventType      `json:"event_type"`
	Status     payment.DeliveryStatus `json:"status"`
	Attempts   int                    `json:"attempts"`
	// NextAttemptAt is when a pending delivery is tried (again).
	NextAttemptAt  time.Time `json:"next_attempt_at,omitzero"`
	FirstFailedAt  time.Time `json:"first_failed_at,omitzero"`
	LastAttemptAt  time.Time `json:"last_attempt_at,omitzero"`
	LastStatusCode int       `json:"last_status_code,omitempty"`
	LastError      string    `json:"last_error,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
}

func webhookDeliveryOf(d *payment.WebhookDelivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.Event.ID, EventType: d.Event.Type,
		Status: d.Status, Attempts: d.Attempts, FirstFailedAt: d.FirstFailedAt.UTC(), LastAttemptAt: d.LastAttemptAt.UTC(),
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), DeliveredAt: d.DeliveredAt.UTC()}
	if d.Status == payment.DeliveryPending {
		out.NextAttemptAt = d.NextAttemptAt.UTC()
	}
	return out
}

// WebhookDeliveryList is one page of an endpoint's deliveries, newest first.
type WebhookDeliveryList struct {
	Data    []WebhookDelivery `json:"data"`
	HasMore bool              `json:"has_more"`
}

// WebhookTestResult is the answer to a test event: Delivered when the endpoint answered 2xx in time;
// otherwise Error says what went wrong (StatusCode is 0 when there was no answer at all).
type WebhookTestResult struct {
	EventID    string            `json:"event_id"`
	Type       payment.EventType `json:"type"`
	Delivered  bool              `json:"delivered"`
	StatusCode int               `json:"status_code"`
	Error      string            `json:"error,omitempty"`
}

// WebhookRoutes returns the endpoints that configure a workspace's webhook endpoints, to mount on a
// Handler (with Options.Routes or Handler.Mount). They get the Handler's authentication, workspace
// isolation, request ids and idempotency; read-only keys may read, changes need read-write.
//
//	POST   /v1/webhook_endpoints                     create; the secret is in this answer (201)
//	GET    /v1/webhook_endpoints                     list, oldest first, no secrets
//	GET    /v1/webhook_endpoints/{id}                one endpoint, no secret
//	POST   /v1/webhook_endpoints/{id}                change url, description, events (those sent)
//	DELETE /v1/webhook_endpoints/{id}                delete, with its pending deliveries
//	POST   /v1/webhook_endpoints/{id}/disable        stop deliveries ({"reason"?})
//	POST   /v1/webhook_endpoints/{id}/enable         resume deliveries
//	POST   /v1/webhook_endpoints/{id}/rotate_secret  a new secret, in this answer
//	GET    /v1/webhook_endpoints/{id}/deliveries     recent deliveries, newest first (?limit)
//	POST   /v1/webhook_endpoints/{id}/test           send one signed test event now ({"type"})
//
// Invalid input (a URL that is not https, an unknown event type) is 422 validation_failed with every
// field in errors; an id of no endpoint of the caller's workspace is 404 not_found.
func WebhookRoutes(w payment.Webhooks) []Route {
	wr := &webhookRoutes{w: w}
	const base = "/v1/webhook_endpoints"
	one := base + "/{id}"
	return []Route{
		secret(wr.route("POST "+base, jsonBody, wr.create)),
		wr.route("GET "+base, noBody, wr.list),
		wr.route("GET "+one, noBody, wr.get),
		wr.route("POST "+one, jsonBody, wr.update),
		wr.route("DELETE "+one, noBody, wr.delete),
		wr.route("POST "+one+"/disable", optionalBody, wr.disable),
		wr.route("POST "+one+"/enable", optionalBody, wr.enable),
		secret(wr.route("POST "+one+"/rotate_secret", optionalBody, wr.rotate)),
		wr.route("GET "+one+"/deliveries", noBody, wr.deliveries),
		wr.route("POST "+one+"/test", jsonBody, wr.test),
	}
}

// secret marks a route whose answer holds a secret shown once (Route.Secret).
func secret(r Route) Route {
	r.Secret = true
	return r
}

type webhookRoutes struct {
	w payment.Webhooks
}

// route adapts an endpoint function to a mounted Route. As for a built-in endpoint, the body b says
// is read into c.body first. On a pattern with {id}, fn gets the
// endpoint id, and payment.ErrNotFound becomes a not_found that names it; anything that is not an
// endpoint id is not found at all.
func (wr *webhookRoutes) route(pattern string, b body, fn func(c *call, id string) error) Route {
	hasID := strings.Contains(pattern, "{id}")
	return mountedRoute(pattern, 0, func(c *call) error {
		if b != noBody {
			var err error
			if c.body, err = readBody(c.w, c.r, c.h.opts.MaxBodyBytes, b == jsonBody); err != nil {
				return err
			}
		}
		if !hasID {
			return fn(c, "")
		}
		id := c.r.PathValue("id")
		if !strings.HasPrefix(id, payment.PrefixWebhookEndpoint) || len(id) > 64 {
			return notFound("webhook endpoint", id)
		}
		return orNotFound(fn(c, id), "webhook endpoint", id)
	})
}

// endpointMembers is the body of a create or a change: the members sent, and which they were.
type endpointMembers struct {
	payment.WebhookEndpointRequest
	hasURL, hasDescription, hasEvents bool
}

// decodeEndpointRequest decodes {url, description, events}. An event type listed twice counts once.
func decodeEndpointRequest(body []byte) (endpointMembers, *Error) {
	var m endpointMembers
	d := newDecoder(body)
	d.object("", "an object", func(key []byte) {
		switch k := string(key); k {
		case "url":
			m.URL, m.hasURL = d.str("", k)
		case "description":
			m.Description, m.hasDescription = d.str("", k)
		case "events":
			m.Events = []payment.EventType{}
			// A set, not a search of the list: 130,000 distinct names in a 1 MiB body took
			// seconds of CPU compared with each other.
			seen := make(map[payment.EventType]struct{})
			m.hasEvents = d.array(k, "an array of event types", func(i int) {
				s, _ := d.str("", index(k, i))
				t := payment.EventType(s)
				if _, dup := seen[t]; !dup {
					seen[t] = struct{}{}
					m.Events = append(m.Events, t)
				}
			})
		default:
			d.unknown("", key)
		}
	})
	d.end()
	return m, d.result()
}

// writeEndpoint answers with e (its secret only when withSecret), or with err.
func writeEndpoint(c *call, status int, e payment.WebhookEndpoint, err error, withSecret bool) error {
	if err != nil {
		return err
	}
	out := webhookEndpointOf(&e)
	if withSecret {
		out.Secret = e.Secret
	}
	writeJSON(c.w, status, &out)
	return nil
}

// create: POST /v1/webhook_endpoints with url, description and events.
func (wr *webhookRoutes) create(c *call, _ string) error {
	m, derr := decodeEndpointRequest(c.body)
	if derr != nil {
		return derr
	}
	e, err := wr.w.CreateEndpoint(c.r.Context(), c.key.Workspace, m.WebhookEndpointRequest)
	return writeEndpoint(c, http.StatusCreated, e, err, true)
}

// list: GET /v1/webhook_endpoints, oldest first.
func (wr *webhookRoutes) list(c *call, _ string) error {
	if err := parseQuery(c.r.URL.RawQuery, func(string, string) error { return nil }); err != nil {
		return err
	}
	es, err := wr.w.Endpoints(c.r.Context(), c.key.Workspace)
	if err != nil {
		return err
	}
	out := WebhookEndpointList{Data: make([]WebhookEndpoint, len(es))}
	for i := range es {
		out.Data[i] = webhookEndpointOf(&es[i])
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// get: GET /v1/webhook_endpoints/{id}.
func (wr *webhookRoutes) get(c *call, id string) error {
	e, err := wr.w.Endpoint(c.r.Context(), c.key.Workspace, id)
	return writeEndpoint(c, http.StatusOK, e, err, false)
}

// update: POST /v1/webhook_endpoints/{id} changes the members sent and keeps the others.
func (wr *webhookRoutes) update(c *call, id string) error {
	m, derr := decodeEndpointRequest(c.body)
	if derr != nil {
		return derr
	}
	e, err := wr.w.UpdateEndpoint(c.r.Context(), c.key.Workspace, id, func(r *payment.WebhookEndpointRequest) {
		if m.hasURL {
			r.URL = m.URL
		}
		if m.hasDescription {
			r.Description = m.Description
		}
		if m.hasEvents {
			r.Events = m.Events
		}
	})
	return writeEndpoint(c, http.StatusOK, e, err, false)
}

// delete: DELETE /v1/webhook_endpoints/{id}, with the endpoint's pending deliveries.
func (wr *webhookRoutes) delete(c *call, id string) error {
	if err := wr.w.DeleteEndpoint(c.r.Context(), c.key.Workspace, id); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, &WebhookEndpointDeleted{ID: id, Deleted: true})
	return nil
}

// disable: POST /v1/webhook_endpoints/{id}/disable with an optional reason.
func (wr *webhookRoutes) disable(c *call, id string) error {
	reason, _, derr := decodeOptionalString(c.body, "reason")
	if derr != nil {
		return derr
	}
	e, err := wr.w.DisableEndpoint(c.r.Context(), c.key.Workspace, id, reason)
	return writeEndpoint(c, http.StatusOK, e, err, false)
}

// enable: POST /v1/webhook_endpoints/{id}/enable (an empty body or {}).
func (wr *webhookRoutes) enable(c *call, id string) error {
	if derr := decodeEmptyObject(c.body); derr != nil {
		return derr
	}
	e, err := wr.w.EnableEndpoint(c.r.Context(), c.key.Workspace, id)
	return writeEndpoint(c, http.StatusOK, e, err, false)
}

// rotate: POST /v1/webhook_endpoints/{id}/rotate_secret (an empty body or {}); the new secret is in the
// answer, the only time it is shown.
func (wr *webhookRoutes) rotate(c *call, id string) error {
	if derr := decodeEmptyObject(c.body); derr != nil {
		return derr
	}
	e, err := wr.w.RotateSecret(c.r.Context(), c.key.Workspace, id)
	return writeEndpoint(c, http.StatusOK, e, err, true)
}

// deliveries: GET /v1/webhook_endpoints/{id}/deliveries, newest first, at most ?limit= (1 to
// MaxPageSize, DefaultPageSize when not given).
func (wr *webhookRoutes) deliveries(c *call, id string) error {
	limit := DefaultPageSize
	err := parseQuery(c.r.URL.RawQuery, func(name, v string) error {
		if name != "limit" {
			return nil
		}
		var err error
		if limit, err = parseLimit(name, v, MaxPageSize); err != nil {
			return err
		}
		return errKnown
	})
	if err != nil {
		return err
	}
	ds, err := wr.w.Deliveries(c.r.Context(), c.key.Workspace, id, limit+1)
	if err != nil {
		return err
	}
	out := WebhookDeliveryList{HasMore: len(ds) > limit}
	ds = ds[:min(len(ds), limit)]
	out.Data = make([]WebhookDelivery, len(ds))
	for i := range ds {
		out.Data[i] = webhookDeliveryOf(&ds[i])
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// test: POST /v1/webhook_endpoints/{id}/test with the event type. The event is sent once, now, even
// to a disabled endpoint; nothing is stored or retried. An endpoint that does not answer 2xx is still
// a 200 answer here, with delivered false and what went wrong.
func (wr *webhookRoutes) test(c *call, id string) error {
	typ, ok, derr := decodeOptionalString(c.body, "type")
	if derr != nil {
		return derr
	}
	if !ok {
		return validationError([]*payment.ValidationError{{Field: "type", Reason: "is required"}})
	}
	t := payment.EventType(typ)
	res, err := wr.w.SendTest(c.r.Context(), c.key.Workspace, id, t)
	if err != nil {
		return err
	}
	out := WebhookTestResult{EventID: res.EventID, Type: t, Delivered: res.Err == nil, StatusCode: res.StatusCode}
	if res.Err != nil {
		out.Error = res.Err.Error()
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}
