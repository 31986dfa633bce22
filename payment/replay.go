package payment

// Replays reports whether r asks for exactly the payment p already is: what an idempotent retry of the
// request that created p looks like (a zero ValueDate matches any). It is the test Create applies to a
// reused idempotency key; package batch uses it to recognise a retried batch and keep its batch id.
func (r *Request) Replays(p *Payment) bool { return r.sameAs(p) }
