package dashboard

import "net/http"

// Reconciler backs the Reconciliation pages.
type Reconciler interface{}

func (h *Handler) reconcileRoutes(_ *http.ServeMux) {}
