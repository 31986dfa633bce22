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
	ct.check(router, r, reqBody, res, resBody)
	return res, nil
}

func (ct *contractTransport) check(router routers.Router, r *http.Request, reqBody []byte, res *http.Response, resBody []byte) {
	t := ct.t
	where := r.Method + " " + r.URL.RequestURI()
	// A copy of the request for the validator, with its body.
	vr := r.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vr)
	if err != nil {
		// Not an operation of the document: only the router's own errors may answer.
		assert.Contains(t, []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnauthorized}, res.StatusCode,
			"contract: %s is no documented operation, yet got %d", where, res.StatusCode)
		ct.checkErrorBody(where, resBody)
		return
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			h := in.RequestValidationInput.Request.Header.Get("Authorization")
			if !strings.HasPrefix(h, "Bearer ") || len(h) == len("Bearer ") {
				return fmt.Errorf("no bearer token")
			}
			return nil
		},
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	status := res.StatusCode
	if reqErr != nil && (status < 400 || status >= 500) {
		t.Errorf("contract: %s: the document calls the request invalid (%v), yet it got %d", where, reqErr, status)
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status,
		Header: res.Header, Options: opts}
	rin.SetBodyBytes(resBody)
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		t.Errorf("contract: %s → %d: response does not match docs/openapi.yaml: %v\nbody: %s", where, status, err, truncate(resBody))
	}
	contract.mu.Lock()
	if contract.seen[route.Operation.OperationID] == nil {
		contract.seen[route.Operation.OperationID] = map[int]bool{}
	}
	contract.seen[route.Operation.OperationID][status] = true
	contract.mu.Unlock()
}

// checkErrorBody validates an error response of no documented operation against ErrorBody.
func (ct *contractTransport) checkErrorBody(where string, body []byte) {
	doc, _ := loadContract(ct.t)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		ct.t.Errorf("contract: %s: the error body is not JSON: %v", where, err)
		return
	}
	schema := doc.Components.Schemas["ErrorBody"].Value
	if err := schema.VisitJSON(v); err != nil {
		ct.t.Errorf("contract: %s: the error body does not match ErrorBody: %v\nbody: %s", where, err, truncate(body))
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
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
	assert.Equal(t, []string{
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
	}, ops)
}
