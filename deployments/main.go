// Command deployments is the deployments program's entry point: `pulumi up` in this folder applies
// the Deployments settings.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/deployments/settings"
)

func main() {
	pulumi.Run(settings.Program)
}
