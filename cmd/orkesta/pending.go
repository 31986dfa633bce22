package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Commands whose library packages are still being built.

func notYet(what string) error { return errors.New(what + " is not built into this binary yet") }

func (c *cli) exportCommand() *cobra.Command {
	return groupCommand("export", "Export payments to files for bank upload", "  orkesta export pain001 --account acc_… --out file.xml",
		&cobra.Command{Use: "pain001", Short: "Write a pain.001 credit-transfer file", Args: noArgs,
			Example: "  orkesta export pain001 --account acc_… --out file.xml",
			RunE:    func(*cobra.Command, []string) error { return notYet("pain.001 export") }})
}
