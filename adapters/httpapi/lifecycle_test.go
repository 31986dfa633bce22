package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLifecycle drives one payment through the whole API: create, read, list, approve (by another
// key: maker-checker), advance to processing and settled, history; and an account along the way.
func TestLifecycle(t *testing.T) {
	f := newFixture(t, withEnv(paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired, MakerChecker: true})))

	// A new counterparty account.
	r := f.post(f.rw, "/v1/accounts", `{"name":"Demir Çelik A.Ş.","currency":"TRY","iban":"TR33 0006 1005 1978 6457 8413 26","type":"external"}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var acc httpapi.Account
	r.json(t, &acc)
	assert.True(t, strings.HasPrefix(string(acc.ID), "acc_"))
	assert.Equal(t, "TR330006100519786457841326", acc.IBAN, "IBAN normalized")
	assert.Equal(t, payment.AccountExternal, acc.Type)

	r = f.get(f.ro, "/v1/accounts/"+string(acc.ID))
	require.Equal(t, http.StatusOK, r.Status)
	var accs []httpapi.Account
	r = f.get(f.ro, "/v1/accounts")
	require.Equal(t, http.StatusOK, r.Status)
	r.json(t, &accs)
	assert.Len(t, accs, 5, "the env's four accounts and the new one, as a bare array")
	assert.Equal(t, acc.ID, accs[4].ID, "oldest first")

	// Create.
	r = f.post(f.rw, "/v1/payments", f.paymentBody(func(m map[string]any) {
		m["to_account"] = string(acc.ID)
		m["value_date"] = "2026-01-16"
	}))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	p := r.payment(t)
	assert.Equal(t, payment.StatusPending, p.Status)
	assert.Equal(t, int64(125000), p.Amount)
	assert.Equal(t, payment.Currency("TRY"), p.Currency)
	assert.Equal(t, payment.MethodBankTransfer, p.Method)
	assert.Equal(t, f.env.Own.ID, p.FromAccount)
	assert.Equal(t, acc.ID, p.ToAccount)
	assert.Equal(t, "INV-2026-0001", p.Reference)
	assert.Equal(t, "2026-01-16", p.ValueDate.String())
	assert.Equal(t, f.keyIDs[f.rw], p.CreatedBy, "the creating key is the maker")
	assert.Equal(t, f.env.Clock.Now(), p.CreatedAt)
	var raw map[string]any
	r.json(t, &raw)
	assert.Equal(t, "2026-01-15T09:00:00Z", raw["created_at"], "times are RFC 3339 UTC")
	assert.Equal(t, json.Number("125000").String(), strings.TrimSpace(string(mustField(t, r.Body, "amount"))), "amount is an integer")

	// Read it back, find it in the list.
	r = f.get(f.ro, "/v1/payments/"+string(p.ID))
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, p, r.payment(t))
	r = f.get(f.ro, "/v1/payments?status=pending&reference=INV-2026-0001")
	require.Equal(t, http.StatusOK, r.Status)
	var list httpapi.PaymentList
	r.json(t, &list)
	require.Len(t, list.Data, 1)
	assert.Equal(t, p.ID, list.Data[0].ID)
	assert.False(t, list.HasMore)

	// The maker may not approve; another key may.
	r = f.post(f.rw, "/v1/payments/"+string(p.ID)+"/approve", "")
	require.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	assert.Equal(t, httpapi.CodeMakerChecker, r.err(t).Code)
	r = f.post(f.rw2, "/v1/payments/"+string(p.ID)+"/approve", "{}")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, payment.StatusApproved, r.payment(t).Status)
	// Approving twice is a refused transition with the current status.
	r = f.post(f.rw2, "/v1/payments/"+string(p.ID)+"/approve", "")
	require.Equal(t, http.StatusConflict, r.Status)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeInvalidTransition, e.Code)
	assert.Equal(t, payment.StatusApproved, e.PaymentStatus)

	// The sandbox moves it on.
	f.env.Clock.Advance(3600e9)
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"processing"}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, payment.StatusProcessing, r.payment(t).Status)
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"settled"}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	settled := r.payment(t)
	assert.Equal(t, payment.StatusSettled, settled.Status)
	assert.Equal(t, "2026-01-15T10:00:00Z", settled.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"))
	// Settled cannot fail any more.
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"failed"}`)
	require.Equal(t, http.StatusConflict, r.Status)
	assert.Equal(t, payment.StatusSettled, r.err(t).PaymentStatus)

	// History tells the whole story.
	r = f.get(f.ro, "/v1/payments/"+string(p.ID)+"/history")
	require.Equal(t, http.StatusOK, r.Status)
	var h httpapi.History
	r.json(t, &h)
	var steps []string
	for _, tr := range h.Data {
		steps = append(steps, string(tr.From)+">"+string(tr.To)+":"+tr.Event+":"+tr.Actor)
	}
	assert.Equal(t, []string{
		">pending:create:" + f.keyIDs[f.rw],
		"pending>approved:approve:" + f.keyIDs[f.rw2],
		"approved>processing:submit:sandbox",
		"processing>settled:settle:sandbox",
	}, steps)
}

// TestAdvanceToFailed covers the sandbox helper's failure path and its refusal of unknown targets.
func TestAdvanceToFailed(t *testing.T) {
	f := newFixture(t)
	p := f.createPayment(f.rw)
	r := f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"reconciled"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.Equal(t, "to", r.err(t).Param)
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"failed"}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.payment(t)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, "sandbox_failure", got.FailureCode)
	// Already there: nothing to do.
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"failed"}`)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, got, r.payment(t))
}

// TestSandboxOff: without Options.Sandbox the test helper does not exist.
func TestSandboxOff(t *testing.T) {
	f := newFixture(t, withOptions(httpapi.Options{}))
	p := f.createPayment(f.rw)
	r := f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"settled"}`)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, httpapi.CodeRouteNotFound, r.err(t).Code)
}

func mustField(t *testing.T, body []byte, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	return m[name]
}

// instantRail settles every payment as it is submitted, as the sandbox rail with no settle delay does.
type instantRail struct{}

func (instantRail) Submit(_ context.Context, p payment.Payment) (payment.RailReceipt, error) {
	return payment.RailReceipt{Reference: "INSTANT-" + string(p.ID), Settled: true}, nil
}

// TestAdvanceThroughAnInstantRail: a rail that settles on submission carries the payment past
// processing; the helper answers with the payment as the rail left it, not with a 409 for a change
// it made.
func TestAdvanceThroughAnInstantRail(t *testing.T) {
	f := newFixture(t, withEnv(paymenttest.WithServiceOptions(payment.Options{
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: instantRail{}}})))
	p := f.createPayment(f.rw)
	r := f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"processing"}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, payment.StatusSettled, r.payment(t).Status)

	q := f.env.MustAdvance(t, f.env.MustCreate(t, func(r *payment.Request) { r.Method = payment.MethodEFT }), payment.StatusSettled)
	r = f.post(f.rw, "/v1/test_helpers/payments/"+string(q.ID)+"/advance", `{"to":"processing"}`)
	require.Equal(t, http.StatusConflict, r.Status, "a payment settled before is not moved by the helper")
	assert.Equal(t, payment.StatusSettled, r.err(t).PaymentStatus)
}
