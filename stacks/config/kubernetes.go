// Kubernetes, ingress, workload and monitoring checks, and the zone support of regions.
package config

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// SupportedIstioRevisions are the AKS Istio add-on revisions AKS supports today. The support policy
// (Microsoft Learn, aks/istio-support-policy, 2026-05-15) gives asm-1-28 and asm-1-29 end of life in
// August and September 2026 and asm-1-30 in about December 2026, and AKS always supports at least two
// revisions, so asm-1-30 and asm-1-31 are the two supported in November 2026. `az aks mesh
// get-revisions --location <region>` lists the live set.
var SupportedIstioRevisions = []string{"asm-1-30", "asm-1-31"}

// ingressControllers are the supported ingress controllers.
var ingressControllers = []string{"istio", "nginx"}

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
	imagePattern         = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$`)
	weekdays             = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// validateKubernetesCluster checks what the cluster needs beyond its node pools.
func validateKubernetesCluster(c *Config, problems *problemList) {
	k := c.Kubernetes
	if !slices.Contains([]string{"Free", "Standard", "Premium"}, k.Tier) {
		problems.add("kubernetes.tier", k.Tier, "must be Free, Standard or Premium")
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
	if !slices.Contains([]string{"none", "patch", "stable", "rapid", "node-image"}, k.UpgradeChannel) {
		problems.add("kubernetes.upgradeChannel", k.UpgradeChannel, "must be none, patch, stable, rapid or node-image")
	}
	if !slices.Contains([]string{"None", "Unmanaged", "NodeImage", "SecurityPatch"}, k.NodeOSUpgradeChannel) {
		problems.add("kubernetes.nodeOsUpgradeChannel", k.NodeOSUpgradeChannel, "must be None, Unmanaged, NodeImage or SecurityPatch")
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
	space, err := netip.ParsePrefix(c.Network.AddressSpace)
	spaceOK := err == nil && space.Masked() == space
	if podsOK && spaceOK && pods.Overlaps(space) {
		problems.add("kubernetes.podCidr", k.PodCIDR, "overlaps network.addressSpace %s; pods and the network must not share addresses", space)
	}
	if servicesOK && spaceOK && services.Overlaps(space) {
		problems.add("kubernetes.serviceCidr", k.ServiceCIDR, "overlaps network.addressSpace %s; services and the network must not share addresses", space)
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
	if !slices.Contains(ingressControllers, ingress.Controller) {
		problems.add("ingress.controller", ingress.Controller, "must be istio (the AKS Istio add-on's internal gateway) or nginx (application routing, past end of support)")
	}
	switch {
	case !istioRevisionPattern.MatchString(ingress.IstioRevision):
		problems.add("ingress.istioRevision", ingress.IstioRevision, "is not an AKS Istio add-on revision: use the form asm-1-<minor>, e.g. %s", SupportedIstioRevisions[0])
	case !slices.Contains(SupportedIstioRevisions, ingress.IstioRevision):
		problems.add("ingress.istioRevision", ingress.IstioRevision, "is not a revision AKS supports today: use one of %s", strings.Join(SupportedIstioRevisions, ", "))
	}
	nodes, err := netip.ParsePrefix(c.Network.Subnets.KubernetesNodes)
	if err != nil || nodes.Masked() != nodes || ingress.PrivateIP == "" {
		return // the subnet's own problem is reported elsewhere; an empty address is derived from it
	}
	address, err := netip.ParseAddr(ingress.PrivateIP)
	usable := usableRange(nodes)
	if err != nil || !address.Is4() || !nodes.Contains(address) || address.Less(usable[0]) || usable[1].Less(address) {
		problems.add("ingress.privateIp", ingress.PrivateIP, "must be an IPv4 address in network.subnets.kubernetesNodes %s between %s and %s (Azure keeps the first four and the last)",
			nodes, usable[0], usable[1])
	}
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
		problems.add("workload.image", c.Workload.Image, "is not a container image reference with a tag or digest, e.g. docker.io/mendhak/http-https-echo:37")
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
}
