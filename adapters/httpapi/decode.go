package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting in a request body: no endpoint needs more than three levels, and skipping
// unknown members must not recurse without limit on hostile input.
const maxDepth = 32

// decoder is a strict pull parser for request bodies. It checks JSON syntax itself (RFC 8259: UTF-8,
// no trailing data) and, unlike encoding/json, reports every duplicate member name, every unknown
// member, every value of the wrong JSON type (an amount of 1.5, "100" or 1e3), each with the JSON
// path of the member. A syntax error stops decoding; field problems are collected (up to
// maxListedErrors) and decoding goes on, so a client learns about all of them at once.
//
// Typed decoders (decodePaymentRequest and friends) drive it: object calls back once per member
// with the decoder positioned on the value, and the callback consumes the value with str, int64,
// object, array or skip.
type decoder struct {
	data  []byte
	pos   int
	depth int
	probs []FieldError
	err   *Error // the first syntax error; once set, every method returns at once
	keys  [][]byte
	// interned holds the strings of repeated values (accounts, currency, method) of a batch, so 500
	// items from the same account share one string. Nil: no interning.
	interned map[string]string
	keyBuf   [16][]byte // backs keys for the usual small objects
}

func newDecoder(data []byte) *decoder {
	d := &decoder{data: data}
	d.keys = d.keyBuf[:0]
	return d
}

// join builds the JSON path of a member: "" + "amount" → "amount"; "payments[3]" + "amount" →
// "payments[3].amount". It runs only when a problem is reported.
func join(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func index(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

func (d *decoder) syntax(format string, args ...any) {
	if d.err == nil {
		d.err = badRequest(CodeInvalidJSON, "",
			fmt.Sprintf("the body is not valid JSON: %s at byte %d", fmt.Sprintf(format, args...), d.pos))
	}
}

func (d *decoder) problem(param, code, msg string) {
	if len(d.probs) < maxListedErrors {
		d.probs = append(d.probs, FieldError{Param: param, Code: code, Message: msg})
	}
}

// result is the outcome of decoding: nil, a syntax error, or every field problem in one error.
func (d *decoder) result() *Error {
	if d.err != nil {
		return d.err
	}
	if len(d.probs) > 0 {
		return fieldProblems(d.probs)
	}
	return nil
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// atEnd skips whitespace and reports whether the input is used up. (peek's 0 cannot tell: a NUL
// byte is data, and invalid.)
func (d *decoder) atEnd() bool {
	d.ws()
	return d.pos >= len(d.data)
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// end checks that nothing but whitespace follows the top-level value.
func (d *decoder) end() {
	if d.err != nil {
		return
	}
	if !d.atEnd() {
		d.err = badRequest(CodeTrailingData, "",
			fmt.Sprintf("the body has data after the JSON value at byte %d; send exactly one JSON value", d.pos))
	}
}

// kind names the JSON type of the value at the cursor, for messages.
func (d *decoder) kind() string {
	switch c := d.peek(); {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return "no value"
}

// wrongType reports that the value at the cursor is not what param needs, and skips it.
func (d *decoder) wrongType(param, want string) {
	name := param
	if name == "" {
		name = "the body"
	}
	d.problem(param, FieldInvalidType, fmt.Sprintf("%s must be %s, not %s", name, want, d.kind()))
	d.skip(param)
}

// object reads an object, calling member for each member with the cursor on its value; member must
// consume the value. A value that is not an object is reported at param (want describes it) and
// skipped. Duplicate names are reported and their values skipped, so member never sees one twice.
func (d *decoder) object(param, want string, member func(key []byte)) bool {
	if d.err != nil {
		return false
	}
	if d.peek() != '{' {
		if d.pos >= len(d.data) {
			d.syntax("unexpected end of input")
			return false
		}
		d.wrongType(param, want)
		return false
	}
	if !d.enter() {
		return false
	}
	d.pos++
	mark := len(d.keys)
	defer func() { d.keys = d.keys[:mark] }()
	var names map[string]struct{} // the names seen, once the object has more than manyMembers
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return true
	}
	for {
		if d.peek() != '"' {
			d.syntax("expected a member name in double quotes")
			return false
		}
		key, ok := d.rawString()
		if !ok {
			return false
		}
		if d.peek() != ':' {
			d.syntax("expected ':' after a member name")
			return false
		}
		d.pos++
		if d.peek() == 0 {
			d.syntax("unexpected end of input")
			return false
		}
		var dup bool
		if names != nil {
			_, dup = names[string(key)]
		} else {
			dup = d.seen(d.keys[mark:], key)
		}
		switch {
		case dup:
			p := join(param, string(key))
			d.problem(p, FieldDuplicate, p+" appears more than once in the same object")
			d.skip(p)
		case names != nil:
			names[string(key)] = struct{}{}
			member(key)
		default:
			d.keys = append(d.keys, key)
			if len(d.keys)-mark > manyMembers {
				// Comparing each name with all before it would take quadratic time: a 1 MiB
				// body of distinct names took seconds of CPU.
				names = make(map[string]struct{}, 4*manyMembers)
				for _, k := range d.keys[mark:] {
					names[string(k)] = struct{}{}
				}
			}
			member(key)
		}
		if d.err != nil {
			return false
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return true
		default:
			d.syntax("expected ',' or '}' after an object member")
			return false
		}
	}
}

// manyMembers is how many member names of one object are compared one by one to find a duplicate;
// past it, a set. No endpoint's object has nearly as many members.
const manyMembers = 32

func (d *decoder) seen(keys [][]byte, key []byte) bool {
	for _, k := range keys {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// array reads an array, calling elem for each element with the cursor on it; elem must consume it.
func (d *decoder) array(param, want string, elem func(i int)) bool {
	if d.err != nil {
		return false
	}
	if d.peek() != '[' {
		d.wrongType(param, want)
		return false
	}
	if !d.enter() {
		return false
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return true
	}
	for i := 0; ; i++ {
		if d.peek() == 0 {
			d.syntax("unexpected end of input")
			return false
		}
		elem(i)
		if d.err != nil {
			return false
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return true
		default:
			d.syntax("expected ',' or ']' after an array element")
			return false
		}
	}
}

func (d *decoder) enter() bool {
	d.depth++
	if d.depth > maxDepth {
		d.syntax("nested deeper than %d levels", maxDepth)
		return false
	}
	return true
}

// unknown reports a member the endpoint does not know and skips its value.
func (d *decoder) unknown(base string, key []byte) {
	p := join(base, string(key))
	d.problem(p, FieldUnknown, p+" is not a known field")
	d.skip(p)
}

// str reads a string member; anything else (null included) is reported and skipped.
func (d *decoder) str(base, name string) (string, bool) {
	if d.err != nil {
		return "", false
	}
	if d.peek() != '"' {
		d.wrongType(join(base, name), "a string")
		return "", false
	}
	raw, ok := d.rawString()
	if !ok {
		return "", false
	}
	return string(raw), true
}

// token reads a string member that is likely to repeat (an id, a code); in a batch it is interned.
func (d *decoder) token(base, name string) (string, bool) {
	if d.interned == nil || d.err != nil || d.peek() != '"' {
		return d.str(base, name)
	}
	raw, ok := d.rawString()
	if !ok {
		return "", false
	}
	if s, ok := d.interned[string(raw)]; ok {
		return s, true
	}
	s := string(raw)
	if len(d.interned) < 1024 {
		d.interned[s] = s
	}
	return s, true
}

// int64 reads an integer member: a JSON number without fraction or exponent that fits in int64.
// 1.5, 1e3, 1.0, "100" and null are reported; so is a number out of range.
func (d *decoder) int64(base, name string) (int64, bool) {
	if d.err != nil {
		return 0, false
	}
	c := d.peek()
	if c != '-' && (c < '0' || c > '9') {
		d.wrongType(join(base, name), "an integer")
		return 0, false
	}
	start := d.pos
	if !d.number() {
		return 0, false
	}
	text := d.data[start:d.pos]
	for _, b := range text {
		if b == '.' || b == 'e' || b == 'E' {
			p := join(base, name)
			d.problem(p, FieldInvalidType, fmt.Sprintf("%s must be an integer (minor units), not %s", p, text))
			return 0, false
		}
	}
	v, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		p := join(base, name)
		d.problem(p, FieldInvalidType, fmt.Sprintf("%s must be a 64-bit integer; %s is out of range", p, text))
		return 0, false
	}
	return v, true
}

// number consumes a JSON number, checking its grammar.
func (d *decoder) number() bool {
	b, i := d.data, d.pos
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		d.pos = i
		d.syntax("invalid number")
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			d.pos = i
			d.syntax("invalid number: no digit after '.'")
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			d.syntax("invalid number: no digit in the exponent")
			return false
		}
	}
	d.pos = i
	return true
}

// rawString reads a string with the cursor on its opening quote and returns its content, unescaped.
// Without escapes (nearly always) the result aliases the input and nothing is allocated.
func (d *decoder) rawString() ([]byte, bool) {
	b := d.data
	start := d.pos + 1
	escaped := false
	i := start
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' {
			break
		}
		if c < 0x20 {
			d.pos = i
			d.syntax("control character in a string")
			return nil, false
		}
		if c == '\\' {
			escaped = true
			i++
		}
	}
	if i >= len(b) {
		d.pos = len(b)
		d.syntax("unterminated string")
		return nil, false
	}
	raw := b[start:i]
	d.pos = i + 1
	if !escaped {
		if !utf8.Valid(raw) {
			d.pos = start
			d.syntax("a string is not valid UTF-8")
			return nil, false
		}
		return raw, true
	}
	out, ok := unescape(raw)
	if !ok {
		d.pos = start
		d.syntax("invalid escape sequence or UTF-8 in a string")
		return nil, false
	}
	return out, true
}

// unescape decodes the JSON escapes of a string's content. Lone surrogates and invalid UTF-8 are
// refused rather than replaced: a payment reference must arrive exactly as sent or not at all.
func unescape(s []byte) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n <= 1 {
				return nil, false
			}
			out = append(out, s[i:i+n]...)
			i += n
			continue
		}
		if i+1 >= len(s) {
			return nil, false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			out = append(out, s[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok {
				return nil, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+1 >= len(s) || s[i] != '\\' || s[i+1] != 'u' {
					return nil, false
				}
				r2, ok := hex4(s[i+2:])
				if !ok {
					return nil, false
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return nil, false
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return out, true
}

func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skip consumes one value of any type, checking its syntax. Members inside skipped objects are
// checked for duplicates too: a body with a repeated name is refused wherever the name is, and the
// problem names the member by its whole path from param ("x.meta.k"). Only the paths of nested
// objects and arrays are built: a scalar member never has a problem to report.
func (d *decoder) skip(param string) {
	if d.err != nil {
		return
	}
	nested := func() bool { c := d.peek(); return c == '{' || c == '[' }
	switch c := d.peek(); {
	case c == '{':
		d.object(param, "", func(key []byte) {
			if nested() {
				d.skip(join(param, string(key)))
			} else {
				d.skip("")
			}
		})
	case c == '[':
		d.array(param, "", func(i int) {
			if nested() {
				d.skip(index(param, i))
			} else {
				d.skip("")
			}
		})
	case c == '"':
		d.rawString()
	case c == '-' || (c >= '0' && c <= '9'):
		d.number()
	case c == 't':
		d.literal("true")
	case c == 'f':
		d.literal("false")
	case c == 'n':
		d.literal("null")
	case c == 0:
		d.syntax("unexpected end of input")
	default:
		d.syntax("unexpected character %q", c)
	}
}

func (d *decoder) literal(lit string) {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return
	}
	d.syntax("invalid literal")
}

// checkJSON checks that data is exactly one well-formed JSON value with no duplicate member names
// anywhere, and, when t is not nil, that every member of an object decoded into a struct of t is
// named exactly as one of the struct's JSON names. DecodeJSON runs it before handing the body to
// encoding/json, which would accept duplicates silently (the last one wins) and match names without
// regard to letter case ({"Action":…} fills "action"; {"action":"a","ACTION":"b"} keeps "b").
func checkJSON(data []byte, t reflect.Type) *Error {
	d := newDecoder(data)
	if d.atEnd() {
		return badRequest(CodeEmptyBody, "", "the request needs a JSON body")
	}
	d.value("", t)
	d.end()
	return d.result()
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// value consumes one value that encoding/json will decode into a t, reporting the object members
// whose names are not exactly a member of the struct they would fill. Values of types that decode
// themselves, interfaces and scalars are only checked for syntax and duplicates.
func (d *decoder) value(param string, t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		d.skip(param)
		return
	}
	switch c := d.peek(); {
	case c == '{' && t.Kind() == reflect.Struct:
		names := jsonNames(t)
		d.object(param, "", func(key []byte) {
			ft, ok := names[string(key)]
			if !ok {
				d.unknown(param, key)
				return
			}
			d.value(join(param, string(key)), ft)
		})
	case c == '{' && t.Kind() == reflect.Map:
		d.object(param, "", func(key []byte) { d.value(join(param, string(key)), t.Elem()) })
	case c == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		d.array(param, "", func(i int) { d.value(index(param, i), t.Elem()) })
	default:
		d.skip(param)
	}
}

// jsonNames returns the member names encoding/json decodes into struct t, with their types, by its
// rules: the json tag's name (when valid) or else the field's; the fields of untagged embedded
// structs, breadth first, where a name at a shallower depth hides the same name deeper down, and of
// two at the same depth a tagged one wins, while two alike cancel out (the member is then unknown).
func jsonNames(t reflect.Type) map[string]reflect.Type {
	type candidate struct {
		typ    reflect.Type
		depth  int
		tagged bool
		n      int // how many fields of that depth and tag state have the name
	}
	best := map[string]*candidate{}
	level := map[reflect.Type]int{t: 1} // the structs of this depth, with how many embed each
	visited := map[reflect.Type]bool{}
	for depth := 0; len(level) > 0 && depth <= maxDepth; depth++ {
		next := map[reflect.Type]int{}
		for st, paths := range level { // the order does not matter: ties are settled alike
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				f := st.Field(i)
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous {
					if !f.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !f.IsExported() {
					continue
				}
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				if name == "" && f.Anonymous && ft.Kind() == reflect.Struct {
					next[ft]++
					continue
				}
				tagged := name != ""
				if !tagged {
					name = f.Name
				}
				n := min(paths, 2) // a struct embedded twice at one depth: its fields cancel out
				switch c := best[name]; {
				case c == nil || c.depth == depth && tagged && !c.tagged:
					best[name] = &candidate{typ: f.Type, depth: depth, tagged: tagged, n: n}
				case c.depth == depth && tagged == c.tagged:
					c.n += n
				}
			}
		}
		level = next
	}
	names := make(map[string]reflect.Type, len(best))
	for name, c := range best {
		if c.n == 1 {
			names[name] = c.typ
		}
	}
	return names
}

// validTagName reports whether encoding/json takes name from a json tag; for any other, it uses the
// field's name.
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}

// DecodeJSON decodes the JSON body of a request into v with the API's strictness, for handlers
// mounted with Handler.Mount: Content-Type must be application/json (415), the body must be one
// well-formed JSON value (400 invalid_json, trailing_data, empty_body) with no duplicate member names
// anywhere (400 duplicate_key) and no member v does not have (400 unknown_field; names match exactly,
// letter case included, where encoding/json alone would fill "action" from "Action"). The body limit is
// the route's (413). The error is an *Error; pass it to WriteError.
func DecodeJSON(r *http.Request, v any) error {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return badRequest(CodeBodyUnreadable, "", "the body could not be read")
	}
	if e := checkJSON(body, reflect.TypeOf(v)); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return badRequest(CodeInvalidType, ute.Field, fmt.Sprintf("%s must be %s, not %s", ute.Field, jsonKind(ute.Type.Kind()), ute.Value))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return badRequest(CodeUnknownField, name, name+" is not a known field")
		}
		return badRequest(CodeInvalidType, "", "the body does not fit this endpoint: "+err.Error())
	}
	return nil
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}
