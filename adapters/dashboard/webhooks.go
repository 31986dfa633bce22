package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Webhooks backs Integrations → Webhooks: the store keeps endpoints and deliveries, and SendTest
// delivers one test event to an endpoint now (adapters/webhook does it; cmd/orkesta wires the two).
type Webhooks interface {
	payment.WebhookStore
	// SendTest POSTs a signed test event of type t to the endpoint at once and returns the delivery
	// with its outcome (status code or error).
	SendTest(ctx context.Context, ep payment.WebhookEndpoint, t payment.EventType) (payment.WebhookDelivery, error)
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
	eps, err := h.opts.Webhooks.ListWebhookEndpoints(r.Context(), s.ws)
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
	ep := payment.WebhookEndpoint{ID: h.svc.NewID(payment.PrefixWebhookEndpoint), Workspace: s.ws, URL: raw,
		Description: desc, Events: events, Secret: "whsec_" + randomToken(),
		CreatedAt: h.now().UTC().Truncate(time.Microsecond)}
	if err := h.opts.Webhooks.CreateWebhookEndpoint(r.Context(), ep); err != nil {
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
	ep, err := h.opts.Webhooks.GetWebhookEndpoint(r.Context(), s.ws, r.PathValue("id"))
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
	ds, err := h.opts.Webhooks.ListWebhookDeliveries(r.Context(), s.ws, ep.ID, 25)
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
	d, err := h.opts.Webhooks.SendTest(r.Context(), ep, t)
	switch {
	case err != nil:
		h.redirectError(w, r, s, back, "The test event was not delivered: "+err.Error())
	case d.Status == payment.DeliverySucceeded:
		h.redirect(w, r, s, back, "Test event delivered: the endpoint answered "+itoa(d.LastStatusCode)+".")
	default:
		msg := "The endpoint did not accept the test event"
		if d.LastStatusCode != 0 {
			msg += ": it answered " + itoa(d.LastStatusCode)
		}
		if d.LastError != "" {
			msg += " (" + d.LastError + ")"
		}
		h.redirectError(w, r, s, back, msg+".")
	}
}

func (h *Handler) webhookEnable(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	if err := h.opts.Webhooks.SetWebhookEndpointDisabled(r.Context(), s.ws, ep.ID, false, h.now().UTC(), ""); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: webhook endpoint re-enabled", "endpoint", ep.ID, "by", s.keyID)
	h.redirect(w, r, s, "/integrations/webhooks/"+ep.ID, "Endpoint enabled: new events are delivered to it again.")
}
