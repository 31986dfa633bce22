package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// Default limits.
const (
	DefaultMaxBodyBytes      = 1 << 20 // 1 MiB for a single object
	DefaultMaxBatchBodyBytes = 4 << 20 // 4 MiB for POST /v1/payments/batch
	DefaultIdempotencyTTL    = 24 * time.Hour
	MaxBatchSize             = 500 // payments per batch request
)

// Options configures a Handler. The zero value means: no logging, the service's clock, no sandbox
// helpers, 1 MiB / 4 MiB body limits, idempotency records kept 24 hours in memory (at most
// DefaultResponseStoreBytes of them).
type Options struct {
	// Logger receives 5xx errors with their request id (never request bodies). Nil discards.
	Logger *slog.Logger
	// Clock decides key expiry and idempotency record age; nil uses the service's clock.
	Clock payment.Clock
	// Sandbox enables POST /v1/test_helpers/payments/{id}/advance. Never set it in production.
	Sandbox bool
	// MaxBodyBytes and MaxBatchBodyBytes cap request bodies (413 above them).
	MaxBodyBytes, MaxBatchBodyBytes int64
	// IdempotencyTTL is how long a response is replayed for its Idempotency-Key.
	IdempotencyTTL time.Duration
	// Responses stores idempotent responses; nil uses a MemoryResponseStore. Services running several
	// instances share one (the core also de-duplicates payment creation across instances).
	Responses ResponseStore
	// Routes are extra endpoints (reconciliation, a host's own) mounted at construction, as Mount does.
	Routes []Route
}

// Route is an extra endpoint served behind the Handler's authentication, request ids, body limit and
// idempotency. Its handler reads the caller's key with KeyFromContext and answers errors with
// WriteError.
type Route struct {
	// Pattern is a ServeMux pattern with a method: "POST /v1/reconciliation/runs".
	Pattern string
	// Scope is what the key needs; empty means read-only for GET and HEAD, read-write otherwise.
	Scope payment.Scope
	// MaxBodyBytes caps the body; 0 means Options.MaxBodyBytes.
	MaxBodyBytes int64
	// Secret says the answer holds a secret shown once (a new key's, an endpoint's): the response
	// recorded for an Idempotency-Key is replayed only to the API key that made the request; the
	// same key from another API key is 422 idempotency_key_reused.
	Secret  bool
	Handler http.Handler
}

// Handler serves the REST API under /v1. Create it with New; it is safe for concurrent use.
type Handler struct {
	svc   *payment.Service
	keys  payment.KeyStore
	opts  Options
	log   *slog.Logger
	clock payment.Clock
	idem  ResponseStore
	mux   *http.ServeMux
}

// New returns the API handler for svc, authenticating callers with keys.
func New(svc *payment.Service, keys payment.KeyStore, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = svc.Clock()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxBatchBodyBytes <= 0 {
		opts.MaxBatchBodyBytes = DefaultMaxBatchBodyBytes
	}
	if opts.IdempotencyTTL <= 0 {
		opts.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if opts.Responses == nil {
		opts.Responses = NewMemoryResponseStore()
	}
	h := &Handler{svc: svc, keys: keys, opts: opts, log: opts.Logger, clock: opts.Clock,
		idem: opts.Responses, mux: http.NewServeMux()}
	h.routes()
	for _, r := range opts.Routes {
		h.Mount(r)
	}
	return h
}

// body says whether an endpoint reads a JSON body.
type body uint8

const (
	noBody       body = iota
	optionalBody      // POST endpoints without parameters: empty or {}
	jsonBody
)

// endpoint is one built-in route.
type endpoint struct {
	scope payment.Scope
	body  body
	limit int64
	fn    func(c *call) error
}

func (h *Handler) routes() {
	ro, rw, admin := payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin
	one := h.opts.MaxBodyBytes
	h.handle("POST /v1/payments", endpoint{rw, jsonBody, one, h.createPayment})
	h.handle("GET /v1/payments", endpoint{ro, noBody, 0, h.listPayments})
	h.handle("POST /v1/payments/batch", endpoint{rw, jsonBody, h.opts.MaxBatchBodyBytes, h.createBatch})
	h.handle("GET /v1/payments/{id}", endpoint{ro, noBody, 0, h.getPayment})
	h.handle("DELETE /v1/payments/{id}", endpoint{rw, noBody, 0, h.cancelPayment})
	h.handle("GET /v1/payments/{id}/history", endpoint{ro, noBody, 0, h.paymentHistory})
	h.handle("POST /v1/payments/{id}/approve", endpoint{rw, optionalBody, one, h.approvePayment})
	h.handle("GET /v1/accounts", endpoint{ro, noBody, 0, h.listAccounts})
	h.handle("POST /v1/accounts", endpoint{rw, jsonBody, one, h.createAccount})
	h.handle("GET /v1/accounts/{id}", endpoint{ro, noBody, 0, h.getAccount})
	h.handle("GET /v1/api_keys", endpoint{admin, noBody, 0, h.listAPIKeys})
	h.handleSecret("POST /v1/api_keys", endpoint{admin, jsonBody, one, h.createAPIKey})
	h.handle("DELETE /v1/api_keys/{id}", endpoint{admin, noBody, 0, h.revokeAPIKey})
	if h.opts.Sandbox {
		h.handle("POST /v1/test_helpers/payments/{id}/advance", endpoint{rw, jsonBody, one, h.advance})
	}
}

func (h *Handler) handle(pattern string, e endpoint) { h.handleAs(pattern, e, false) }

// handleSecret is handle for an endpoint whose answer holds a secret shown once (Route.Secret).
func (h *Handler) handleSecret(pattern string, e endpoint) { h.handleAs(pattern, e, true) }

func (h *Handler) handleAs(pattern string, e endpoint, secret bool) {
	h.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r.Context())
		c.r = r
		if !c.key.Scope.Allows(e.scope) {
			WriteError(w, r, scopeError(c.key.Scope, e.scope))
			return
		}
		if e.body != noBody {
			b, err := readBody(w, r, e.limit, e.body == jsonBody)
			if err != nil {
				WriteError(w, r, err)
				return
			}
			c.body = b
		}
		c.secret = secret
		h.serveIdempotent(c, w, r, func(w http.ResponseWriter) {
			c.w = w
			if err := e.fn(c); err != nil {
				WriteError(w, r, err)
			}
		})
	}))
}

// Mount adds an extra endpoint. It panics if the pattern has no method, conflicts with a route
// already registered, or the scope is not a known one: a programming error, found at start-up.
func (h *Handler) Mount(rt Route) {
	method, _, ok := strings.Cut(rt.Pattern, " ")
	if !ok || method == "" || method != strings.ToUpper(method) || rt.Handler == nil {
		panic("httpapi: Mount needs a pattern \"METHOD /path\" and a handler, got " + rt.Pattern)
	}
	need := rt.Scope
	if need != "" && !need.Valid() {
		panic(fmt.Sprintf("httpapi: Mount of %q: scope %q is not %s, %s or %s", rt.Pattern, need,
			payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin))
	}
	if need == "" {
		need = payment.ScopeReadWrite
		if method == http.MethodGet || method == http.MethodHead {
			need = payment.ScopeReadOnly
		}
	}
	limit := rt.MaxBodyBytes
	if limit <= 0 {
		limit = h.opts.MaxBodyBytes
	}
	h.mux.Handle(rt.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r.Context())
		c.r = r
		if !c.key.Scope.Allows(need) {
			WriteError(w, r, scopeError(c.key.Scope, need))
			return
		}
		if r.ContentLength > limit {
			WriteError(w, r, tooLarge(limit))
			return
		}
		if r.Method == http.MethodPost && r.Header.Get(headerIdempotencyKey) != "" {
			// The fingerprint needs the whole body: read it here, hand the handler a copy.
			b, err := readAll(w, r, limit)
			if err != nil {
				WriteError(w, r, err)
				return
			}
			c.body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		c.secret = rt.Secret
		h.serveIdempotent(c, w, r, func(w http.ResponseWriter) { rt.Handler.ServeHTTP(w, r) })
	}))
}

// mountedRoute adapts an endpoint function of this package to a Route for Mount (a route set such as
// ReconciliationRoutes): the call is the one the Handler set up for the request, and fn's error goes
// to WriteError.
func mountedRoute(pattern string, limit int64, fn func(c *call) error) Route {
	return Route{Pattern: pattern, MaxBodyBytes: limit, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := callFrom(r.Context())
		if c == nil {
			WriteError(w, r, errors.New("httpapi: "+pattern+" must be mounted on a Handler"))
			return
		}
		c.w, c.r = w, r
		if err := fn(c); err != nil {
			WriteError(w, r, err)
		}
	})}
}

// call is the per-request state shared by the middleware and an endpoint.
type call struct {
	h     *Handler
	w     http.ResponseWriter
	r     *http.Request
	key   payment.APIKey
	reqID string
	body  []byte
	// errCode is the code of the error response written, if any (the idempotency layer reads it).
	errCode string
	// unfinished marks a success that is not the request's final outcome: a batch with items not
	// attempted or failed by a server error. The idempotency layer does not keep it, so that a retry
	// with the same key finishes the batch.
	unfinished bool
	// secret: the answer holds a secret shown once, replayed only to the same API key (Route.Secret).
	secret bool
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// KeyFromContext returns the authenticated API key of a request served by a Handler (its Workspace
// scopes everything the request may see).
func KeyFromContext(ctx context.Context) (payment.APIKey, bool) {
	if c := callFrom(ctx); c != nil {
		return c.key, true
	}
	return payment.APIKey{}, false
}

// RequestID returns the request's id (also sent as X-Request-Id), or "" outside a Handler.
func RequestID(ctx context.Context) string {
	if c := callFrom(ctx); c != nil {
		return c.reqID
	}
	return ""
}

const (
	headerRequestID      = "X-Request-Id"
	headerIdempotencyKey = "Idempotency-Key"
)

// ServeHTTP implements http.Handler: request id, panic recovery, authentication, routing.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{h: h, w: w, r: r, reqID: requestID(r.Header.Get(headerRequestID))}
	w.Header().Set(headerRequestID, c.reqID)
	w.Header().Set("Cache-Control", "no-store") // account data and, once, secrets: no cache keeps them
	r = r.WithContext(context.WithValue(r.Context(), callKey{}, c))
	c.r = r
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			WriteError(w, r, &panicError{v})
		}
	}()
	key, err := h.authenticate(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	c.key = key
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

type panicError struct{ v any }

func (p *panicError) Error() string { return fmt.Sprint("panic: ", p.v) }

// noRoute answers requests no pattern matches: 405 with Allow when the path exists, else 404.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	inner, _ := h.mux.Handler(r)
	probe := &probeWriter{header: http.Header{}}
	inner.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		WriteError(w, r, newError(http.StatusMethodNotAllowed, TypeInvalidRequest, CodeMethodNotAllowed,
			r.Method+" is not allowed on "+r.URL.Path+"; allowed: "+probe.header.Get("Allow")))
		return
	}
	WriteError(w, r, newError(http.StatusNotFound, TypeInvalidRequest, CodeRouteNotFound,
		"no endpoint "+r.Method+" "+r.URL.Path))
}

// probeWriter records what ServeMux's own 404/405 handler would answer.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(s int)           { p.status = s }

// requestID keeps a caller's X-Request-Id if it is short and plain, so logs line up across services;
// otherwise it makes one.
func requestID(in string) string {
	if n := len(in); n > 0 && n <= 128 {
		ok := true
		for i := 0; i < n && ok; i++ {
			c := in[i]
			ok = c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		}
		if ok {
			return in
		}
	}
	return "req_" + rand.Text()
}

// authenticate finds the request's API key: "Authorization: Bearer <secret>", looked up by its hash,
// compared in constant time, and checked for expiry and revocation.
func (h *Handler) authenticate(r *http.Request) (payment.APIKey, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return payment.APIKey{}, newError(http.StatusUnauthorized, TypeAuthentication, CodeMissingAPIKey,
			"no API key: send it as \"Authorization: Bearer <key>\"")
	}
	scheme, secret, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return payment.APIKey{}, newError(http.StatusUnauthorized, TypeAuthentication, CodeInvalidAPIKey,
			"the Authorization header must be \"Bearer <key>\"")
	}
	invalid := func(why string) error {
		return newError(http.StatusUnauthorized, TypeAuthentication, CodeInvalidAPIKey, why)
	}
	hash := payment.HashAPIKey(secret)
	key, err := h.keys.GetAPIKeyByHash(r.Context(), hash)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return payment.APIKey{}, invalid("the API key is not valid")
	case err != nil:
		return payment.APIKey{}, err
	case !key.Matches(hash):
		return payment.APIKey{}, invalid("the API key is not valid")
	case !key.RevokedAt.IsZero():
		return payment.APIKey{}, invalid("the API key has been revoked")
	case !key.Active(h.clock.Now()):
		return payment.APIKey{}, invalid("the API key has expired")
	}
	return key, nil
}

func scopeError(have, need payment.Scope) *Error {
	return newError(http.StatusForbidden, TypePermission, CodeInsufficientScope,
		"this call needs a "+string(need)+" key; this key is "+string(have))
}

func tooLarge(limit int64) *Error {
	return newError(http.StatusRequestEntityTooLarge, TypeInvalidRequest, CodeBodyTooLarge,
		"the body is larger than "+strconv.FormatInt(limit, 10)+" bytes")
}

// readBody checks Content-Type and size and returns the body. An empty body is an error when
// required; when it is optional, an empty body needs no Content-Type.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, required bool) ([]byte, error) {
	if !required && r.ContentLength == 0 {
		return nil, nil
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		if !required && r.ContentLength < 0 {
			// Unknown length without a JSON type: accept only if it turns out empty.
			b, rerr := readAll(w, r, limit)
			if rerr != nil || len(b) > 0 {
				return nil, err
			}
			return nil, nil
		}
		return nil, err
	}
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	b, err := readAll(w, r, limit)
	if err != nil {
		return nil, err
	}
	if required && len(bytes.TrimSpace(b)) == 0 {
		return nil, badRequest(CodeEmptyBody, "", "the request needs a JSON body")
	}
	return b, nil
}

func checkContentType(ct string) error {
	if ct == "application/json" || ct == "application/json; charset=utf-8" {
		return nil
	}
	bad := newError(http.StatusUnsupportedMediaType, TypeInvalidRequest, CodeUnsupportedMediaType,
		"the body must be JSON sent with \"Content-Type: application/json\"")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return bad
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return bad
		}
	}
	return nil
}

// readAll reads at most limit bytes of the body.
func readAll(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit)
	var b []byte
	var err error
	if n := r.ContentLength; n >= 0 && n <= limit {
		// The server's body reader stops at Content-Length: one exact allocation.
		b = make([]byte, n)
		_, err = io.ReadFull(body, b)
	} else {
		b, err = io.ReadAll(body)
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(limit)
	case err != nil:
		return nil, badRequest(CodeBodyUnreadable, "", "the body could not be read")
	}
	return b, nil
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	bp, err := encode(v)
	if err != nil {
		status = http.StatusInternalServerError
		bp, _ = encode(errorBody{Error: internalError()})
	}
	defer release(bp)
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(*bp)))
	w.WriteHeader(status)
	_, _ = w.Write(*bp)
}

// WriteJSON writes v as a JSON response with status: for handlers mounted with Mount.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }
