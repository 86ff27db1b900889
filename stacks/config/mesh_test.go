// Unit tests of the mesh revision profile: the shapes Azure answers in, and the revision form.

package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseMeshRevisionProfile reads the profile in both shapes Azure returns it, and refuses an answer
// that lists nothing (a profile without revisions would refuse every revision).
func TestParseMeshRevisionProfile(t *testing.T) {
	cases := []struct {
		name     string
		document string
		names    []string
		problem  string
	}{
		{"as the Azure CLI prints it", `{"meshRevisions":[{"revision":"asm-1-31","upgrades":["asm-1-32"]},{"revision":"asm-1-32"}]}`,
			[]string{"asm-1-31", "asm-1-32"}, ""},
		{"as the REST API returns it", `{"id":"/subscriptions/x/providers/Microsoft.ContainerService/locations/westeurope/meshRevisionProfiles/istio",
			"name":"istio","properties":{"meshRevisions":[{"revision":"asm-1-31"}]}}`, []string{"asm-1-31"}, ""},
		{"no revisions", `{"meshRevisions":[]}`, nil, "it lists no revisions"},
		{"not JSON", `ERROR: Please run 'az login'`, nil, "reading the mesh revision profile"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			profile, err := ParseMeshRevisionProfile([]byte(tc.document))
			if tc.problem != "" {
				require.ErrorContains(t, err, tc.problem)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.names, profile.Names())
		})
	}
}

// TestIstioMinor checks the revision form the offline validation accepts.
func TestIstioMinor(t *testing.T) {
	cases := []struct {
		revision string
		minor    int
		ok       bool
	}{
		{"asm-1-31", 31, true},
		{"asm-1-33", 33, true},
		{"asm-2-1", 0, false},
		{"1.31", 0, false},
		{"asm-1-", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.revision, func(t *testing.T) {
			minor, ok := istioMinor(tc.revision)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.minor, minor)
		})
	}
}
