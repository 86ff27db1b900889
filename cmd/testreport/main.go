// Command testreport reads `go test -json` on stdin and prints what `make test` shows (see package
// testreport); it exits 1 when a test or package failed.
package main

import (
	"fmt"
	"os"

	"github.com/apiplatform/azure-api-platform/internal/testreport"
)

func main() {
	summary, err := testreport.Report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if summary.Failed > 0 {
		os.Exit(1)
	}
}
