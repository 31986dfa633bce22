// Package arena cuts the short texts a decoder makes for its entries ("line 14", a fingerprint, a
// field joined from continuation lines) from large blocks: one allocation per block instead of one
// per text. A block is never written again where a text lies, so each text shares the block's bytes.
package arena

import (
	"strconv"
	"unsafe"
)

// Block is the size of a block: about a thousand entries' worth of texts.
const Block = 32 << 10

// Arena hands out texts from its current block. The zero value is ready to use; it is not safe for
// concurrent use (each goroutine of a decoder has its own).
type Arena struct{ buf []byte }

// Room returns an empty slice with room for n bytes at the end of the current block (a new block
// when the current one has not that much left): append the text to it, at most n bytes, then Keep.
func (a *Arena) Room(n int) []byte {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(Block, n))
	}
	return a.buf[len(a.buf):len(a.buf)]
}

// Keep returns b, filled from the slice Room just returned and within the room asked for, as a
// string that shares the block's bytes, and moves the block's end past it.
func (a *Arena) Keep(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	end := len(a.buf)
	a.buf = a.buf[:end+len(b)]
	if unsafe.SliceData(b) != &a.buf[end] {
		panic("arena: Keep of bytes not written where Room said")
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Join returns x + sep + y.
func (a *Arena) Join(x, sep, y string) string {
	b := a.Room(len(x) + len(sep) + len(y))
	return a.Keep(append(append(append(b, x...), sep...), y...))
}

// Position returns "line n", an entry's position in a text file.
func (a *Arena) Position(n int) string {
	return a.Keep(strconv.AppendInt(append(a.Room(24), "line "...), int64(n), 10))
}
