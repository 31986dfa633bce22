package fsm_test

import (
	"errors"
	"fmt"

	"github.com/orkesta/orkesta/fsm"
)

func ExampleNext() {
	to, err := fsm.Next(fsm.StatusPending, fsm.EventApprove)
	fmt.Println(to, err)

	_, err = fsm.Next(fsm.StatusSettled, fsm.EventCancel)
	fmt.Println(err, errors.Is(err, fsm.ErrInvalidTransition))
	// Output:
	// approved <nil>
	// fsm: cannot cancel a payment that is settled true
}

func ExampleCanCancel() {
	fmt.Println(fsm.CanCancel(fsm.StatusApproved), fsm.CanCancel(fsm.StatusProcessing))
	// Output: true false
}
