package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpointCase is one call of every endpoint, with what it needs.
type endpointCase struct {
	name, method, path, body string
	scope                    payment.Scope // the least scope that may make the call
	ok                       int           // the status of a successful call
}

// endpoints lists one call per endpoint. Paths use {pay}, {acc} and {key} for a payment, an account
// and an API key id that the caller fills in.
func (f *fixture) endpoints() []endpointCase {
	ro, rw, admin := payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin
	return []endpointCase{
		{"create payment", "POST", "/v1/payments", f.paymentBody(), rw, 201},
		{"list payments", "GET", "/v1/payments", "", ro, 200},
		{"batch", "POST", "/v1/payments/batch", `{"payments":[` + f.paymentBody() + `]}`, rw, 200},
		{"get payment", "GET", "/v1/payments/{pay}", "", ro, 200},
		{"cancel payment", "DELETE", "/v1/payments/{pay}", "", rw, 200},
		{"history", "GET", "/v1/payments/{pay}/history", "", ro, 200},
		{"approve", "POST", "/v1/payments/{pay}/approve", "", rw, 200},
		{"advance", "POST", "/v1/test_helpers/payments/{pay}/advance", `{"to":"settled"}`, rw, 200},
		{"list accounts", "GET", "/v1/accounts", "", ro, 200},
		{"create account", "POST", "/v1/accounts", `{"name":"Ortak","currency":"EUR","type":"external"}`, rw, 201},
		{"get account", "GET", "/v1/accounts/{acc}", "", ro, 200},
		{"list keys", "GET", "/v1/api_keys", "", admin, 200},
		{"create key", "POST", "/v1/api_keys", `{"name":"erp","scope":"read-only"}`, admin, 201},
		{"revoke key", "DELETE", "/v1/api_keys/{key}", "", admin, 200},
	}
}

func fill(path string, pay payment.ID, acc payment.AccountID, key string) string {
	return strings.NewReplacer("{pay}", string(pay), "{acc}", string(acc), "{key}", key).Replace(path)
}

// TestScopeMatrix makes every call with no key and with each scope: no key is 401, a scope below the
// endpoint's is 403 insufficient_scope and changes nothing, any other succeeds.
func TestScopeMatrix(t *testing.T) {
	f := newFixture(t)
	keys := map[payment.Scope]string{payment.ScopeReadOnly: f.ro, payment.ScopeReadWrite: f.rw, payment.ScopeAdmin: f.admin}
	for _, ep := range f.endpoints() {
		for _, scope := range []payment.Scope{"", payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin} {
			name := string(scope)
			if name == "" {
				name = "no key"
			}
			t.Run(ep.name+"/"+name, func(t *testing.T) {
				// Fresh objects for each call: a cancel or revoke must not see an earlier one's work.
				pay := f.env.MustCreate(t).ID
				victim := f.newKey(f.env.Workspace.ID, payment.ScopeReadOnly, time.Time{})
				path := fill(ep.path, pay, f.env.Vendor.ID, f.keyIDs[victim])
				before := f.snapshot()
				r := f.do(req{method: ep.method, path: path, key: keys[scope], body: ep.body})
				switch {
				case scope == "":
					assert.Equal(t, http.StatusUnauthorized, r.Status)
					assert.Equal(t, httpapi.CodeMissingAPIKey, r.err(t).Code)
					assert.Equal(t, before, f.snapshot())
				case !scope.Allows(ep.scope):
					assert.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
					e := r.err(t)
					assert.Equal(t, httpapi.CodeInsufficientScope, e.Code)
					assert.Equal(t, httpapi.TypePermission, e.Type)
					assert.Equal(t, before, f.snapshot())
				default:
					assert.Equal(t, ep.ok, r.Status, "%s", r.Body)
				}
			})
		}
	}
}

// TestWorkspaceIsolation calls every endpoint with workspace A's admin key on workspace B's objects:
// B's payment, account and key do not exist for A, lists show none of B's data, creations cannot
// use B's accounts, and nothing of B changes.
func TestWorkspaceIsolation(t *testing.T) {
	f := newFixture(t)
	bKeyID := f.keyIDs[f.otherKey]
	bBefore := f.workspaceState(f.otherWS.ID)
	for _, ep := range f.endpoints() {
		t.Run(ep.name, func(t *testing.T) {
			path := fill(ep.path, f.otherPayment.ID, f.otherAccount.ID, bKeyID)
			body := strings.ReplaceAll(ep.body, string(f.env.Own.ID), string(f.otherAccount.ID))
			r := f.do(req{method: ep.method, path: path, key: f.admin, body: body})
			switch {
			case strings.Contains(ep.path, "{"):
				assert.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
				assert.Equal(t, httpapi.CodeNotFound, r.err(t).Code)
			case ep.name == "create payment":
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
				e := r.err(t)
				assert.Equal(t, "from_account", e.Param)
				assert.Contains(t, e.Message, "no account")
			case ep.name == "batch":
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				var res httpapi.BatchResult
				r.json(t, &res)
				require.Len(t, res.Results, 1)
				assert.Equal(t, "failed", string(res.Results[0].Status))
				assert.Equal(t, "payments[0].from_account", res.Results[0].Error.Param)
			default:
				assert.Equal(t, ep.ok, r.Status, "%s", r.Body)
				for _, id := range []string{string(f.otherPayment.ID), string(f.otherAccount.ID), bKeyID} {
					assert.NotContains(t, string(r.Body), id, "nothing of workspace B is listed")
				}
			}
			assert.Equal(t, bBefore, f.workspaceState(f.otherWS.ID), "workspace B is unchanged")
		})
	}
	t.Run("list by B's account", func(t *testing.T) {
		r := f.get(f.ro, "/v1/payments?from_account="+string(f.otherAccount.ID))
		require.Equal(t, http.StatusOK, r.Status)
		assert.JSONEq(t, `{"data":[],"has_more":false}`, string(r.Body))
	})
	t.Run("B's key still works", func(t *testing.T) {
		r := f.get(f.otherKey, "/v1/payments/"+string(f.otherPayment.ID))
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, payment.StatusPending, r.payment(t).Status)
	})
}

// workspaceState is everything of one workspace, as JSON for a readable diff.
func (f *fixture) workspaceState(ws payment.WorkspaceID) string {
	f.t.Helper()
	ps, err := f.store.ListPayments(ctx, ws, payment.ListFilter{})
	require.NoError(f.t, err)
	as, err := f.store.ListAccounts(ctx, ws)
	require.NoError(f.t, err)
	ks, err := f.store.ListAPIKeys(ctx, ws)
	require.NoError(f.t, err)
	b, err := json.Marshal(map[string]any{"payments": ps, "accounts": as, "keys": ks})
	require.NoError(f.t, err)
	return string(b)
}

// TestAuthentication: every way of not having a usable key is 401 with WWW-Authenticate.
func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	expired := f.newKey(f.env.Workspace.ID, payment.ScopeAdmin, f.env.Clock.Now().Add(time.Hour))
	revoked := f.newKey(f.env.Workspace.ID, payment.ScopeAdmin, time.Time{})
	r := f.do(req{method: "DELETE", path: "/v1/api_keys/" + f.keyIDs[revoked], key: f.admin})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var k httpapi.APIKey
	r.json(t, &k)
	require.NotNil(t, k.RevokedAt)
	f.env.Clock.Advance(2 * time.Hour)

	tests := []struct {
		name, auth, code string
	}{
		{"missing", "", httpapi.CodeMissingAPIKey},
		{"basic", "Basic dXNlcjpwYXNz", httpapi.CodeInvalidAPIKey},
		{"empty bearer", "Bearer ", httpapi.CodeInvalidAPIKey},
		{"unknown key", "Bearer ok_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", httpapi.CodeInvalidAPIKey},
		{"key with a changed character", "Bearer " + f.rw[:len(f.rw)-1] + "x", httpapi.CodeInvalidAPIKey},
		{"expired", "Bearer " + expired, httpapi.CodeInvalidAPIKey},
		{"revoked", "Bearer " + revoked, httpapi.CodeInvalidAPIKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hd := map[string]string{}
			if tc.auth != "" {
				hd["Authorization"] = tc.auth
			}
			r := f.do(req{method: "GET", path: "/v1/payments", header: hd})
			require.Equal(t, http.StatusUnauthorized, r.Status)
			e := r.err(t)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, httpapi.TypeAuthentication, e.Type)
			assert.Equal(t, `Bearer realm="orkesta"`, r.Header.Get("WWW-Authenticate"))
		})
	}
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		r := f.do(req{method: "GET", path: "/v1/payments", header: map[string]string{"Authorization": "bearer " + f.ro}})
		assert.Equal(t, http.StatusOK, r.Status)
	})
	t.Run("other keys survive a revocation", func(t *testing.T) {
		assert.Equal(t, http.StatusOK, f.get(f.admin, "/v1/api_keys").Status)
	})
	t.Run("unknown routes need a key too", func(t *testing.T) {
		assert.Equal(t, http.StatusUnauthorized, f.get("", "/v1/secret-admin").Status)
	})
}

// TestAPIKeys creates a key through the API, uses it, lists it, and sees its secret only once.
func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	r := f.post(f.admin, "/v1/api_keys", `{"name":"erp-sync","scope":"read-write","expires_at":"2027-01-01T00:00:00Z"}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	var k httpapi.APIKey
	r.json(t, &k)
	require.True(t, strings.HasPrefix(k.Secret, payment.APIKeyPrefix))
	assert.Equal(t, k.Secret[:8], k.Prefix)
	assert.Equal(t, payment.ScopeReadWrite, k.Scope)
	require.NotNil(t, k.ExpiresAt)

	created := f.createPayment(k.Secret)
	assert.Equal(t, k.ID, created.CreatedBy)

	r = f.get(f.admin, "/v1/api_keys")
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), k.Secret, "secrets are never listed")
	var list httpapi.APIKeyList
	r.json(t, &list)
	assert.Len(t, list.Data, 5)

	for name, body := range map[string]string{
		"no name":       `{"scope":"admin"}`,
		"bad scope":     `{"name":"x","scope":"root"}`,
		"expired":       `{"name":"x","scope":"admin","expires_at":"2020-01-01T00:00:00Z"}`,
		"bad time":      `{"name":"x","scope":"admin","expires_at":"tomorrow"}`,
		"unknown field": `{"name":"x","scope":"admin","workspace":"ws_1"}`,
		"NUL in name":   `{"name":"erp\u0000","scope":"admin"}`,
		"long name":     `{"name":"` + strings.Repeat("ş", 101) + `","scope":"admin"}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := f.post(f.admin, "/v1/api_keys", body)
			assert.Contains(t, []int{400, 422}, r.Status, "%s", r.Body)
		})
	}
	assert.Equal(t, http.StatusNotFound, f.do(req{method: "DELETE", path: "/v1/api_keys/key_nope", key: f.admin}).Status)
}
