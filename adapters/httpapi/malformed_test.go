package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMalformedRequests sends requests that are wrong in every way we could think of. Each gets the
// right 4xx and code (and param, where one member is to blame), and the store is exactly as before:
// no payment, account, key, history record or event was written.
func TestMalformedRequests(t *testing.T) {
	f := newFixture(t)
	good := f.paymentBody()
	inner := good[1 : len(good)-1] // the members, without braces
	with := func(members string) string { return "{" + inner + "," + members + "}" }
	replace := func(old, new string) string {
		require.Contains(t, good, old)
		return strings.Replace(good, old, new, 1)
	}
	amount := `"amount":125000`
	item := func(s string) string { return `{"payments":[` + good + "," + s + `]}` }
	batchOf := func(n int) string { return `{"payments":[` + strings.Repeat(good+",", n-1) + good + `]}` }
	deep := `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	own, vendor := string(f.env.Own.ID), string(f.env.Vendor.ID)
	pending := f.env.MustCreate(t)
	approve := "/v1/payments/" + string(pending.ID) + "/approve"
	advance := "/v1/test_helpers/payments/" + string(pending.ID) + "/advance"

	const (
		pay   = "/v1/payments"
		batch = "/v1/payments/batch"
		accts = "/v1/accounts"
		json  = ""
	)
	tests := []struct {
		name, method, path, body, ct string
		status                       int
		code, param                  string
	}{
		// Not JSON at all.
		{"unclosed object", "POST", pay, `{`, json, 400, httpapi.CodeInvalidJSON, ""},
		{"missing value", "POST", pay, `{"amount":}`, json, 400, httpapi.CodeInvalidJSON, ""},
		{"trailing comma", "POST", pay, "{" + inner + ",}", json, 400, httpapi.CodeInvalidJSON, ""},
		{"single quotes", "POST", pay, `{'amount':1}`, json, 400, httpapi.CodeInvalidJSON, ""},
		{"leading zero", "POST", pay, replace(amount, `"amount":0125000`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"NaN", "POST", pay, replace(amount, `"amount":NaN`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"bare minus", "POST", pay, replace(amount, `"amount":-`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"plus sign", "POST", pay, replace(amount, `"amount":+5`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"unterminated string", "POST", pay, `{"currency":"TRY`, json, 400, httpapi.CodeInvalidJSON, ""},
		{"raw control character", "POST", pay, with("\"description\":\"a\x01b\""), json, 400, httpapi.CodeInvalidJSON, ""},
		{"invalid UTF-8", "POST", pay, replace(`"Invoice payment"`, "\"Invoice \xff\""), json, 400, httpapi.CodeInvalidJSON, ""},
		{"lone surrogate", "POST", pay, replace(`"Invoice payment"`, `"\ud800"`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"bad escape", "POST", pay, replace(`"Invoice payment"`, `"\x41"`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"nested too deep", "POST", pay, deep, json, 400, httpapi.CodeInvalidJSON, ""},
		{"true misspelt", "POST", pay, with(`"x":tru`), json, 400, httpapi.CodeInvalidJSON, ""},
		{"comment", "POST", pay, "{/* hi */" + inner + "}", json, 400, httpapi.CodeInvalidJSON, ""},
		// Not one object.
		{"empty body", "POST", pay, "", "application/json", 400, httpapi.CodeEmptyBody, ""},
		{"whitespace body", "POST", pay, " \n\t", json, 400, httpapi.CodeEmptyBody, ""},
		{"null", "POST", pay, `null`, json, 400, httpapi.CodeInvalidType, ""},
		{"array", "POST", pay, `[` + good + `]`, json, 400, httpapi.CodeInvalidType, ""},
		{"string", "POST", pay, `"pay me"`, json, 400, httpapi.CodeInvalidType, ""},
		{"number", "POST", pay, `125000`, json, 400, httpapi.CodeInvalidType, ""},
		{"trailing object", "POST", pay, good + `{}`, json, 400, httpapi.CodeTrailingData, ""},
		{"trailing garbage", "POST", pay, good + ` x`, json, 400, httpapi.CodeTrailingData, ""},
		{"two requests", "POST", pay, good + "\n" + good, json, 400, httpapi.CodeTrailingData, ""},
		// Members: duplicates and unknowns.
		{"duplicate amount", "POST", pay, with(`"amount":1`), json, 400, httpapi.CodeDuplicateKey, "amount"},
		{"duplicate by escape", "POST", pay, with(`"\u0061mount":1`), json, 400, httpapi.CodeDuplicateKey, "amount"},
		{"duplicate to_account", "POST", pay, with(`"to_account":"` + own + `"`), json, 400, httpapi.CodeDuplicateKey, "to_account"},
		{"duplicate inside unknown", "POST", pay, with(`"meta":{"a":1,"a":2}`), json, 400, httpapi.CodeUnknownField, "meta"},
		{"misspelt field", "POST", pay, with(`"refrence":"x"`), json, 400, httpapi.CodeUnknownField, "refrence"},
		{"upper-case field", "POST", pay, with(`"Amount":1`), json, 400, httpapi.CodeUnknownField, "Amount"},
		{"status injected", "POST", pay, with(`"status":"settled"`), json, 400, httpapi.CodeUnknownField, "status"},
		{"workspace injected", "POST", pay, with(`"workspace_id":"` + string(f.otherWS.ID) + `"`), json, 400, httpapi.CodeUnknownField, "workspace_id"},
		{"maker injected", "POST", pay, with(`"created_by":"someone-else"`), json, 400, httpapi.CodeUnknownField, "created_by"},
		{"id injected", "POST", pay, with(`"id":"pay_01KF0000000000000000000000"`), json, 400, httpapi.CodeUnknownField, "id"},
		// Types.
		{"amount 1.5", "POST", pay, replace(amount, `"amount":1.5`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount as string", "POST", pay, replace(amount, `"amount":"100"`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount 1e3", "POST", pay, replace(amount, `"amount":1e3`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount 1E3", "POST", pay, replace(amount, `"amount":1E3`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount 100.0", "POST", pay, replace(amount, `"amount":100.0`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount null", "POST", pay, replace(amount, `"amount":null`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount true", "POST", pay, replace(amount, `"amount":true`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount object", "POST", pay, replace(amount, `"amount":{"value":1}`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"amount over int64", "POST", pay, replace(amount, `"amount":9223372036854775808`), json, 400, httpapi.CodeInvalidType, "amount"},
		{"currency as number", "POST", pay, replace(`"currency":"TRY"`, `"currency":949`), json, 400, httpapi.CodeInvalidType, "currency"},
		{"currency null", "POST", pay, replace(`"currency":"TRY"`, `"currency":null`), json, 400, httpapi.CodeInvalidType, "currency"},
		{"method as array", "POST", pay, replace(`"method":"bank_transfer"`, `"method":["eft"]`), json, 400, httpapi.CodeInvalidType, "method"},
		{"account as object", "POST", pay, replace(`"from_account":"`+own+`"`, `"from_account":{}`), json, 400, httpapi.CodeInvalidType, "from_account"},
		{"date as number", "POST", pay, with(`"value_date":20260115`), json, 400, httpapi.CodeInvalidType, "value_date"},
		{"date day first", "POST", pay, with(`"value_date":"15/01/2026"`), json, 400, httpapi.CodeInvalidFormat, "value_date"},
		{"date 30 February", "POST", pay, with(`"value_date":"2026-02-30"`), json, 400, httpapi.CodeInvalidFormat, "value_date"},
		{"date with time", "POST", pay, with(`"value_date":"2026-01-15T00:00:00Z"`), json, 400, httpapi.CodeInvalidFormat, "value_date"},
		// Transport.
		{"text/plain", "POST", pay, good, "text/plain", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"no content type", "POST", pay, good, "none", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"form encoded", "POST", pay, good, "application/x-www-form-urlencoded", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"latin-1 JSON", "POST", pay, good, "application/json; charset=iso-8859-9", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"json lookalike", "POST", pay, good, "application/jsonx", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"over 1 MiB", "POST", pay, replace(`"Invoice payment"`, `"`+strings.Repeat("a", 1<<20)+`"`), json, 413, httpapi.CodeBodyTooLarge, ""},
		// Valid JSON, invalid payment: 422 with the field.
		{"amount zero", "POST", pay, replace(amount, `"amount":0`), json, 422, httpapi.CodeValidationFailed, "amount"},
		{"amount negative", "POST", pay, replace(amount, `"amount":-5`), json, 422, httpapi.CodeValidationFailed, "amount"},
		{"unknown currency", "POST", pay, replace(`"currency":"TRY"`, `"currency":"XXX"`), json, 422, httpapi.CodeValidationFailed, "currency"},
		{"lower-case currency", "POST", pay, replace(`"currency":"TRY"`, `"currency":"try"`), json, 422, httpapi.CodeValidationFailed, "currency"},
		{"unknown method", "POST", pay, replace(`"method":"bank_transfer"`, `"method":"wire"`), json, 422, httpapi.CodeValidationFailed, "method"},
		{"description too long", "POST", pay, replace(`"Invoice payment"`, `"`+strings.Repeat("ş", 141)+`"`), json, 422, httpapi.CodeValidationFailed, "description"},
		{"reference with a bell", "POST", pay, replace(`"INV-2026-0001"`, `"INV\u0007"`), json, 422, httpapi.CodeValidationFailed, "reference"},
		{"same account twice", "POST", pay, replace(vendor, own), json, 422, httpapi.CodeValidationFailed, "to_account"},
		{"debit a counterparty", "POST", pay, strings.NewReplacer(own, vendor, vendor, own).Replace(good), json, 422, httpapi.CodeValidationFailed, "from_account"},
		{"currency of another account", "POST", pay, replace(`"currency":"TRY"`, `"currency":"EUR"`), json, 422, httpapi.CodeValidationFailed, "currency"},
		{"empty object", "POST", pay, `{}`, json, 422, httpapi.CodeValidationFailed, "amount"},
		// Batches.
		{"batch empty", "POST", batch, `{"payments":[]}`, json, 422, httpapi.CodeBatchEmpty, "payments"},
		{"batch without payments", "POST", batch, `{}`, json, 422, httpapi.CodeBatchEmpty, "payments"},
		{"batch of 501", "POST", batch, batchOf(501), json, 422, httpapi.CodeBatchTooLarge, "payments"},
		{"batch payments object", "POST", batch, `{"payments":{}}`, json, 400, httpapi.CodeInvalidType, "payments"},
		{"batch item 1.5", "POST", batch, item(replace(amount, `"amount":1.5`)), json, 400, httpapi.CodeInvalidType, "payments[1].amount"},
		{"batch item unknown field", "POST", batch, item(with(`"memo":"x"`)), json, 400, httpapi.CodeUnknownField, "payments[1].memo"},
		{"batch item duplicate", "POST", batch, item(with(`"currency":"TRY"`)), json, 400, httpapi.CodeDuplicateKey, "payments[1].currency"},
		{"batch item not object", "POST", batch, item(`42`), json, 400, httpapi.CodeInvalidType, "payments[1]"},
		{"batch duplicate payments", "POST", batch, `{"payments":[` + good + `],"payments":[` + good + `]}`, json, 400, httpapi.CodeDuplicateKey, "payments"},
		{"batch wrapped", "POST", batch, `{"items":[` + good + `]}`, json, 400, httpapi.CodeUnknownField, "items"},
		{"batch over 4 MiB", "POST", batch, `{"payments":[` + replace(`"Invoice payment"`, `"`+strings.Repeat("a", 4<<20)+`"`) + `]}`, json, 413, httpapi.CodeBodyTooLarge, ""},
		// Accounts.
		{"account balance", "POST", accts, `{"name":"X","currency":"TRY","type":"external","balance":100}`, json, 400, httpapi.CodeUnknownField, "balance"},
		{"account type", "POST", accts, `{"name":"X","currency":"TRY","type":"savings"}`, json, 422, httpapi.CodeValidationFailed, "type"},
		{"account IBAN", "POST", accts, `{"name":"X","currency":"TRY","type":"external","iban":"TR330006100519786457841327"}`, json, 422, httpapi.CodeValidationFailed, "iban"},
		{"account name number", "POST", accts, `{"name":7,"currency":"TRY","type":"external"}`, json, 400, httpapi.CodeInvalidType, "name"},
		// Approve and advance.
		{"approve with reason", "POST", approve, `{"reason":"ok"}`, json, 400, httpapi.CodeUnknownField, "reason"},
		{"approve with array", "POST", approve, `[]`, json, 400, httpapi.CodeInvalidType, ""},
		{"approve as text", "POST", approve, `ok`, "text/plain", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"advance to number", "POST", advance, `{"to":1}`, json, 400, httpapi.CodeInvalidType, "to"},
		{"advance nowhere", "POST", advance, `{}`, json, 422, httpapi.CodeValidationFailed, "to"},
		// Query parameters.
		{"limit 0", "GET", pay + "?limit=0", "", json, 400, httpapi.CodeInvalidParameter, "limit"},
		{"limit 101", "GET", pay + "?limit=101", "", json, 400, httpapi.CodeInvalidParameter, "limit"},
		{"limit word", "GET", pay + "?limit=ten", "", json, 400, httpapi.CodeInvalidParameter, "limit"},
		{"limit twice", "GET", pay + "?limit=1&limit=2", "", json, 400, httpapi.CodeInvalidParameter, "limit"},
		{"unknown status", "GET", pay + "?status=done", "", json, 400, httpapi.CodeInvalidParameter, "status"},
		{"cursor not an id", "GET", pay + "?starting_after=page2", "", json, 400, httpapi.CodeInvalidParameter, "starting_after"},
		{"created_gte word", "GET", pay + "?created_gte=yesterday", "", json, 400, httpapi.CodeInvalidParameter, "created_gte"},
		{"unknown parameter", "GET", pay + "?stauts=pending", "", json, 400, httpapi.CodeUnknownParameter, "stauts"},
		{"method filter", "GET", pay + "?method=wire", "", json, 400, httpapi.CodeInvalidParameter, "method"},
		{"account filter", "GET", pay + "?from_account=acc_x", "", json, 400, httpapi.CodeInvalidParameter, "from_account"},
		// Routes.
		{"PUT payments", "PUT", pay, good, json, 405, httpapi.CodeMethodNotAllowed, ""},
		{"PATCH payment", "PATCH", "/v1/payments/" + string(pending.ID), `{}`, json, 405, httpapi.CodeMethodNotAllowed, ""},
		{"no such route", "GET", "/v1/refunds", "", json, 404, httpapi.CodeRouteNotFound, ""},
		{"no version", "GET", "/payments", "", json, 404, httpapi.CodeRouteNotFound, ""},
	}
	require.GreaterOrEqual(t, len(tests), 60)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			r := f.do(req{method: tc.method, path: tc.path, key: f.admin, body: tc.body, contentType: tc.ct})
			require.Equal(t, tc.status, r.Status, "%s", truncate(r.Body))
			e := r.err(t)
			assert.Equal(t, tc.code, e.Code)
			if tc.param != "" {
				assert.Equal(t, tc.param, e.Param)
			}
			assert.NotEmpty(t, e.Message)
			assert.Equal(t, before, f.snapshot(), "nothing stored")
			if tc.status == http.StatusMethodNotAllowed {
				assert.NotEmpty(t, r.Header.Get("Allow"))
			}
		})
	}
}

// TestManyProblemsAtOnce: a client learns about every problem of a body in one answer.
func TestManyProblemsAtOnce(t *testing.T) {
	f := newFixture(t)
	r := f.post(f.rw, "/v1/payments", `{"amount":1.5,"amount":2,"currency":949,"memo":"x","value_date":"tomorrow"}`)
	require.Equal(t, http.StatusBadRequest, r.Status)
	e := r.err(t)
	var got []string
	for _, fe := range e.Errors {
		got = append(got, fe.Param+":"+fe.Code)
	}
	assert.Equal(t, []string{"amount:invalid_type", "amount:duplicate_key", "currency:invalid_type",
		"memo:unknown_field", "value_date:invalid_format"}, got)

	r = f.post(f.rw, "/v1/payments", `{"amount":-1,"currency":"XYZ","method":"cash","from_account":"acc_1","to_account":""}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	e = r.err(t)
	got = got[:0]
	for _, fe := range e.Errors {
		got = append(got, fe.Param+":"+fe.Code)
	}
	assert.Equal(t, []string{"amount:invalid_value", "currency:invalid_value", "method:invalid_value",
		"from_account:invalid_value", "to_account:required"}, got)
	assert.Contains(t, e.Message, "and 4 more problems")
}

// TestDuplicateNamedByItsPath: a member repeated inside a value that is skipped (an unknown member,
// a value of the wrong type, a repeated member's second value) is named by its whole JSON path, not
// by its bare name, which names nothing the client sent at the top level.
func TestDuplicateNamedByItsPath(t *testing.T) {
	f := newFixture(t)
	good := f.paymentBody()
	with := func(members string) string { return good[:len(good)-1] + "," + members + "}" }
	tests := []struct {
		name, path, body string
		params           []string
	}{
		{"in an unknown member", "/v1/payments", with(`"meta":{"a":1,"a":2}`), []string{"meta.a"}},
		{"deeper", "/v1/payments", with(`"meta":{"tags":[{"k":1},{"k":1,"k":2}]}`), []string{"meta.tags[1].k"}},
		{"in a value of the wrong type", "/v1/payments", strings.Replace(good, `"amount":125000`, `"amount":{"v":1,"v":2}`, 1), []string{"amount.v"}},
		{"in a repeated member", "/v1/payments", with(`"currency":{"c":1,"c":2}`), []string{"currency", "currency.c"}},
		{"in a batch item", "/v1/payments/batch", `{"payments":[` + good + "," + with(`"meta":{"k":1,"k":2}`) + `]}`, []string{"payments[1].meta.k"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(f.rw, tc.path, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			var dup []string
			for _, fe := range r.err(t).Errors {
				if fe.Code == httpapi.FieldDuplicate {
					dup = append(dup, fe.Param+": "+fe.Message)
				}
			}
			var want []string
			for _, p := range tc.params {
				want = append(want, p+": "+p+" appears more than once in the same object")
			}
			assert.Equal(t, want, dup)
		})
	}
}

// TestIBANMaskedInErrors: an invalid IBAN is never echoed whole.
func TestIBANMaskedInErrors(t *testing.T) {
	f := newFixture(t)
	const iban = "TR330006100519786457841327"
	r := f.post(f.rw, "/v1/accounts", `{"name":"X","currency":"TRY","type":"external","iban":"`+iban+`"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	assert.NotContains(t, string(r.Body), iban)
	assert.Contains(t, string(r.Body), "1327")
}
