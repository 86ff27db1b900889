// Names composed below another name: the parts components append to their own names (or to their
// children's) for resources whose physical name is built, never typed as a literal suffix.

package naming

import "strings"

// The roles of names composed below a resource's or component's name. They have no rule of their
// own: the name is checked against the rule of the resource type it names (RuleForResourceType), and
// Roles leaves them out.
const (
	// RoleDiagnosticSetting follows the name of the resource a diagnostic setting exports.
	RoleDiagnosticSetting Role = "diagnostics"
	// RoleVirtualNetworkLink follows the name of the private DNS zone linked to the virtual network.
	RoleVirtualNetworkLink Role = "link"
	// RolePrivateDNS names a resource's private DNS: a private endpoint's zone group, and, followed by
	// what it resolves, a private zone (see PrivateLinkZone).
	RolePrivateDNS Role = "dns"
	// RoleGatewayPrivateZone is the private zone of API Management's gateway host name.
	RoleGatewayPrivateZone Role = "dns-gateway"
	// RoleBackendPrivateZone is the private zone of the cluster ingress's host name.
	RoleBackendPrivateZone Role = "dns-backend"
	// RolePrivateEndpoint is followed by the endpoint's target (see PrivateEndpoint).
	RolePrivateEndpoint Role = "pe"
	// RoleFirewallEgressRules is the firewall policy's rule collection group of allowed egress.
	RoleFirewallEgressRules Role = "egress"
	// RoleAPIBackend follows an API's path in the name of its API Management backend entity.
	RoleAPIBackend Role = "backend"
	// RoleAPILogger follows an API's path in the name of its Application Insights logger entity.
	RoleAPILogger Role = "appinsights"
	// RoleSQLDatabase follows the SQL server's resource name in its database's resource name.
	RoleSQLDatabase Role = "db"
	// RoleSQLAudit follows the SQL server's resource name in the name of its audit export.
	RoleSQLAudit Role = "audit"
)

// ContainerInsightsRuleLimit is the longest data collection rule name Microsoft's Container insights
// onboarding template writes: it cuts MSCI-<region>-<cluster> to 64 characters.
const ContainerInsightsRuleLimit = 64

// containerInsightsPrefix starts every data collection rule Container insights' onboarding creates.
const containerInsightsPrefix = "MSCI"

// Member is the name of one member of a set a component creates below base, where the member's own
// name is data (a metric alert rule): `<base>-<member>`.
func Member(base, member string) string {
	return base + "-" + member
}

// PrivateEndpoint is the name of the private endpoint to one target: `<base>-pe-<target>`.
func PrivateEndpoint(base, target string) string {
	return Member(Child(base, RolePrivateEndpoint), target)
}

// PrivateLinkZone is the resource name of the privatelink zone a private link group ID registers in:
// `<base>-dns-<group ID in lower case>` (group IDs such as sqlServer are mixed case).
func PrivateLinkZone(base, groupID string) string {
	return Member(Child(base, RolePrivateDNS), strings.ToLower(groupID))
}

// KubernetesFederatedCredential is the name of the federated credential that lets a Kubernetes service
// account of the AKS cluster use a managed identity: `aks-<namespace>-<service account>`.
func KubernetesFederatedCredential(namespace, serviceAccount string) string {
	return strings.Join([]string{string(RoleKubernetesCluster), namespace, serviceAccount}, "-")
}

// ContainerInsightsRule is the data collection rule's name as Microsoft's onboarding names it,
// MSCI-<workspace region>-<cluster>, cut to ContainerInsightsRuleLimit characters (Docker-Provider
// scripts/onboarding/aks/onboarding-using-msi-auth, existingClusterOnboarding.json).
func ContainerInsightsRule(location, clusterName string) string {
	name := strings.Join([]string{containerInsightsPrefix, location, clusterName}, "-")
	if len(name) > ContainerInsightsRuleLimit {
		name = name[:ContainerInsightsRuleLimit]
	}
	return name
}
