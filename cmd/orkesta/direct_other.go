//go:build !linux

package main

import (
	"errors"
	"os"
)

// errDirectRefused is never returned: direct I/O is only used on Linux.
var errDirectRefused = errors.New("direct I/O refused")

// setDirect reports that direct I/O is not used on this system.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
