package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
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
