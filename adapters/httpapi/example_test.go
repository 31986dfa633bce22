package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// An embedding service mounts the API next to its own routes, adds an endpoint of its own behind the
// same authentication, and serves it all with the timeouts of NewServer.
func Example() {
	ctx := context.Background()
	store := memory.New()
	// A fixed clock and deterministic ids make the output below repeatable; leave them out in production.
	svc := payment.NewService(store, payment.Options{Clock: paymenttest.NewClock(time.Time{}), IDs: &paymenttest.IDs{}})
	ws, _ := svc.CreateWorkspace(ctx, "Acme Lojistik A.Ş.", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY", Type: payment.AccountInternal})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz Tekstil", Currency: "TRY", Type: payment.AccountExternal})
	secret, hash := payment.NewAPIKeySecret()
	_ = store.CreateAPIKey(ctx, payment.APIKey{ID: "key_erp", Workspace: ws.ID, Name: "erp", Scope: payment.ScopeReadWrite, Hash: hash})

	api := httpapi.New(svc, store, httpapi.Options{})
	api.Mount(httpapi.Route{Pattern: "GET /v1/whoami", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, _ := httpapi.KeyFromContext(r.Context())
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"key": key.ID})
	})})
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })

	srv := httptest.NewServer(mux) // in production: httpapi.NewServer(":8080", mux).ListenAndServe()
	defer srv.Close()

	// call prints the status and a few members of the JSON answer.
	call := func(method, path, body string, members ...string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return nil
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if e, ok := out["error"].(map[string]any); ok {
			out = e
		}
		fmt.Print(res.StatusCode)
		for _, m := range members {
			fmt.Printf(" %s=%v", m, out[m])
		}
		fmt.Println()
		return out
	}
	call("GET", "/v1/whoami", "", "key")
	p := call("POST", "/v1/payments", `{"amount":5000,"currency":"TRY","method":"eft","from_account":"`+string(own.ID)+
		`","to_account":"`+string(vendor.ID)+`","reference":"INV-2024-001"}`, "status", "amount", "created_by", "created_at")
	call("DELETE", "/v1/payments/"+p["id"].(string), "", "status")
	call("POST", "/v1/payments", `{"amount":50.00,"currency":"TRY"}`, "code", "param", "message")
	res, _ := http.Get(srv.URL + "/healthz")
	fmt.Println(res.StatusCode, "healthz")
	res.Body.Close()
	// Output:
	// 200 key=key_erp
	// 201 status=pending amount=5000 created_by=key_erp created_at=2026-01-15T09:00:00Z
	// 200 status=cancelled
	// 400 code=invalid_type param=amount message=amount must be an integer (minor units), not 50.00
	// 200 healthz
}

// NewServer sets timeouts on every phase of a request; Shutdown lets requests in flight finish.
func ExampleNewServer() {
	srv := httpapi.NewServer("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }() // in production: srv.ListenAndServe()

	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(res.StatusCode, string(b))
	}

	// On SIGTERM: stop accepting, finish what is in flight, give up after 30 s.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fmt.Println("shutdown:", srv.Shutdown(ctx))
	fmt.Println("serve:", <-done)
	fmt.Println("read header timeout:", srv.ReadHeaderTimeout)
	// Output:
	// 200 ok
	// shutdown: <nil>
	// serve: http: Server closed
	// read header timeout: 5s
}
