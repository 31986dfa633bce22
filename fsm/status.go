package fsm

// Status is where a payment is in its lifecycle. The string values are the wire values used in JSON,
// databases and the CLI: add new ones, never rename.
type Status string

// The seven payment statuses.
const (
	StatusPending    Status = "pending"
	StatusApproved   Status = "approved"
	StatusProcessing Status = "processing"
	StatusSettled    Status = "settled"
	StatusReconciled Status = "reconciled"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
)

// Event is what moves a payment from one status to another. Wire values as for Status.
type Event string

// The events of the machine.
const (
	EventApprove     Event = "approve"
	EventSubmit      Event = "submit"
	EventSettle      Event = "settle"
	EventFail        Event = "fail"
	EventCancel      Event = "cancel"
	EventReconcile   Event = "reconcile"
	EventUnreconcile Event = "unreconcile"
)

var statuses = [...]Status{
	StatusPending, StatusApproved, StatusProcessing, StatusSettled,
	StatusReconciled, StatusFailed, StatusCancelled,
}

var events = [...]Event{
	EventApprove, EventSubmit, EventSettle, EventFail, EventCancel, EventReconcile, EventUnreconcile,
}

// Statuses returns every status, in lifecycle order.
func Statuses() []Status { s := statuses; return s[:] }

// Events returns every event, in lifecycle order.
func Events() []Event { e := events; return e[:] }

// index returns the position of s in statuses, or -1.
func (s Status) index() int {
	switch s {
	case StatusPending:
		return 0
	case StatusApproved:
		return 1
	case StatusProcessing:
		return 2
	case StatusSettled:
		return 3
	case StatusReconciled:
		return 4
	case StatusFailed:
		return 5
	case StatusCancelled:
		return 6
	}
	return -1
}

func (e Event) index() int {
	switch e {
	case EventApprove:
		return 0
	case EventSubmit:
		return 1
	case EventSettle:
		return 2
	case EventFail:
		return 3
	case EventCancel:
		return 4
	case EventReconcile:
		return 5
	case EventUnreconcile:
		return 6
	}
	return -1
}

// Valid reports whether s is one of the seven statuses.
func (s Status) Valid() bool { return s.index() >= 0 }

// Valid reports whether e is one of the machine's events.
func (e Event) Valid() bool { return e.index() >= 0 }

// Terminal reports whether no event leads out of s. Reconciled is not terminal: it can be undone.
func (s Status) Terminal() bool {
	i := s.index()
	if i < 0 {
		return false
	}
	for _, to := range compiled[i] {
		if to != "" {
			return false
		}
	}
	return true
}
