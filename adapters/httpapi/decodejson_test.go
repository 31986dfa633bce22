package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeJSON: mounted handlers get the same strictness as the built-in endpoints.
func TestDecodeJSON(t *testing.T) {
	type review struct {
		Action  string `json:"action"`
		Payment string `json:"payment_id"`
		Lines   []int  `json:"lines"`
	}
	tests := []struct {
		name, body, ct string
		status         int
		code, param    string
	}{
		{"valid", `{"action":"approve","payment_id":"pay_1","lines":[1,2]}`, "application/json", 0, "", ""},
		{"text", `{}`, "text/plain", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"empty", ``, "application/json", 400, httpapi.CodeEmptyBody, ""},
		{"duplicate", `{"action":"a","action":"b"}`, "application/json", 400, httpapi.CodeDuplicateKey, "action"},
		{"nested duplicate", `{"action":"a","lines":[1,{"k":1,"k":2}]}`, "application/json", 400, httpapi.CodeDuplicateKey, "lines[1].k"},
		{"unknown", `{"action":"a","note":"x"}`, "application/json", 400, httpapi.CodeUnknownField, "note"},
		{"other letter case", `{"Action":"approve","payment_id":"pay_1","lines":[1,2]}`, "application/json", 400, httpapi.CodeUnknownField, "Action"},
		{"duplicate in other letter case", `{"action":"approve","ACTION":"reject"}`, "application/json", 400, httpapi.CodeUnknownField, "ACTION"},
		{"type", `{"lines":["1"]}`, "application/json", 400, httpapi.CodeInvalidType, "lines"},
		{"trailing", `{} []`, "application/json", 400, httpapi.CodeTrailingData, ""},
		{"syntax", `{"action":}`, "application/json", 400, httpapi.CodeInvalidJSON, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/v1/x", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ct)
			var v review
			err := httpapi.DecodeJSON(r, &v)
			if tc.status == 0 {
				require.NoError(t, err)
				assert.Equal(t, review{Action: "approve", Payment: "pay_1", Lines: []int{1, 2}}, v)
				return
			}
			var e *httpapi.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.Status)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.param, e.Param)
		})
	}
	t.Run("names matched exactly at every level", func(t *testing.T) {
		type Audit struct {
			By string `json:"by"`
		}
		type note struct {
			Text string `json:"text"`
		}
		type mapping struct {
			note   `json:"note"`   // tagged embedded, unexported: one member, named by the tag
			Audit                  // untagged embedded: its members are the struct's
			Column string          `json:"column"`
			Format string          // untagged: the Go name
			Raw    json.RawMessage `json:"raw"` // decodes itself: anything goes
			At     time.Time       `json:"at"`
			Extra  map[string]struct {
				N int `json:"n"`
			} `json:"extra"`
			Hidden string `json:"-"`
		}
		type run struct {
			Mappings []*mapping `json:"mappings"`
		}
		decode := func(body string) error {
			r := httptest.NewRequest(http.MethodPost, "/v1/x", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return httpapi.DecodeJSON(r, &run{})
		}
		require.NoError(t, decode(`{"mappings":[{"note":{"text":"t"},"by":"x","column":"A","Format":"f","raw":{"Any":1,"any":2},`+
			`"at":"2026-01-15T09:00:00Z","extra":{"K":{"n":1},"k":{"n":2}}}]}`))
		for body, param := range map[string]string{
			`{"mappings":[{"column":"A"},{"Column":"B"}]}`: "mappings[1].Column",
			`{"mappings":[{"By":"x"}]}`:                    "mappings[0].By",
			`{"mappings":[{"format":"f"}]}`:                "mappings[0].format",
			`{"mappings":[{"extra":{"k":{"N":1}}}]}`:       "mappings[0].extra.k.N",
			`{"mappings":[{"Hidden":"x"}]}`:                "mappings[0].Hidden",
			`{"mappings":[{"note":{"Text":"t"}}]}`:         "mappings[0].note.Text",
			`{"MAPPINGS":[]}`:                              "MAPPINGS",
		} {
			var e *httpapi.Error
			require.ErrorAs(t, decode(body), &e, body)
			assert.Equal(t, httpapi.CodeUnknownField, e.Code, body)
			assert.Equal(t, param, e.Param, body)
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/v1/x", strings.NewReader(`{"action":"`+strings.Repeat("a", 100)+`"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		var e *httpapi.Error
		require.ErrorAs(t, httpapi.DecodeJSON(r, &review{}), &e)
		assert.Equal(t, http.StatusRequestEntityTooLarge, e.Status)
	})
}

// TestDecodeJSONNamesAsEncodingJSON: DecodeJSON takes a member exactly when encoding/json (with
// DisallowUnknownFields) fills a field from it under that exact name. A field hides a deeper one
// of the same name, whichever comes first in the struct; two alike at one depth fill nothing; a tag
// that is no valid name leaves the field's own. (Its exact-name check refused {"meta":{"a":1}} for a
// struct whose own meta came before an embedded struct's, and the member X of a field tagged "x€".)
func TestDecodeJSONNamesAsEncodingJSON(t *testing.T) {
	type deep struct {
		Meta struct {
			B int `json:"b"`
		} `json:"meta"`
		Code string `json:"code"`
	}
	type left struct {
		Ref string
	}
	type right struct {
		Ref  string
		Note string
	}
	type tagged struct {
		Note string `json:"Note"`
	}
	type shadowed struct {
		Meta struct {
			A int `json:"a"`
		} `json:"meta"`
		deep
		left
		right
		tagged
		X int `json:"x€"`
	}
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"meta":{"a":1}}`, true},
		{`{"meta":{"b":1}}`, false},
		{`{"code":"c"}`, true},
		{`{"Ref":"r"}`, false}, // left's and right's: neither
		{`{"Note":"n"}`, true}, // tagged wins over right's untagged Note
		{`{"X":1}`, true},
		{`{"x€":1}`, false},
	} {
		var v shadowed
		dec := json.NewDecoder(strings.NewReader(tc.body))
		dec.DisallowUnknownFields()
		require.Equal(t, tc.ok, dec.Decode(&v) == nil, "encoding/json on %s", tc.body)
		r := httptest.NewRequest(http.MethodPost, "/v1/x", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		err := httpapi.DecodeJSON(r, &shadowed{})
		if tc.ok {
			assert.NoError(t, err, tc.body)
		} else {
			var e *httpapi.Error
			if assert.ErrorAs(t, err, &e, tc.body) {
				assert.Equal(t, httpapi.CodeUnknownField, e.Code, tc.body)
			}
		}
	}
}
