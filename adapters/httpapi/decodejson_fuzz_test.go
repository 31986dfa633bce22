package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/orkesta/orkesta/adapters/httpapi"
)

type FuzzAudit struct {
	By  string `json:"by"`
	Tie string
}

type FuzzTie struct {
	Tie string // same depth as FuzzAudit.Tie: the two cancel out, "Tie" is unknown
}

type fuzzItem struct {
	N int64  `json:"n"`
	S string `json:"s"`
}

// fuzzDoc has the shapes DecodeJSON must match by encoding/json's rules: tag and Go names,
// embedded structs, a cancelled name, pointers, slices, maps, interfaces and self-decoding values.
type fuzzDoc struct {
	FuzzAudit
	FuzzTie
	Name   string              `json:"name"`
	Plain  string              // untagged: the Go name
	Amount int64               `json:"amount,omitempty"`
	Ptr    *fuzzItem           `json:"ptr"`
	List   []fuzzItem          `json:"list"`
	Map    map[string]fuzzItem `json:"map"`
	Any    any                 `json:"any"`
	Raw    json.RawMessage     `json:"raw"`
	Hidden string              `json:"-"`
}

// FuzzDecodeJSON compares DecodeJSON with encoding/json: whatever DecodeJSON accepts, encoding/json
// (with DisallowUnknownFields) decodes to the same value, without a duplicate name anywhere; what is
// not JSON is refused as such; and what encoding/json writes for the type, DecodeJSON accepts.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"by":"x","name":"n","Plain":"p","amount":1,"ptr":{"n":1},"list":[{"s":"a"}],"map":{"k":{"n":2}},"any":{"a":[1,{"b":null}]},"raw":{"A":1,"a":2}}`,
		`{"Tie":"x"}`, `{"Hidden":"h"}`, `{"NAME":"n"}`, `{"n\u0061me":"a","name":"b"}`, `{"map":{"k":{},"K":{}}}`,
		`{"any":{"x":1,"x":2}}`, `{"raw":{"x":1,"x":2}}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"amount":1.5}`,
		`{} {}`, ``, `{`, `[]`, `null`, `{"list":null,"ptr":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got fuzzDoc
		err := decode(body, &got)
		if err != nil {
			var e *httpapi.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Code == "" || e.Message == "" {
				t.Fatalf("%q: error %v is no 400 *httpapi.Error with a code and message", body, err)
			}
			if !json.Valid(body) && e.Code != httpapi.CodeInvalidJSON && e.Code != httpapi.CodeTrailingData && e.Code != httpapi.CodeEmptyBody {
				t.Fatalf("%q is not JSON, refused as %s: %s", body, e.Code, e.Message)
			}
		} else {
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			if dup := duplicateName(body); dup != "" {
				t.Fatalf("accepted %q, which repeats %q", body, dup)
			}
			var want fuzzDoc
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("accepted %q, encoding/json refuses it: %v", body, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q decoded as %+v, encoding/json: %+v", body, got, want)
			}
		}
		// What encoding/json makes of the body, written back, is a body DecodeJSON must take.
		var loose fuzzDoc
		if json.Unmarshal(body, &loose) != nil {
			return
		}
		loose.Raw = nil // kept as sent, repeated names and lone surrogates included
		out, merr := json.Marshal(loose)
		if merr != nil {
			return
		}
		var again fuzzDoc
		if err := decode(out, &again); err != nil {
			t.Fatalf("refused %s, which encoding/json wrote: %v", out, err)
		}
	})
}

func decode(body []byte, v any) error {
	r := httptest.NewRequest(http.MethodPost, "/v1/x", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return httpapi.DecodeJSON(r, v)
}

// duplicateName returns a member name that appears twice in one object of body, after unescaping.
func duplicateName(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		names  map[string]bool
		key    bool // the next token in this object is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if name, ok := tok.(string); ok {
				if top.names[name] {
					return name
				}
				top.names[name] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, names: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value ended: a name comes next
		}
	}
}
