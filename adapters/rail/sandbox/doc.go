// Package sandbox is a deterministic simulated payment network: a payment.Rail for demos and
// integration tests where nothing real moves. Outcomes are decided by the payment itself (its amount,
// its counterparty) and by an injected clock, never by chance, so a test can say in advance how every
// payment ends.
//
// # Magic inputs
//
// The rules are checked in this order; the first that applies decides.
//
//	input                                          outcome
//	---------------------------------------------  ------------------------------------------------------
//	ToAccount is in Options.RejectAccounts         refused for good at submission: counterparty_rejected
//	amount in minor units ends in 13 (…13, 1013)   refused for good at submission: insufficient_funds
//	amount ends in 99                              refused temporarily (network_unavailable) on the first
//	                                               two submissions, accepted on the third
//	amount ends in 31                              accepted, then returned by the beneficiary's bank: it
//	                                               fails with account_closed once the settle delay passed
//	anything else                                  accepted; settled once the settle delay passed
//
// "Ends in" is about the integer amount in minor units: 12313 (123.13 TRY) fails, 1300 does not.
//
// # Time
//
// A payment accepted at t settles (or is returned) at t + Options.SettleDelay, read from
// Options.Clock. With no delay the rail answers synchronously: Submit's receipt says Settled and the
// payment goes straight to settled (amounts ending in 31 are then refused at submission with
// account_closed). With a delay the payment stays processing and Rail.Status, which the processor
// polls, reports the outcome once the delay has passed.
//
// # Exactly once
//
// The rail de-duplicates on the payment id, as a real one must: submitting an accepted payment again
// returns the first receipt and creates no second transfer. Every submission is recorded
// (Submissions), as is every transfer (Transfers), so tests can assert that nothing was lost and
// nothing was sent twice.
//
// The rail keeps what it accepted in its process: it is one simulated network per Rail. Processes
// that share a store (several services on one PostgreSQL database) each with a Rail of their own
// simulate as many networks, and a payment one of them accepted is unknown to the others: the
// processor of another process that polls it hears payment.ErrNotFound and sends it again, to its
// own Rail. Give such a setup one process that runs the processor, or a rail of its own that lives
// outside the processes.
package sandbox
