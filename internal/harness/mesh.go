// Azure's answer about Istio add-on revisions, as the program asks it before creating anything.

package harness

import (
	"context"

	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// MeshRevisionsLateNovember2026 is `az aks mesh get-revisions --location westeurope -o json` as the
// AKS Istio support calendar implies it for late November 2026 (aks/istio-support-policy.md): asm-1-30
// at the end of its support, upgradable to asm-1-31, the newest. Tests that need another day (a
// revision retired, a newer one released) pass their own profile to RunStackWith.
const MeshRevisionsLateNovember2026 = `{
  "meshRevisions": [
    {
      "revision": "asm-1-30",
      "upgrades": ["asm-1-31"],
      "compatibleWith": [
        {"name": "KubernetesOfficial", "versions": ["1.32", "1.33", "1.34"]},
        {"name": "AKSLongTermSupport", "versions": ["1.30", "1.31"]}
      ]
    },
    {
      "revision": "asm-1-31",
      "upgrades": [],
      "compatibleWith": [
        {"name": "KubernetesOfficial", "versions": ["1.32", "1.33", "1.34", "1.35"]},
        {"name": "AKSLongTermSupport", "versions": ["1.31"]}
      ]
    }
  ]
}`

// MeshRevisions is a mesh revision source that answers with a fixed profile for every region, the way
// Azure answers on one day.
type MeshRevisions struct {
	// Profile is the answer.
	Profile config.MeshRevisionProfile
	// Err, when set, is returned instead (Azure could not be asked).
	Err error
}

// MeshRevisions returns the profile.
func (m MeshRevisions) MeshRevisions(context.Context, string) (config.MeshRevisionProfile, error) {
	return m.Profile, m.Err
}

// defaultMeshRevisions is the profile RunStack uses.
func defaultMeshRevisions() MeshRevisions {
	profile, err := config.ParseMeshRevisionProfile([]byte(MeshRevisionsLateNovember2026))
	if err != nil {
		panic(err) // the constant above is the harness's own data
	}
	return MeshRevisions{Profile: profile}
}
