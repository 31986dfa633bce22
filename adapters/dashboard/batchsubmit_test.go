package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

var errKilled = errors.New("killed")

// killable stands in for a process killed in the middle of a submit: once kill(n) is called, n more
// payments are written, then every write fails and nothing of it is stored; revive ends that.
type killable struct {
	payment.Store
	mu   sync.Mutex
	left int // -1: no limit
}

func (k *killable) kill(n int) { k.mu.Lock(); k.left = n; k.mu.Unlock() }
func (k *killable) revive()    { k.kill(-1) }

func (k *killable) take(n int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.left < 0:
		return true
	case n > k.left:
		k.left = 0
		return false
	}
	k.left -= n
	return true
}

func (k *killable) CreatePayment(ctx context.Context, c payment.Change) error {
	if !k.take(1) {
		return errKilled
	}
	return k.Store.CreatePayment(ctx, c)
}

// killableBatch is killable on a store that writes a batch in one transaction (SQLite,
// PostgreSQL): a batch is written whole or not at all.
type killableBatch struct {
	*killable
	bc payment.BatchCreator
}

func (k *killableBatch) CreatePayments(ctx context.Context, cs []payment.Change) ([]error, error) {
	if !k.take(len(cs)) {
		return nil, errKilled
	}
	return k.bc.CreatePayments(ctx, cs)
}

// paymentsCSV is a payments CSV of n rows from own to vendor, with the references B-00001 to B-n.
func paymentsCSV(own, vendor payment.AccountID, n int) string {
	var b strings.Builder
	b.WriteString("amount,currency,from_account,to_account,reference\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d.00,TRY,%s,%s,B-%05d\n", i, own, vendor, i)
	}
	return b.String()
}

// references counts the workspace's payments by reference.
func references(t *testing.T, store payment.Store, ws payment.WorkspaceID) map[string]int {
	t.Helper()
	ps, err := store.ListPayments(context.Background(), ws, payment.ListFilter{})
	require.NoError(t, err)
	refs := map[string]int{}
	for _, p := range ps {
		refs[p.Reference]++
	}
	return refs
}

func assertOnce(t *testing.T, refs map[string]int, n int) {
	t.Helper()
	assert.Len(t, refs, n)
	twice := 0
	for _, c := range refs {
		if c != 1 {
			twice++
		}
	}
	assert.Zero(t, twice, "references with more than one payment")
}

func count(res *dashboard.CSVResult) (created, replayed, failed int) {
	for _, it := range res.Items {
		switch {
		case it.Status != batch.ItemCreated:
			failed++
		case it.Replayed:
			replayed++
		default:
			created++
		}
	}
	return created, replayed, failed
}

// TestSubmitCSVRerunAfterKill: a submit killed part way leaves some payments; submitting the same
// file again creates exactly the missing ones and returns the others as replays, under their
// original batch ids.
func TestSubmitCSVRerunAfterKill(t *testing.T) {
	tests := []struct {
		name    string
		batches bool   // the store writes each batch of 500 in one transaction
		written int    // payments written before the kill
		key     string // opts.IdempotencyKey
	}{
		{"killed between batches", true, 1000, ""},
		{"killed within a batch", false, 750, ""},
		{"with a key of the caller's", true, 500, "payroll-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const rows = 1200
			mem := memory.New()
			k := &killable{Store: mem, left: -1}
			var store payment.Store = k
			if tc.batches {
				store = &killableBatch{killable: k, bc: mem}
			}
			env := paymenttest.NewEnv(t, store)
			ctx := context.Background()
			f, err := dashboard.ReadPaymentsCSV(strings.NewReader(paymentsCSV(env.Own.ID, env.Vendor.ID, rows)))
			require.NoError(t, err)
			opts := batch.Options{Actor: "test", Concurrency: 1, IdempotencyKey: tc.key}

			k.kill(tc.written)
			first, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
			require.NoError(t, err)
			created, _, _ := count(first)
			require.Equal(t, tc.written, created)
			require.Len(t, references(t, mem, env.Workspace.ID), tc.written)

			k.revive()
			again, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
			require.NoError(t, err)
			created, replayed, failed := count(again)
			assert.Equal(t, rows-tc.written, created, "created: the rows the kill left out")
			assert.Equal(t, tc.written, replayed, "replayed: the rows created before the kill")
			assert.Zero(t, failed)
			assertOnce(t, references(t, mem, env.Workspace.ID), rows)
			for i := range tc.written {
				require.Equal(t, first.Items[i].Payment.ID, again.Items[i].Payment.ID, "row %d", i+1)
				require.Equal(t, first.Items[i].Payment.BatchID, again.Items[i].Payment.BatchID, "row %d keeps its batch", i+1)
			}
			assert.Equal(t, int64(rows*(rows+1)/2*100), again.Totals[0].Sum, "the file's total")
		})
	}
}

// TestSubmitCSVKeys: rows get keys from the file's content, or from opts.IdempotencyKey; a row's own
// key is kept; a key prefix too long for the rows' keys is refused before anything is created.
func TestSubmitCSVKeys(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ctx := context.Background()
	row := func(ref, key string) string {
		return "1.00;TRY;" + string(env.Own.ID) + ";" + string(env.Vendor.ID) + ";" + ref + ";" + key + "\n"
	}
	text := "amount;currency;from_account;to_account;reference;idempotency_key\n" + row("K-1", "") + row("K-2", "erp-2")
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)
	// The same rows with another separator, line endings, a byte-order mark and a blank line.
	resaved, err := dashboard.ReadPaymentsCSV(strings.NewReader("\ufeff" + strings.ReplaceAll(strings.ReplaceAll(text, ";", ","), "\n", "\r\n") + "\r\n"))
	require.NoError(t, err)
	assert.Equal(t, f.Fingerprint(), resaved.Fingerprint())
	changed, err := dashboard.ReadPaymentsCSV(strings.NewReader(strings.Replace(text, "K-2", "K-3", 1)))
	require.NoError(t, err)
	assert.NotEqual(t, f.Fingerprint(), changed.Fingerprint())
	assert.Regexp(t, `^csv:[0-9a-f]{64}$`, dashboard.CSVKeyPrefix(f))

	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	assert.Equal(t, dashboard.CSVKeyPrefix(f)+":1", res.Items[0].Payment.IdempotencyKey)
	assert.Equal(t, "erp-2", res.Items[1].Payment.IdempotencyKey)

	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{IdempotencyKey: "run-2"})
	require.NoError(t, err)
	assert.Equal(t, "run-2:1", res.Items[0].Payment.IdempotencyKey)
	assert.False(t, res.Items[0].Replayed, "a new key creates the row again")
	assert.True(t, res.Items[1].Replayed, "a row's own key is kept")

	_, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{IdempotencyKey: strings.Repeat("k", 254)})
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.Equal(t, []string{"idempotency_key"}, fieldNames(err))
	assert.Equal(t, map[string]int{"K-1": 2, "K-2": 1}, references(t, env.Store, env.Workspace.ID))
}

// TestSubmitCSVTotalBeyondInt64: a file whose total in one currency does not fit in int64 minor units,
// though each batch of 500 does, is refused before any payment is created, as package batch refuses
// one batch. It used to create every payment and then fail adding up the totals, the results lost.
func TestSubmitCSVTotalBeyondInt64(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("amount_minor,currency,from_account,to_account,reference\n")
	for i := range batch.DefaultMaxItems + 1 {
		amount := "1"
		if i == 0 || i == batch.DefaultMaxItems {
			amount = "5000000000000000000" // the first and the last batch each hold one: together they overflow
		}
		fmt.Fprintf(&b, "%s,TRY,%s,%s,R-%d\n", amount, env.Own.ID, env.Vendor.ID, i+1)
	}
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(b.String()))
	require.NoError(t, err)
	_, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorIs(t, err, payment.ErrOverflow)
	assert.ErrorContains(t, err, "TRY")
	assert.Empty(t, references(t, env.Store, env.Workspace.ID), "nothing is created")
}

func fieldNames(err error) []string {
	var names []string
	for _, fe := range payment.FieldErrors(err) {
		names = append(names, fe.Field)
	}
	return names
}

var (
	tokenRE   = regexp.MustCompile(`name="token" value="([^"]+)"`)
	summaryRE = regexp.MustCompile(`id="batch-summary">(\d+) created, (?:(\d+) already created, )?(\d+) failed<`)
)

// summary reads the created, already created and failed counts of a batch result page.
func summary(t *testing.T, body string) (created, replayed, failed int) {
	t.Helper()
	m := summaryRE.FindStringSubmatch(body)
	require.NotNil(t, m, body)
	n := func(s string) int {
		if s == "" {
			return 0
		}
		v, err := strconv.Atoi(s)
		require.NoError(t, err)
		return v
	}
	return n(m[1]), n(m[2]), n(m[3])
}

// TestBatchUploadTwice: the same upload sent twice, one after the other or at once (a double click,
// a browser that sends the form again), creates each payment once and says which rows an earlier
// upload created; "again" creates the file's payments once more, once however often that form is
// sent.
func TestBatchUploadTwice(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	_, page := c.get("/batch")
	csv := "amount,currency,from_account,to_account,reference\n" +
		"100.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",T-1\n" +
		"1.001,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",T-2\n" +
		"200.00,TRY," + string(e.Own.ID) + "," + string(e.Vendor.ID) + ",T-3\n"
	m := tokenRE.FindStringSubmatch(page)
	require.Len(t, m, 2, "the form carries a token")
	form := url.Values{"token": {m[1]}}

	code, body := c.uploadForm("/batch", form, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "2 created, 1 failed")
	assert.NotContains(t, body, `id="batch-replayed"`)

	code, body = c.uploadForm("/batch", form, "file", "pay.csv", csv)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "0 created, 2 already created, 1 failed")
	assert.Contains(t, body, `id="batch-replayed"`)
	assert.Equal(t, 2, strings.Count(body, `<span class="badge info">already created</span>`))
	assert.Equal(t, map[string]int{"T-1": 1, "T-3": 1}, references(t, e.store, e.Workspace.ID))

	t.Run("again", func(t *testing.T) {
		m := tokenRE.FindStringSubmatch(body)
		require.Len(t, m, 2)
		require.NotEqual(t, form.Get("token"), m[1], "the result page holds a new form")
		again := url.Values{"token": {m[1]}, "again": {"1"}}
		code, body := c.uploadForm("/batch", again, "file", "pay.csv", csv)
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "2 created, 1 failed")
		code, body = c.uploadForm("/batch", again, "file", "pay.csv", csv)
		require.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "0 created, 2 already created, 1 failed", "the same form sent twice")
		assert.Equal(t, map[string]int{"T-1": 2, "T-3": 2}, references(t, e.store, e.Workspace.ID))

		code, body = c.uploadForm("/batch", url.Values{"again": {"1"}}, "file", "pay.csv", csv)
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, "This form is out of date")
		assert.Equal(t, map[string]int{"T-1": 2, "T-3": 2}, references(t, e.store, e.Workspace.ID), "nothing created")
	})

	t.Run("at once", func(t *testing.T) {
		const rows = 700 // two batches
		csv := paymentsCSV(e.Own.ID, e.Vendor.ID, rows)
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		require.NoError(t, w.WriteField("csrf", c.csrf))
		fw, err := w.CreateFormFile("file", "many.csv")
		require.NoError(t, err)
		_, _ = io.WriteString(fw, csv)
		require.NoError(t, w.Close())
		bodies := make([]string, 3)
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i := range bodies {
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
				defer func() { _ = resp.Body.Close() }()
				b, err := io.ReadAll(resp.Body)
				if err == nil && resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				bodies[i], errs[i] = string(b), err
			})
		}
		wg.Wait()
		created := 0
		for i, b := range bodies {
			require.NoError(t, errs[i])
			cr, rp, fl := summary(t, b)
			assert.Equal(t, rows, cr+rp, "every row created, by this upload or the other")
			assert.Zero(t, fl)
			created += cr
		}
		assert.Equal(t, rows, created, "each row created by one upload")
		refs := references(t, e.store, e.Workspace.ID)
		n := 0
		for ref, c := range refs {
			if strings.HasPrefix(ref, "B-") {
				n++
				assert.Equal(t, 1, c, ref)
			}
		}
		assert.Equal(t, rows, n)
	})
}

// failRefs fails the writes of the payments with the given references, as a busy database fails some
// rows of a batch; set none to end it.
type failRefs struct {
	payment.Store
	mu   sync.Mutex
	refs []string
}

func (s *failRefs) set(refs ...string) { s.mu.Lock(); s.refs = refs; s.mu.Unlock() }

func (s *failRefs) CreatePayment(ctx context.Context, c payment.Change) error {
	s.mu.Lock()
	fail := slices.Contains(s.refs, c.Payment.Reference)
	s.mu.Unlock()
	if fail {
		return errors.New("database is locked")
	}
	return s.Store.CreatePayment(ctx, c)
}

// TestSubmitCSVFailedRowsThenSameFile: the failed rows written by WriteFailedCSV, submitted, keep the
// keys the original file gives them, so that the original file submitted after them (or before)
// creates nothing twice; with or without a key prefix of the caller's, and for keys that the file
// of failed rows guards against spreadsheet formulas.
func TestSubmitCSVFailedRowsThenSameFile(t *testing.T) {
	for _, prefix := range []string{"", "run-2", "+run-3"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			store := &failRefs{Store: memory.New()}
			env := paymenttest.NewEnv(t, store)
			ctx := context.Background()
			row := func(ref, key string) string {
				return "1.00;TRY;" + string(env.Own.ID) + ";" + string(env.Vendor.ID) + ";" + ref + ";" + key + "\n"
			}
			text := "amount;currency;from_account;to_account;reference;idempotency_key\n" +
				row("K-1", "") + row("K-2", "") + row("K-3", "erp-3") + row("K-4", "=erp-4")
			f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
			require.NoError(t, err)
			opts := batch.Options{IdempotencyKey: prefix}

			store.set("K-2", "K-3", "K-4")
			res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
			require.NoError(t, err)
			failed := map[int]string{}
			for i, it := range res.Items {
				if it.Err != nil {
					failed[i] = dashboard.ErrorText(it.Err)
				}
			}
			require.Len(t, failed, 3)
			store.set()
			var buf bytes.Buffer
			require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failed))

			again, err := dashboard.ReadPaymentsCSV(&buf)
			require.NoError(t, err)
			res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, again, batch.Options{})
			require.NoError(t, err)
			want := prefix
			if want == "" {
				want = dashboard.CSVKeyPrefix(f)
			}
			var keys []string
			for _, it := range res.Items {
				require.NotNil(t, it.Payment, "%v", it.Err)
				keys = append(keys, it.Payment.IdempotencyKey)
			}
			assert.Equal(t, []string{want + ":2", "erp-3", "=erp-4"}, keys, "the original rows' keys")

			res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
			require.NoError(t, err)
			cr, rp, fl := count(res)
			assert.Equal(t, [3]int{0, 4, 0}, [3]int{cr, rp, fl})
			assert.Equal(t, map[string]int{"K-1": 1, "K-2": 1, "K-3": 1, "K-4": 1}, references(t, env.Store, env.Workspace.ID))
		})
	}
}

// TestSubmitCSVOwnKeyRepeated: a row that repeats an earlier row's own idempotency_key fails as a
// repeated key, within a batch of 500 or across two, and is not sent; the other rows are created.
func TestSubmitCSVOwnKeyRepeated(t *testing.T) {
	for _, batches := range []bool{false, true} {
		t.Run(fmt.Sprintf("batches=%v", batches), func(t *testing.T) {
			store := payment.Store(memory.New())
			if !batches {
				store = struct{ payment.Store }{store} // no payment.BatchCreator: written one by one
			}
			env := paymenttest.NewEnv(t, store)
			var b strings.Builder
			b.WriteString("amount;currency;from_account;to_account;reference;idempotency_key\n")
			for i := 1; i <= 504; i++ {
				ref, key, amount := fmt.Sprintf("R-%d", i), "", "1.00"
				switch i {
				case 2:
					amount = "x" // not sent: no part in the repeats
				case 3, 501:
					ref, key = "DUP", "erp-dup"
				case 4, 5:
					ref, key = "NEAR", "erp-near"
				}
				fmt.Fprintf(&b, "%s;TRY;%s;%s;%s;%s\n", amount, env.Own.ID, env.Vendor.ID, ref, key)
			}
			f, err := dashboard.ReadPaymentsCSV(strings.NewReader(b.String()))
			require.NoError(t, err)
			res, err := dashboard.SubmitCSV(context.Background(), env.Service, env.Workspace.ID, f, batch.Options{})
			require.NoError(t, err)
			cr, rp, fl := count(res)
			assert.Equal(t, [3]int{501, 0, 3}, [3]int{cr, rp, fl}, "501 rows sent: two batches")
			for _, tc := range []struct{ row, first int }{{500, 2}, {4, 3}} {
				it := res.Items[tc.row]
				assert.Equal(t, tc.row, it.Index)
				assert.Equal(t, batch.ItemFailed, it.Status)
				assert.False(t, it.Replayed)
				var de *batch.DuplicateKeyError
				require.ErrorAs(t, it.Err, &de, "row %d", tc.row+1)
				assert.Equal(t, tc.first, de.First, "the file's row that has the key first")
				assert.ErrorIs(t, it.Err, payment.ErrInvalid)
			}
			require.Len(t, res.BatchIDs, 2)
			assert.NotEqual(t, res.BatchIDs[0], res.BatchIDs[1])
			refs := references(t, env.Store, env.Workspace.ID)
			assert.Equal(t, 1, refs["DUP"])
			assert.Equal(t, 1, refs["NEAR"])
		})
	}
}

// failedRows returns the rows of res that failed, as WriteFailedCSV takes them.
func failedRows(res *dashboard.CSVResult) map[int]string {
	failed := map[int]string{}
	for i, it := range res.Items {
		if it.Err != nil {
			failed[i] = dashboard.ErrorText(it.Err)
		}
	}
	return failed
}

// TestSubmitCSVFailedRowsRoundTrip: a file, its failed rows written by WriteFailedCSV and
// submitted, and the file again, in either order and then once more each, create every payment
// once: comma or semicolon, with or without a key prefix, a header in any case with an error column
// already, rows with and without their own keys, keys a spreadsheet would take for formulas, and
// keys already guarded with an apostrophe.
func TestSubmitCSVFailedRowsRoundTrip(t *testing.T) {
	text := func(sep string) string {
		var b strings.Builder
		b.WriteString("\ufeff\"amount\"" + sep + "currency" + sep + "from_account" + sep + "to_account" + sep + "reference" + sep + "Error" + sep + " IDEMPOTENCY_KEY \n")
		for i := 1; i <= 1203; i++ {
			key := ""
			switch {
			case i%7 == 0:
				key = fmt.Sprintf("own-%d", i)
			case i%11 == 0:
				key = fmt.Sprintf("=own-%d", i)
			case i%13 == 0:
				key = fmt.Sprintf("'=q-%d", i) // guarded, as in a file of failed rows
			}
			fmt.Fprintf(&b, "\"1.00\"%sTRY%sOWN%sVEN%sR-%d%sold error%s%s\r\n", sep, sep, sep, sep, i, sep, sep, key)
		}
		return b.String()
	}
	var fail []string
	for i := 1; i <= 1203; i += 3 {
		fail = append(fail, fmt.Sprintf("R-%d", i))
	}
	for _, sep := range []string{",", ";"} {
		for _, prefix := range []string{"", "run-x"} {
			for _, failedFirst := range []bool{false, true} {
				t.Run(fmt.Sprintf("sep=%s prefix=%s failedFirst=%v", sep, prefix, failedFirst), func(t *testing.T) {
					store := &failRefs{Store: memory.New()}
					env := paymenttest.NewEnv(t, store)
					text := strings.NewReplacer("OWN", string(env.Own.ID), "VEN", string(env.Vendor.ID)).Replace(text(sep))
					ctx := context.Background()
					opts := batch.Options{IdempotencyKey: prefix}
					submit := func(text string) {
						t.Helper()
						f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
						require.NoError(t, err, text)
						_, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
						require.NoError(t, err)
					}
					f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
					require.NoError(t, err)
					store.set(fail...)
					res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
					require.NoError(t, err)
					store.set()
					var buf bytes.Buffer
					require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failedRows(res)))
					failedText := buf.String()
					if failedFirst {
						submit(failedText)
						submit(text)
					} else {
						submit(text)
						submit(failedText)
					}
					submit(failedText)
					submit(text)
					assertOnce(t, references(t, env.Store, env.Workspace.ID), 1203)
				})
			}
		}
	}
}

// TestSubmitCSVFailedRowsGuardedCells: the cells WriteFailedCSV guards against spreadsheet formulas
// with an apostrophe read back as they were: the payments created from the file of failed rows get
// the reference and description of the original rows, not an apostrophe before them (nor without
// the one of the original).
func TestSubmitCSVFailedRowsGuardedCells(t *testing.T) {
	store := &failRefs{Store: memory.New()}
	env := paymenttest.NewEnv(t, store)
	ctx := context.Background()
	text := "amount,currency,from_account,to_account,reference,description\n" +
		"1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",-ACME-7,+90 555 0101\n" +
		"2.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",'ACME-8,@home\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)
	store.set("-ACME-7", "'ACME-8")
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	store.set()
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failedRows(res)))
	ff, err := dashboard.ReadPaymentsCSV(&buf)
	require.NoError(t, err)
	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, ff, batch.Options{})
	require.NoError(t, err)
	var got [][2]string
	for _, it := range res.Items {
		require.NotNil(t, it.Payment, "%v", it.Err)
		got = append(got, [2]string{it.Payment.Reference, it.Payment.Description})
	}
	assert.Equal(t, [][2]string{{"-ACME-7", "+90 555 0101"}, {"'ACME-8", "@home"}}, got)
}

// TestSubmitCSVApostropheKey: a key of a row's own that starts with an apostrophe is the key as
// written: the same as that key sent through the API or a JSON batch, and not the same as the key
// without the apostrophe. A key that starts as a guarded cell of a failed-rows file is refused.
func TestSubmitCSVApostropheKey(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ctx := context.Background()
	req := payment.Request{Amount: 100, Currency: "TRY", Method: payment.MethodBankTransfer, FromAccount: env.Own.ID,
		ToAccount: env.Vendor.ID, Reference: "INV-1", IdempotencyKey: "'inv-1"}
	_, err := batch.Submit(ctx, env.Service, env.Workspace.ID, []payment.Request{req}, batch.Options{})
	require.NoError(t, err)
	text := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		"1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",INV-1,'inv-1\n" +
		"1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",INV-2,inv-1\n" +
		"1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",INV-3,'=inv-3\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, "'inv-1", f.Rows[0].Request.IdempotencyKey, "the key as written in the file")
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	cr, rp, fl := count(res)
	assert.Equal(t, [3]int{1, 1, 1}, [3]int{cr, rp, fl}, "INV-1 replayed, INV-2 created, INV-3 refused")
	var ce *dashboard.CSVError
	require.ErrorAs(t, res.Items[2].Err, &ce)
	assert.Equal(t, [2]any{4, "idempotency_key"}, [2]any{ce.Line, ce.Column})
	assert.Equal(t, map[string]int{"INV-1": 1, "INV-2": 1}, references(t, env.Store, env.Workspace.ID))
}

// TestSubmitCSVParseErrorRowHoldsItsKey: a row that does not parse still holds its own
// idempotency_key: a later row with the same key fails as a repeat of it, so that the first row,
// fixed in the file of failed rows, is created under its key and not taken for a retry of the other.
func TestSubmitCSVParseErrorRowHoldsItsKey(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ctx := context.Background()
	text := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		"1.0x,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",FIRST,erp-7\n" +
		"2.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",SECOND,erp-7\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	var ce *dashboard.CSVError
	assert.ErrorAs(t, res.Items[0].Err, &ce, "row 1: its amount")
	var de *batch.DuplicateKeyError
	require.ErrorAs(t, res.Items[1].Err, &de, "row 2 repeats row 1's own key")
	assert.Equal(t, 0, de.First)
	assert.Empty(t, references(t, env.Store, env.Workspace.ID))

	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failedRows(res)))
	fixed := strings.Replace(buf.String(), "1.0x", "1.00", 1)
	ff, err := dashboard.ReadPaymentsCSV(strings.NewReader(fixed))
	require.NoError(t, err)
	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, ff, batch.Options{})
	require.NoError(t, err)
	require.NotNil(t, res.Items[0].Payment, "%v", res.Items[0].Err)
	assert.False(t, res.Items[0].Replayed, "the fixed row is created")
	assert.Equal(t, "FIRST", res.Items[0].Payment.Reference)
	require.ErrorAs(t, res.Items[1].Err, &de, "the repeat still fails as a repeat")
	assert.Equal(t, map[string]int{"FIRST": 1}, references(t, env.Store, env.Workspace.ID))
}

// dropColumn removes the named column from a comma-separated text without quoted commas, as a person
// fixing the failed rows in an editor deletes their error column.
func dropColumn(t *testing.T, text, name string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(text, "\r\n"), "\n")
	at := -1
	for i, h := range strings.Split(strings.TrimRight(lines[0], "\r"), ",") {
		if h == name {
			at = i
		}
	}
	require.GreaterOrEqual(t, at, 0)
	var b strings.Builder
	for _, l := range lines {
		cells := strings.Split(strings.TrimRight(l, "\r"), ",")
		cells = append(cells[:at], cells[at+1:]...)
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

// TestSubmitCSVFailedRowsWithoutErrorColumn: the failed rows written by WriteFailedCSV with their
// error column deleted (a person fixing them drops the commentary) no longer say they are a file of
// failed rows: a guarded idempotency_key or reference cell there is refused, naming its line and
// column, instead of creating a payment under the key and reference with the apostrophe (a second
// payment once the original runs again, a reference the bank was never meant to see). The other
// rows go through; the cell with its apostrophe taken off goes through under the original key; the
// original file run again creates nothing twice.
func TestSubmitCSVFailedRowsWithoutErrorColumn(t *testing.T) {
	store := &failRefs{Store: memory.New()}
	env := paymenttest.NewEnv(t, store)
	ctx := context.Background()
	row := func(ref, key string) string {
		return "1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + "," + ref + "," + key + "\n"
	}
	text := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		row("K-1", "") + row("-ACME-7", "=erp-2") + row("ACME-8", "erp-3")
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)

	store.set("-ACME-7", "ACME-8") // the database was busy for those rows
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	store.set()
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failedRows(res)))
	fixed := dropColumn(t, buf.String(), "error")
	require.Contains(t, fixed, ",'-ACME-7,'=erp-2\n", "the guarded cells, as written")

	g, err := dashboard.ReadPaymentsCSV(strings.NewReader(fixed))
	require.NoError(t, err)
	require.Len(t, g.Rows, 2)
	var errs []*dashboard.CSVError
	for _, e := range unjoinAll(g.Rows[0].Err) {
		var ce *dashboard.CSVError
		require.ErrorAs(t, e, &ce)
		errs = append(errs, ce)
	}
	require.Len(t, errs, 2, "%v", g.Rows[0].Err)
	assert.Equal(t, [2]any{2, "reference"}, [2]any{errs[0].Line, errs[0].Column})
	assert.Equal(t, [2]any{2, "idempotency_key"}, [2]any{errs[1].Line, errs[1].Column})
	msg := g.Rows[0].Err.Error()
	for _, want := range []string{"line 2: reference: \"'-ACME-7\"", "line 2: idempotency_key: \"'=erp-2\"",
		"guarded cell of a failed-rows file", "keep its error column", "remove the leading apostrophe"} {
		assert.Contains(t, msg, want)
	}
	assert.NoError(t, g.Rows[1].Err, "the other row")

	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, g, batch.Options{})
	require.NoError(t, err)
	require.Error(t, res.Items[0].Err, "the guarded row is not sent")
	assert.Contains(t, dashboard.ErrorText(res.Items[0].Err), "idempotency_key: \"'=erp-2\" looks like a guarded cell")
	require.NoError(t, res.Items[1].Err)
	assert.Equal(t, [2]string{"erp-3", "ACME-8"}, [2]string{res.Items[1].Payment.IdempotencyKey, res.Items[1].Payment.Reference},
		"the other row goes through")

	// The cells without their apostrophe: the original row, under its key.
	again := strings.Replace(strings.Replace(fixed, "'-ACME-7", "-ACME-7", 1), "'=erp-2", "=erp-2", 1)
	h, err := dashboard.ReadPaymentsCSV(strings.NewReader(again))
	require.NoError(t, err)
	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, h, batch.Options{})
	require.NoError(t, err)
	require.NotNil(t, res.Items[0].Payment, "%v", res.Items[0].Err)
	assert.Equal(t, [2]string{"=erp-2", "-ACME-7"}, [2]string{res.Items[0].Payment.IdempotencyKey, res.Items[0].Payment.Reference})

	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	cr, rp, fl := count(res)
	assert.Equal(t, [3]int{0, 3, 0}, [3]int{cr, rp, fl}, "the original run again creates nothing")
	assert.Equal(t, map[string]int{"K-1": 1, "-ACME-7": 1, "ACME-8": 1}, references(t, env.Store, env.Workspace.ID))
}

// TestSubmitCSVRefusedGuardedCellFailedRows: the failed rows of a file whose guarded cell was
// refused hold that cell guarded once more, under an error column; read back, the cell is still
// refused (the value with one apostrophe taken off still looks guarded), not created under the key
// with the apostrophe. Its leading apostrophe taken off, the row is the original row.
func TestSubmitCSVRefusedGuardedCellFailedRows(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	ctx := context.Background()
	text := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		"1.00,TRY," + string(env.Own.ID) + "," + string(env.Vendor.ID) + ",ACME-7,'=erp-2\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(text))
	require.NoError(t, err)
	require.Error(t, f.Rows[0].Err)
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, batch.Options{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failedRows(res)))
	failed := buf.String()
	require.Contains(t, failed, ",''=erp-2,")

	g, err := dashboard.ReadPaymentsCSV(strings.NewReader(failed))
	require.NoError(t, err)
	var ce *dashboard.CSVError
	require.ErrorAs(t, g.Rows[0].Err, &ce)
	assert.Equal(t, [2]any{2, "idempotency_key"}, [2]any{ce.Line, ce.Column})
	assert.Contains(t, ce.Reason, "remove the leading apostrophe")
	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, g, batch.Options{})
	require.NoError(t, err)
	require.Error(t, res.Items[0].Err)
	assert.Empty(t, references(t, env.Store, env.Workspace.ID))

	h, err := dashboard.ReadPaymentsCSV(strings.NewReader(strings.Replace(failed, ",''=erp-2,", ",'=erp-2,", 1)))
	require.NoError(t, err)
	res, err = dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, h, batch.Options{})
	require.NoError(t, err)
	require.NotNil(t, res.Items[0].Payment, "%v", res.Items[0].Err)
	assert.Equal(t, "=erp-2", res.Items[0].Payment.IdempotencyKey)
}

// unjoinAll returns the errors joined in err, or err alone.
func unjoinAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

var errDown = errors.New("database is down")

// downAfter is a store that goes down once it has written limit payments: every read of the
// workspace (the start of each batch) fails from then on.
type downAfter struct {
	payment.Store
	mu      sync.Mutex
	created int
	limit   int // -1: never
}

func (d *downAfter) down(limit int) { d.mu.Lock(); d.created, d.limit = 0, limit; d.mu.Unlock() }

func (d *downAfter) CreatePayment(ctx context.Context, c payment.Change) error {
	d.mu.Lock()
	d.created++
	d.mu.Unlock()
	return d.Store.CreatePayment(ctx, c)
}

func (d *downAfter) GetWorkspace(ctx context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	d.mu.Lock()
	down := d.limit >= 0 && d.created >= d.limit
	d.mu.Unlock()
	if down {
		return payment.Workspace{}, errDown
	}
	return d.Store.GetWorkspace(ctx, id)
}

// TestSubmitCSVStoreFailsOnALaterBatch: a store error that refuses the second batch of 500 as a whole
// leaves the first batch's payments created; SubmitCSV returns them with the error, which names the
// first row not sent, and the rows not sent as not attempted. The file submitted again creates only
// those.
func TestSubmitCSVStoreFailsOnALaterBatch(t *testing.T) {
	const rows = 700
	mem := memory.New()
	store := &downAfter{Store: mem, limit: -1}
	env := paymenttest.NewEnv(t, store)
	ctx := context.Background()
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(paymentsCSV(env.Own.ID, env.Vendor.ID, rows)))
	require.NoError(t, err)
	opts := batch.Options{Actor: "test", Concurrency: 1}

	store.down(batch.DefaultMaxItems)
	res, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
	require.ErrorIs(t, err, errDown)
	assert.Contains(t, err.Error(), "the rows from line 502 on were not sent")
	require.NotNil(t, res, "the payments created are reported")
	require.Len(t, res.Items, rows)
	created, _, failed := count(res)
	assert.Equal(t, batch.DefaultMaxItems, created)
	assert.Equal(t, rows-batch.DefaultMaxItems, failed)
	for i, it := range res.Items {
		if i < batch.DefaultMaxItems {
			require.NotNil(t, it.Payment, "row %d", i+1)
			continue
		}
		assert.Equal(t, batch.ItemNotAttempted, it.Status, "row %d", i+1)
		assert.ErrorIs(t, it.Err, errDown, "row %d", i+1)
		assert.Equal(t, i, it.Index)
	}
	require.Len(t, res.Totals, 1)
	assert.Equal(t, payment.Total{Currency: "TRY", Count: 500, Sum: 500 * 501 / 2 * 100}, res.Totals[0])
	assert.Len(t, res.BatchIDs, 1)
	assertOnce(t, references(t, mem, env.Workspace.ID), batch.DefaultMaxItems)

	store.down(-1)
	again, err := dashboard.SubmitCSV(ctx, env.Service, env.Workspace.ID, f, opts)
	require.NoError(t, err)
	created, replayed, failed := count(again)
	assert.Equal(t, []int{rows - batch.DefaultMaxItems, batch.DefaultMaxItems, 0}, []int{created, replayed, failed})
	assertOnce(t, references(t, mem, env.Workspace.ID), rows)
}

// TestBatchUploadStoreFailsOnALaterBatch: the Batch upload page shows the rows a partly sent file
// created, beside the error, and offers the rows not sent as failed rows to download.
func TestBatchUploadStoreFailsOnALaterBatch(t *testing.T) {
	var store *downAfter
	e := newTestEnvOn(t, dashboard.Options{}, func(m *memory.Store) payment.Store {
		store = &downAfter{Store: m, limit: -1}
		return store
	})
	c := newClient(t, e)
	c.signIn(e.writer)
	store.down(batch.DefaultMaxItems)
	code, body := c.uploadForm("/batch", url.Values{}, "file", "many.csv", paymentsCSV(e.Own.ID, e.Vendor.ID, 700))
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, `id="file-error">the rows from line 502 on were not sent, the rows before it were: database is down<`)
	assert.Contains(t, body, "500 created, 200 failed")
	assert.Contains(t, body, `id="download-failed"`)
	assert.Len(t, references(t, e.store, e.Workspace.ID), batch.DefaultMaxItems)
}
