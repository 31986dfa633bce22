// Package loadtest holds the load benchmarks of the HTTP API: a real server on loopback driven by 64
// concurrent keep-alive clients, on the memory and the SQLite store, reporting creates per second and
// p50/p99 latency, and a 500-payment batch end to end. It has no code of its own; the benchmarks run
// only with -bench, so normal test runs never pay for them:
//
//	go test -run '^$' -bench . -benchtime 20000x ./adapters/httpapi/loadtest
//
// It is a package apart so that the API's own tests do not build the SQLite driver.
package loadtest
