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

// TestSecureCookies: with SecureCookies the cookies are Secure and named with the __Host- prefix (a
// browser then takes them only from HTTPS, for the whole site and no other host, so a sibling
// subdomain cannot plant one), the session cookie is read back under that name, and every response
// asks for HTTPS from now on (HSTS). Without it (a local server on plain HTTP) the names stay as they
// were and no HSTS header is sent.
func TestSecureCookies(t *testing.T) {
	tests := []struct {
		name           string
		secure         bool
		session, login string
		hsts           string
		other          string // the prefix of the other mode, which names no cookie of this one
	}{
		{"plain HTTP", false, "orkesta_session", "orkesta_login", "", "__Host-"},
		{"SecureCookies", true, "__Host-orkesta_session", "__Host-orkesta_login", "max-age=31536000", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, dashboard.Options{SecureCookies: tc.secure})
			serve := func(req *http.Request) *http.Response {
				rec := httptest.NewRecorder()
				e.handler.ServeHTTP(rec, req)
				resp := rec.Result()
				assert.Equal(t, tc.hsts, resp.Header.Get("Strict-Transport-Security"), "%s %s", req.Method, req.URL)
				return resp
			}
			cookie := func(resp *http.Response, name string) *http.Cookie {
				t.Helper()
				for _, c := range resp.Cookies() {
					if c.Name == name {
						assert.Equal(t, tc.secure, c.Secure, name)
						assert.True(t, c.HttpOnly, name)
						assert.Equal(t, "/", c.Path, name)
						assert.Empty(t, c.Domain, name)
						return c
					}
				}
				require.Failf(t, "cookie not set", "%s in %v", name, resp.Header["Set-Cookie"])
				return nil
			}

			// post sends a form with one cookie; get sends one cookie.
			post := func(path string, form url.Values, c *http.Cookie) *http.Response {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(c)
				return serve(req)
			}
			get := func(path string, c *http.Cookie) *http.Response {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.AddCookie(c)
				return serve(req)
			}
			csrf := func(resp *http.Response) string {
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				m := csrfRE.FindSubmatch(b)
				require.Len(t, m, 2)
				return string(m[1])
			}
			otherName := func(c *http.Cookie) *http.Cookie {
				return &http.Cookie{Name: tc.other + strings.TrimPrefix(c.Name, "__Host-"), Value: c.Value}
			}

			resp := serve(httptest.NewRequest(http.MethodGet, "/login", nil))
			login := cookie(resp, tc.login)
			form := url.Values{"csrf": {csrf(resp)}, "api_key": {e.reader}}
			assert.Equal(t, http.StatusForbidden, post("/login", form, otherName(login)).StatusCode,
				"the sign-in token is read under the name it was written")
			resp = post("/login", form, login)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			session := cookie(resp, tc.session)
			assert.Negative(t, cookie(resp, tc.login).MaxAge, "the sign-in token is spent")

			assert.Equal(t, http.StatusSeeOther, get("/payments", otherName(session)).StatusCode,
				"the session is read under the name it was written")
			resp = get("/payments", session)
			require.Equal(t, http.StatusOK, resp.StatusCode)

			resp = post("/logout", url.Values{"csrf": {csrf(resp)}}, session)
			assert.Negative(t, cookie(resp, tc.session).MaxAge, "signing out clears the cookie it set")
			assert.Equal(t, http.StatusSeeOther, get("/payments", session).StatusCode, "signed out")
		})
	}
}

// TestMultipartOnlyForUploads: a signed-in form that takes no file refuses a multipart body (which
// may be as large as an upload) before the CSRF check reads it; the two upload forms take one.
func TestMultipartOnlyForUploads(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/payments")
	code, body := c.upload("/payments", "file", "x.csv", strings.Repeat("x", 1<<20))
	assert.Equal(t, http.StatusUnsupportedMediaType, code)
	assert.Contains(t, body, "this form takes no file")
	code, _ = c.upload("/batch", "file", "batch.csv", "amount,currency\n")
	assert.NotEqual(t, http.StatusUnsupportedMediaType, code, "the batch form takes its file")
}
