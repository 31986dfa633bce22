package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins the exact wire format of representative answers, successes and errors, in
// testdata/golden (refresh with -update and review the diff like code). Ids and times are
// deterministic: the fixture uses paymenttest's clock and id source.
func TestGolden(t *testing.T) {
	f := newFixture(t)
	settled := f.env.MustAdvance(t, f.env.MustCreate(t), payment.StatusSettled)
	cases := []struct {
		name string
		req  req
	}{
		{"create_payment", req{method: "POST", path: "/v1/payments", key: f.rw, body: f.paymentBody(func(m map[string]any) { m["value_date"] = "2026-01-20" })}},
		{"validation_failed", req{method: "POST", path: "/v1/payments", key: f.rw, body: `{"amount":0,"currency":"XYZ","method":"cash","from_account":"` + string(f.env.Vendor.ID) + `","to_account":"acc_1","description":"` + strings.Repeat("x", 141) + `"}`}},
		{"malformed", req{method: "POST", path: "/v1/payments", key: f.rw, body: `{"amount":"100","amount":1e3,"curency":"TRY","value_date":"15.01.2026"}`}},
		{"invalid_json", req{method: "POST", path: "/v1/payments", key: f.rw, body: `{"amount":125000,}`}},
		{"not_cancellable", req{method: "DELETE", path: "/v1/payments/" + string(settled.ID), key: f.rw}},
		{"history", req{method: "GET", path: "/v1/payments/" + string(settled.ID) + "/history", key: f.ro}},
		{"list", req{method: "GET", path: "/v1/payments?limit=2", key: f.ro}},
		{"batch_mixed", req{method: "POST", path: "/v1/payments/batch", key: f.rw, body: `{"payments":[` + f.paymentBody() + `,` +
			f.paymentBody(func(m map[string]any) { m["amount"] = -1; m["to_account"] = m["from_account"] }) + `]}`}},
		{"accounts", req{method: "GET", path: "/v1/accounts", key: f.ro}},
		{"unauthorized", req{method: "GET", path: "/v1/payments"}},
		{"insufficient_scope", req{method: "POST", path: "/v1/payments", key: f.ro, body: f.paymentBody()}},
		{"not_found", req{method: "GET", path: "/v1/payments/" + string(f.otherPayment.ID), key: f.ro}},
		{"route_not_found", req{method: "GET", path: "/v1/refunds", key: f.ro}},
		{"method_not_allowed", req{method: "PUT", path: "/v1/payments", key: f.ro}},
		{"unsupported_media_type", req{method: "POST", path: "/v1/payments", key: f.rw, body: "amount=5", contentType: "application/x-www-form-urlencoded"}},
		{"too_large", req{method: "POST", path: "/v1/accounts", key: f.rw, body: `{"name":"` + strings.Repeat("a", 1<<20) + `"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(tc.req)
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, r.Body, "", "  "), "%s", r.Body)
			got := fmt.Sprintf("%d %s\n%s", r.Status, r.Header.Get("Content-Type"), pretty.String())
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}
