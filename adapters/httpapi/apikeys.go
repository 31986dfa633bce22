package httpapi

import (
	"net/http"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// API key management (admin scope). A secret is returned once, when its key is created; only its hash
// is stored.

// APIKeyList is the response of GET /v1/api_keys.
type APIKeyList struct {
	Data []APIKey `json:"data"`
}

func (h *Handler) listAPIKeys(c *call) error {
	ks, err := h.keys.ListAPIKeys(c.r.Context(), c.key.Workspace)
	if err != nil {
		return err
	}
	out := APIKeyList{Data: make([]APIKey, len(ks))}
	for i := range ks {
		out.Data[i] = apiKeyOf(&ks[i])
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

func (h *Handler) createAPIKey(c *call) error {
	req, derr := decodeAPIKeyRequest(c.body)
	if derr != nil {
		return derr
	}
	now := h.clock.Now().UTC().Truncate(1e3)
	name := strings.TrimSpace(req.Name)
	probs := payment.FieldErrors(payment.CheckKeyName(name)) // every problem of the name
	if !req.Scope.Valid() {
		probs = append(probs, &payment.ValidationError{Field: "scope", Reason: "must be read-only, read-write or admin"})
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now) {
		probs = append(probs, &payment.ValidationError{Field: "expires_at", Reason: "must be in the future"})
	}
	if len(probs) > 0 {
		return validationError(probs)
	}
	secret, hash := payment.NewAPIKeySecret()
	k := payment.APIKey{ID: h.svc.NewID(payment.PrefixAPIKey), Workspace: c.key.Workspace, Name: name,
		Scope: req.Scope, Hash: hash, Prefix: secret[:8], CreatedAt: now, ExpiresAt: req.ExpiresAt}
	if err := h.keys.CreateAPIKey(c.r.Context(), k); err != nil {
		return err
	}
	out := apiKeyOf(&k)
	out.Secret = secret
	writeJSON(c.w, http.StatusCreated, out)
	return nil
}

func (h *Handler) revokeAPIKey(c *call) error {
	id := c.r.PathValue("id")
	ctx := c.r.Context()
	if err := h.keys.RevokeAPIKey(ctx, c.key.Workspace, id, h.clock.Now().UTC().Truncate(1e3)); err != nil {
		return orNotFound(err, "API key", id)
	}
	ks, err := h.keys.ListAPIKeys(ctx, c.key.Workspace)
	if err != nil {
		return err
	}
	for i := range ks {
		if ks[i].ID == id {
			writeJSON(c.w, http.StatusOK, apiKeyOf(&ks[i]))
			return nil
		}
	}
	return notFound("API key", id)
}
