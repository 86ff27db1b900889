// Command export writes a stack's ARM template and Kubernetes manifests for scanners: `make export
// STACK=dev` (see README, Scanners).
package main

import (
	"os"

	"github.com/apiplatform/azure-api-platform/internal/export"
)

func main() {
	os.Exit(export.Main(os.Args[1:], os.Stdout, os.Stderr))
}
