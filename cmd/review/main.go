// Command review is the offline review: `make review STACK=dev` (see README, Offline review).
package main

import (
	"os"

	"github.com/apiplatform/azure-api-platform/review"
)

func main() {
	os.Exit(review.Main(os.Args[1:], os.Stdout, os.Stderr))
}
