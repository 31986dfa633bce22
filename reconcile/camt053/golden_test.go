package camt053_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func publicFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/public/*.xml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// golden compares got with testdata/golden/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	reconciletest.Golden(t, filepath.Join("testdata", "golden", name), got, *update)
}

func TestDecodePublicGolden(t *testing.T) {
	for _, path := range publicFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			sts, err := camt053.Decode(bytes.NewReader(data), camt053.Options{})
			require.NoError(t, err)
			require.NotEmpty(t, sts)
			for _, st := range sts {
				assert.NotEmpty(t, st.Account)
				assert.True(t, st.Currency.Valid(), "currency %q", st.Currency)
				for _, e := range st.Entries {
					assert.NotEmpty(t, e.Fingerprint)
					assert.True(t, strings.HasPrefix(e.Position, "line "), e.Position)
					assert.Positive(t, int(e.ValueDate))
				}
			}
			got, err := json.MarshalIndent(sts, "", "  ")
			require.NoError(t, err)
			golden(t, strings.TrimSuffix(name, ".xml")+".json", append(got, '\n'))
		})
	}
}

func TestDecodePublicBalanceMismatch(t *testing.T) {
	for _, path := range publicFiles(t) {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		sts, err := camt053.Decode(bytes.NewReader(data), camt053.Options{})
		require.NoError(t, err)
		mismatch := false
		for _, st := range sts {
			for _, w := range st.Warnings {
				mismatch = mismatch || w.Code == "balance_mismatch"
			}
		}
		_, strictErr := camt053.Decode(bytes.NewReader(data), camt053.Options{Strict: true})
		if mismatch {
			assert.ErrorIs(t, strictErr, reconcile.ErrBalanceMismatch, name)
		} else {
			assert.NoError(t, strictErr, name)
		}
	}
}
