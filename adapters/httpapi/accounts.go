package httpapi

import (
	"net/http"

	"github.com/orkesta/orkesta/payment"
)

// listAccounts: GET /v1/accounts returns a bare array, oldest first, as the Orkesta quickstart shows.
func (h *Handler) listAccounts(c *call) error {
	as, err := h.svc.ListAccounts(c.r.Context(), c.key.Workspace)
	if err != nil {
		return err
	}
	out := make([]Account, len(as))
	for i := range as {
		out[i] = accountOf(&as[i])
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// createAccount: POST /v1/accounts with name, currency, optional iban and type (internal: the
// workspace's own, may be debited; external: a counterparty).
func (h *Handler) createAccount(c *call) error {
	req, derr := decodeAccountRequest(c.body)
	if derr != nil {
		return derr
	}
	a, err := h.svc.CreateAccount(c.r.Context(), c.key.Workspace, req)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, accountOf(&a))
	return nil
}

func (h *Handler) getAccount(c *call) error {
	raw := c.r.PathValue("id")
	id, err := payment.ParseAccountID(raw)
	if err != nil {
		return notFound("account", raw)
	}
	a, err := h.svc.GetAccount(c.r.Context(), c.key.Workspace, id)
	if err != nil {
		return orNotFound(err, "account", raw)
	}
	writeJSON(c.w, http.StatusOK, accountOf(&a))
	return nil
}
