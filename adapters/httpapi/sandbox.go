package httpapi

import (
	"net/http"

	"github.com/orkesta/orkesta/payment"
)

// advance: POST /v1/test_helpers/payments/{id}/advance (sandbox only) moves a payment to processing,
// settled or failed along legal transitions only, through the Service like any other change: it
// approves when the workspace requires approval, submits, then settles or fails. Asking for the
// status the payment is already in changes nothing; asking for one it cannot reach is 409. A rail
// that settles or fails a payment as it is submitted carries it past processing: asked for
// processing, the helper answers 200 with the payment as the rail left it.
func (h *Handler) advance(c *call) error {
	req, derr := decodeAdvanceRequest(c.body)
	if derr != nil {
		return derr
	}
	switch req.To {
	case payment.StatusProcessing, payment.StatusSettled, payment.StatusFailed:
	default:
		return validationError([]*payment.ValidationError{{Field: "to", Reason: "must be processing, settled or failed"}})
	}
	id, err := paymentID(c)
	if err != nil {
		return err
	}
	ctx, ws := c.r.Context(), c.key.Workspace
	const actor = "sandbox"
	p, err := h.svc.Get(ctx, ws, id)
	if err != nil {
		return orNotFound(err, "payment", string(id))
	}
	moved := false
	for p.Status != req.To {
		switch p.Status {
		case payment.StatusPending:
			w, werr := h.svc.Workspace(ctx, ws)
			if werr != nil {
				return werr
			}
			if w.Approval.Requires(p.Money()) {
				p, err = h.svc.Approve(ctx, ws, id, actor)
			} else {
				p, err = h.svc.Submit(ctx, ws, id, actor)
			}
		case payment.StatusApproved:
			p, err = h.svc.Submit(ctx, ws, id, actor)
		case payment.StatusProcessing:
			if req.To == payment.StatusSettled {
				p, err = h.svc.Settle(ctx, ws, id, actor, "settled by the sandbox test helper")
			} else {
				p, err = h.svc.Fail(ctx, ws, id, actor, "sandbox_failure", "failed by the sandbox test helper")
			}
		case payment.StatusSettled, payment.StatusFailed:
			if moved && req.To == payment.StatusProcessing { // through processing, by the rail
				writeJSON(c.w, http.StatusOK, ptr(PaymentOf(&p)))
				return nil
			}
			fallthrough
		default:
			e := newError(http.StatusConflict, TypeInvalidRequest, CodeInvalidTransition,
				"payment "+string(id)+" is "+string(p.Status)+" and cannot move to "+string(req.To))
			e.PaymentStatus = p.Status
			return e
		}
		if err != nil {
			return err
		}
		moved = true
	}
	writeJSON(c.w, http.StatusOK, ptr(PaymentOf(&p)))
	return nil
}
