// Package httpapi is the REST API of Orkesta (/v1/...) as an http.Handler that an embedding service
// mounts and that `orkesta serve` runs. docs/openapi.yaml describes every endpoint, schema and error;
// the package's tests hold the handler to it.
//
//	h := httpapi.New(svc, keys, httpapi.Options{Logger: logger})
//	srv := httpapi.NewServer(":8080", h)     // timeouts on every phase of a request
//	go srv.ListenAndServe()
//	...
//	srv.Shutdown(ctx)                         // stops accepting, lets requests in flight finish
//
// The handler is self-contained: mount it at the root of a mux (its routes start with /v1/) or
// behind a prefix with http.StripPrefix.
//
// # Endpoints
//
//	POST   /v1/payments                      create (201)              read-write
//	GET    /v1/payments                      list, newest first        read-only
//	POST   /v1/payments/batch                1 to 500 payments (200)   read-write
//	GET    /v1/payments/{id}                 one payment               read-only
//	DELETE /v1/payments/{id}                 cancel                    read-write
//	GET    /v1/payments/{id}/history         transitions               read-only
//	POST   /v1/payments/{id}/approve         approve (maker-checker)   read-write
//	GET    /v1/accounts                      bare array                read-only
//	POST   /v1/accounts                      create (201)              read-write
//	GET    /v1/accounts/{id}                 one account               read-only
//	GET    /v1/api_keys                      list, no secrets          admin
//	POST   /v1/api_keys                      create, secret once (201) admin
//	DELETE /v1/api_keys/{id}                 revoke                    admin
//	POST   /v1/test_helpers/payments/{id}/advance   (Options.Sandbox)  read-write
//
// Webhook endpoints, mounted with WebhookRoutes over a Webhooks (orkesta serve: adapters/webhook's
// dispatcher):
//
//	POST   /v1/webhook_endpoints                     create, secret once (201)  read-write
//	GET    /v1/webhook_endpoints                     list, no secrets           read-only
//	GET    /v1/webhook_endpoints/{id}                one endpoint, no secret    read-only
//	POST   /v1/webhook_endpoints/{id}                change the members sent    read-write
//	DELETE /v1/webhook_endpoints/{id}                delete                     read-write
//	POST   /v1/webhook_endpoints/{id}/disable        stop deliveries            read-write
//	POST   /v1/webhook_endpoints/{id}/enable         resume deliveries          read-write
//	POST   /v1/webhook_endpoints/{id}/rotate_secret  new secret, once           read-write
//	GET    /v1/webhook_endpoints/{id}/deliveries     recent, newest first       read-only
//	POST   /v1/webhook_endpoints/{id}/test           send a test event now      read-write
//
// # Safety
//
// Every request needs "Authorization: Bearer <key>": the key is looked up by its SHA-256 hash in the
// payment.KeyStore, compared in constant time, and checked for expiry and revocation (401 otherwise);
// its scope must allow the call (403). The key's workspace scopes everything: another workspace's
// objects are 404. Every response carries X-Request-Id.
//
// Request bodies are JSON only, at most Options.MaxBodyBytes (1 MiB; 4 MiB for a batch), and decoded
// strictly by the package's own parser, which reports every unknown member, duplicate member name,
// wrong type (an amount of 1.5, "100" or 1e3) and trailing data with the member's JSON path
// ("payments[3].amount"). A malformed request stores nothing.
//
// A POST with an Idempotency-Key is recorded in the ResponseStore (Options.Responses; in memory by
// default) and its first response replayed for 24 hours; the same key with another request is 422
// idempotency_key_reused (a multipart/form-data body is the same request when its fields' names,
// values, file names and file contents are, in order, whatever its boundary), and with the first
// request still running 409 idempotency_key_in_use. The key also travels to the core
// (payment.Request.IdempotencyKey, batch.Options.IdempotencyKey), so creation is de-duplicated across
// instances and after the record expired. An answer that holds a secret shown once (Route.Secret: a
// new API key, a webhook endpoint, a rotated secret) is replayed only to the API key that asked for
// it; another key's same request is idempotency_key_reused. A batch answer with items left undone is
// not recorded, so a retry finishes it. Every answer carries Cache-Control: no-store.
//
// # Errors
//
// This package is the one place where errors become HTTP statuses. Every error body is
//
//	{"error":{"type":…,"code":…,"message":…,"param":…,"errors":[{"param":…,"code":…,"message":…}]}}
//
// and the mapping is:
//
//	malformed body or query (decoder)               400 invalid_json, duplicate_key, unknown_field, …
//	payment.ErrInvalid                              422 validation_failed, every field in errors[]
//	batch.ErrEmpty / batch.ErrTooLarge              422 batch_empty / batch_too_large
//	payment.ErrIdempotencyMismatch                  422 idempotency_key_reused
//	payment.ErrNotFound                             404 not_found
//	*payment.StatusError on cancel                  409 payment_not_cancellable, payment_status set
//	other *payment.StatusError, ErrInvalidTransition 409 invalid_transition, payment_status set
//	*payment.NotAllowedError maker_checker          403 maker_checker
//	*payment.NotAllowedError approval_required      409 approval_required (other rules: not_allowed)
//	payment.ErrConflict                             409 conflict (a concurrent change won: retry)
//	payment.ErrDuplicate                            409 duplicate
//	reconcile.ErrParse / ErrNotStatement            422 statement_invalid (lines in errors[]) / not_a_statement
//	*httpapi.Error                                  as it says
//	anything else                                   500 internal_error, generic body, logged with the request id
//
// # Extra routes
//
// Endpoints that live in other packages (reconciliation, webhooks) are added with Handler.Mount or
// Options.Routes. A mounted route gets the same authentication, scope check, body limit,
// idempotency, request id and panic recovery as the built-in ones; its handler reads the caller's
// key with KeyFromContext, decodes JSON with DecodeJSON, and answers with WriteJSON and WriteError:
//
//	h.Mount(httpapi.Route{Pattern: "POST /v1/reconciliation/runs", MaxBodyBytes: 50 << 20,
//		Handler: http.HandlerFunc(startRun)})
package httpapi
