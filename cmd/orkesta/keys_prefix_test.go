package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/payment"
)

// TestKeyPrefix: a generated secret shows its first 8 characters in listings and logs; a secret a
// person chose (a seeded ORKESTA_API_KEY) shows nothing of itself.
func TestKeyPrefix(t *testing.T) {
	generated, _ := payment.NewAPIKeySecret()
	assert.Equal(t, generated[:8], keyPrefix(generated, true))
	assert.Empty(t, keyPrefix("ok_SEEDEDKEYFORSCRIPTS0001", false), "chosen, though it looks generated")
	assert.Empty(t, keyPrefix("Sup3rS3cretPassw0rd", false))
}
