package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
)

// The reconciliation endpoints mount on the API handler over a reconcile.Service: start a run,
// upload the bank's statement file, finalize when nothing is left open, and the payment is
// reconciled.
func ExampleReconciliationRoutes() {
	ctx := context.Background()
	store := memory.New()
	// A fixed clock and deterministic ids make the output repeatable; leave them out in production.
	svc := payment.NewService(store, payment.Options{Clock: paymenttest.NewClock(paymenttest.Epoch), IDs: &paymenttest.IDs{}})
	ws, _ := svc.CreateWorkspace(ctx, "Acme Lojistik A.Ş.", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY",
		Type: payment.AccountInternal, IBAN: "TR330006100519786457841326"})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz Tekstil", Currency: "TRY", Type: payment.AccountExternal})
	p, _ := svc.Create(ctx, ws.ID, payment.Request{Amount: 125050, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: vendor.ID, Reference: "INV-2026-001"})
	_, _ = svc.Submit(ctx, ws.ID, p.ID, "treasury")
	_, _ = svc.Settle(ctx, ws.ID, p.ID, "bank", "settled")
	secret, hash := payment.NewAPIKeySecret()
	_ = store.CreateAPIKey(ctx, payment.APIKey{ID: "key_finance", Workspace: ws.ID, Scope: payment.ScopeReadWrite, Hash: hash})

	runs := reconcile.NewService(svc, memory.NewRunStore(store), reconcile.ServiceOptions{})
	api := httpapi.New(svc, store, httpapi.Options{Routes: httpapi.ReconciliationRoutes(runs, httpapi.ReconciliationOptions{})})
	srv := httptest.NewServer(api)
	defer srv.Close()

	call := func(method, path, contentType, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		if body != "" {
			req.Header.Set("Content-Type", contentType)
		}
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
	run := call("POST", "/v1/reconciliation/runs", "application/json",
		`{"account":"`+string(own.ID)+`","from":"2026-01-01","to":"2026-01-31"}`)
	fmt.Println("run", run["status"])
	path := "/v1/reconciliation/runs/" + run["id"].(string)

	statement := ":20:STMT0115\r\n:25:TR330006100519786457841326\r\n:28C:1/1\r\n:60F:C260114TRY5000,00\r\n" +
		":61:2601150115D1250,50NTRFINV-2026-001\r\n:86:Fatura INV-2026-001\r\n:62F:C260115TRY3749,50\r\n-\r\n"
	imported := call("POST", path+"/statements", "application/octet-stream", statement)
	fmt.Println("format", imported["format"], "added", imported["added"], "counts", imported["run"].(map[string]any)["counts"])

	done := call("POST", path+"/finalize", "", "")
	fmt.Println("run", done["status"])
	paid := call("GET", "/v1/payments/"+string(p.ID), "", "")
	fmt.Println("payment", paid["status"])
	// Output:
	// 201 run open
	// 200 format mt940 added 1 counts map[anomalies:0 dismissed:0 entries:1 exact:1 matched:1 open:0 proposed:0 unmatched:0]
	// 200 run finalized
	// 200 payment reconciled
}
