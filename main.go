// Command azure-api-platform is the Pulumi program; all of it lives in package stacks.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
