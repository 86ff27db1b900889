// Kubernetes, ingress, workload and monitoring checks, and the zone support of regions.

package config

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultWorkloadImage is the echo server image of Pulumi.yaml's default, pinned by digest.
const DefaultWorkloadImage = "docker.io/mendhak/http-https-echo:34@sha256:b9b45336763a8ee7f34b78fc77f3b1ecbaae41bb9ab72949d06e7c3cf6928532"

// regionsWithZones lists the Azure public regions with availability zones (Microsoft Learn,
// reliability/regions-list, as of July 2026). Zones in any other region are refused before deployment
// instead of failing halfway through it; add a region here when Azure adds zones to it.
var regionsWithZones = []string{
	"australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia", "centralus",
	"chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
	"indiasouthcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral",
	"malaysiawest", "mexicocentral", "newzealandnorth", "northeurope", "norwayeast", "polandcentral", "qatarcentral",
	"southafricanorth", "southcentralus", "southeastasia", "spaincentral", "swedencentral", "switzerlandnorth",
	"uaenorth", "uksouth", "westeurope", "westus2", "westus3",
}

var (
	istioRevisionPattern = regexp.MustCompile(`^asm-1-\d+$`)
	clockPattern         = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
	utcOffsetPattern     = regexp.MustCompile(`^[+-](0\d|1[0-4]):[0-5]\d$`)
	// imagePattern is an image reference pinned by digest, with an optional tag for readers:
	// registry/repository[:tag]@sha256:<64 hex digits>.
	imagePattern = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$`)
	weekdays     = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// validateKubernetesCluster checks what the cluster needs beyond its node pools.
func validateKubernetesCluster(c *Config, problems *problemList) {
	k := c.Kubernetes
	if !oneOf(k.Tier, ClusterTiers) {
		problems.add("kubernetes.tier", k.Tier, "must be %s", alternatives(ClusterTiers, " or "))
	}
	if len(k.AdminGroupObjectIDs) == 0 {
		problems.add("kubernetes.adminGroupObjectIds", k.AdminGroupObjectIDs,
			"must name at least one Microsoft Entra group: local accounts are disabled, so without an admin group nobody could log in")
	}
	for _, group := range k.AdminGroupObjectIDs {
		if !guidPattern.MatchString(group) {
			problems.add("kubernetes.adminGroupObjectIds", k.AdminGroupObjectIDs, "%q is not a group object ID (a GUID)", group)
		}
	}
	if !oneOf(k.UpgradeChannel, UpgradeChannels) {
		problems.add("kubernetes.upgradeChannel", k.UpgradeChannel, "must be %s", alternatives(UpgradeChannels, " or "))
	}
	if !oneOf(k.NodeOSUpgradeChannel, NodeOSUpgradeChannels) {
		problems.add("kubernetes.nodeOsUpgradeChannel", k.NodeOSUpgradeChannel, "must be %s", alternatives(NodeOSUpgradeChannels, " or "))
	}
	window := k.MaintenanceWindow
	if !slices.Contains(weekdays, window.DayOfWeek) {
		problems.add("kubernetes.maintenanceWindow.dayOfWeek", window.DayOfWeek, "must be a weekday name: %s", strings.Join(weekdays, ", "))
	}
	if !clockPattern.MatchString(window.StartTime) {
		problems.add("kubernetes.maintenanceWindow.startTime", window.StartTime, "must be a time of day, HH:mm")
	}
	// AKS planned maintenance windows last at least four hours
	// (https://learn.microsoft.com/azure/aks/planned-maintenance).
	if window.DurationHours < 4 || window.DurationHours > 24 {
		problems.add("kubernetes.maintenanceWindow.durationHours", window.DurationHours, "must be 4-24 hours")
	}
	if !utcOffsetPattern.MatchString(window.UTCOffset) {
		problems.add("kubernetes.maintenanceWindow.utcOffset", window.UTCOffset, "must be an offset such as +00:00 or -05:00")
	}
	validateClusterRanges(c, problems)
}

// validateClusterRanges checks the overlay pod and service ranges against each other and the network.
func validateClusterRanges(c *Config, problems *problemList) {
	k := c.Kubernetes
	pods, podsOK := parseBlock(k.PodCIDR, "kubernetes.podCidr", problems)
	services, servicesOK := parseBlock(k.ServiceCIDR, "kubernetes.serviceCidr", problems)
	for _, space := range c.addressSpaces() {
		if podsOK && pods.Overlaps(space) {
			problems.add("kubernetes.podCidr", k.PodCIDR, "overlaps %s; pods and the network must not share addresses", c.addressSpaceName(space))
		}
		if servicesOK && services.Overlaps(space) {
			problems.add("kubernetes.serviceCidr", k.ServiceCIDR, "overlaps %s; services and the network must not share addresses", c.addressSpaceName(space))
		}
	}
	if podsOK && servicesOK && pods.Overlaps(services) {
		problems.add("kubernetes.serviceCidr", k.ServiceCIDR, "overlaps kubernetes.podCidr %s", pods)
	}
	if servicesOK {
		dns, err := netip.ParseAddr(k.DNSServiceIP)
		// The first address of the service range belongs to the kubernetes API service.
		if err != nil || !services.Contains(dns) || dns == services.Addr() || dns == offset(services.Addr(), 1) {
			problems.add("kubernetes.dnsServiceIp", k.DNSServiceIP, "must be an address inside kubernetes.serviceCidr %s, not its first two (e.g. %s)",
				services, offset(services.Addr(), 10))
		}
	}
}

// validateIngress checks the controller, the Istio revision and the pinned address.
func validateIngress(c *Config, problems *problemList) {
	ingress := c.Ingress
	switch ingress.Controller {
	case IstioIngress:
	case "nginx":
		problems.add("ingress.controller", ingress.Controller, "was retired: the community ingress-nginx project ended in March 2026 and AKS application routing's NGINX support in November 2026, "+
			"and on the cluster's API version the add-on also creates a default NGINX controller behind a public load balancer; use istio (the Istio add-on's internal gateway, tls.mode MUTUAL)")
	default:
		problems.add("ingress.controller", ingress.Controller, "must be istio (the AKS Istio add-on's internal gateway)")
	}
	validateIstioRevisions(ingress, problems)
	validateIngressAddress(c, problems)
}

// validateIngressAddress checks the pinned ingress address against the node subnet, once its block is
// known (configured, or read from a brought subnet).
func validateIngressAddress(c *Config, problems *problemList) {
	ingress := c.Ingress
	nodes, err := netip.ParsePrefix(c.Network.Subnets.KubernetesNodes)
	if err != nil || nodes.Masked() != nodes || ingress.PrivateIP == "" {
		return // the subnet's own problem is reported elsewhere; an empty address is derived from it
	}
	address, err := netip.ParseAddr(ingress.PrivateIP)
	usable := usableRange(nodes)
	if err != nil || !address.Is4() || !nodes.Contains(address) || address.Less(usable[0]) || usable[1].Less(address) {
		problems.add("ingress.privateIp", ingress.PrivateIP, "must be an IPv4 address in %s %s between %s and %s (Azure keeps the first four and the last)",
			nodeSubnetKey(c), nodes, usable[0], usable[1])
	}
}

// nodeSubnetKey is the setting that gives the node subnet.
func nodeSubnetKey(c *Config) string {
	if c.Network.Mode == NetworkExisting {
		return "network.existing.subnetIds.kubernetesNodes"
	}
	return "network.subnets.kubernetesNodes"
}

// IngressPrivateIP is the ingress load balancer's pinned address: the configured one, or the last
// usable address of the node subnet (nodes are allocated from the start of the subnet).
func (c *Config) IngressPrivateIP() string {
	if c.Ingress.PrivateIP != "" {
		return c.Ingress.PrivateIP
	}
	nodes, err := netip.ParsePrefix(c.Network.Subnets.KubernetesNodes)
	if err != nil {
		return ""
	}
	return usableRange(nodes)[1].String()
}

// usableRange returns the first and last addresses Azure hands out in a subnet.
func usableRange(subnet netip.Prefix) [2]netip.Addr {
	return [2]netip.Addr{offset(subnet.Addr(), 4), offset(subnet.Addr(), (1<<(32-subnet.Bits()))-2)}
}

// offset returns the IPv4 address n after address.
func offset(address netip.Addr, n int) netip.Addr {
	bytes := address.As4()
	value := uint32(bytes[0])<<24 | uint32(bytes[1])<<16 | uint32(bytes[2])<<8 | uint32(bytes[3])
	value += uint32(n)
	return netip.AddrFrom4([4]byte{byte(value >> 24), byte(value >> 16), byte(value >> 8), byte(value)})
}

// validateWorkloadAndMonitoring checks the sample workload and log retention.
func validateWorkloadAndMonitoring(c *Config, problems *problemList) {
	if !imagePattern.MatchString(c.Workload.Image) {
		problems.add("workload.image", c.Workload.Image, "is not an image reference pinned by digest: a tag can be moved to another image; use registry/repository[:tag]@sha256:<digest> (crane digest <image> or docker buildx imagetools inspect <image> prints it), e.g. %s", DefaultWorkloadImage)
	}
	if c.Workload.Replicas < 1 || c.Workload.Replicas > 50 {
		problems.add("workload.replicas", c.Workload.Replicas, "must be 1-50")
	}
	// PerGB2018 workspaces keep data 30-730 days
	// (https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure).
	if c.Monitoring.RetentionDays < 30 || c.Monitoring.RetentionDays > 730 {
		problems.add("monitoring.retentionDays", c.Monitoring.RetentionDays, "must be 30-730 days")
	}
}

// validateZoneRegion refuses zones in a region without availability zones, for every zoned service.
func validateZoneRegion(c *Config, problems *problemList) {
	if slices.Contains(regionsWithZones, c.Location) {
		return
	}
	for _, zoned := range []struct {
		path  string
		zones []string
	}{
		{"apiManagement.zones", c.APIManagement.Zones},
		{"applicationGateway.zones", c.ApplicationGateway.Zones},
		{"kubernetes.zones", c.Kubernetes.Zones},
	} {
		if len(zoned.zones) > 0 {
			problems.add(zoned.path, zoned.zones, "requests availability zones, but location %q has none; use a region with zones (%s) or leave %s empty",
				c.Location, strings.Join(regionsWithZones[:6], ", ")+", ...", zoned.path)
		}
	}
	if c.SQL.Enabled && c.SQL.ZoneRedundant {
		problems.add("sql.zoneRedundant", true, "requests a zone-redundant database, but location %q has no availability zones; set it to false", c.Location)
	}
	if c.CosmosDB.Enabled && c.CosmosDB.ZoneRedundant {
		problems.add("cosmosDb.zoneRedundant", true, "requests a zone-redundant Cosmos DB account, but location %q has no availability zones; set it to false (it can only be chosen when the account is created)", c.Location)
	}
}

// validateIstioRevisions checks the revisions' form offline: asm-1-<minor>, at most two installed, the
// second a later minor than the first, and the workloads' revision one of them. How far a canary may
// jump is Azure's answer (CheckMeshRevisions against the running revision's upgrades): usually n+1 or
// n+2, and further when the revisions between have left support (aks/istio-upgrade.md), so no step
// limit is kept here.
func validateIstioRevisions(ingress Ingress, problems *problemList) {
	if _, ok := istioMinor(ingress.IstioRevision); !ok {
		problems.add("ingress.istioRevision", ingress.IstioRevision, "is not an AKS Istio add-on revision: use the form asm-1-<minor>, e.g. asm-1-31 (az aks mesh get-revisions --location <region> lists the supported ones)")
	}
	revisions := ingress.IstioRevisions
	if len(revisions) == 0 {
		return
	}
	var minors []int
	for _, revision := range revisions {
		minor, ok := istioMinor(revision)
		if !ok {
			problems.add("ingress.istioRevisions", revisions, "%q is not an AKS Istio add-on revision of the form asm-1-<minor>", revision)
			return
		}
		minors = append(minors, minor)
	}
	switch {
	case len(revisions) > 2:
		problems.add("ingress.istioRevisions", revisions, "holds at most two revisions: the running one and its successor during a canary upgrade")
	case len(revisions) == 2 && minors[1] <= minors[0]:
		problems.add("ingress.istioRevisions", revisions, "must be the running revision and a later one, older first, e.g. [\"asm-1-%d\", \"asm-1-%d\"]",
			min(minors[0], minors[1]), max(minors[0], minors[1]))
	case !slices.Contains(revisions, ingress.IstioRevision):
		problems.add("ingress.istioRevision", ingress.IstioRevision, "must be one of ingress.istioRevisions %s: the workloads run with an installed revision", render(revisions))
	}
}

// istioMinor returns the Istio minor version of an add-on revision asm-1-<minor>.
func istioMinor(revision string) (int, bool) {
	if !istioRevisionPattern.MatchString(revision) {
		return 0, false
	}
	minor, err := strconv.Atoi(strings.TrimPrefix(revision, "asm-1-"))
	return minor, err == nil
}

// InstalledIstioRevisions are the add-on revisions the cluster runs: ingress.istioRevisions during a
// canary upgrade, otherwise ingress.istioRevision alone.
func (c *Config) InstalledIstioRevisions() []string {
	if len(c.Ingress.IstioRevisions) > 0 {
		return slices.Clone(c.Ingress.IstioRevisions)
	}
	return []string{c.Ingress.IstioRevision}
}
