package fsm_test

import (
	"testing"

	"github.com/orkesta/orkesta/fsm"
)

var sink fsm.Status

func BenchmarkNext(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s, _ := fsm.Next(fsm.StatusProcessing, fsm.EventSettle)
		sink = s
	}
}

func BenchmarkNextParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !fsm.CanCancel(fsm.StatusApproved) {
				b.Fail()
			}
		}
	})
}
