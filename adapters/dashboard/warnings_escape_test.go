package dashboard_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/payment"
)

// a statement id with markup, in a balance warning, is escaped on the run page.
func TestStatementWarningEscaped(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-W-1" }),
		payment.StatusSettled)
	stmt := strings.Replace(statementFor(":61:2601150115D1250,50NTRFINV-W-1", ":86:Fatura INV-W-1"), "-\r\n",
		":62F:C260115TRY98700,00\r\n-\r\n", 1)
	stmt = strings.Replace(stmt, ":20:STMT0115", `:20:<b>x'"&</b>`, 1)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", stmt)
	require.Equal(t, http.StatusOK, code, body)
	assert.NotContains(t, body, "<b>x")
	m := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)
	require.Len(t, m, 2)
	code, page := c.get(m[1])
	require.Equal(t, http.StatusOK, code)
	block := regexp.MustCompile(`(?s)<div[^>]*id="run-warnings".*?</div>`).FindString(page)
	t.Log(block)
	assert.NotContains(t, page, "<b>x")
}
