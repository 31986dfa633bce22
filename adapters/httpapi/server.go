package httpapi

import (
	"net/http"
	"time"
)

// Server timeouts set by NewServer.
const (
	ReadHeaderTimeout = 5 * time.Second   // slow-loris guard
	ReadTimeout       = 30 * time.Second  // a whole request, 4 MiB batch bodies included
	WriteTimeout      = 60 * time.Second  // handler plus response
	IdleTimeout       = 120 * time.Second // keep-alive connections
	MaxHeaderBytes    = 64 << 10
)

// NewServer returns an *http.Server for h with timeouts on every phase of a request, so that no
// client can hold a connection or a goroutine without limit. Change the fields before serving if
// you need other values.
//
// Shut it down gracefully with srv.Shutdown(ctx): it stops accepting connections, closes idle ones,
// and waits for in-flight requests to finish (or for ctx to end), so no accepted payment is cut off:
//
//	go func() { errc <- srv.ListenAndServe() }()
//	<-ctx.Done() // SIGTERM
//	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
//	defer cancel()
//	err := srv.Shutdown(shutdownCtx)
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
