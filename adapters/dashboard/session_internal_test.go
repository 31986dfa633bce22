package dashboard

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSafeNext: a post-login redirect goes only to a local path; anything a browser could read as
// another site (after dropping tabs and newlines, or turning '\' into '/') leads to the payments page.
func TestSafeNext(t *testing.T) {
	tests := []struct {
		name, next, want string
	}{
		{"empty", "", "/payments"},
		{"tab after the slash", "/\t/evil.example", "/payments"},
		{"newline after the slash", "/\n/evil.example", "/payments"},
		{"carriage return", "/\r/evil.example", "/payments"},
		{"control character inside", "/payments\x00", "/payments"},
		{"delete character", "/\x7f/evil.example", "/payments"},
		{"backslash", "/payments\\x", "/payments"},
		{"slash backslash", "/\\evil.example", "/payments"},
		{"two slashes", "//evil.example", "/payments"},
		{"absolute URL", "https://evil.example", "/payments"},
		{"javascript", "javascript:alert(1)", "/payments"},
		{"relative path", "payments", "/payments"},
		{"payments filtered", "/payments?status=pending", "/payments?status=pending"},
		{"a run", "/reconciliation/runs/run_x", "/reconciliation/runs/run_x"},
		{"escaped characters stay escaped", "/payments?q=a%20b", "/payments?q=a%20b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, safeNext(tc.next))
		})
	}
}
