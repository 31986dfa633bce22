package main

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// directSizes are the file sizes the direct writer is tried with: empty, around the alignment, around
// a block and over several blocks.
var directSizes = []int{0, 1, directAlign - 1, directAlign, directAlign + 1, directBlock - 1, directBlock,
	directBlock + 1, 2*directBlock + directAlign + 17}

// writeInPieces writes data to w in pieces of changing sizes, as a report writer does.
func writeInPieces(t *testing.T, w interface{ Write([]byte) (int, error) }, data []byte, rng *rand.Rand) {
	t.Helper()
	for len(data) > 0 {
		n := min(len(data), 1+rng.IntN(3*directBlock/2))
		if rng.IntN(2) == 0 {
			n = min(len(data), 1+rng.IntN(5000))
		}
		m, err := w.Write(data[:n])
		require.NoError(t, err)
		require.Equal(t, n, m)
		data = data[n:]
	}
}

// openDirect opens a new file named report in a temporary folder, with flag (os.O_RDONLY or
// os.O_WRONLY), and a direct writer for it; the test is skipped where direct I/O is not allowed.
func openDirect(t *testing.T, flag int) (*os.File, *directWriter) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	f, err := os.OpenFile(path, flag, 0)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	w, ok := newDirectWriter(f)
	if !ok {
		t.Skip("this system or file system does not allow direct I/O")
	}
	return f, w
}

// randomBytes returns n bytes from rng.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// TestDirectWriterContent: whatever the size and however it is written, the file holds exactly the
// bytes written, and is out of direct mode afterwards (a plain write still works).
func TestDirectWriterContent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range directSizes {
		data := randomBytes(rng, size)
		f, w := openDirect(t, os.O_WRONLY)
		writeInPieces(t, w, data, rng)
		require.NoError(t, w.Close(), "size %d", size)
		_, err := f.Write([]byte("end"))
		require.NoError(t, err, "the file is out of direct mode")
		got, err := os.ReadFile(f.Name())
		require.NoError(t, err)
		require.Equal(t, append(data, "end"...), got, "size %d", size)
	}
}

// TestDirectWriterRefused: blocks that direct I/O refuses (here, from an address that is not aligned)
// are written the usual way, with the same content.
func TestDirectWriterRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := randomBytes(rng, 2*directBlock+directAlign+5)
	f, w := openDirect(t, os.O_WRONLY)
	skewed := func() []byte { // a block one byte past an aligned address
		b := make([]byte, directBlock+2*directAlign)
		off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(b)))&(directAlign-1)) + 1
		return b[off : off : off+directBlock]
	}
	w.buf, w.spare = skewed(), skewed()
	writeInPieces(t, w, data, rng)
	require.NoError(t, w.Close())
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.Equal(t, data, got)
	if !w.refused {
		t.Skip("this file system accepted unaligned direct writes: the refusal was not exercised")
	}
}

// TestWriteAtomicReplaces: writeAtomic leaves the new content under the name and no temporary file,
// and a failed write leaves the old content.
func TestWriteAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	data := make([]byte, directBlock+123)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	require.NoError(t, writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, got)
	require.Error(t, writeAtomic(path, func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return errors.New("render failed")
	}))
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, got, "a failed write leaves the old report")
	names, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, names, 1, "no temporary file is left")
}

// TestDirectWriterFails: a write that fails directly and the usual way too (here, to a file open for
// reading only) is an error, not lost silently.
func TestDirectWriterFails(t *testing.T) {
	_, w := openDirect(t, os.O_RDONLY)
	_, _ = w.Write(make([]byte, 2*directBlock+1))
	require.Error(t, w.Close())
}
