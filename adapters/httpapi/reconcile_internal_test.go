package httpapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

// TestRunStateFilterKeepsEachStateOnce: GET /v1/reconciliation/runs/{id}?state= keeps each state
// once, in the order first given. Every entry of the run was compared with every state given, and a
// query of 90,000 repeats (under the 1 MB header limit) made that 90,000 comparisons per entry. An
// unknown state is refused, naming the states there are.
func TestRunStateFilterKeepsEachStateOnce(t *testing.T) {
	got, err := parseStates("state", strings.Repeat("proposed,matched,", 1000)+"unmatched,proposed")
	require.NoError(t, err)
	assert.Equal(t, []reconcile.DecisionState{reconcile.StateProposed, reconcile.StateMatched, reconcile.StateUnmatched}, got)

	for _, v := range []string{"matched,matched,settled", "", "matched,", "Matched"} {
		_, err := parseStates("state", v)
		var e *Error
		require.ErrorAs(t, err, &e, "%q", v)
		assert.Equal(t, CodeInvalidParameter, e.Code, "%q", v)
		assert.Equal(t, "state", e.Param, "%q", v)
		assert.Equal(t, "state must be one or more of matched, proposed, unmatched, anomaly, dismissed (comma-separated)", e.Message, "%q", v)
	}
}
