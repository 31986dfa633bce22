package reconcile

import (
	"errors"
	"fmt"
)

// ErrParse is the class of every decoding failure; errors.As with *ParseError gives the details.
var ErrParse = errors.New("reconcile: cannot parse statement")

// ErrNotStatement: the input is not a statement in the format asked for (or in any known format).
var ErrNotStatement = errors.New("reconcile: not a bank statement")

// ParseError is one problem in a statement file, with its position.
type ParseError struct {
	Format string // "mt940", "camt053", "bai2", "csv", "xlsx"
	// Line is the 1-based line of a text file (0 when unknown); Cell is "Sheet1!C7" for XLSX.
	Line  int
	Cell  string
	Field string // the field or column: ":61:", "Amount", "Ntry/Amt"
	Err   error  // the reason
}

func (e *ParseError) Error() string {
	pos := ""
	switch {
	case e.Cell != "":
		pos = " " + e.Cell
	case e.Line > 0:
		pos = fmt.Sprintf(" line %d", e.Line)
	}
	field := ""
	if e.Field != "" {
		field = " " + e.Field
	}
	if pos == "" && field == "" { // "detect: reason", not "detect:: reason"
		return fmt.Sprintf("%s: %v", e.Format, e.Err)
	}
	return fmt.Sprintf("%s:%s%s: %v", e.Format, pos, field, e.Err)
}

// Unwrap returns the reason.
func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every *ParseError match ErrParse.
func (e *ParseError) Is(target error) bool { return target == ErrParse }

// MaxErrors caps how many problems a decoder collects from one file before it stops.
const MaxErrors = 100

// Errors collects ParseErrors up to MaxErrors. The zero value is ready to use.
type Errors struct {
	list      []error
	truncated bool
}

// Add records a problem; it reports false once the cap is reached (the caller should stop).
func (l *Errors) Add(e *ParseError) bool {
	if len(l.list) >= MaxErrors {
		l.truncated = true
		return false
	}
	l.list = append(l.list, e)
	return len(l.list) < MaxErrors
}

// Len is the number of problems recorded.
func (l *Errors) Len() int { return len(l.list) }

// Err joins the problems (errors.Is ErrParse and errors.As *ParseError see into it), or nil.
func (l *Errors) Err() error {
	if len(l.list) == 0 {
		return nil
	}
	if l.truncated {
		return errors.Join(append(l.list, fmt.Errorf("reconcile: more than %d problems; stopped reading", MaxErrors))...)
	}
	return errors.Join(l.list...)
}
