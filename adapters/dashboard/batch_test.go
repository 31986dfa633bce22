package dashboard_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
)

// TestBatchAgainFirstUpload: "Create the payments again" ticked on a file's first upload creates its
// payments under the file's own keys, so that a later plain upload of the file shows them as already
// created instead of creating them a second time; the same form sent twice still creates them once,
// and "again" from a new form creates them once more.
func TestBatchAgainFirstUpload(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	_, page := c.get("/batch")
	m := tokenRE.FindStringSubmatch(page)
	require.Len(t, m, 2)
	csv := "amount,currency,from_account,to_account,reference\n" +
		"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",A-1\n" +
		"200.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",A-2\n"
	first := url.Values{"token": {m[1]}, "again": {"1"}}

	code, body := c.uploadForm("/batch", first, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "2 created, 0 failed")

	code, body = c.uploadForm("/batch", first, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "0 created, 2 already created", "the same form sent twice")

	m = tokenRE.FindStringSubmatch(body)
	require.Len(t, m, 2)
	code, body = c.uploadForm("/batch", url.Values{"token": {m[1]}}, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	cr, rp, _ := summary(t, body)
	assert.Equal(t, [2]int{0, 2}, [2]int{cr, rp}, "the same file uploaded again: created, already created")
	assert.Equal(t, map[string]int{"A-1": 1, "A-2": 1}, references(t, e.store, e.Workspace.ID))

	m = tokenRE.FindStringSubmatch(body)
	require.Len(t, m, 2)
	again := url.Values{"token": {m[1]}, "again": {"1"}}
	code, body = c.uploadForm("/batch", again, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "2 created, 0 failed", "again, from a new form, after an earlier upload")
	code, body = c.uploadForm("/batch", again, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "0 created, 2 already created")
	assert.Equal(t, map[string]int{"A-1": 2, "A-2": 2}, references(t, e.store, e.Workspace.ID))
}

// TestBatchAgainFirstUploadAtOnce: a first upload with "again" ticked sent several times at once
// (a double click) creates the file's payments once.
func TestBatchAgainFirstUploadAtOnce(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	_, page := c.get("/batch")
	m := tokenRE.FindStringSubmatch(page)
	require.Len(t, m, 2)
	csv := "amount,currency,from_account,to_account,reference\n" +
		"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",B-1\n" +
		"200.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",B-2\n"
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	require.NoError(t, w.WriteField("csrf", c.csrf))
	require.NoError(t, w.WriteField("token", m[1]))
	require.NoError(t, w.WriteField("again", "1"))
	fw, err := w.CreateFormFile("file", "pay.csv")
	require.NoError(t, err)
	_, _ = io.WriteString(fw, csv)
	require.NoError(t, w.Close())
	codes := make([]int, 4)
	errs := make([]error, len(codes))
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, c.base+"/batch", bytes.NewReader(body.Bytes()))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", w.FormDataContentType())
			resp, err := c.http.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			_ = resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, []int{200, 200, 200, 200}, codes)
	assert.Equal(t, map[string]int{"B-1": 1, "B-2": 1}, references(t, e.store, e.Workspace.ID))

	m = tokenRE.FindStringSubmatch(page)
	code, page := c.uploadForm("/batch", url.Values{"token": {m[1]}}, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	cr, rp, _ := summary(t, page)
	assert.Equal(t, [2]int{0, 2}, [2]int{cr, rp}, "a plain upload of the file next: created, already created")
}

// TestBatchAgainFormResentLater: a first upload with "again" ticked, then more other "again" uploads
// in the same session than the session once remembered (64), then the first form sent once more
// (the browser's back button and "resend"): the first file's payments are not created a second
// time. The session's bound itself is tested in TestAgainChoicesBound.
func TestBatchAgainFormResentLater(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	file := func(ref string) string {
		return "amount,currency,from_account,to_account,reference\n" +
			"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + "," + ref + "\n"
	}
	token := func() string {
		_, page := c.get("/batch")
		m := tokenRE.FindStringSubmatch(page)
		require.Len(t, m, 2)
		return m[1]
	}
	first := url.Values{"token": {token()}, "again": {"1"}}
	code, body := c.uploadForm("/batch", first, "file", "pay.csv", file("A-1"))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "1 created, 0 failed")
	for i := range 65 {
		code, _ := c.uploadForm("/batch", url.Values{"token": {token()}, "again": {"1"}}, "file", "other.csv", file(fmt.Sprint("O-", i)))
		require.Equal(t, http.StatusOK, code)
	}
	code, body = c.uploadForm("/batch", first, "file", "pay.csv", file("A-1"))
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "0 created, 1 already created", "the first form sent again")
	assert.Equal(t, 1, references(t, e.store, e.Workspace.ID)["A-1"])
}

// TestBatchUploadGuardedCellWithoutErrorColumn: a failed-rows file uploaded with its error column
// deleted: the row whose reference or key still has the guard's apostrophe fails, saying so for its
// line, and the other rows are created.
func TestBatchUploadGuardedCellWithoutErrorColumn(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	csv := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",'-ACME-7,'=erp-2\n" +
		"200.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",ACME-8,erp-3\n"
	code, body := c.uploadForm("/batch", nil, "file", "fixed.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "1 created, 1 failed")
	assert.Contains(t, body, "idempotency_key: &#34;&#39;=erp-2&#34; looks like a guarded cell of a failed-rows file")
	assert.Contains(t, body, "keep its error column, or remove the leading apostrophe")
	assert.Equal(t, map[string]int{"ACME-8": 1}, references(t, e.store, e.Workspace.ID))
}
