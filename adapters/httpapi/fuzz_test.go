package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/payment"
)

// wirePayment is what encoding/json makes of a payment request body, to compare with the decoder.
type wirePayment struct {
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Method      string `json:"method"`
	FromAccount string `json:"from_account"`
	ToAccount   string `json:"to_account"`
	Description string `json:"description"`
	Reference   string `json:"reference"`
	ValueDate   string `json:"value_date"`
}

func addSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "requests", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/requests: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `{`, `[]`, `null`, `{"amount":1e3}`, `{"a":1,"a":2}`, `{} {}`, "{\"x\":\"\xff\"}", `"\ud800"`} {
		f.Add([]byte(s))
	}
}

// FuzzDecodePaymentRequest: the decoder never panics, and whatever it accepts, encoding/json accepts
// too and reads the same way (it is stricter, never different). Crashers go to testdata/fuzz.
func FuzzDecodePaymentRequest(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, derr := decodePaymentRequest(body)
		if derr != nil {
			if derr.Status != 400 || derr.Code == "" || derr.Message == "" {
				t.Fatalf("bad error for %q: %+v", body, derr)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var w wirePayment
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			t.Fatalf("accepted %q, encoding/json refuses it: %v", body, err)
		}
		want := payment.Request{Amount: w.Amount, Currency: payment.Currency(w.Currency), Method: payment.Method(w.Method),
			FromAccount: payment.AccountID(w.FromAccount), ToAccount: payment.AccountID(w.ToAccount),
			Description: w.Description, Reference: w.Reference}
		if w.ValueDate != "" {
			d, err := payment.ParseDate(w.ValueDate)
			if err != nil {
				t.Fatalf("accepted value_date %q", w.ValueDate)
			}
			want.ValueDate = d
		}
		if req != want {
			t.Fatalf("decoded %q as %+v; encoding/json: %+v", body, req, want)
		}
	})
}

// FuzzCheckJSON: checkJSON accepts only what encoding/json calls valid, never panics, and refuses
// duplicate names.
func FuzzCheckJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkJSON(body, nil) == nil && !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if _, err := decodeBatchRequest(body); err != nil && err.Status >= 500 {
			t.Fatalf("batch decode of %q: %+v", body, err)
		}
	})
}

type formPart struct{ name, file, content string }

// FuzzFormDigest: a form's digest is that of its parts, whatever the boundary (a client retrying an
// upload writes a new one), and a body formDigest takes for a well-formed form is one readStatement
// does not call malformed.
func FuzzFormDigest(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\na,b\n1,2\r\n--b--\r\n"), "b")
	f.Add([]byte("pre\r\n--xx\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41=\r\nB\r\n--xx\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--xx--"), "xx")
	f.Add([]byte("--b\r\n\r\nno headers\r\n--b--"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		ct := "multipart/form-data; boundary=\"" + strings.ReplaceAll(boundary, "\"", "") + "\""
		sum, ok := formDigest(ct, body)
		if !ok {
			return
		}
		r := httptest.NewRequest("POST", "/v1/reconciliation/runs/r/statements", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if _, err := readStatement(r); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == CodeBodyUnreadable {
				t.Fatalf("formDigest took %q (boundary %q) for a form, readStatement: %v", body, boundary, err)
			}
		}
		// The same parts under another boundary.
		var parts []formPart
		mr := multipart.NewReader(bytes.NewReader(body), strings.ReplaceAll(boundary, "\"", ""))
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("formDigest took %q for a form, NextPart: %v", body, err)
			}
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, formPart{p.FormName(), p.FileName(), string(b)})
		}
		var out bytes.Buffer
		w := multipart.NewWriter(&out)
		for _, p := range parts {
			if p.name == "" || strings.ContainsAny(p.name+p.file, "\r\n\"\\\x00") {
				return // not written back as it was read
			}
			var pw io.Writer
			var err error
			if p.file != "" {
				pw, err = w.CreateFormFile(p.name, p.file)
			} else {
				pw, err = w.CreateFormField(p.name)
			}
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(pw, p.content)
		}
		w.Close()
		again, ok := formDigest(w.FormDataContentType(), out.Bytes())
		if !ok || again != sum {
			t.Fatalf("%q (boundary %q) and the same parts under boundary %q differ: ok %v", body, boundary, w.Boundary(), ok)
		}
	})
}
