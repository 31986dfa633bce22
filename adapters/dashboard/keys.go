package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

func itoa(n int) string { return strconv.Itoa(n) }

type keyRow struct {
	payment.APIKey
	State   string
	Current bool
}

type keysView struct {
	Keys    []keyRow
	Scopes  []payment.Scope
	Values  map[string]string
	Errors  map[string]string
	Created *createdKey // the new key, its secret shown this once
	MinDate string
}

type createdKey struct {
	Name, Secret string
	Scope        payment.Scope
}

func (h *Handler) keysView(r *http.Request, s *session) (*keysView, error) {
	keys, err := h.keys.ListAPIKeys(r.Context(), s.ws)
	if err != nil {
		return nil, err
	}
	now := h.now()
	v := &keysView{Scopes: []payment.Scope{payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin},
		Values: map[string]string{"scope": string(payment.ScopeReadWrite)}, Errors: map[string]string{},
		MinDate: now.UTC().AddDate(0, 0, 1).Format(time.DateOnly)}
	for _, k := range keys {
		st := "active"
		switch {
		case !k.RevokedAt.IsZero():
			st = "revoked"
		case !k.Active(now):
			st = "expired"
		}
		v.Keys = append(v.Keys, keyRow{APIKey: k, State: st, Current: k.ID == s.keyID})
	}
	return v, nil
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.keysView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.show(w, r, s, http.StatusOK, "keys", "API keys", "keys", v)
}

func (h *Handler) keysCreate(w http.ResponseWriter, r *http.Request, s *session) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	scope := payment.Scope(r.PostFormValue("scope"))
	expires := strings.TrimSpace(r.PostFormValue("expires"))
	errs := map[string]string{}
	switch {
	case name == "":
		errs["name"] = "Give the key a name that says where it is used, e.g. production-erp-integration."
	case payment.CheckKeyName(name) != nil:
		errs["name"] = fmt.Sprintf("Use at most %d characters, without control characters.", payment.MaxKeyNameLen)
	}
	if !scope.Valid() {
		errs["scope"] = "Choose read-only, read-write or admin."
	}
	var exp time.Time
	if expires != "" {
		d, err := payment.ParseDate(expires)
		switch {
		case err != nil:
			errs["expires"] = "Enter a date as YYYY-MM-DD."
		case !d.Time().After(h.now()):
			errs["expires"] = "The expiry date must be in the future."
		default:
			exp = d.Time()
		}
	}
	v, err := h.keysView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	if len(errs) > 0 {
		v.Values = map[string]string{"name": name, "scope": string(scope), "expires": expires}
		v.Errors = errs
		h.show(w, r, s, http.StatusUnprocessableEntity, "keys", "API keys", "keys", v)
		return
	}
	secret, hash := payment.NewAPIKeySecret()
	k := payment.APIKey{ID: h.svc.NewID(payment.PrefixAPIKey), Workspace: s.ws, Name: name, Scope: scope, Hash: hash,
		Prefix: secret[:8], CreatedAt: h.now().UTC().Truncate(time.Microsecond), ExpiresAt: exp}
	if err := h.keys.CreateAPIKey(r.Context(), k); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: API key created", "key", k.ID, "scope", k.Scope, "by", s.keyID)
	// Rendered directly, never redirected or stored: the secret exists only in this response.
	if v, err = h.keysView(r, s); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.Created = &createdKey{Name: name, Secret: secret, Scope: scope}
	h.show(w, r, s, http.StatusOK, "keys", "API keys", "keys", v)
}

func (h *Handler) keysRevoke(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	err := h.keys.RevokeAPIKey(r.Context(), s.ws, id, h.now().UTC().Truncate(time.Microsecond))
	switch {
	case errors.Is(err, payment.ErrNotFound):
		h.notFound(w, r, s)
		return
	case err != nil:
		h.serverError(w, r, s, err)
		return
	}
	h.opts.Logger.Info("dashboard: API key revoked", "key", id, "by", s.keyID)
	if id == s.keyID {
		h.endSession(s.id)
		http.Redirect(w, r, "/login?ended=1", http.StatusSeeOther)
		return
	}
	h.redirect(w, r, s, "/settings/keys", "Key revoked. Integrations using it get 401 from now on; other keys keep working.")
}
