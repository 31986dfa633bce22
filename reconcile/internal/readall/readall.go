// Package readall reads a whole input for the decoders that parse it in one piece (MT940, BAI2).
package readall

import "io"

// ReadAll reads the whole input, in one allocation when the reader knows its length (bytes.Reader,
// strings.Reader, bytes.Buffer) instead of the doublings of io.ReadAll.
func ReadAll(r io.Reader) ([]byte, error) {
	if l, ok := r.(interface{ Len() int }); ok {
		buf := make([]byte, l.Len()+1)
		n, err := io.ReadFull(r, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
		rest, err := io.ReadAll(r)
		return append(buf[:n], rest...), err
	}
	return io.ReadAll(r)
}
