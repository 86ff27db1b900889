// The cluster as the mocks see it: the AKS Istio add-on creates its objects after the cluster exists.

package harness

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apiplatform/azure-api-platform/components"
)

// istioKindPlurals are the resource names of the Istio kinds the platform creates, as the API server's
// discovery lists them (the CRD names are <plural>.<group>).
var istioKindPlurals = map[string]string{
	"Gateway": "gateways", "VirtualService": "virtualservices", "PeerAuthentication": "peerauthentications",
	"AuthorizationPolicy": "authorizationpolicies", "Telemetry": "telemetries", "DestinationRule": "destinationrules",
}

// addOnNamespaces are the namespaces the AKS Istio add-on creates.
var addOnNamespaces = []string{components.IstioIngressNamespace, components.IstioSystemNamespace}

// addOnNeed is an object of the add-on a Kubernetes resource needs, and what the API server says when
// it does not exist yet.
type addOnNeed struct {
	path, prefix, refusal string
}

// addOnNeeds lists what a Kubernetes registration needs the Istio add-on to have created. The add-on
// deploys its CRDs, namespaces, istiod and gateways after the cluster's creation returns, so the mock
// API server refuses these until a readiness Job upstream has waited for them, the way the real one
// does on a first `pulumi up`.
func (m *mocks) addOnNeeds(res *Resource) []addOnNeed {
	token := strings.TrimPrefix(res.Type, "kubernetes:")
	groupVersion, kind, _ := strings.Cut(token, ":")
	group, _, _ := strings.Cut(groupVersion, "/")
	namespace := res.InputString("metadata.namespace")
	var needs []addOnNeed
	if strings.HasSuffix(group, ".istio.io") {
		crd := istioKindPlurals[kind] + "." + group
		needs = append(needs, addOnNeed{path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd,
			refusal: fmt.Sprintf("no matches for kind %q in version %q", kind, groupVersion)})
	}
	for _, addOn := range addOnNamespaces {
		if namespace == addOn {
			needs = append(needs, addOnNeed{prefix: "/api/v1/namespaces/" + addOn + "/", refusal: fmt.Sprintf("namespaces %q not found", addOn)})
		}
	}
	if kind == "ServicePatch" && res.InputString("metadata.name") == components.IstioInternalGatewayService {
		needs = append(needs, addOnNeed{path: "/api/v1/namespaces/" + namespace + "/services/" + components.IstioInternalGatewayService,
			refusal: fmt.Sprintf("Service %q is invalid: spec.ports: Required value (a patch of an object that does not exist creates it)", components.IstioInternalGatewayService)})
	}
	if kind == "Deployment" {
		if revision := m.namespaceLabel(namespace, "istio.io/rev"); revision != "" {
			needs = append(needs, addOnNeed{path: "/apis/apps/v1/namespaces/" + components.IstioSystemNamespace + "/deployments/istiod-" + revision,
				refusal: fmt.Sprintf("the pods of Deployment %s would start without a sidecar: istiod-%s and its injector do not exist yet", res.InputString("metadata.name"), revision)})
		}
	}
	return needs
}

// namespaceLabel returns a label of a recorded Namespace object ("" when absent).
func (m *mocks) namespaceLabel(namespace, label string) string {
	for _, res := range m.recording.Resources {
		if TypeMatches(res.Type, "kubernetes:core/v1:Namespace") && res.InputString("metadata.name") == namespace {
			labels, _ := res.Input("metadata.labels").(map[string]any)
			text, _ := labels[label].(string)
			return text
		}
	}
	return ""
}

// checkAddOnObjects refuses a Kubernetes registration that needs an object of the add-on no readiness
// Job it waits for has waited for.
func (m *mocks) checkAddOnObjects(res *Resource) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	needs := m.addOnNeeds(res)
	if len(needs) == 0 {
		return nil
	}
	var awaited []components.ReadinessCheck
	for _, upstream := range m.recording.Upstream(res) {
		awaited = append(awaited, readinessChecks(upstream)...)
	}
	for _, need := range needs {
		if !awaitedBy(need, awaited) {
			return fmt.Errorf("mock Kubernetes API server: %s (the AKS Istio add-on creates it after the cluster exists; wait for it)", need.refusal)
		}
	}
	return nil
}

// readinessChecks returns what a readiness Job waits for: its READINESS_CHECKS environment variable.
func readinessChecks(res *Resource) []components.ReadinessCheck {
	if !TypeMatches(res.Type, "kubernetes:batch/v1:Job") {
		return nil
	}
	variables, _ := res.Input("spec.template.spec.containers[0].env").([]any)
	for _, item := range variables {
		variable, _ := item.(map[string]any)
		if variable["name"] != components.ReadinessChecksVariable {
			continue
		}
		var checks []components.ReadinessCheck
		if text, ok := variable["value"].(string); ok && json.Unmarshal([]byte(text), &checks) == nil {
			return checks
		}
	}
	return nil
}

// awaitedBy reports whether a readiness check covers the need: the same path (a Deployment also with
// ready replicas), or a path inside the needed namespace.
func awaitedBy(need addOnNeed, checks []components.ReadinessCheck) bool {
	for _, check := range checks {
		deployment := strings.Contains(need.path, "/deployments/")
		switch {
		case need.path != "" && check.Path == need.path && (!deployment || check.ReadyReplicas):
			return true
		case need.prefix != "" && strings.HasPrefix(check.Path, need.prefix):
			return true
		}
	}
	return false
}
