// Unit tests of the test report: what `make test` shows for passing, failing and skipped tests.

package testreport_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/testreport"
)

// TestReport feeds event streams as `go test -json` writes them and checks the report and summary.
func TestReport(t *testing.T) {
	cases := []struct {
		name   string
		events string
		failed int
		want   []string
		absent []string
	}{
		{"a passing package", `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.1}
{"Action":"pass","Package":"p","Elapsed":0.5}`, 0, []string{"ok  \tp\t0.500s", "skipped: none"}, []string{"=== RUN"}},
		{"a skipped test with its reason", `{"Action":"run","Package":"p","Test":"TestRehearsal"}
{"Action":"output","Package":"p","Test":"TestRehearsal","Output":"=== RUN   TestRehearsal\n"}
{"Action":"output","Package":"p","Test":"TestRehearsal","Output":"    helpers_test.go:108: rehearsal skipped: missing nginx (apt-get install -y nginx)\n"}
{"Action":"output","Package":"p","Test":"TestRehearsal","Output":"--- SKIP: TestRehearsal (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestRehearsal"}
{"Action":"pass","Package":"p","Elapsed":1}`, 0,
			[]string{"skipped: 1: TestRehearsal (rehearsal skipped: missing nginx (apt-get install -y nginx))"}, []string{"helpers_test.go"}},
		{"a failed test shows its output", `{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"fail","Package":"p","Elapsed":0.2}`, 2, []string{"b_test.go:9: want 1, got 2", "FAIL\tp\t0.200s"}, nil},
		{"a build failure passes through", "# p\n./a.go:3:1: syntax error\n" + `{"Action":"fail","Package":"p","Elapsed":0}`, 1,
			[]string{"./a.go:3:1: syntax error", "FAIL\tp"}, nil},
		{"a skip without a reason", `{"Action":"skip","Package":"p","Test":"TestC"}`, 0, []string{"skipped: 1: TestC (no reason given)"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var report strings.Builder
			summary, err := testreport.Report(strings.NewReader(tc.events), &report)
			require.NoError(t, err)
			assert.Equal(t, tc.failed, summary.Failed)
			for _, want := range tc.want {
				assert.Contains(t, report.String(), want)
			}
			for _, absent := range tc.absent {
				assert.NotContains(t, report.String(), absent)
			}
			lines := strings.Split(strings.TrimSpace(report.String()), "\n")
			assert.True(t, strings.HasPrefix(lines[len(lines)-1], "skipped: "), "the summary line comes last")
		})
	}
}
