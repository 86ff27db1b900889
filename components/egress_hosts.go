// The hosts the egress firewall lets each subnet reach, with the Microsoft page each list comes from.

package components

import (
	"strings"
)

// AKSFQDNTag is the firewall FQDN tag that holds every host AKS nodes must reach; Microsoft keeps it up
// to date (https://learn.microsoft.com/azure/aks/limit-egress-traffic).
const AKSFQDNTag = "AzureKubernetesService"

// ClusterAddOnEgressHosts are the hosts of the cluster's add-ons that the AKS FQDN tag does not cover,
// for a cluster in location: Container insights and the Azure Monitor agent
// (https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-firewall), Azure
// Policy and Defender for Containers
// (https://learn.microsoft.com/azure/aks/outbound-rules-control-egress#optional-recommended-fqdn--application-rules-for-aks-clusters).
func ClusterAddOnEgressHosts(location string) []string {
	return []string{
		"*.ods.opinsights.azure.com", "*.oms.opinsights.azure.com", "dc.services.visualstudio.com", "*.monitoring.azure.com",
		"login.microsoftonline.com", "global.handler.control.monitor.azure.com", location + ".handler.control.monitor.azure.com",
		"*.ingest.monitor.azure.com", "*.metrics.ingest.monitor.azure.com",
		"data.policy.core.windows.net", "store.policy.core.windows.net",
		"*.cloud.defender.microsoft.com",
	}
}

// JumpboxEgressHosts are the hosts the jumpbox reaches over HTTPS: Microsoft Entra SSH login
// (https://learn.microsoft.com/entra/identity/devices/howto-vm-sign-in-azure-ad-linux#network-requirements),
// the Azure CLI, and the tools that deploy the in-cluster layer (Pulumi, Go, kubectl, kubelogin).
var JumpboxEgressHosts = []string{
	"packages.microsoft.com", "login.microsoftonline.com", "pas.windows.net", "management.azure.com",
	"aka.ms", "azcliextensionsync.blob.core.windows.net",
	"get.pulumi.com", "github.com", "objects.githubusercontent.com", "release-assets.githubusercontent.com",
	"dl.k8s.io", "cdn.dl.k8s.io", "go.dev", "dl.google.com", "proxy.golang.org", "sum.golang.org",
}

// UbuntuUpdateHosts serve Ubuntu packages, over HTTP (the packages are signed) and HTTPS.
var UbuntuUpdateHosts = []string{"*.ubuntu.com"}

// imageRegistry is a container registry's host (and port), as an image reference names it before
// its first slash.
type imageRegistry string

// The registries RegistryHosts knows by name.
const (
	// registryDockerHub is Docker Hub, the registry of references that name none.
	registryDockerHub imageRegistry = "docker.io"
	// registryDockerHubIndex is Docker Hub under its index name.
	registryDockerHubIndex imageRegistry = "index.docker.io"
	// registryDockerHubAPI is Docker Hub under its API host.
	registryDockerHubAPI imageRegistry = "registry-1.docker.io"
	// registryGitHub is GitHub's container registry.
	registryGitHub imageRegistry = "ghcr.io"
	// registryQuay is Red Hat Quay.
	registryQuay imageRegistry = "quay.io"
	// registryMicrosoft is Microsoft's registry, which the AKS FQDN tag covers.
	registryMicrosoft imageRegistry = "mcr.microsoft.com"
	// registryLocalhost is a registry on the node itself: a first path segment without a dot or a port
	// names a Docker Hub namespace, except this one.
	registryLocalhost imageRegistry = "localhost"
)

// azureRegistrySuffix ends the host of every Azure container registry.
const azureRegistrySuffix = ".azurecr.io"

// registryHosts maps public registries to every host an image pull from them touches: the registry
// and the host its layers are served from.
var registryHosts = map[imageRegistry][]string{
	registryGitHub:    {"ghcr.io", "pkg-containers.githubusercontent.com"},
	registryDockerHub: {"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"},
	registryQuay:      {"quay.io", "cdn01.quay.io", "cdn02.quay.io", "cdn03.quay.io"},
}

// RegistryHosts returns the hosts the cluster must reach to pull image, so the sample workload starts
// behind the firewall. Microsoft's registry is in the AKS FQDN tag, and an Azure container registry
// is reached through its private endpoint (the platform's) or the allow list (any other): both give
// none.
func RegistryHosts(image string) []string {
	first, _, found := strings.Cut(image, "/")
	name := imageRegistry(first)
	if !found || !strings.ContainsAny(first, ".:") && name != registryLocalhost {
		name = registryDockerHub // Docker Hub images are written without a registry
	}
	switch {
	case name == registryMicrosoft, strings.HasSuffix(string(name), azureRegistrySuffix):
		return nil
	case name == registryDockerHubIndex, name == registryDockerHubAPI:
		name = registryDockerHub
	}
	if hosts, ok := registryHosts[name]; ok {
		return hosts
	}
	host, _, _ := strings.Cut(string(name), ":")
	return []string{host}
}
