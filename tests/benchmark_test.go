// Benchmarks: how long the real program takes to load its config and evaluate under mocks.
package tests

import (
	"testing"

	"github.com/apiplatform/azure-api-platform/tests/harness"
)

// BenchmarkRunStack measures one complete offline run per stack file: CLI-equivalent config loading,
// validation and program evaluation under mocks. Run with `go test ./tests -run '^$' -bench RunStack`.
func BenchmarkRunStack(b *testing.B) {
	for _, stack := range stackNames {
		b.Run(stack, func(b *testing.B) {
			resources := 0
			for b.Loop() {
				recording, err := harness.RunStack(projectDir, stack)
				if err != nil {
					b.Fatal(err)
				}
				resources = len(recording.Resources)
			}
			b.ReportMetric(float64(resources), "resources")
		})
	}
}
