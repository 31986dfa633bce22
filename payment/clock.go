package payment

import "time"

// Clock tells the time. Inject a fixed one in tests (paymenttest.Clock); never sleep to wait for time.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }

// SystemClock is the wall clock, in UTC.
var SystemClock Clock = systemClock{}
