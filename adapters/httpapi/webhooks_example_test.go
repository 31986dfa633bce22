package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

// The webhook endpoint routes mount on the API handler over adapters/webhook's dispatcher (a
// payment.Webhooks): an integration registers its endpoint, keeps the secret from the answer, and
// checks the signature of what it receives with webhook.Verify.
func ExampleWebhookRoutes() {
	ctx := context.Background()
	store := memory.New()
	svc := payment.NewService(store, payment.Options{})
	ws, _ := svc.CreateWorkspace(ctx, "Acme Lojistik A.Ş.", payment.PlanStarter, payment.ApprovalPolicy{})
	key, hash := payment.NewAPIKeySecret()
	_ = store.CreateAPIKey(ctx, payment.APIKey{ID: "key_erp", Workspace: ws.ID, Scope: payment.ScopeReadWrite, Hash: hash})

	var secret string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		env, err := webhook.Verify(secret, body, r.Header.Get(webhook.SignatureHeader), time.Now(), webhook.DefaultTolerance)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		fmt.Println("received", env.Type)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	// AllowHTTP and AllowPrivateNetworks: the test receiver is plain HTTP on this machine; endpoints
	// are HTTPS on the public internet otherwise.
	d := webhook.New(store, store, webhook.Options{AllowHTTP: true, AllowPrivateNetworks: true})
	api := httptest.NewServer(httpapi.New(svc, store, httpapi.Options{Routes: httpapi.WebhookRoutes(d)}))
	defer api.Close()
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, api.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return nil
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		fmt.Print(res.StatusCode, " ")
		return out
	}

	ep := call("POST", "/v1/webhook_endpoints", `{"url":"`+receiver.URL+`/orkesta","events":["payment.settled"]}`)
	secret = ep["secret"].(string)
	fmt.Println("created; the secret starts with", secret[:6])
	test := call("POST", "/v1/webhook_endpoints/"+ep["id"].(string)+"/test", `{"type":"payment.settled"}`)
	fmt.Println("delivered", test["delivered"], "status", test["status_code"])
	got := call("GET", "/v1/webhook_endpoints/"+ep["id"].(string), "")
	fmt.Println("events", got["events"], "secret shown:", got["secret"] != nil)
	// Output:
	// 201 created; the secret starts with whsec_
	// received payment.settled
	// 200 delivered true status 204
	// 200 events [payment.settled] secret shown: false
}
