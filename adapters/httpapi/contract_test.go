package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The contract test: every request a test in this package sends, and every response it gets, is
// checked against docs/openapi.yaml by contractTransport, in both directions:
//
//   - every response must match the documented status, headers and schema of its operation (an
//     undocumented status fails), and responses to unknown routes must be documented error bodies;
//   - a request the document calls invalid must get a 4xx; a request answered 2xx must be one the
//     document calls valid.
//
// TestMain then checks that the tests exercised every operation of the document.

const specPath = "../../docs/openapi.yaml"

var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error

	mu   sync.Mutex
	seen map[string]map[int]bool // operationId → statuses seen
}

func loadContract(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	contract.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			contract.err = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contract.err = fmt.Errorf("docs/openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		doc.Servers = nil // match on paths only: the test server is on 127.0.0.1
		contract.doc = doc
		contract.router, contract.err = legacy.NewRouter(doc)
		contract.seen = map[string]map[int]bool{}
	})
	require.NoError(t, contract.err)
	return contract.doc, contract.router
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && contract.doc != nil && !testing.Short() {
		if missing := uncovered(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "contract: operations of docs/openapi.yaml no test exercised: %s\n", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

func uncovered() []string {
	contract.mu.Lock()
	defer contract.mu.Unlock()
	var missing []string
	for _, item := range contract.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if len(contract.seen[op.OperationID]) == 0 {
				missing = append(missing, op.OperationID)
			}
		}
	}
	slices.Sort(missing)
	return missing
}

// contractTransport validates every request and response against the OpenAPI document.
type contractTransport struct {
	t    *testing.T
	base http.RoundTripper
}

func (ct *contractTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	_, router := loadContract(ct.t)
	var reqBody []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		reqBody = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	res, err := ct.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resBody, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(resBody))
	for _, p := range checkContract(ct.t, router, r, reqBody, res, resBody) {
		ct.t.Error("contract: " + p)
	}
	return res, nil
}

// checkContract returns every way in which a request and its response break the document.
func checkContract(t *testing.T, router routers.Router, r *http.Request, reqBody []byte, res *http.Response, resBody []byte) []string {
	var problems []string
	where := r.Method + " " + r.URL.RequestURI()
	// A copy of the request for the validator, with its body.
	vr := r.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vr)
	if err != nil {
		// Not an operation of the document: only the router's own errors may answer.
		if !slices.Contains([]int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnauthorized}, res.StatusCode) {
			problems = append(problems, fmt.Sprintf("%s is no documented operation, yet got %d", where, res.StatusCode))
		}
		return append(problems, checkErrorBody(t, where, resBody)...)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			// RFC 9110: the scheme is case-insensitive.
			h := in.RequestValidationInput.Request.Header.Get("Authorization")
			if len(h) <= len("Bearer ") || !strings.EqualFold(h[:len("Bearer ")], "Bearer ") {
				return fmt.Errorf("no bearer token")
			}
			return nil
		},
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	status := res.StatusCode
	if reqErr != nil && (status < 400 || status >= 500) {
		problems = append(problems, fmt.Sprintf("%s: the document calls the request invalid (%v), yet it got %d", where, reqErr, status))
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status,
		Header: res.Header, Options: opts}
	rin.SetBodyBytes(resBody)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		problems = append(problems, fmt.Sprintf("%s → %d: response does not match docs/openapi.yaml: %v\nbody: %s", where, status, err, truncate(resBody)))
	}
	contract.mu.Lock()
	if contract.seen[route.Operation.OperationID] == nil {
		contract.seen[route.Operation.OperationID] = map[int]bool{}
	}
	contract.seen[route.Operation.OperationID][status] = true
	contract.mu.Unlock()
	return problems
}

// checkErrorBody validates an error response of no documented operation against ErrorBody.
func checkErrorBody(t *testing.T, where string, body []byte) []string {
	doc, _ := loadContract(t)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{fmt.Sprintf("%s: the error body is not JSON: %v", where, err)}
	}
	schema := doc.Components.Schemas["ErrorBody"].Value
	if err := schema.VisitJSON(v); err != nil {
		return []string{fmt.Sprintf("%s: the error body does not match ErrorBody: %v\nbody: %s", where, err, truncate(body))}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// TestContractCatchesDrift proves the contract check is not vacuous: responses and requests that
// break the document in typical ways are caught.
func TestContractCatchesDrift(t *testing.T) {
	_, router := loadContract(t)
	good := `{"id":"pay_01KF0000000000000000000000","status":"pending","amount":5000,"currency":"TRY",` +
		`"method":"eft","from_account":"acc_01KF0000000000000000000001","to_account":"acc_01KF0000000000000000000002",` +
		`"description":"","reference":"","value_date":"2026-01-15","end_to_end_id":"0000000000000000",` +
		`"created_at":"2026-01-15T09:00:00Z","updated_at":"2026-01-15T09:00:00Z"}`
	tests := []struct {
		name         string
		method, path string
		reqBody      string
		status       int
		resBody      string
		header       bool // send X-Request-Id
		wantProblems bool
	}{
		{"conforming", "GET", "/v1/payments/pay_01KF0000000000000000000000", "", 200, good, true, false},
		{"extra field", "GET", "/v1/payments/x", "", 200, strings.Replace(good, `"amount"`, `"secret":1,"amount"`, 1), true, true},
		{"amount as string", "GET", "/v1/payments/x", "", 200, strings.Replace(good, `5000`, `"5000"`, 1), true, true},
		{"local time", "GET", "/v1/payments/x", "", 200, strings.Replace(good, `09:00:00Z","updated`, `12:00:00+03:00","updated`, 1), true, true},
		{"undocumented status", "GET", "/v1/payments/x", "", 418, `{"error":{"type":"api_error","code":"internal_error","message":"x"}}`, true, true},
		{"no request id", "GET", "/v1/payments/x", "", 200, good, false, true},
		{"unknown error code", "GET", "/v1/payments/x", "", 404, `{"error":{"type":"invalid_request_error","code":"gone","message":"x"}}`, true, true},
		{"invalid request accepted", "POST", "/v1/payments", `{"amount":1.5}`, 201, good, true, true},
		{"unknown route not an error body", "GET", "/v1/nope", "", 404, `not found`, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, "http://127.0.0.1"+tc.path, strings.NewReader(tc.reqBody))
			require.NoError(t, err)
			r.Header.Set("Authorization", "Bearer ok_x")
			if tc.reqBody != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			res := &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {"application/json"}}}
			if tc.header {
				res.Header.Set("X-Request-Id", "req_1")
			}
			problems := checkContract(t, router, r, []byte(tc.reqBody), res, []byte(tc.resBody))
			if tc.wantProblems {
				assert.NotEmpty(t, problems)
			} else {
				assert.Empty(t, problems)
			}
		})
	}
}

// TestOpenAPIDocument checks that the document is valid OpenAPI 3.1 and lists the endpoints the
// handler serves.
func TestOpenAPIDocument(t *testing.T) {
	doc, _ := loadContract(t)
	require.True(t, doc.IsOpenAPI31OrLater(), "docs/openapi.yaml must be OpenAPI 3.1")
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	slices.Sort(ops)
	want := []string{
		"DELETE /v1/api_keys/{id}",
		"DELETE /v1/payments/{id}",
		"GET /v1/accounts",
		"GET /v1/accounts/{id}",
		"GET /v1/api_keys",
		"GET /v1/payments",
		"GET /v1/payments/{id}",
		"GET /v1/payments/{id}/history",
		"POST /v1/accounts",
		"POST /v1/api_keys",
		"POST /v1/payments",
		"POST /v1/payments/batch",
		"POST /v1/payments/{id}/approve",
		"POST /v1/test_helpers/payments/{id}/advance",
		// Served by ReconciliationRoutes.
		"GET /v1/reconciliation/runs",
		"GET /v1/reconciliation/runs/{id}",
		"GET /v1/reconciliation/runs/{id}/report",
		"POST /v1/reconciliation/runs",
		"POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/approve",
		"POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/dismiss",
		"POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/map",
		"POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/reject",
		"POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/unmatch",
		"POST /v1/reconciliation/runs/{id}/finalize",
		"POST /v1/reconciliation/runs/{id}/statements",
		// Served by WebhookRoutes.
		"DELETE /v1/webhook_endpoints/{id}",
		"GET /v1/webhook_endpoints",
		"GET /v1/webhook_endpoints/{id}",
		"GET /v1/webhook_endpoints/{id}/deliveries",
		"POST /v1/webhook_endpoints",
		"POST /v1/webhook_endpoints/{id}",
		"POST /v1/webhook_endpoints/{id}/disable",
		"POST /v1/webhook_endpoints/{id}/enable",
		"POST /v1/webhook_endpoints/{id}/rotate_secret",
		"POST /v1/webhook_endpoints/{id}/test",
	}
	slices.Sort(want)
	assert.Equal(t, want, ops)
}
