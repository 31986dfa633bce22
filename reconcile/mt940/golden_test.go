package mt940_test

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
	"github.com/orkesta/orkesta/reconcile/mt940"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// publicOptions: files that are not UTF-8 need their code page (auto-detection would read them as
// Windows-1254, the Turkish fallback).
var publicOptions = map[string]mt940.Options{
	"wolph-mt940__self-provided_raiffeisen-cmi.sta": {Charset: "cp852"},
	"turkish-sekerbank-like_windows-1254.sta":       {Charset: "windows-1254"},
}

func publicFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/public/*")
	require.NoError(t, err)
	synthetic, err := filepath.Glob("testdata/synthetic/*.sta")
	require.NoError(t, err)
	files = append(files, synthetic...)
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			out = append(out, f)
		}
	}
	require.NotEmpty(t, out)
	return out
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
			sts, err := mt940.Decode(bytes.NewReader(data), publicOptions[name])
			require.NoError(t, err)
			require.NotEmpty(t, sts)
			for _, st := range sts {
				if strings.Contains(name, "interim") {
					assert.Equal(t, mt940.FormatInterim, st.Format)
				} else {
					assert.Equal(t, mt940.Format, st.Format)
				}
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
			golden(t, name+".json", append(got, '\n'))
		})
	}
}

// Real excerpts whose balances do not add up decode, with the difference as a warning, and fail
// under Strict.
func TestDecodePublicBalanceMismatch(t *testing.T) {
	for _, path := range publicFiles(t) {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		sts, err := mt940.Decode(bytes.NewReader(data), publicOptions[name])
		require.NoError(t, err)
		mismatch := false
		for _, st := range sts {
			for _, w := range st.Warnings {
				if w.Code == "balance_mismatch" {
					mismatch = true
					assert.NotZero(t, w.Difference)
				}
			}
		}
		opts := publicOptions[name]
		opts.Strict = true
		_, strictErr := mt940.Decode(bytes.NewReader(data), opts)
		if mismatch {
			assert.ErrorIs(t, strictErr, reconcile.ErrBalanceMismatch, name)
			var pe *reconcile.ParseError
			assert.ErrorAs(t, strictErr, &pe)
		} else {
			assert.NoError(t, strictErr, name)
		}
	}
}
