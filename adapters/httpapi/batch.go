package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

// BatchResult is the response of POST /v1/payments/batch: one result per item, in input order.
type BatchResult struct {
	BatchID payment.BatchID `json:"batch_id"`
	Results []BatchItem     `json:"results"`
	Totals  BatchTotals     `json:"totals"`
}

// BatchItem is the outcome of one item: a created payment, or the error the same request alone would
// have got (with params prefixed by the item's path, "payments[3].amount").
type BatchItem struct {
	Index    int              `json:"index"`
	Status   batch.ItemStatus `json:"status"`
	Replayed bool             `json:"replayed,omitempty"`
	Payment  *Payment         `json:"payment,omitempty"`
	Error    *Error           `json:"error,omitempty"`
}

// BatchTotals counts the items by outcome and sums the created payments per currency.
type BatchTotals struct {
	Count        int             `json:"count"`
	Created      int             `json:"created"`
	Failed       int             `json:"failed"`
	NotAttempted int             `json:"not_attempted"`
	ByCurrency   []payment.Total `json:"by_currency"`
}

// createBatch: POST /v1/payments/batch with {"payments":[...]} (1 to 500). Malformed JSON anywhere is
// 400 and creates nothing; a wrong item count is 422 and creates nothing; otherwise every item is
// processed on its own and the answer is 200 with one result per item. An Idempotency-Key makes the
// whole batch safe to retry: the core derives one key per item from it. An answer with items left
// undone (not attempted, or failed by a server error or a lost race) is not kept for the key, so a
// retry with it replays what was created and creates the rest.
func (h *Handler) createBatch(c *call) error {
	reqs, derr := decodeBatchRequest(c.body)
	if derr != nil {
		return derr
	}
	key := c.r.Header.Get(headerIdempotencyKey)
	if key != "" && batch.CheckKeyPrefix(key, len(reqs)-1) != nil {
		// The header passed the check of every POST; only the item keys derived from it are too long.
		longest := len(batch.ItemKey("", len(reqs)-1))
		return badRequest(CodeIdempotencyKeyInvalid, "", fmt.Sprintf(
			"the Idempotency-Key of a batch of %d payments must be at most %d characters: payment i is keyed <key>:i, at most %d characters",
			len(reqs), payment.MaxIdempotencyKeyLen-longest, payment.MaxIdempotencyKeyLen))
	}
	opts := batch.Options{
		IdempotencyKey: key,
		Actor:          c.key.ID,
		MaxItems:       MaxBatchSize,
	}
	res, err := batch.Submit(c.r.Context(), h.svc, c.key.Workspace, reqs, opts)
	if err != nil {
		return err
	}
	out := BatchResult{BatchID: res.BatchID, Results: make([]BatchItem, len(res.Items))}
	payments := make([]Payment, len(res.Items))
	out.Totals.Count = len(res.Items)
	out.Totals.ByCurrency = res.Totals
	if out.Totals.ByCurrency == nil {
		out.Totals.ByCurrency = []payment.Total{}
	}
	for i := range res.Items {
		it, o := &res.Items[i], &out.Results[i]
		o.Index, o.Status, o.Replayed = it.Index, it.Status, it.Replayed
		switch it.Status {
		case batch.ItemCreated:
			out.Totals.Created++
			payments[i] = PaymentOf(it.Payment)
			o.Payment = &payments[i]
			// Split between this attempt and one running at once elsewhere: a retry answers whole.
			c.unfinished = c.unfinished || it.Payment.BatchID != res.BatchID
		case batch.ItemNotAttempted:
			out.Totals.NotAttempted++
			o.Error = newError(http.StatusServiceUnavailable, TypeAPI, CodeNotAttempted,
				"the request ended before this item was started; nothing was created for it")
			c.unfinished = true
		default:
			out.Totals.Failed++
			o.Error = h.itemError(c, it)
			// A retry may succeed where the server failed or lost a race: the answer is not kept.
			c.unfinished = c.unfinished || o.Error.Status >= 500 || o.Error.Code == CodeConflict
		}
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// itemError maps an item's error like a single request's, with params under the item's path.
func (h *Handler) itemError(c *call, it *batch.Item) *Error {
	e, ok := toError(it.Err)
	if !ok {
		h.log.LogAttrs(c.r.Context(), slog.LevelError, "httpapi: batch item failed",
			slog.String("request_id", c.reqID), slog.Int("index", it.Index), slog.String("error", it.Err.Error()))
	}
	cp := *e
	base := itemPath(it.Index)
	if cp.Param != "" {
		cp.Param = join(base, cp.Param)
	}
	if len(cp.Errors) > 0 {
		cp.Errors = append([]FieldError(nil), cp.Errors...)
		for j := range cp.Errors {
			cp.Errors[j].Param = join(base, cp.Errors[j].Param)
			cp.Errors[j].Message = join(base, cp.Errors[j].Message)
		}
		// The message is the first problem's, with the count of the others as a single request has it.
		more, ok := strings.CutPrefix(e.Message, e.Errors[0].Message)
		if !ok {
			more = ""
		}
		cp.Message = cp.Errors[0].Message + more
	}
	return &cp
}
