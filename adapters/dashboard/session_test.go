package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
)

// formLimit is the dashboard's cap on a form that uploads nothing (maxForm).
const formLimit = 1 << 20

// countingReader is a request body that counts what the handler read of it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatByte is an endless stream of one byte: a large body that costs the test no memory.
type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// loginForm fetches the sign-in page in process and returns its cookies and CSRF token.
func loginForm(t *testing.T, h http.Handler) ([]*http.Cookie, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	m := csrfRE.FindStringSubmatch(rec.Body.String())
	require.Len(t, m, 2)
	return rec.Result().Cookies(), m[1]
}

// TestSignInBody: the sign-in form is read before anyone is authenticated, so POST /login takes only
// a URL-encoded form within the small form limit. A multipart or any other body is refused with 415
// and a larger one with 413, either without reading more than the limit.
func TestSignInBody(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	cookies, csrf := loginForm(t, e.handler)
	form := url.Values{"csrf": {csrf}, "api_key": {e.writer}, "next": {"/payments"}}.Encode()
	const huge = 24 << 20
	multipart := func() io.Reader {
		return io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"+csrf+
			"\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n"),
			io.LimitReader(repeatByte('a'), huge), strings.NewReader("\r\n--b--\r\n"))
	}
	tests := []struct {
		name        string
		contentType string
		body        io.Reader
		length      int64 // the declared Content-Length; -1 when unknown (chunked)
		want        int
		maxRead     int64
	}{
		{"multipart", "multipart/form-data; boundary=b", multipart(), -1, http.StatusUnsupportedMediaType, 0},
		{"multipart with its length declared", "multipart/form-data; boundary=b", multipart(), huge + 200,
			http.StatusUnsupportedMediaType, 0},
		{"plain text", "text/plain", strings.NewReader(form), int64(len(form)), http.StatusUnsupportedMediaType, 0},
		{"no content type", "", strings.NewReader(form), int64(len(form)), http.StatusUnsupportedMediaType, 0},
		{"a form declared larger than the limit", "application/x-www-form-urlencoded",
			io.MultiReader(strings.NewReader(form+"&pad="), io.LimitReader(repeatByte('a'), huge)), int64(len(form)) + 5 + huge,
			http.StatusRequestEntityTooLarge, 0},
		{"a form of unknown length larger than the limit", "application/x-www-form-urlencoded",
			io.MultiReader(strings.NewReader(form+"&pad="), io.LimitReader(repeatByte('a'), huge)), -1,
			http.StatusRequestEntityTooLarge, formLimit + 1},
		{"a malformed form", "application/x-www-form-urlencoded", strings.NewReader("csrf=%zz"), 8,
			http.StatusBadRequest, 8},
		{"a form with a charset signs in", "application/x-www-form-urlencoded; charset=UTF-8",
			strings.NewReader(form), int64(len(form)), http.StatusSeeOther, int64(len(form))},
		{"a form of unknown length signs in", "application/x-www-form-urlencoded",
			strings.NewReader(form), -1, http.StatusSeeOther, int64(len(form))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := &countingReader{r: tc.body}
			req := httptest.NewRequest(http.MethodPost, "/login", body)
			req.ContentLength = tc.length
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			for _, c := range cookies {
				req.AddCookie(c)
			}
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			assert.Equal(t, tc.want, rec.Code, rec.Body.String())
			assert.LessOrEqual(t, body.n, tc.maxRead, "bytes of the body read")
			var session bool
			for _, c := range rec.Result().Cookies() {
				session = session || c.Name == "orkesta_session" && c.Value != ""
			}
			assert.Equal(t, tc.want == http.StatusSeeOther, session, "signed in")
		})
	}
}
