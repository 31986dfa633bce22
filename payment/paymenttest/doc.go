// Package paymenttest is the kit for testing code that embeds package payment, as net/http/httptest is
// for net/http: a fixed clock, deterministic ids, fixture builders that give a valid workspace,
// accounts and requests in one line, a scriptable fake rail, and StoreSuite, the conformance tests
// every payment.Store adapter must pass.
package paymenttest
