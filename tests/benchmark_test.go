// Benchmarks: how long the real program takes to evaluate under mocks, and what the data path costs
// through real TLS servers per key size.

package tests

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
)

// BenchmarkRunStack measures one complete offline run per stack file: CLI-equivalent config loading,
// validation and program evaluation under mocks, every time (not the shared run the tests reuse). Run
// with `go test ./tests -run '^$' -bench RunStack`.
func BenchmarkRunStack(b *testing.B) {
	for _, stack := range stackNames {
		b.Run(stack, func(b *testing.B) {
			resources := 0
			for b.Loop() {
				project, raw, err := harness.LoadStackConfig(projectDir, stack)
				if err != nil {
					b.Fatal(err)
				}
				recording, err := harness.RunConfigOnce(project, stack, raw, harness.DeploySurroundings())
				if err != nil {
					b.Fatal(err)
				}
				resources = len(recording.Resources)
			}
			b.ReportMetric(float64(resources), "resources")
		})
	}
}

// BenchmarkDataPath measures requests through the four rehearsal hops (edge, gateway, ingress, echo)
// for chains of each RSA size, reusing the client's connection or paying a new TLS handshake at the
// edge per request (the hops behind keep pooled connections, as Application Gateway and API
// Management do). It reports requests per second and p50/p99 latency; run it with
// `make bench-data-path` (figures in README, not asserted).
func BenchmarkDataPath(b *testing.B) {
	requireRehearsalTools(b)
	for _, size := range []string{"RSA-2048", "RSA-3072", "RSA-4096"} {
		// A limit no benchmark reaches: the benchmark times the hops, not API Management's throttle.
		edits := []harness.Edit{harness.Set("apiManagement.rateLimitCalls", 1_000_000_000)}
		for _, key := range []string{"ca", "apimGateway", "apimClient", "ingressServer", "listener"} {
			edits = append(edits, harness.Set("certificates.keys."+key, size))
		}
		running, _ := startRehearsal(b, "dev", edits...)
		for _, mode := range []struct {
			name      string
			keepAlive bool
		}{{"reuse", true}, {"handshake", false}} {
			b.Run(size+"/"+mode.name, func(b *testing.B) {
				client := running.Client(running.EdgePort, nil, 0)
				client.Transport.(*http.Transport).DisableKeepAlives = !mode.keepAlive
				url := rehearsal.URL(running.Plan.PublicHost, running.EdgePort, "/echo/")
				request, err := http.NewRequest(http.MethodGet, url, nil)
				if err != nil {
					b.Fatal(err)
				}
				request.Header.Set(running.Plan.SubscriptionKeyHeader, running.Plan.SubscriptionKeys[0])
				var latencies []time.Duration
				started := time.Now()
				for b.Loop() {
					begin := time.Now()
					response, err := client.Do(request)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, response.Body) // a drained body lets the connection be reused
					_ = response.Body.Close()
					if response.StatusCode != http.StatusOK {
						b.Fatalf("status %d", response.StatusCode)
					}
					latencies = append(latencies, time.Since(begin))
				}
				elapsed := time.Since(started)
				slices.Sort(latencies)
				b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
				b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
