// The scanners' gate: scripts/scan.sh passes the shipped stacks against the accepted findings, and
// fails on a finding nobody accepted or an accepted one that is gone.

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanGate runs scripts/scan.sh on dev with the accepted list as shipped, without one of its
// entries, and with an entry no scanner reports.
func TestScanGate(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(os.Getenv("HOME"), ".local", "share", "apiplatform", "bin")
	requireInstalled(t, "scanner gate tests", missingFiles(filepath.Join(bin, "kube-score")), "make scan installs the pinned kube-score")
	accepted, err := os.ReadFile(filepath.Join(projectDir, "scanners", "accepted-findings.txt"))
	require.NoError(t, err)
	lines := strings.Split(string(accepted), "\n")
	var withoutOne, withStale []string
	dropped := ""
	for _, line := range lines {
		if dropped == "" && strings.HasPrefix(line, "kube-score | * | ") {
			dropped = line
			continue
		}
		withoutOne = append(withoutOne, line)
	}
	require.NotEmpty(t, dropped)
	withStale = append(append(withStale, lines...), "kube-score | dev | [CRITICAL] nothing/reports v1/This: finding | a test's entry")
	cases := []struct {
		name, accepted, output string
		exit                   int
	}{
		{"the shipped list", string(accepted), "all accepted", 0},
		{"a finding nobody accepted", strings.Join(withoutOne, "\n"), "scan: new finding (kube-score, dev): " + strings.SplitN(dropped, " | ", 4)[2], 1},
		{"an accepted finding that is gone", strings.Join(withStale, "\n"), "accepted finding no longer reported", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list := filepath.Join(t.TempDir(), "accepted.txt")
			require.NoError(t, os.WriteFile(list, []byte(tc.accepted), 0o644))
			command := exec.Command(filepath.Join(projectDir, "scripts", "scan.sh"), "dev")
			command.Env = append(os.Environ(), "APIPLATFORM_ACCEPTED_FINDINGS="+list, "APIPLATFORM_BIN="+bin)
			output, err := command.CombinedOutput()
			exit := exitCode(t, err, output)
			assert.Equal(t, tc.exit, exit, "%s", output)
			assert.Contains(t, string(output), tc.output)
		})
	}
}

// missingFiles lists the paths that do not exist.
func missingFiles(paths ...string) []string {
	var missing []string
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, path)
		}
	}
	return missing
}
