package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/payment"
)

// BenchmarkPaymentsPage renders the Payments list (25 of 200 payments, with the session and key
// checks) in process, without the network.
func BenchmarkPaymentsPage(b *testing.B) {
	e := newTestEnv(b, dashboard.Options{})
	for i := range 200 {
		e.MustCreate(b, func(r *payment.Request) { r.Reference = "INV-" + strings.Repeat("9", i%5+1) })
	}
	c := newClient(b, e)
	c.signIn(e.reader)
	var cookie string
	u, _ := url.Parse(e.server.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "orkesta_session" {
			cookie = ck.Value
		}
	}
	require.NotEmpty(b, cookie)
	req := httptest.NewRequest(http.MethodGet, "/payments", nil)
	req.AddCookie(&http.Cookie{Name: "orkesta_session", Value: cookie})
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		_, _ = io.Copy(io.Discard, rec.Body)
	}
}
