package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// A receiver checks the signature and the timestamp before it trusts a delivery, and drops event ids
// it has already handled.
func ExampleVerify() {
	const secret = "whsec_0123"
	body := []byte(`{"id":"evt_01JEXAMPLE","type":"payment.settled","workspace_id":"ws_1",` +
		`"occurred_at":"2026-01-15T09:00:00Z","timestamp":1768467600,"attempt":1,"data":{}}`)
	header := webhook.Sign(secret, body) // what the dispatcher sends as X-Signature-256
	now := time.Unix(1768467630, 0)      // the receiver's clock, 30 s later

	env, err := webhook.Verify(secret, body, header, now, webhook.DefaultTolerance)
	fmt.Println(env.ID, env.Type, err)

	_, err = webhook.Verify(secret, body, header, now.Add(time.Hour), webhook.DefaultTolerance)
	fmt.Println(err != nil)
	// Output:
	// evt_01JEXAMPLE payment.settled <nil>
	// true
}

// A dispatcher delivers a workspace's events to its endpoint.
func ExampleDispatcher_DeliverOnce() {
	ctx := context.Background()
	store := memory.New()
	clock := paymenttest.NewClock(time.Time{})
	svc := payment.NewService(store, payment.Options{Clock: clock, IDs: &paymenttest.IDs{}})
	ws, _ := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{})

	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		env, err := webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), clock.Now(), webhook.DefaultTolerance)
		fmt.Println("received", env.Type, err)
	}))
	defer srv.Close()

	// The receiver is plain HTTP on this machine: a real endpoint is HTTPS on the public internet.
	d := webhook.New(store, store, webhook.Options{Clock: clock, AllowHTTP: true, AllowPrivateNetworks: true})
	ep, _ := d.CreateEndpoint(ctx, ws.ID, payment.WebhookEndpointRequest{URL: srv.URL,
		Events: []payment.EventType{payment.EventPaymentCreated}})
	secret = ep.Secret

	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Acme", Currency: "TRY", Type: payment.AccountInternal})
	peer, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Vendor", Currency: "TRY", Type: payment.AccountExternal})
	_, _ = svc.Create(ctx, ws.ID, payment.Request{Amount: 125000, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: peer.ID, Description: "Invoice 42"})

	st, _ := d.DeliverOnce(ctx)
	fmt.Println("succeeded:", st.Succeeded)
	// Output:
	// received payment.created <nil>
	// succeeded: 1
}
