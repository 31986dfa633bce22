package reconciletest

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
)

// Collect runs stream (a decoder's Stream bound to its input) with an fn that puts the statements
// together again from what it is handed: each statement's entries in order, its header from the
// call that ends it. It checks the Stream contract on the way: st.Entries stays empty, entries
// carry no Fingerprint and the statement's currency, warnings come only with the end, and (when
// stream returns nil) every statement that had entries ends. Compare the result with what Decode
// returns through StripFingerprints.
func Collect(t testing.TB, stream func(fn func(st *reconcile.Statement, e *reconcile.Entry) error) error) ([]reconcile.Statement, error) {
	t.Helper()
	var out []reconcile.Statement
	open := map[[2]string][]reconcile.Entry{}
	err := stream(func(st *reconcile.Statement, e *reconcile.Entry) error {
		assert.Empty(t, st.Entries, "st.Entries stays empty")
		key := [2]string{st.Account, string(st.Currency)}
		if e != nil {
			assert.Empty(t, st.Warnings, "warnings come with the end of the statement")
			assert.Empty(t, e.Fingerprint, "entries from Stream have no fingerprint")
			assert.Equal(t, st.Currency, e.Currency)
			open[key] = append(open[key], *e)
			return nil
		}
		s := *st
		s.Entries = open[key]
		if s.Entries == nil {
			s.Entries = []reconcile.Entry{}
		}
		delete(open, key)
		out = append(out, s)
		return nil
	})
	if err == nil {
		assert.Empty(t, open, "every statement ends")
	}
	return out, err
}

// StripFingerprints returns a copy of sts whose entries have no Fingerprint, as Stream hands them
// over.
func StripFingerprints(sts []reconcile.Statement) []reconcile.Statement {
	if sts == nil {
		return nil
	}
	out := make([]reconcile.Statement, len(sts))
	for i, st := range sts {
		st.Entries = slices.Clone(st.Entries)
		for j := range st.Entries {
			st.Entries[j].Fingerprint = ""
		}
		out[i] = st
	}
	return out
}

// StopsAtTheCallersError checks that an error returned by fn stops stream (a decoder's Stream bound
// to its input) and comes back as is, whether fn returns it for entry number at or for the end of
// the first statement (every entry comes before it); entries is how many entries the input has.
func StopsAtTheCallersError(t *testing.T, entries, at int,
	stream func(fn func(st *reconcile.Statement, e *reconcile.Entry) error) error) {
	t.Helper()
	stop := errors.New("stop")
	for _, tc := range []struct {
		name string
		stop func(calls int, e *reconcile.Entry) bool
		want int
	}{
		{"at an entry", func(calls int, _ *reconcile.Entry) bool { return calls == at }, at},
		{"at the end of a statement", func(_ int, e *reconcile.Entry) bool { return e == nil }, entries + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := stream(func(st *reconcile.Statement, e *reconcile.Entry) error {
				calls++
				if tc.stop(calls, e) {
					return stop
				}
				return nil
			})
			assert.Same(t, stop, err)
			assert.Equal(t, tc.want, calls, "no call after the error")
		})
	}
}

// StreamMatchesDecode checks that stream (a decoder's Stream bound to its input) hands over what
// decode (its Decode on the same input) returns: the statements in order, each entry in order and
// without its Fingerprint, the same headers, balances and warnings; or that both fail with the
// same error, and no statement ends.
func StreamMatchesDecode(t *testing.T, decode func() ([]reconcile.Statement, error),
	stream func(fn func(st *reconcile.Statement, e *reconcile.Entry) error) error) {
	t.Helper()
	want, wantErr := decode()
	got, err := Collect(t, stream)
	if wantErr != nil {
		require.Error(t, err)
		assert.Equal(t, wantErr, err, "the same errors")
		assert.Equal(t, wantErr.Error(), err.Error())
		assert.Empty(t, got, "no statement ends in a file that fails")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, StripFingerprints(want), got)
}
