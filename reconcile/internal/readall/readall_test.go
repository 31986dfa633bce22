package readall

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// growing is a reader whose Len is smaller than what it holds, as a file that grows while it is read.
type growing struct {
	*strings.Reader
	len int
}

func (g growing) Len() int { return g.len }

// TestReadAll: everything is read, with or without a length, whether the length is right, too small
// or the reader fails.
func TestReadAll(t *testing.T) {
	text := strings.Repeat("0123456789", 1000)
	for name, r := range map[string]io.Reader{
		"length":        strings.NewReader(text),
		"buffer":        bytes.NewBufferString(text),
		"no length":     iotest.HalfReader(strings.NewReader(text)),
		"length short":  growing{strings.NewReader(text), 10},
		"empty":         strings.NewReader(""),
		"length, empty": bytes.NewBuffer(nil),
	} {
		got, err := ReadAll(r)
		require.NoError(t, err, name)
		want := text
		if strings.Contains(name, "empty") {
			want = ""
		}
		require.Equal(t, want, string(got), name)
	}
	_, err := ReadAll(iotest.ErrReader(io.ErrClosedPipe))
	require.ErrorIs(t, err, io.ErrClosedPipe)
}
