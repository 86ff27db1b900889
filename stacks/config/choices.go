// The closed sets of choices in the configuration, as typed constants with the values Azure expects.

package config

import (
	"slices"
	"strings"
)

// APIManagementSKU is an API Management tier that runs in internal virtual network mode.
type APIManagementSKU string

// The tiers with injection into a virtual network in internal mode; Basic, Standard, Consumption,
// Basic v2 and Standard v2 have none
// (https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet).
const (
	// APIManagementDeveloper has no SLA and one unit: development only.
	APIManagementDeveloper APIManagementSKU = "Developer"
	// APIManagementPremium scales out and across availability zones.
	APIManagementPremium APIManagementSKU = "Premium"
	// APIManagementPremiumV2 can be injected too (inject-vnet-v2.md), but is refused with its own
	// message: the request this program would send cannot be verified yet (README, Choosing a tier).
	// It is not in APIManagementSKUs.
	APIManagementPremiumV2 APIManagementSKU = "PremiumV2"
)

// APIManagementSKUs are the valid apiManagement.sku values.
var APIManagementSKUs = []APIManagementSKU{APIManagementDeveloper, APIManagementPremium}

// WAFMode is the mode of Application Gateway's WAF policy.
type WAFMode string

// The WAF policy modes.
const (
	// WAFPrevention blocks requests that match a rule.
	WAFPrevention WAFMode = "Prevention"
	// WAFDetection only logs them.
	WAFDetection WAFMode = "Detection"
)

// WAFModes are the valid applicationGateway.wafMode values.
var WAFModes = []WAFMode{WAFPrevention, WAFDetection}

// MutualTLSMode says whether the edge requires callers to present a client certificate.
type MutualTLSMode string

// The edge's mutual TLS modes.
const (
	// MutualTLSOff accepts callers without a certificate (they authenticate with a key or token).
	MutualTLSOff MutualTLSMode = "off"
	// MutualTLSRequired refuses callers without a certificate from a trusted caller CA, at the edge.
	MutualTLSRequired MutualTLSMode = "required"
)

// MutualTLSModes are the valid applicationGateway.mutualTls values.
var MutualTLSModes = []MutualTLSMode{MutualTLSOff, MutualTLSRequired}

// CosmosCapacityMode is how a Cosmos DB account is billed and scaled.
type CosmosCapacityMode string

// The Cosmos DB capacity modes.
const (
	// CosmosServerless bills request units consumed, with no throughput to provision.
	CosmosServerless CosmosCapacityMode = "serverless"
	// CosmosProvisioned gives the container autoscale throughput.
	CosmosProvisioned CosmosCapacityMode = "provisioned"
)

// CosmosCapacityModes are the valid cosmosDb.capacityMode values.
var CosmosCapacityModes = []CosmosCapacityMode{CosmosServerless, CosmosProvisioned}

// CosmosBackupPolicy is a Cosmos DB account's backup mode, in ARM's words.
type CosmosBackupPolicy string

// The Cosmos DB backup policies.
const (
	// CosmosContinuous7Days restores to any point of the last 7 days.
	CosmosContinuous7Days CosmosBackupPolicy = "Continuous7Days"
	// CosmosContinuous30Days restores to any point of the last 30 days.
	CosmosContinuous30Days CosmosBackupPolicy = "Continuous30Days"
	// CosmosPeriodic keeps two backups taken every four hours, restored by a support request.
	CosmosPeriodic CosmosBackupPolicy = "Periodic"
)

// CosmosBackupPolicies are the valid cosmosDb.backupPolicy values.
var CosmosBackupPolicies = []CosmosBackupPolicy{CosmosContinuous7Days, CosmosContinuous30Days, CosmosPeriodic}

// EgressMode is where the platform's outbound Internet traffic goes.
type EgressMode string

// The egress modes.
const (
	// EgressNone leaves Azure's default outbound access (the cluster's load balancer).
	EgressNone EgressMode = "none"
	// EgressFirewall routes it through the stack's own Azure Firewall.
	EgressFirewall EgressMode = "firewall"
	// EgressHub routes it to a hub network's firewall at perimeter.hubNextHopIp.
	EgressHub EgressMode = "hub"
)

// EgressModes are the valid perimeter.egress values.
var EgressModes = []EgressMode{EgressNone, EgressFirewall, EgressHub}

// NetworkMode says whether the stack creates its virtual network or deploys into one it is given.
type NetworkMode string

// The network modes.
const (
	// NetworkCreate creates the virtual network, its subnets, security groups and route table.
	NetworkCreate NetworkMode = "create"
	// NetworkExisting deploys into a landing zone's network: the subnets are named by ARM ID and read
	// at deploy time.
	NetworkExisting NetworkMode = "existing"
)

// NetworkModes are the valid network.mode values.
var NetworkModes = []NetworkMode{NetworkCreate, NetworkExisting}

// SecurityRulesSource says who writes the platform's rules into a brought network's security groups.
type SecurityRulesSource string

// The sources of the security rules of brought subnets.
const (
	// SecurityRulesAdded adds the platform's rules to each subnet's security group, as separate rules.
	SecurityRulesAdded SecurityRulesSource = "added"
	// SecurityRulesBrought adds none: the landing zone's owner keeps the documented rules in place.
	SecurityRulesBrought SecurityRulesSource = "brought"
)

// SecurityRulesSources are the valid network.existing.securityRules values.
var SecurityRulesSources = []SecurityRulesSource{SecurityRulesAdded, SecurityRulesBrought}

// PrivateDNSMode says whether the stack creates its private DNS zones or uses a landing zone's.
type PrivateDNSMode string

// The private DNS modes.
const (
	// PrivateDNSCreate creates every privatelink and host zone and links it to the network.
	PrivateDNSCreate PrivateDNSMode = "create"
	// PrivateDNSCentral creates none: records go into the landing zone's central zones.
	PrivateDNSCentral PrivateDNSMode = "central"
)

// PrivateDNSModes are the valid privateDns.mode values.
var PrivateDNSModes = []PrivateDNSMode{PrivateDNSCreate, PrivateDNSCentral}

// ClusterTier is the AKS pricing tier.
type ClusterTier string

// The AKS pricing tiers.
const (
	// ClusterFree has no uptime SLA.
	ClusterFree ClusterTier = "Free"
	// ClusterStandard has the uptime SLA.
	ClusterStandard ClusterTier = "Standard"
	// ClusterPremium adds long-term support.
	ClusterPremium ClusterTier = "Premium"
)

// ClusterTiers are the valid kubernetes.tier values.
var ClusterTiers = []ClusterTier{ClusterFree, ClusterStandard, ClusterPremium}

// UpgradeChannel is an AKS cluster auto-upgrade channel.
type UpgradeChannel string

// The cluster auto-upgrade channels (aks/auto-upgrade-cluster.md).
const (
	// UpgradeNone turns automatic upgrades off.
	UpgradeNone UpgradeChannel = "none"
	// UpgradePatch keeps the minor version and applies its newest patch.
	UpgradePatch UpgradeChannel = "patch"
	// UpgradeStable follows the newest patch of minor N-1.
	UpgradeStable UpgradeChannel = "stable"
	// UpgradeRapid follows the newest supported minor.
	UpgradeRapid UpgradeChannel = "rapid"
	// UpgradeNodeImage upgrades only the node images.
	UpgradeNodeImage UpgradeChannel = "node-image"
)

// UpgradeChannels are the valid kubernetes.upgradeChannel values.
var UpgradeChannels = []UpgradeChannel{UpgradeNone, UpgradePatch, UpgradeStable, UpgradeRapid, UpgradeNodeImage}

// NodeOSUpgradeChannel is an AKS node OS upgrade channel.
type NodeOSUpgradeChannel string

// The node OS upgrade channels (aks/auto-upgrade-node-os-image.md).
const (
	// NodeOSNone applies no OS updates.
	NodeOSNone NodeOSUpgradeChannel = "None"
	// NodeOSUnmanaged leaves OS updates to the OS's own mechanism.
	NodeOSUnmanaged NodeOSUpgradeChannel = "Unmanaged"
	// NodeOSNodeImage reimages the nodes with the weekly node image.
	NodeOSNodeImage NodeOSUpgradeChannel = "NodeImage"
	// NodeOSSecurityPatch applies security patches in place.
	NodeOSSecurityPatch NodeOSUpgradeChannel = "SecurityPatch"
)

// NodeOSUpgradeChannels are the valid kubernetes.nodeOsUpgradeChannel values.
var NodeOSUpgradeChannels = []NodeOSUpgradeChannel{NodeOSNone, NodeOSUnmanaged, NodeOSNodeImage, NodeOSSecurityPatch}

// FirewallSKU is an Azure Firewall tier the egress design can use.
type FirewallSKU string

// The Azure Firewall tiers with the DNS proxy the egress design relies on; Basic has none
// (https://learn.microsoft.com/azure/firewall/basic-features).
const (
	// FirewallStandard filters by FQDN with the DNS proxy.
	FirewallStandard FirewallSKU = "Standard"
	// FirewallPremium adds TLS inspection and IDPS.
	FirewallPremium FirewallSKU = "Premium"
)

// FirewallSKUs are the valid perimeter.firewallSku values.
var FirewallSKUs = []FirewallSKU{FirewallStandard, FirewallPremium}

// oneOf reports whether value is one of valid.
func oneOf[T ~string](value T, valid []T) bool {
	return slices.Contains(valid, value)
}

// alternatives lists valid values for a message, the last one joined with lastJoiner: "a, b or c".
func alternatives[T ~string](valid []T, lastJoiner string) string {
	words := make([]string, len(valid))
	for index, value := range valid {
		words[index] = string(value)
	}
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + lastJoiner + words[len(words)-1]
}
