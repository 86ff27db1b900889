// Command azure-api-platform is the Pulumi program; all of it lives in package stacks.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/stacks"
)

func main() {
	if err := pulumi.RunErr(stacks.Program); err != nil {
		if !errors.Is(err, stacks.ErrReported) {
			// Not the program's own failure (a resource registration, the engine): say it once.
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
		}
		// The status that tells the engine the error is logged, so it adds no header of its own.
		os.Exit(constant.ExitStatusLoggedError)
	}
}
