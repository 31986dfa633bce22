package dashboard

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMatchRateNeverReadsAllWhileSomethingIsUnmatched: 19,999 of 20,000 entries matched is a rate of
// 0.9999, which the run page (and the runs chart, the new-run message) wrote as "100.0%" beside an
// unmatched entry.
func TestMatchRateNeverReadsAllWhileSomethingIsUnmatched(t *testing.T) {
	for rate, want := range map[float64]string{
		1:      "100.0%",
		0.9999: "99.9%",
		0.9995: "99.9%",
		0.9994: "99.9%",
		0.5:    "50.0%",
		0:      "0.0%",
	} {
		assert.Equal(t, want, funcs["pct"].(func(float64) string)(rate), "%v", rate)
	}
}
