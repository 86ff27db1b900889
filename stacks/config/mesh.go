// The Istio add-on revisions Azure supports in a region, and the check of the configured ones against them.

package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// MeshRevisionProfile is what Azure answers for the Istio add-on in a region: the revisions it supports
// today, each with the revisions it can be upgraded to and the Kubernetes versions it runs on. It is
// the `properties` of Microsoft.ContainerService/locations/meshRevisionProfiles/istio (REST API
// 2023-08-01 and later), which `az aks mesh get-revisions --location <region> -o json` prints.
type MeshRevisionProfile struct {
	// MeshRevisions are the supported revisions.
	MeshRevisions []MeshRevision `json:"meshRevisions"`
}

// MeshRevision is one supported add-on revision.
type MeshRevision struct {
	// Revision is the revision's name, e.g. asm-1-31.
	Revision string `json:"revision"`
	// Upgrades are the revisions a canary upgrade from this one may target.
	Upgrades []string `json:"upgrades"`
	// CompatibleWith lists the platform versions it runs on (name kubernetes, KubernetesOfficial or
	// AKSLongTermSupport, with Kubernetes minor versions).
	CompatibleWith []MeshCompatibility `json:"compatibleWith"`
}

// MeshCompatibility is a set of Kubernetes versions a revision runs on.
type MeshCompatibility struct {
	// Name is the support plan, e.g. KubernetesOfficial.
	Name string `json:"name"`
	// Versions are Kubernetes minor versions, e.g. 1.33.
	Versions []string `json:"versions"`
}

// ParseMeshRevisionProfile reads the profile as the Azure CLI prints it (the properties object) or as
// the REST API returns it (the resource, with properties inside).
func ParseMeshRevisionProfile(data []byte) (MeshRevisionProfile, error) {
	var document struct {
		MeshRevisionProfile
		Properties *MeshRevisionProfile `json:"properties"`
	}
	if err := json.Unmarshal(data, &document); err != nil {
		return MeshRevisionProfile{}, fmt.Errorf("reading the mesh revision profile: %w", err)
	}
	profile := document.MeshRevisionProfile
	if document.Properties != nil {
		profile = *document.Properties
	}
	if len(profile.MeshRevisions) == 0 {
		return MeshRevisionProfile{}, fmt.Errorf("reading the mesh revision profile: it lists no revisions")
	}
	return profile, nil
}

// Revision returns the profile's entry for a revision, if Azure supports it.
func (p MeshRevisionProfile) Revision(name string) (MeshRevision, bool) {
	for _, revision := range p.MeshRevisions {
		if revision.Revision == name {
			return revision, true
		}
	}
	return MeshRevision{}, false
}

// Names lists the supported revisions in the profile's order.
func (p MeshRevisionProfile) Names() []string {
	names := make([]string, 0, len(p.MeshRevisions))
	for _, revision := range p.MeshRevisions {
		names = append(names, revision.Revision)
	}
	return names
}

// newest is the supported revision with the highest minor version.
func (p MeshRevisionProfile) newest() string {
	best, bestMinor := "", -1
	for _, revision := range p.MeshRevisions {
		if minor, ok := istioMinor(revision.Revision); ok && minor > bestMinor {
			best, bestMinor = revision.Revision, minor
		}
	}
	return best
}

// CheckMeshRevisions checks the configured revisions against what Azure supports in the stack's
// region today, before anything is created: AKS refuses new installs of a revision past its end of life
// (aks/istio-support-policy.md). The revision the cluster ends up on (the newer one during a canary
// upgrade) must be supported and, when kubernetes.version is set, run on it; during a canary upgrade
// it must be an upgrade target of the running revision when Azure still lists that one. A running
// revision Azure no longer lists is allowed only as the old half of a canary upgrade, which is how a
// cluster leaves it. The returned error is a *Problems.
func CheckMeshRevisions(c *Config, profile MeshRevisionProfile) error {
	problems := &problemList{project: c.Project}
	installed := c.InstalledIstioRevisions()
	target := installed[len(installed)-1]
	supported := strings.Join(profile.Names(), ", ")
	key, value := "ingress.istioRevision", any(c.Ingress.IstioRevision)
	if len(c.Ingress.IstioRevisions) > 0 {
		key, value = "ingress.istioRevisions", c.Ingress.IstioRevisions
	}
	entry, ok := profile.Revision(target)
	switch {
	case !ok && len(installed) == 1:
		problems.add(key, value, "%s is not a revision AKS supports in %s today (az aks mesh get-revisions: %s), and AKS refuses new installs of a revision past its end of life; "+
			"for a new cluster use %s; for a running cluster start a canary upgrade: set ingress.istioRevisions to [%q, %q] (docs/runbook.md, Istio add-on upgrade)",
			target, c.Location, supported, profile.newest(), target, profile.newest())
	case !ok:
		problems.add(key, value, "%s is not a revision AKS supports in %s today (az aks mesh get-revisions: %s); upgrade to one of those", target, c.Location, supported)
	default:
		if version := kubernetesMinor(c.Kubernetes.Version); version != "" && !entry.runsOn(version) {
			problems.add(key, value, "%s does not run on kubernetes.version %s (it supports %s); choose another revision or Kubernetes version",
				target, c.Kubernetes.Version, strings.Join(entry.kubernetesVersions(), ", "))
		}
	}
	if len(installed) == 2 && ok {
		if running, listed := profile.Revision(installed[0]); listed && !slices.Contains(running.Upgrades, target) {
			problems.add(key, value, "%s cannot be upgraded to %s in %s: its upgrade targets are %s", installed[0], target, c.Location, renderList(running.Upgrades))
		}
	}
	if len(problems.list) > 0 {
		return &Problems{Stack: c.Stack, List: problems.list}
	}
	return nil
}

// runsOn reports whether the revision supports a Kubernetes minor version (e.g. 1.33) on any plan.
func (r MeshRevision) runsOn(version string) bool {
	return slices.Contains(r.kubernetesVersions(), version)
}

// kubernetesVersions lists every Kubernetes minor version the revision supports, sorted, once each.
func (r MeshRevision) kubernetesVersions() []string {
	var versions []string
	for _, compatibility := range r.CompatibleWith {
		versions = append(versions, compatibility.Versions...)
	}
	slices.Sort(versions)
	return slices.Compact(versions)
}

// kubernetesMinor returns the major.minor part of a Kubernetes version such as 1.33.2 ("" when empty).
func kubernetesMinor(version string) string {
	parts := strings.Split(version, ".")
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

// renderList shows a list of names, or "none".
func renderList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
