package csv

import (
	"io"
	"runtime"
	"strings"

	"github.com/orkesta/orkesta/reconcile/tabular"
)

// Reading on several cores. Once the builder has settled (header found, number format decided),
// the rest of the file is cut into runs of whole lines, about a megabyte each, that are split into
// records and read into entries on GOMAXPROCS goroutines, each run into its own fork of the builder;
// the forks are joined in file order. A run is cut at a line break, which ends a record unless it
// lies inside a quoted field: a run that ends inside one, or that has a row the builder must read
// itself (any problem, a value that narrows the number format or the date order, a line over the
// limit, invalid UTF-8), is not joined, and it and everything after it are read line by line as
// before. So the result is always the one the sequential reading gives.

// parallelBlock is the size of a run. A variable, so tests cut small files into many runs.
var parallelBlock = 1 << 20

// parallelEnabled turns the parallel reading off, for tests that compare the two.
var parallelEnabled = true

// run is a run of lines read by a fork.
type run struct {
	text  string
	line  int // the lines of the file before it, counted as records.lines counts them
	fork  *tabular.Builder
	ok    bool // the fork read every record of the run
	crash any  // what reading it panicked with, raised again on the caller's goroutine
	done  chan struct{}
}

// readParallel reads what is left of rr into b. When it returns, rr holds what must still be read
// line by line (nothing, or the runs from the first one that was not joined, then the rest of
// the input, with rr.lines set before them), and lineOffset is added to every line number.
func readParallel(b *tabular.Builder, rr *recordReader, lineOffset int) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *run, workers)
	defer close(work)
	sep, maxLine := rr.sep, rr.max
	for range workers {
		go func() {
			for r := range work {
				readRun(r, sep, maxLine, lineOffset)
			}
		}()
	}

	rr.block = max(rr.block, parallelBlock)
	line := rr.lines
	var pending []*run // dispatched and not joined yet, in file order
	failed := false
	// join joins the runs at the front of pending that are done; wait says to wait for the first.
	join := func(wait bool) {
		for len(pending) > 0 && !failed {
			r := pending[0]
			if !wait {
				select {
				case <-r.done:
				default:
					return
				}
			}
			<-r.done
			r.raise()
			if !r.ok || !b.Join(r.fork) {
				failed = true
				return
			}
			pending, wait = pending[1:], false
		}
	}
	for !failed {
		if rr.err == nil {
			rr.fill()
			if rr.utf8 != nil && rr.utf8.invalid {
				break // read line by line, the bad record is found and named
			}
		}
		text := rr.text
		cut := strings.LastIndexByte(text, '\n') + 1
		switch {
		case rr.err == io.EOF:
			cut = len(text)
		case rr.err != nil:
			cut = 0 // the line-by-line reading reports the error after the lines before it
		case cut == 0 && !rr.tooLong(len(text)):
			continue // a line longer than a run: read on
		}
		if cut == 0 {
			break
		}
		r := &run{text: text[:cut], line: line, done: make(chan struct{})}
		rr.text = text[cut:]
		n := strings.Count(r.text, "\n")
		if r.text[len(r.text)-1] != '\n' {
			n++
		}
		line += n
		r.fork = b.Fork(n)
		pending = append(pending, r)
		work <- r
		join(len(pending) > 2*workers)
	}
	var rest []string // the runs not joined
	for _, r := range pending {
		<-r.done
		r.raise()
		if !failed && r.ok && b.Join(r.fork) {
			continue
		}
		if len(rest) == 0 {
			line = r.line
		}
		failed = true
		rest = append(rest, r.text)
	}
	if failed {
		b.Unfork()
	}
	rr.text = strings.Join(append(rest, rr.text), "")
	rr.lines = line
}

// readRun reads the records of r into its fork and sets r.ok when the fork has them all: it stops
// at the first row the fork cannot read, and fails when the run ends inside a quoted field.
func readRun(r *run, sep string, maxLine, lineOffset int) {
	defer func() {
		r.crash = recover()
		close(r.done)
	}()
	rr := &recordReader{sep: sep, max: maxLine, text: r.text, err: io.EOF}
	for {
		rec, n, err := rr.Read()
		if err == io.EOF {
			r.ok = !rr.openQuote
			return
		}
		if err != nil || !r.fork.Row(r.line+n+lineOffset, rec) || r.fork.Failed() {
			return
		}
	}
}

// raise panics, on the goroutine that called Decode, with what reading r panicked with: a bug
// surfaces where the sequential reading would have raised it, not on a goroutine no caller can
// recover.
func (r *run) raise() {
	if r.crash != nil {
		panic(r.crash)
	}
}
