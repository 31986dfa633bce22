package main

import (
	"os"
	"testing"
	"time"
)

// TestMain runs the tests in UTC whatever the machine's zone: defaults that follow this machine's
// zone (export pain001 --bank-timezone Local) then give the same files everywhere.
func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}
