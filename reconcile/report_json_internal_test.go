package reconcile

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// fill sets every field of the struct v points to to a non-zero value, so that a field added to a
// report type later shows up in the comparison with encoding/json.
func fill(t *testing.T, v reflect.Value, seed string) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeFor[payment.Date]():
			f.SetInt(int64(payment.MustDate("2026-02-03")))
		case f.Kind() == reflect.String:
			f.SetString(seed + name + ` <&> "q" \ é` + "\u2028\x01\t")
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		case f.CanInt():
			f.SetInt(-12345)
		case f.Kind() == reflect.Map:
			f.Set(reflect.ValueOf(map[string]string{"b": "2", "a<": "1"}))
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
			s := reflect.MakeSlice(f.Type(), 2, 2)
			s.Index(0).SetString(seed + "x")
			s.Index(1).SetString(seed + "y")
			f.Set(s)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			s := reflect.MakeSlice(f.Type(), 2, 2)
			fill(t, s.Index(0), seed+"0")
			fill(t, s.Index(1), seed+"1")
			f.Set(s)
		case f.Kind() == reflect.Struct:
			fill(t, f, seed+name)
		case f.Kind() == reflect.Float64:
			f.SetFloat(0.9875)
		default:
			t.Fatalf("fill: %s has a kind (%s) the test does not know: teach it", name, f.Kind())
		}
	}
}

func TestReportJSONMatchesEncodingJSON(t *testing.T) {
	full := &Report{}
	fill(t, reflect.ValueOf(full).Elem(), "")
	tests := []struct {
		name   string
		report *Report
	}{
		{"every field set", full},
		{"empty", &Report{Matches: []Match{}, UnmatchedEntries: []UnmatchedEntry{}, UnmatchedPayments: []UnmatchedPayment{}, Anomalies: []Anomaly{}}},
		{"zero values", &Report{Matches: []Match{{}}, UnmatchedEntries: []UnmatchedEntry{{}}, UnmatchedPayments: []UnmatchedPayment{{}}, Anomalies: []Anomaly{{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.report)
			require.NoError(t, err)
			var got jsonBuf
			require.NoError(t, WriteJSON(&got, tt.report))
			assert.Equal(t, string(want), string(got))
		})
	}
}

type jsonBuf []byte

func (b *jsonBuf) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "<a&b>", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "ğüşıöçİ", "\b\f\n\r\t",
		"INV-2026-490210 EFT", "1234567\"", "12345678<x>", "abcdefgh&ijklmnop\x1f", "Öztürk Gıda order 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendString(nil, s)))
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, 0.5, 0.1234, 1e-7, 1e21, -3.5e-9, 123456789} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want, err := json.Marshal(x)
		if err != nil {
			t.Skip() // NaN and infinities are not JSON
		}
		assert.Equal(t, string(want), string(appendFloat(nil, x)))
	})
}

func FuzzAppendMinor(f *testing.F) {
	for _, v := range []int64{0, 5, -5, 123456, -100, 9223372036854775807, -9223372036854775808} {
		f.Add(v, "TRY")
		f.Add(v, "JPY")
		f.Add(v, "KWD")
		f.Add(v, "")
	}
	f.Fuzz(func(t *testing.T, v int64, c string) {
		cur := payment.Currency(c)
		assert.Equal(t, payment.FormatMinor(v, cur), string(appendMinor(nil, v, cur.MinorUnits())))
	})
}

func TestAppendDate(t *testing.T) {
	for d := payment.Date(1); d < payment.MustDate("2100-01-01"); d += 17 {
		want, err := json.Marshal(d)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendDate(nil, d)))
	}
}

// writeSizes records the size of every Write.
type writeSizes struct {
	bytes.Buffer
	sizes []int
}

func (w *writeSizes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.Buffer.Write(p)
}

// TestJSONWriterRoom: pieces gathered through room come out whole and in order, the buffer grows
// once to bufferCap and no further, and every write but the last is of at least bigWrite bytes.
func TestJSONWriterRoom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	w := &writeSizes{}
	jw := &jsonWriter{w: w, b: make([]byte, 0, 256<<10)}
	var want bytes.Buffer
	grown := 0
	for i := range 400 {
		piece := bytes.Repeat([]byte{byte('a' + i%26)}, 1+rng.IntN(bigWrite/2))
		before := cap(jw.b)
		jw.room(len(piece))
		if cap(jw.b) != before {
			grown++
		}
		jw.b = append(jw.b, piece...)
		require.LessOrEqual(t, cap(jw.b), bufferCap, "piece %d", i)
		jw.flush(bigWrite)
		want.Write(piece)
	}
	jw.flush(0)
	require.NoError(t, jw.err)
	require.Equal(t, 1, grown, "the buffer grows once")
	require.True(t, bytes.Equal(want.Bytes(), w.Bytes()), "the bytes written are the pieces in order")
	for i, n := range w.sizes[:len(w.sizes)-1] {
		require.GreaterOrEqual(t, n, bigWrite, "write %d", i)
	}
	// A piece larger than the buffer can hold: what was gathered is written first, then the buffer
	// takes the piece.
	w.Reset()
	jw.b = append(jw.b[:0], "head"...)
	jw.room(bufferCap + 10)
	require.Equal(t, "head", w.String())
	require.Empty(t, jw.b)
	require.GreaterOrEqual(t, cap(jw.b), bufferCap+10)
}
