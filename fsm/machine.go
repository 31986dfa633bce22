package fsm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	looplab "github.com/looplab/fsm"
)

// ErrInvalidTransition is the class of every refused move. Use errors.Is to test for it and errors.As
// with *TransitionError for the details.
var ErrInvalidTransition = errors.New("fsm: invalid transition")

// TransitionError says which event was refused in which status.
type TransitionError struct {
	From  Status
	Event Event
}

func (e *TransitionError) Error() string {
	if !e.From.Valid() {
		return fmt.Sprintf("fsm: unknown status %q", string(e.From))
	}
	if !e.Event.Valid() {
		return fmt.Sprintf("fsm: unknown event %q", string(e.Event))
	}
	return fmt.Sprintf("fsm: cannot %s a payment that is %s", e.Event, e.From)
}

// Is makes a *TransitionError match ErrInvalidTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// transitions is THE table: the single source of truth for every legal move.
var transitions = looplab.Events{
	{Name: string(EventApprove), Src: []string{string(StatusPending)}, Dst: string(StatusApproved)},
	{Name: string(EventSubmit), Src: []string{string(StatusPending), string(StatusApproved)}, Dst: string(StatusProcessing)},
	{Name: string(EventSettle), Src: []string{string(StatusProcessing)}, Dst: string(StatusSettled)},
	{Name: string(EventFail), Src: []string{string(StatusProcessing)}, Dst: string(StatusFailed)},
	{Name: string(EventCancel), Src: []string{string(StatusPending), string(StatusApproved)}, Dst: string(StatusCancelled)},
	{Name: string(EventReconcile), Src: []string{string(StatusSettled)}, Dst: string(StatusReconciled)},
	{Name: string(EventUnreconcile), Src: []string{string(StatusReconciled)}, Dst: string(StatusSettled)},
}

// compiled[from][event] is the destination, or "" when the move is illegal. Written once at init,
// read-only afterwards.
var compiled = compile()

// compile asks looplab, status by status and event by event, where each move leads. A fresh looplab
// instance per question: instances are not safe to share, and this runs once.
func compile() (t [len(statuses)][len(events)]Status) {
	for i, from := range statuses {
		for j, ev := range events {
			m := looplab.NewFSM(string(from), transitions, nil)
			if !m.Can(string(ev)) {
				continue
			}
			if err := m.Event(context.Background(), string(ev)); err != nil {
				panic(fmt.Sprintf("fsm: transition table: %s from %s: %v", ev, from, err))
			}
			to := Status(m.Current())
			if !to.Valid() {
				panic(fmt.Sprintf("fsm: transition table: %s from %s leads to unknown status %q", ev, from, to))
			}
			t[i][j] = to
		}
	}
	return t
}

// Next returns the status that event leads to from status from, or a *TransitionError. It does not
// allocate on success and is safe for concurrent use.
func Next(from Status, event Event) (Status, error) {
	i, j := from.index(), event.index()
	if i >= 0 && j >= 0 {
		if to := compiled[i][j]; to != "" {
			return to, nil
		}
	}
	return from, &TransitionError{From: from, Event: event}
}

// Can reports whether event is legal from status from.
func Can(from Status, event Event) bool {
	i, j := from.index(), event.index()
	return i >= 0 && j >= 0 && compiled[i][j] != ""
}

// CanCancel reports whether a payment in status s may still be cancelled (pending or approved only).
func CanCancel(s Status) bool { return Can(s, EventCancel) }

// EventTo returns the event that moves a payment from one status to another, if exactly one does.
func EventTo(from, to Status) (Event, bool) {
	i := from.index()
	if i < 0 {
		return "", false
	}
	for j, dst := range compiled[i] {
		if dst == to && dst != "" {
			return events[j], true
		}
	}
	return "", false
}

// Diagram renders the machine as a Mermaid state diagram, one line per legal move, in table order.
func Diagram() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", StatusPending)
	for i, from := range statuses {
		for j, ev := range events {
			if to := compiled[i][j]; to != "" {
				fmt.Fprintf(&b, "    %s --> %s: %s\n", from, to, ev)
			}
		}
	}
	for _, s := range statuses {
		if s.Terminal() {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}
