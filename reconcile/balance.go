package reconcile

import "errors"

// ErrBalanceMismatch: opening balance plus entries is not the closing balance. Decoders record it as a
// balance_mismatch Warning by default and return it (inside a *ParseError) under their Strict option.
var ErrBalanceMismatch = errors.New("reconcile: balance mismatch")
