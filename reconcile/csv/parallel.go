package csv

import (
	"io"
	"runtime"
	"strings"

	"github.com/orkesta/orkesta/reconcile/internal/ordered"
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
	text string
	line int // the lines of the file before it, counted as records.lines counts them
	fork *tabular.Builder
}

// readParallel reads what is left of rr into b. When it returns, rr holds what must still be read
// line by line (nothing, or the runs from the first one that was not joined, then the rest of
// the input, with rr.lines set before them), and lineOffset is added to every line number.
func readParallel(b *tabular.Builder, rr *recordReader, lineOffset int) {
	sep, maxLine := rr.sep, rr.max
	runs := ordered.Start(runtime.GOMAXPROCS(0),
		func(r *run) bool { return readRun(r, sep, maxLine, lineOffset) },
		func(r *run) bool { return b.Join(r.fork) })
	rr.block = max(rr.block, parallelBlock)
	line := rr.lines
	for !runs.Failed() {
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
		r := &run{text: text[:cut], line: line}
		rr.text = text[cut:]
		n := strings.Count(r.text, "\n")
		if r.text[len(r.text)-1] != '\n' {
			n++
		}
		line += n
		r.fork = b.Fork(n)
		runs.Add(r)
	}
	rest := runs.Finish() // the runs not joined
	if len(rest) > 0 {
		line = rest[0].line
		b.Unfork()
	}
	texts := make([]string, 0, len(rest)+1)
	for _, r := range rest {
		texts = append(texts, r.text)
	}
	rr.text = strings.Join(append(texts, rr.text), "")
	rr.lines = line
}

// readRun reads the records of r into its fork and reports whether the fork has them all: it
// stops at the first row the fork cannot read, and fails when the run ends inside a quoted field.
func readRun(r *run, sep string, maxLine, lineOffset int) bool {
	rr := &recordReader{sep: sep, max: maxLine, text: r.text, err: io.EOF}
	for {
		rec, n, err := rr.Read()
		if err == io.EOF {
			return !rr.openQuote
		}
		if err != nil || !r.fork.Row(r.line+n+lineOffset, rec) || r.fork.Failed() {
			return false
		}
	}
}
