// The hosts the egress firewall lets each subnet reach, with the Microsoft page each list comes from.

package components

import (
	"fmt"
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

// EgressSource is who an egress rule lets out.
type EgressSource string

// The subnets whose Internet traffic is routed through a firewall.
const (
	// EgressFromCluster is the AKS node subnet.
	EgressFromCluster EgressSource = "cluster"
	// EgressFromJumpbox is the operators' jumpbox subnet.
	EgressFromJumpbox EgressSource = "jumpbox"
)

// EgressRule is one allow rule of the platform's egress in plain values: the stack's own firewall
// builds its application rules from these, and a hub firewall must allow the same.
type EgressRule struct {
	// Source is the subnet the rule lets out.
	Source EgressSource
	// Name and Description name the rule.
	Name, Description string
	// FQDNTags are Azure Firewall FQDN tags (Microsoft-maintained host lists).
	FQDNTags []string
	// Hosts are host names, optionally `*.` wildcards.
	Hosts []string
	// HTTP allows port 80 besides 443.
	HTTP bool
}

// EgressPlan is what the egress rules depend on.
type EgressPlan struct {
	// Location is the cluster's region (the monitoring handler host carries it).
	Location string
	// WorkloadImage is the sample workload's image; its registry's hosts are allowed.
	WorkloadImage string
	// AllowedHosts are the extra hosts of perimeter.egressAllowList.
	AllowedHosts []string
	// Jumpbox says the jumpbox's subnet is routed too.
	Jumpbox bool
}

// EgressRules are the platform's egress allow rules: for the cluster the AKS FQDN tag, its add-ons,
// the workload image's registry and the allow list; for the jumpbox its tools and Ubuntu updates.
// Everything else is denied. A private cluster needs no network rules: its API server is private (no
// 1194/9000 tunnel ports) and nodes sync time from the Azure host
// (https://learn.microsoft.com/azure/aks/outbound-rules-control-egress).
func EgressRules(plan EgressPlan) []EgressRule {
	rules := []EgressRule{
		{Source: EgressFromCluster, Name: "aks-required", Description: "Everything AKS nodes need (FQDN tag maintained by Microsoft)",
			FQDNTags: []string{AKSFQDNTag}, HTTP: true},
		{Source: EgressFromCluster, Name: "aks-add-ons", Description: "Container insights, Azure Policy and Defender for Containers",
			Hosts: ClusterAddOnEgressHosts(plan.Location)},
	}
	if hosts := RegistryHosts(plan.WorkloadImage); len(hosts) > 0 {
		rules = append(rules, EgressRule{Source: EgressFromCluster, Name: "workload-image", Description: "The registry of workload.image", Hosts: hosts})
	}
	if len(plan.AllowedHosts) > 0 {
		rules = append(rules, EgressRule{Source: EgressFromCluster, Name: "allow-list", Description: "perimeter.egressAllowList", Hosts: plan.AllowedHosts})
	}
	if plan.Jumpbox {
		rules = append(rules,
			EgressRule{Source: EgressFromJumpbox, Name: "operator-tools", Description: "Entra SSH login, Azure CLI and the in-cluster deployment tools",
				Hosts: JumpboxEgressHosts},
			EgressRule{Source: EgressFromJumpbox, Name: "ubuntu-updates", Description: "Ubuntu package updates", Hosts: UbuntuUpdateHosts, HTTP: true})
	}
	return rules
}

// EgressRulesMarkdown is the rules as a Markdown table, for whoever runs the hub firewall.
func EgressRulesMarkdown(rules []EgressRule) string {
	var table strings.Builder
	table.WriteString("| from | rule | allow | ports |\n|---|---|---|---|\n")
	for _, rule := range rules {
		targets := make([]string, 0, len(rule.FQDNTags)+len(rule.Hosts))
		for _, tag := range rule.FQDNTags {
			targets = append(targets, "FQDN tag `"+tag+"`")
		}
		for _, host := range rule.Hosts {
			targets = append(targets, "`"+host+"`")
		}
		ports := "443"
		if rule.HTTP {
			ports = "80, 443"
		}
		fmt.Fprintf(&table, "| %s subnet | %s (%s) | %s | %s |\n", rule.Source, rule.Name, rule.Description, strings.Join(targets, ", "), ports)
	}
	return table.String()
}
