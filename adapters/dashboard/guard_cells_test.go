package dashboard_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
)

// TestGuardLeavesLegitimateCells: apostrophes and minus signs a user means are read as written, in a
// plain file and through a failed-rows file.
func TestGuardLeavesLegitimateCells(t *testing.T) {
	plain := "amount,currency,from_account,to_account,reference,idempotency_key\n" +
		"1.00,TRY,acc_a,acc_b,'Acme,k1\n" +
		"1.00,TRY,acc_a,acc_b,-ACME,k2\n" +
		"1.00,TRY,acc_a,acc_b,'123,'k3\n" +
		"1.00,TRY,acc_a,acc_b,-5,-6\n" +
		"x,TRY,acc_a,acc_b,-ACME-7,\n" +
		"x,TRY,acc_a,acc_b,'O'Brien,\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(plain))
	require.NoError(t, err)
	for i, want := range []string{"'Acme", "-ACME", "'123", "-5"} {
		assert.NoError(t, f.Rows[i].Err, want)
		assert.Equal(t, want, f.Rows[i].Request.Reference)
	}
	// The failed rows (bad amount) read back as written.
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, map[int]string{4: "amount bad", 5: "amount bad"}))
	t.Log(buf.String())
	fixed := strings.ReplaceAll(buf.String(), "\nx,", "\n1.00,")
	g, err := dashboard.ReadPaymentsCSV(strings.NewReader(fixed))
	require.NoError(t, err)
	require.Len(t, g.Rows, 2)
	assert.NoError(t, g.Rows[0].Err)
	assert.Equal(t, "-ACME-7", g.Rows[0].Request.Reference)
	assert.NoError(t, g.Rows[1].Err)
	assert.Equal(t, "'O'Brien", g.Rows[1].Request.Reference)
}
