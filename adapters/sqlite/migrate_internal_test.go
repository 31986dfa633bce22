package sqlite

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations(migrationFiles)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for i, m := range ms {
		assert.Equal(t, i+1, m.version)
		assert.NotEmpty(t, m.name)
		assert.NotEmpty(t, m.sql)
	}
	assert.Equal(t, len(ms), SchemaVersion())
}

func TestMigrationNames(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name  string
		files []string
		want  string // error text; "" for none
	}{
		{"contiguous", []string{"0001_a.sql", "0002_b.sql"}, ""},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, "0003_c.sql: expected version 2"},
		{"starts at 2", []string{"0002_b.sql"}, "expected version 1"},
		{"no name", []string{"0001.sql"}, "not named NNNN_name.sql"},
		{"three digits", []string{"001_a.sql"}, "not named NNNN_name.sql"},
		{"not a number", []string{"000a_a.sql"}, "not named NNNN_name.sql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys["migrations/"+f] = sql
			}
			ms, err := migrations(fsys)
			if tc.want == "" {
				require.NoError(t, err)
				assert.Len(t, ms, len(tc.files))
				return
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
}
