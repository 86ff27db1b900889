// Command verify is the post-deploy smoke check: `make verify STACK=dev` (see README, Reaching the
// private API server).
package main

import (
	"os"

	"github.com/apiplatform/azure-api-platform/verify"
)

func main() {
	os.Exit(verify.Main(os.Args[1:], os.Stdout, os.Stderr))
}
