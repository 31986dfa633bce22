package reconcile

import (
	"bytes"
	"io"
	"runtime"
	"slices"
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
	text  []byte
	line  int       // the line the run starts on
	at    int       // where its room starts in the result
	pays  []Payment // its room: one slot per line
	lines []int32   // the line of each payment read
	n     int       // payments read
	ok    bool      // the run was read whole, without a problem
	crash any       // what reading it panicked with, raised again on the caller's goroutine
	done  chan struct{}
}

// readPaymentsParallel reads what is left of cr into *out and *lines (whose capacity is the room
// for the whole file), with pp's columns. It returns nil when the whole file is read, or else a
// reader of what must still be read line by line: from the first line not joined to the end.
func readPaymentsParallel(cr *csvReader, pp *payParser, out *[]Payment, lines *[]int32) *csvReader {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *payRun, workers)
	for range workers {
		go func(pp *payParser, cr *csvReader) {
			for r := range work {
				r.read(pp, cr)
			}
		}(pp.fork(), &csvReader{})
	}
	all, allLines := (*out)[:cap(*out)], (*lines)[:cap(*lines)]
	tail := len(*out) // the end of the room reserved so far
	line := cr.next   // the line the next run starts on
	var (
		pending []*payRun // dispatched and not joined yet, in file order
		free    [][]byte  // the texts of joined runs, to read into again
		carry   []byte    // the start of a line cut off at the end of the last run
		readErr error     // the error that ended the input (io.EOF at its end)
		failed  bool
	)
	// joinRun adds r's payments after those joined: it reports false, adding nothing, when r was not
	// read whole.
	joinRun := func(r *payRun) bool {
		<-r.done
		r.raise()
		if !r.ok {
			return false
		}
		n := len(*out)
		if r.at > n { // earlier runs left slots free (blank lines, quoted line breaks)
			copy(all[n:], all[r.at:r.at+r.n])
			copy(allLines[n:], allLines[r.at:r.at+r.n])
			clear(all[n+r.n : r.at+r.n])
		}
		*out, *lines = all[:n+r.n], allLines[:n+r.n]
		free = append(free, r.text)
		return true
	}
	// join joins the runs at the front of pending that are done; wait says to wait for the first.
	join := func(wait bool) {
		for len(pending) > 0 && !failed {
			if !wait {
				select {
				case <-pending[0].done:
				default:
					return
				}
			}
			if failed = !joinRun(pending[0]); !failed {
				pending, wait = pending[1:], false
			}
		}
	}
	for !failed && readErr == nil {
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
		r := &payRun{text: text, line: line, at: tail, done: make(chan struct{})}
		pending = append(pending, r)
		if bytes.Count(text, []byte{'"'})%2 != 0 || tail+room > len(all) {
			// A quoted field goes on past the run (each quote of valid CSV opens or closes one, a
			// doubled one does both), or the size was underestimated: read on line by line.
			close(r.done)
			failed = true
			break
		}
		r.pays, r.lines = all[tail:tail+room:tail+room], allLines[tail:tail+room:tail+room]
		tail += room
		line += nl
		work <- r
		join(len(pending) > 2*workers)
	}
	close(work)
	var rest []io.Reader // what is not joined, in file order
	for _, r := range pending {
		if !failed && joinRun(r) {
			continue
		}
		<-r.done
		if !failed || len(rest) == 0 {
			line = r.line
		}
		failed = true
		rest = append(rest, bytes.NewReader(r.text))
	}
	clear(all[len(*out):tail]) // the rooms of runs not joined
	if !failed && readErr == io.EOF {
		return nil
	}
	rest = append(rest, bytes.NewReader(carry))
	if readErr != nil && readErr != io.EOF {
		rest = append(rest, errReader{readErr})
	} else {
		rest = append(rest, cr.r)
	}
	next := newCSVReader(io.MultiReader(rest...))
	next.next = line
	return next
}

// errReader returns its error: the read error that ended a parallel reading, for the line-by-line
// reading to report where it comes to it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// read reads the records of r into its room and sets r.ok when it has them all and no problem.
func (r *payRun) read(pp *payParser, cr *csvReader) {
	defer func() {
		r.crash = recover()
		close(r.done)
	}()
	cr.setText(r.text)
	var errs Errors
	for {
		rec, err := cr.read()
		if err == io.EOF {
			r.ok = true
			return
		}
		if err != nil {
			return
		}
		line := r.line + cr.line - 1
		p, ok := pp.parse(rec, line, &errs)
		if errs.Len() > 0 {
			return
		}
		if ok {
			if r.n == len(r.pays) {
				return // more records than lines: cannot be, but never written past the room
			}
			r.pays[r.n], r.lines[r.n] = p, int32(line)
			r.n++
		}
	}
}

// raise panics, on the goroutine that reads the file, with what reading r panicked with.
func (r *payRun) raise() {
	if r.crash != nil {
		panic(r.crash)
	}
}
