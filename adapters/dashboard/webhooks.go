package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// Webhooks backs Integrations → Webhooks (adapters/webhook does the work; cmd/orkesta wires it in).
// Methods taking a workspace treat another workspace's endpoints as payment.ErrNotFound.
type Webhooks interface {
	// Endpoints lists the workspace's endpoints, oldest first.
	Endpoints(ctx context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error)
	Endpoint(ctx context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error)
	// CreateEndpoint validates and stores an endpoint with a new secret, returned in the endpoint (the
	// one time it is shown). Invalid input is *payment.ValidationError (field "url", "events", …).
	CreateEndpoint(ctx context.Context, ws payment.WorkspaceID, r EndpointRequest) (payment.WebhookEndpoint, error)
	// EnableEndpoint re-enables an endpoint that was disabled after its retries failed.
	EnableEndpoint(ctx context.Context, ws payment.WorkspaceID, id string) error
	// Deliveries returns an endpoint's recent deliveries, newest first, at most limit.
	Deliveries(ctx context.Context, ws payment.WorkspaceID, id string, limit int) ([]payment.WebhookDelivery, error)
	// SendTest POSTs one signed test event of type t to the endpoint now and reports the answer.
	SendTest(ctx context.Context, ws payment.WorkspaceID, id string, t payment.EventType) (TestResult, error)
}

// EndpointRequest is a new endpoint: its URL, a note, and the event types it wants (empty: all).
type EndpointRequest struct {
	URL         string
	Description string
	Events      []payment.EventType
}

// TestResult is the answer to a test event: the HTTP status (0 when there was none) and, unless the
// endpoint answered 2xx in time, what went wrong.
type TestResult struct {
	StatusCode int
	Err        error
}

type webhooksView struct {
	Endpoints []payment.WebhookEndpoint
	Types     []payment.EventType
	Values    map[string]string
	Checked   map[payment.EventType]bool
	Errors    map[string]string
	Created   *createdEndpoint
}

type createdEndpoint struct {
	ID, URL, Secret string
}

type webhookView struct {
	E          payment.WebhookEndpoint
	Deliveries []payment.WebhookDelivery
	Types      []payment.EventType
	CanWrite   bool
}

func (h *Handler) webhookRoutes(m *http.ServeMux) {
	if h.opts.Webhooks == nil {
		return
	}
	m.Handle("GET /integrations/webhooks", h.auth(payment.ScopeReadOnly, h.webhooksPage))
	m.Handle("POST /integrations/webhooks", h.auth(payment.ScopeReadWrite, h.webhooksCreate))
	m.Handle("GET /integrations/webhooks/{id}", h.auth(payment.ScopeReadOnly, h.webhookShow))
	m.Handle("POST /integrations/webhooks/{id}/test", h.auth(payment.ScopeReadWrite, h.webhookTest))
	m.Handle("POST /integrations/webhooks/{id}/enable", h.auth(payment.ScopeReadWrite, h.webhookEnable))
}

func (h *Handler) webhooksView(r *http.Request, s *session) (*webhooksView, error) {
	eps, err := h.opts.Webhooks.Endpoints(r.Context(), s.ws)
	if err != nil {
		return nil, err
	}
	return &webhooksView{Endpoints: eps, Types: payment.EventTypes(), Values: map[string]string{},
		Checked: map[payment.EventType]bool{}, Errors: map[string]string{}}, nil
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.webhooksView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.show(w, r, s, http.StatusOK, "webhooks", "Webhooks", "webhooks", v)
}

// checkEndpointURL accepts absolute HTTPS URLs, and plain HTTP only to this machine (for development).
func checkEndpointURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "Enter the URL that receives the events."
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "Enter an absolute URL such as https://erp.example.com/hooks/orkesta."
	case u.User != nil:
		return "The URL must not contain a user name or password."
	case len(raw) > 2000:
		return "The URL is longer than 2000 characters."
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "Use HTTPS: events carry payment data (plain HTTP is allowed only to localhost)."
	}
	return ""
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (h *Handler) webhooksCreate(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.webhooksView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	raw := strings.TrimSpace(r.PostFormValue("url"))
	desc := strings.TrimSpace(r.PostFormValue("description"))
	v.Values["url"], v.Values["description"] = raw, desc
	if msg := checkEndpointURL(raw); msg != "" {
		v.Errors["url"] = msg
	}
	if len([]rune(desc)) > 200 {
		v.Errors["description"] = "The description is longer than 200 characters."
	}
	var events []payment.EventType
	if r.PostFormValue("all") == "" {
		for _, e := range r.PostForm["events"] {
			t := payment.EventType(e)
			if !slices.Contains(payment.EventTypes(), t) {
				v.Errors["events"] = "Unknown event type."
				break
			}
			if !slices.Contains(events, t) {
				events = append(events, t)
			}
			v.Checked[t] = true
		}
		if len(events) == 0 && v.Errors["events"] == "" {
			v.Errors["events"] = "Choose at least one event, or All events."
		}
	}
	if len(v.Errors) > 0 {
		h.show(w, r, s, http.StatusUnprocessableEntity, "webhooks", "Webhooks", "webhooks", v)
		return
	}
	ep, err := h.opts.Webhooks.CreateEndpoint(r.Context(), s.ws, EndpointRequest{URL: raw, Description: desc, Events: events})
	if fe := payment.FieldErrors(err); len(fe) > 0 {
		for _, e := range fe {
			field := e.Field
			if field != "url" && field != "events" && field != "description" {
				field = "url"
			}
			v.Errors[field] = capitalize(e.Reason) + "."
		}
		h.show(w, r, s, http.StatusUnprocessableEntity, "webhooks", "Webhooks", "webhooks", v)
		return
	}
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: webhook endpoint added", "endpoint", ep.ID, "by", s.keyID)
	if v, err = h.webhooksView(r, s); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.Created = &createdEndpoint{ID: ep.ID, URL: ep.URL, Secret: ep.Secret}
	h.show(w, r, s, http.StatusOK, "webhooks", "Webhooks", "webhooks", v)
}

func (h *Handler) endpoint(w http.ResponseWriter, r *http.Request, s *session) (payment.WebhookEndpoint, bool) {
	ep, err := h.opts.Webhooks.Endpoint(r.Context(), s.ws, r.PathValue("id"))
	switch {
	case errors.Is(err, payment.ErrNotFound):
		h.notFound(w, r, s)
		return ep, false
	case err != nil:
		h.serverError(w, r, s, err)
		return ep, false
	}
	return ep, true
}

func (h *Handler) webhookShow(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	ds, err := h.opts.Webhooks.Deliveries(r.Context(), s.ws, ep.ID, 25)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v := &webhookView{E: ep, Deliveries: ds, Types: payment.EventTypes(), CanWrite: s.scope.Allows(payment.ScopeReadWrite)}
	h.show(w, r, s, http.StatusOK, "webhook", "Webhook endpoint", "webhooks", v)
}

func (h *Handler) webhookTest(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	back := "/integrations/webhooks/" + ep.ID
	t := payment.EventType(r.PostFormValue("type"))
	if !slices.Contains(payment.EventTypes(), t) {
		h.redirectError(w, r, s, back, "Choose an event type to send.")
		return
	}
	res, err := h.opts.Webhooks.SendTest(r.Context(), s.ws, ep.ID, t)
	switch {
	case err != nil:
		h.serverError(w, r, s, err)
	case res.Err == nil:
		h.redirect(w, r, s, back, "Test event "+string(t)+" delivered: the endpoint answered "+itoa(res.StatusCode)+".")
	default:
		msg := "The endpoint did not accept the test event"
		if res.StatusCode != 0 {
			msg += ": it answered " + itoa(res.StatusCode)
		}
		h.redirectError(w, r, s, back, msg+" ("+res.Err.Error()+").")
	}
}

func (h *Handler) webhookEnable(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	if err := h.opts.Webhooks.EnableEndpoint(r.Context(), s.ws, ep.ID); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: webhook endpoint re-enabled", "endpoint", ep.ID, "by", s.keyID)
	h.redirect(w, r, s, "/integrations/webhooks/"+ep.ID, "Endpoint enabled: new events are delivered to it again.")
}
