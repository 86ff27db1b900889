// The two runs of `make deploy`: the Azure layer, then the in-cluster layer through the tunnel.

package review

import (
	"strings"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// KubernetesProviderType is the type of the in-cluster layer's provider, which scripts/deploy.sh
// excludes (with its dependents) from its first run.
const KubernetesProviderType = "pulumi:providers:kubernetes"

// InClusterLayer returns the URNs scripts/deploy.sh's first run leaves out: what
// `pulumi up --exclude <kubernetes provider> --exclude-dependents` excludes. Pulumi excludes a resource
// when its provider, its parent or any resource it depends on is excluded (step_generator.go,
// isExcludedFromUpdate), and never a provider itself; registration order puts dependencies first, so
// one pass in that order finds them all.
func InClusterLayer(recording *harness.Recording) map[string]bool {
	excluded := map[string]bool{}
	for _, res := range recording.Resources {
		if res.Type == KubernetesProviderType {
			excluded[res.URN] = true
		}
	}
	layer := map[string]bool{}
	for _, res := range recording.Resources {
		if strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		dependencies := append([]string{res.ProviderURN(), res.Parent}, res.Dependencies...)
		for _, urns := range res.PropertyDependencies {
			dependencies = append(dependencies, urns...)
		}
		for _, urn := range dependencies {
			if excluded[urn] {
				excluded[res.URN], layer[res.URN] = true, true
				break
			}
		}
	}
	return layer
}
