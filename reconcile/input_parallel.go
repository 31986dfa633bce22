package reconcile

import (
	"bytes"
	"io"
	"runtime"
	"slices"

	"github.com/orkesta/orkesta/reconcile/internal/ordered"
)

// Reading a large payments CSV on several goroutines. Once the first rows are read and the result is
// sized from them, the rest of the file is cut into runs of whole lines, about a megabyte each,
// whose records are read into payments on GOMAXPROCS goroutines, each with its own payParser,
// straight into the room reserved for them in the result (one slot per line); the runs are joined
// in file order. A run is joined only when it was read whole and without a single problem; the first
// one that is not (a problem, a quoted field that goes on past its end, more lines than the result
// has room for) is read again, with everything after it, by the caller's reader, line by line. So the
// result, problems and their lines included, is always the one of the reading line by line.

// parallelPaymentsFrom is the record from which a payments CSV is read on several goroutines: the
// result has been sized by then (at record 1024).
const parallelPaymentsFrom = 2048

// paymentsBlock is the size of a run. A variable, so tests cut small files into many runs.
var paymentsBlock = 1 << 20

// parallelPayments turns the reading on several goroutines off, for tests that compare the two.
var parallelPayments = true

// payRun is a run of lines read by one goroutine.
type payRun struct {
	text []byte
	line int       // the line the run starts on
	at   int       // where its room starts in the result
	pays []Payment // its room: one slot per line
	rows []payRow  // the line and id hash of each payment read
	n    int       // payments read
}

// readPaymentsParallel reads what is left of cr into *out and *rows (whose capacity is the room
// for the whole file), with pp's columns. It returns nil when the whole file is read, or else a
// reader of what must still be read line by line: from the first line not joined to the end.
func readPaymentsParallel(cr *csvReader, pp *payParser, out *[]Payment, rows *[]payRow) *csvReader {
	all, allRows := (*out)[:cap(*out)], (*rows)[:cap(*rows)]
	var free [][]byte // the texts of joined runs, to read into again
	// join adds r's payments after those joined.
	join := func(r *payRun) bool {
		n := len(*out)
		if r.at > n { // earlier runs left slots free (blank lines, quoted line breaks)
			copy(all[n:], all[r.at:r.at+r.n])
			copy(allRows[n:], allRows[r.at:r.at+r.n])
			clear(all[n+r.n : r.at+r.n])
		}
		*out, *rows = all[:n+r.n], allRows[:n+r.n]
		free = append(free, r.text)
		return true
	}
	workers := runtime.GOMAXPROCS(0)
	parsers := make(chan *payParser, workers) // one for each run being read: its arena and caches
	for range workers {
		parsers <- pp.fork()
	}
	runs := ordered.Start(workers, func(r *payRun) bool {
		p := <-parsers
		defer func() { parsers <- p }()
		return r.read(p)
	}, join)

	tail := len(*out) // the end of the room reserved so far
	line := cr.next   // the line the next run starts on
	var (
		carry   []byte // the start of a line cut off at the end of the last run
		readErr error  // the error that ended the input (io.EOF at its end)
	)
	for !runs.Failed() && readErr == nil {
		var buf []byte
		if k := len(free); k > 0 {
			buf, free = free[k-1][:0], free[:k-1]
		} else {
			buf = make([]byte, 0, paymentsBlock)
		}
		buf = append(buf, carry...)
		cut, empty := 0, 0
		for {
			for len(buf) < cap(buf) && readErr == nil {
				n, err := cr.r.Read(buf[len(buf):cap(buf)])
				buf, readErr = buf[:len(buf)+n], err
				if empty++; n > 0 {
					empty = 0
				} else if empty >= 100 && err == nil {
					readErr = io.ErrNoProgress // as bufio.Reader says of a reader that keeps returning nothing
				}
			}
			if readErr != nil {
				cut = len(buf)
				break
			}
			if cut = bytes.LastIndexByte(buf, '\n') + 1; cut > 0 {
				break
			}
			buf = slices.Grow(buf, cap(buf)) // a line longer than the run: read on
		}
		carry = append(carry[:0], buf[cut:]...)
		text := buf[:cut]
		if len(text) == 0 {
			break
		}
		nl := bytes.Count(text, []byte{'\n'})
		room := nl
		if text[len(text)-1] != '\n' {
			room++
		}
		r := &payRun{text: text, line: line, at: tail}
		if tail+room > len(all) {
			// The size was underestimated: read on line by line. (A run that ends inside a quoted
			// field fails where it is read, at its end: it and the rest are read line by line too.)
			runs.Refuse(r)
			break
		}
		r.pays, r.rows = all[tail:tail+room:tail+room], allRows[tail:tail+room:tail+room]
		tail += room
		line += nl
		runs.Add(r)
	}
	rest := runs.Finish()
	clear(all[len(*out):tail]) // the rooms of runs not joined
	if len(rest) == 0 && readErr == io.EOF {
		return nil
	}
	var again []io.Reader // what is not joined, in file order
	for i, r := range rest {
		if i == 0 {
			line = r.line
		}
		again = append(again, bytes.NewReader(r.text))
	}
	again = append(again, bytes.NewReader(carry))
	if readErr != nil && readErr != io.EOF {
		again = append(again, errReader{readErr})
	} else {
		again = append(again, cr.r)
	}
	next := newCSVReader(io.MultiReader(again...))
	next.next = line
	return next
}

// errReader returns its error: the read error that ended a parallel reading, for the line-by-line
// reading to report where it comes to it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// read reads the records of r into its room with pp and reports whether it has them all and no
// problem.
func (r *payRun) read(pp *payParser) bool {
	cr := &csvReader{}
	cr.setText(r.text)
	var errs Errors
	for {
		rec, err := cr.read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		line := r.line + cr.line - 1
		p, ok := pp.parse(rec, line, &errs)
		if errs.Len() > 0 {
			return false
		}
		if ok {
			if r.n == len(r.pays) {
				return false // more records than lines: cannot be, but never written past the room
			}
			r.pays[r.n], r.rows[r.n] = p, pp.row(&p, line)
			r.n++
		}
	}
}
