package xmlscan

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// token is what Next returned, for comparison.
type token struct {
	Text  string
	Kind  Kind
	Name  string
	QName string
	Attrs string
	Empty bool
	Line  int
}

func scan(t *testing.T, doc string, pieces bool) []token {
	t.Helper()
	s := New(strings.NewReader(doc))
	s.CountLines = true
	if pieces {
		s.Wrap(iotest.OneByteReader)
	}
	var out []token
	for {
		text, tg, err := s.Next()
		require.NoError(t, err)
		out = append(out, token{string(text), tg.Kind, string(tg.Name), string(tg.QName), string(tg.Attrs), tg.Empty, s.Line()})
		if tg.Kind == EOF {
			return out
		}
	}
}

// TestNext: tags with and without prefixes, attributes, empty tags, CDATA, comments and processing
// instructions (start tags with no name), the text before each tag, and the line after each; the
// same whether the input comes whole or a byte at a time.
func TestNext(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<ns2:Document xmlns:ns2=\"urn:x\">\n  <Amt Ccy='EUR'>1&amp;2</Amt>\r\n" +
		"<!-- a\ncomment --><Empty/><![CDATA[<raw>]]></ns2:Document>tail"
	want := []token{
		{"", Start, "", "", "", true, 1},
		{"\n", Start, "Document", "ns2:Document", ` xmlns:ns2="urn:x"`, false, 2},
		{"\n  ", Start, "Amt", "Amt", ` Ccy='EUR'`, false, 3},
		{"1&amp;2", End, "Amt", "Amt", "", false, 3},
		{"\r\n", Start, "", "", "", true, 5},
		{"", Start, "Empty", "Empty", "", true, 5},
		{"", CDATA, "", "", "<raw>", false, 5},
		{"", End, "Document", "ns2:Document", "", false, 5},
		{"tail", EOF, "", "", "", false, 5},
	}
	assert.Equal(t, want, scan(t, doc, false))
	assert.Equal(t, want, scan(t, doc, true))
}

func TestAttr(t *testing.T) {
	tg := Tag{Kind: Start, Name: []byte("c"), Attrs: []byte(` r="B2" x:t = 's' empty=""`)}
	for name, want := range map[string]string{"r": "B2", "t": "s", "empty": ""} {
		v, ok := tg.Attr(name)
		assert.True(t, ok, name)
		assert.Equal(t, want, string(v), name)
	}
	_, ok := tg.Attr("missing")
	assert.False(t, ok)
	assert.True(t, tg.Is("c"))
	assert.False(t, tg.Is("r"))
}

func TestAppendText(t *testing.T) {
	for raw, want := range map[string]string{
		"plain": "plain",
		"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;": `a <b> & "c" 'd'`,
		"&#252;ber &#x11F;":                             "über ğ",
		"line\r\nend\rx":                                "line\nend\nx",
	} {
		got, err := AppendText([]byte(">"), []byte(raw))
		require.NoError(t, err, raw)
		assert.Equal(t, ">"+want, string(got), raw)
	}
	for _, bad := range []string{"&nbsp;", "&#0;", "&#xD800;", "a & b"} {
		_, err := AppendText(nil, []byte(bad))
		assert.Error(t, err, bad)
	}
}

// TestErrors: input cut inside a tag, a '<' that starts no tag, a reader that fails, a token over
// the limit.
func TestErrors(t *testing.T) {
	_, _, err := New(strings.NewReader("<a><b attr=\"x")).Next()
	require.NoError(t, err) // <a> is whole
	s := New(strings.NewReader("<a><b attr=\"x"))
	_, _, _ = s.Next()
	_, _, err = s.Next()
	assert.EqualError(t, err, "the XML ends inside a tag")

	for _, in := range []string{"<a>1 <2</a>", "<a>x < y</a>", "<a></ b>", "<a><1/></a>", "<a></>",
		"<a>O < 'Brien</a><b>z</b>", "<a>x < y" + strings.Repeat("z", 100<<10)} { // no '>' to find after the '<'

		s = New(strings.NewReader(in))
		_, _, err = s.Next()
		require.NoError(t, err, in)
		_, _, err = s.Next()
		assert.ErrorIs(t, err, ErrStrayLT, in)
	}

	s = New(iotest.ErrReader(io.ErrClosedPipe))
	_, _, err = s.Next()
	assert.ErrorIs(t, err, io.ErrClosedPipe)

	s = New(strings.NewReader("<a>" + strings.Repeat("x", MaxToken+1) + "</a>"))
	_, _, _ = s.Next()
	_, _, err = s.Next()
	assert.ErrorIs(t, err, ErrTokenTooLong)
}

// TestScannerLongText: a text longer than the buffer grows it; past MaxToken it is an error, not
// unbounded memory.
func TestScannerLongText(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	sc := New(strings.NewReader("<t>" + long + "</t>"))
	_, tg, err := sc.Next()
	require.NoError(t, err)
	require.True(t, tg.Is("t"))
	text, err := sc.AppendContent(nil)
	require.NoError(t, err)
	assert.Equal(t, long, string(text))

	sc = New(io.MultiReader(strings.NewReader("<t>"), iotest.DataErrReader(strings.NewReader(strings.Repeat("y", MaxToken+1)))))
	_, _, _ = sc.Next()
	_, err = sc.AppendContent(nil)
	assert.ErrorIs(t, err, ErrTokenTooLong)
}

// FuzzNext: any input gives the same tokens, lines and error whether it arrives whole or a byte at
// a time, and scanning always ends.
func FuzzNext(f *testing.F) {
	f.Add([]byte("<?xml version=\"1.0\"?>\n<a:b x='1'>t&amp;<c/><![CDATA[x]]><!--c--></a:b>"))
	f.Add([]byte("<a><b attr=\"x"))
	f.Add([]byte("text only\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func(pieces bool) ([]token, string) {
			s := New(strings.NewReader(string(data)))
			s.CountLines = true
			if pieces {
				s.Wrap(iotest.OneByteReader)
			}
			var out []token
			for range len(data) + 2 { // every call consumes at least one byte, or ends
				text, tg, err := s.Next()
				if err != nil {
					return out, err.Error()
				}
				out = append(out, token{string(text), tg.Kind, string(tg.Name), string(tg.QName), string(tg.Attrs), tg.Empty, s.Line()})
				if tg.Kind == EOF {
					return out, ""
				}
			}
			t.Fatal("the scanner does not end")
			return nil, ""
		}
		whole, werr := run(false)
		bytewise, berr := run(true)
		if werr != berr || len(whole) != len(bytewise) {
			t.Fatalf("whole: %d tokens, %q; byte by byte: %d tokens, %q", len(whole), werr, len(bytewise), berr)
		}
		for i := range whole {
			if whole[i] != bytewise[i] {
				t.Fatalf("token %d: %+v whole, %+v byte by byte", i, whole[i], bytewise[i])
			}
		}
	})
}
