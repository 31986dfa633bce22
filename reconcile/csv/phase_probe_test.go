package csv

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

func TestPhaseProbe(t *testing.T) {
	var b bytes.Buffer
	reconciletest.WritePerfData(200000, io.Discard, &b)
	for range 5 {
		t0 := time.Now()
		Decode(bytes.NewReader(b.Bytes()), Options{})
		t.Log("total", time.Since(t0))
	}
}
