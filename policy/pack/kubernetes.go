// In-cluster policies: every ingress host demands a client certificate, and workload containers run
// as non-root with a read-only root file system.

package pack

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

var (
	istioGatewayTypes = []string{"kubernetes:networking.istio.io/v1:Gateway", "kubernetes:networking.istio.io/v1beta1:Gateway", "kubernetes:networking.istio.io/v1alpha3:Gateway"}
	ingressTypes      = []string{"kubernetes:networking.k8s.io/v1:Ingress"}
	workloadTypes     = []string{"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job", "kubernetes:core/v1:Pod"}
)

// nginxVerifyClient is the ingress-nginx annotation that makes a host demand a client certificate
// (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#client-certificate-authentication).
const nginxVerifyClient = "nginx.ingress.kubernetes.io/auth-tls-verify-client"

var kubernetesRules = []resourceRule{
	{
		name:        "k8s-mtls-ingress",
		description: "Every cluster ingress host demands a client certificate signed by the platform CA (Istio tls.mode MUTUAL, or NGINX auth-tls-verify-client on).",
		remediation: "serve HTTPS hosts from an Istio Gateway server with tls.mode MUTUAL and a credential holding ca.crt, or annotate the Ingress with auth-tls-verify-client \"on\" and auth-tls-secret.",
		level:       Mandatory,
		types:       append(append([]string{}, istioGatewayTypes...), ingressTypes...),
		check: func(r Resource, _ map[string]any) []string {
			if r.Is(ingressTypes...) {
				if verify := stringOf(r.At("metadata", "annotations", nginxVerifyClient)); verify != "on" {
					return []string{fmt.Sprintf("Ingress %q has %s = %q, so any caller is admitted.", r.Name, nginxVerifyClient, verify)}
				}
				return nil
			}
			var problems []string
			for index, server := range r.Array("spec.servers") {
				hosts := strings.Join(stringsOf(at(server, "hosts")), ", ")
				if mode := stringOf(at(server, "tls", "mode")); mode != "MUTUAL" && mode != "ISTIO_MUTUAL" {
					problems = append(problems, fmt.Sprintf("Gateway server %d (%s) has tls.mode %q, not MUTUAL.", index, hosts, mode))
				}
			}
			return problems
		},
	},
	{
		name:        "k8s-containers-non-root-read-only",
		description: "Workload containers run as a non-root user with a read-only root file system.",
		remediation: "set securityContext.runAsNonRoot true (pod or container) and securityContext.readOnlyRootFilesystem true on every container.",
		level:       Mandatory,
		types:       workloadTypes,
		check: func(r Resource, _ map[string]any) []string {
			pod := r.Path("spec.template.spec")
			if r.Is("kubernetes:core/v1:Pod") {
				pod = r.Path("spec")
			}
			podNonRoot := at(pod, "securityContext", "runAsNonRoot")
			var problems []string
			for _, list := range []string{"initContainers", "containers"} {
				containers := at(pod, list)
				if !containers.IsArray() {
					continue
				}
				for _, container := range containers.AsArray().AsSlice() {
					name := stringOf(at(container, "name"))
					nonRoot := at(container, "securityContext", "runAsNonRoot")
					if nonRoot.IsNull() {
						nonRoot = podNonRoot
					}
					if !nonRoot.IsBool() || !nonRoot.AsBool() {
						problems = append(problems, fmt.Sprintf("Container %q may run as root.", name))
					}
					if readOnly := at(container, "securityContext", "readOnlyRootFilesystem"); !readOnly.IsBool() || !readOnly.AsBool() {
						problems = append(problems, fmt.Sprintf("Container %q has a writable root file system.", name))
					}
				}
			}
			return problems
		},
	},
}

// stringsOf returns the strings of an array value.
func stringsOf(v property.Value) []string {
	if !v.IsArray() {
		return nil
	}
	var list []string
	for _, item := range v.AsArray().AsSlice() {
		if item.IsString() {
			list = append(list, item.AsString())
		}
	}
	return list
}
