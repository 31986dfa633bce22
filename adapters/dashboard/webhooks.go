package dashboard

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

type webhooksView struct {
	Endpoints []payment.WebhookEndpoint
	Types     []payment.EventType
	endpointForm
	Created *createdEndpoint
}

type createdEndpoint struct {
	ID, URL, Secret string
}

type webhookView struct {
	E          payment.WebhookEndpoint
	Deliveries []payment.WebhookDelivery
	Types      []payment.EventType
	CanWrite   bool
	endpointForm
	NewSecret string // after a rotation: shown this once
}

// endpointForm is what the add and change forms show: the values typed, the event boxes ticked, and
// the problems, by field (url, description, events).
type endpointForm struct {
	Values  map[string]string
	Checked map[payment.EventType]bool
	Errors  map[string]string
}

func newEndpointForm() endpointForm {
	return endpointForm{Values: map[string]string{}, Checked: map[payment.EventType]bool{}, Errors: map[string]string{}}
}

// fill shows ep in the form, as the change form opens.
func (f *endpointForm) fill(ep *payment.WebhookEndpoint) {
	f.Values["url"], f.Values["description"] = ep.URL, ep.Description
	if len(ep.Events) == 0 {
		f.Values["all"] = "1"
	}
	for _, t := range ep.Events {
		f.Checked[t] = true
	}
}

// read takes the posted form into f and returns the request it makes; f.Errors says what is wrong.
func (f *endpointForm) read(r *http.Request) payment.WebhookEndpointRequest {
	raw := strings.TrimSpace(r.PostFormValue("url"))
	desc := strings.TrimSpace(r.PostFormValue("description"))
	f.Values["url"], f.Values["description"], f.Values["all"] = raw, desc, r.PostFormValue("all")
	if raw == "" { // what else a URL needs (its scheme, its length) the Webhooks implementation says
		f.Errors["url"] = "Enter the URL that receives the events."
	}
	if len([]rune(desc)) > 200 {
		f.Errors["description"] = "The description is longer than 200 characters."
	}
	var events []payment.EventType
	if f.Values["all"] == "" {
		for _, e := range r.PostForm["events"] {
			t := payment.EventType(e)
			if !slices.Contains(payment.EventTypes(), t) {
				f.Errors["events"] = "Unknown event type."
				break
			}
			if !slices.Contains(events, t) {
				events = append(events, t)
			}
			f.Checked[t] = true
		}
		if len(events) == 0 && f.Errors["events"] == "" {
			f.Errors["events"] = "Choose at least one event, or All events."
		}
	}
	return payment.WebhookEndpointRequest{URL: raw, Description: desc, Events: events}
}

// refused puts the field errors of err (a *payment.ValidationError or several) into f, and reports
// whether there were any. They are the Webhooks implementation's own words: it alone decides which
// URLs it delivers to (plain HTTP, say, only where its server allows it). An error of a field the
// form does not have is shown, with the field's name, under the URL.
func (f *endpointForm) refused(err error) bool {
	fe := payment.FieldErrors(err)
	for _, e := range fe {
		field, text := e.Field, capitalize(e.Reason)+"."
		if field != "url" && field != "events" && field != "description" {
			field, text = "url", capitalize(e.Field)+" "+e.Reason+"."
		}
		addFieldError(f.Errors, field, text)
	}
	return len(fe) > 0
}

// changedMeanwhile is what a change of an endpoint says when other changes kept coming in between its
// read and its write (payment.ErrConflict, after the Webhooks implementation's own retries).
const changedMeanwhile = "Not saved: the endpoint kept changing while this was being saved. Check it and try again."

func (h *Handler) webhookRoutes(m *http.ServeMux) {
	if h.opts.Webhooks == nil {
		return
	}
	m.Handle("GET /integrations/webhooks", h.auth(payment.ScopeReadOnly, h.webhooksPage))
	m.Handle("POST /integrations/webhooks", h.auth(payment.ScopeReadWrite, h.webhooksCreate))
	m.Handle("GET /integrations/webhooks/{id}", h.auth(payment.ScopeReadOnly, h.webhookShow))
	m.Handle("POST /integrations/webhooks/{id}/test", h.auth(payment.ScopeReadWrite, h.webhookTest))
	m.Handle("POST /integrations/webhooks/{id}", h.auth(payment.ScopeReadWrite, h.webhookUpdate))
	m.Handle("POST /integrations/webhooks/{id}/enable", h.auth(payment.ScopeReadWrite, h.endpointAction("re-enabled", h.enableEndpoint)))
	m.Handle("POST /integrations/webhooks/{id}/disable", h.auth(payment.ScopeReadWrite, h.endpointAction("disabled", h.disableEndpoint)))
	m.Handle("POST /integrations/webhooks/{id}/rotate", h.auth(payment.ScopeReadWrite, h.webhookRotate))
	m.Handle("POST /integrations/webhooks/{id}/delete", h.auth(payment.ScopeReadWrite, h.endpointAction("deleted", h.deleteEndpoint)))
}

func (h *Handler) webhooksView(r *http.Request, s *session) (*webhooksView, error) {
	eps, err := h.opts.Webhooks.Endpoints(r.Context(), s.ws)
	if err != nil {
		return nil, err
	}
	return &webhooksView{Endpoints: eps, Types: payment.EventTypes(), endpointForm: newEndpointForm()}, nil
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.webhooksView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.show(w, r, s, http.StatusOK, "webhooks", "Webhooks", "webhooks", v)
}

func (h *Handler) webhooksCreate(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.webhooksView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	req := v.read(r)
	if len(v.Errors) > 0 {
		h.show(w, r, s, http.StatusUnprocessableEntity, "webhooks", "Webhooks", "webhooks", v)
		return
	}
	ep, err := h.opts.Webhooks.CreateEndpoint(r.Context(), s.ws, req)
	if v.refused(err) {
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
	v, err := h.webhookView(r, s, ep)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.fill(&ep)
	h.show(w, r, s, http.StatusOK, "webhook", "Webhook endpoint", "webhooks", v)
}

// webhookView is the page of endpoint ep, with its recent deliveries and an empty change form.
func (h *Handler) webhookView(r *http.Request, s *session, ep payment.WebhookEndpoint) (*webhookView, error) {
	ds, err := h.opts.Webhooks.Deliveries(r.Context(), s.ws, ep.ID, 25)
	if err != nil {
		return nil, err
	}
	return &webhookView{E: ep, Deliveries: ds, Types: payment.EventTypes(), CanWrite: s.scope.Allows(payment.ScopeReadWrite),
		endpointForm: newEndpointForm()}, nil
}

func (h *Handler) webhookUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	form := newEndpointForm()
	req := form.read(r)
	if len(form.Errors) == 0 {
		_, err := h.opts.Webhooks.UpdateEndpoint(r.Context(), s.ws, ep.ID, func(c *payment.WebhookEndpointRequest) { *c = req })
		if err == nil {
			h.opts.Logger.Info("dashboard: webhook endpoint changed", "endpoint", ep.ID, "by", s.keyID)
			h.redirect(w, r, s, "/integrations/webhooks/"+ep.ID, "Endpoint saved: events from now on are sent as it now says.")
			return
		}
		if errors.Is(err, payment.ErrConflict) {
			h.redirectError(w, r, s, "/integrations/webhooks/"+ep.ID, changedMeanwhile)
			return
		}
		if !form.refused(err) {
			h.serverError(w, r, s, err)
			return
		}
	}
	v, err := h.webhookView(r, s, ep) // the page again, with what was typed and what is wrong
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.endpointForm = form
	h.show(w, r, s, http.StatusUnprocessableEntity, "webhook", "Webhook endpoint", "webhooks", v)
}

func (h *Handler) webhookRotate(w http.ResponseWriter, r *http.Request, s *session) {
	ep, ok := h.endpoint(w, r, s)
	if !ok {
		return
	}
	id := ep.ID
	ep, err := h.opts.Webhooks.RotateSecret(r.Context(), s.ws, id)
	if errors.Is(err, payment.ErrConflict) {
		h.redirectError(w, r, s, "/integrations/webhooks/"+id, changedMeanwhile)
		return
	}
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: webhook secret rotated", "endpoint", ep.ID, "by", s.keyID)
	v, err := h.webhookView(r, s, ep)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.fill(&ep)
	v.NewSecret = ep.Secret
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

// endpointAction is the handler of a change to an endpoint: it finds the endpoint (404 when the
// workspace has no such endpoint), makes the change, logs it as done and redirects to the page change
// names, with its message. A field error of the change goes back to the endpoint's page.
func (h *Handler) endpointAction(done string,
	change func(r *http.Request, s *session, ep *payment.WebhookEndpoint) (to, msg string, err error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		ep, ok := h.endpoint(w, r, s)
		if !ok {
			return
		}
		to, msg, err := change(r, s, &ep)
		if fe := payment.FieldErrors(err); len(fe) > 0 {
			h.redirectError(w, r, s, "/integrations/webhooks/"+ep.ID, "The "+fe[0].Field+" "+fe[0].Reason+".")
			return
		}
		if err != nil {
			h.serverError(w, r, s, err)
			return
		}
		h.opts.Logger.Info("dashboard: webhook endpoint "+done, "endpoint", ep.ID, "by", s.keyID)
		h.redirect(w, r, s, to, msg)
	}
}

func (h *Handler) enableEndpoint(r *http.Request, s *session, ep *payment.WebhookEndpoint) (string, string, error) {
	_, err := h.opts.Webhooks.EnableEndpoint(r.Context(), s.ws, ep.ID)
	return "/integrations/webhooks/" + ep.ID, "Endpoint enabled: new events are delivered to it again.", err
}

func (h *Handler) disableEndpoint(r *http.Request, s *session, ep *payment.WebhookEndpoint) (string, string, error) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len([]rune(reason)) > 200 { // the form's maxlength, said as the form's other fields say it
		return "", "", &payment.ValidationError{Field: "reason", Reason: "is longer than 200 characters"}
	}
	if reason == "" {
		reason = "disabled in the dashboard"
	}
	_, err := h.opts.Webhooks.DisableEndpoint(r.Context(), s.ws, ep.ID, reason)
	return "/integrations/webhooks/" + ep.ID, "Endpoint disabled: nothing is delivered to it until it is re-enabled, " +
		"and events that occur meanwhile are not sent later.", err
}

func (h *Handler) deleteEndpoint(r *http.Request, s *session, ep *payment.WebhookEndpoint) (string, string, error) {
	return "/integrations/webhooks", "Endpoint " + ep.URL + " deleted, with the deliveries still pending for it.",
		h.opts.Webhooks.DeleteEndpoint(r.Context(), s.ws, ep.ID)
}
