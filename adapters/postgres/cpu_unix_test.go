//go:build unix

package postgres_test

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU starts counting the process's CPU time; the function it returns reports it per operation
// as cpu-µs/op. On a shared machine wall time also measures the neighbours; CPU time much less so.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/float64(time.Microsecond), "cpu-µs/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
