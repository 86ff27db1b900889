// Command policy is the policy pack's entry point: the Pulumi engine starts this program, which
// serves the pack over gRPC.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/apiplatform/azure-api-platform/policy/pack"
)

func main() {
	if err := policyx.Main(pack.New); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
