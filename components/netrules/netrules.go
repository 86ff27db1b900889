// Package netrules is the network security rule table of the platform: per subnet, exactly what each
// service documents as required, nothing broader. It is plain data (no cloud SDK), so the table reads
// like the Azure documentation it comes from and is tested beside it; the network component turns it
// into the security groups' inputs.
package netrules

import (
	"github.com/apiplatform/azure-api-platform/components/naming"
)

// Rule is one network security group rule in plain values, so the rule table reads like the
// Azure documentation it comes from and tests can compare it directly.
type Rule struct {
	// Name is the rule's name inside its group.
	Name string
	// Priority orders the rules: lower numbers are evaluated first (100-4096).
	Priority int
	// Direction is Inbound or Outbound.
	Direction Direction
	// Access is Allow or Deny.
	Access Access
	// Protocol is TCP, UDP or AnyProtocol.
	Protocol Protocol
	// Source is an address prefix or service tag.
	Source string
	// Destination is an address prefix or service tag.
	Destination string
	// DestinationPorts are the destination ports or ranges ("443", "65200-65535", "*").
	DestinationPorts []string
	// Description says why the rule exists.
	Description string
}

// Direction is the traffic a security rule applies to, as the rule's direction names it.
type Direction string

// The directions of security rules.
const (
	// Inbound is traffic into the subnet.
	Inbound Direction = "Inbound"
	// Outbound is traffic out of the subnet.
	Outbound Direction = "Outbound"
)

// Access is what a security rule does with the traffic it matches.
type Access string

// The accesses of security rules.
const (
	// Allow lets the traffic through.
	Allow Access = "Allow"
	// Deny drops it.
	Deny Access = "Deny"
)

// Protocol is the protocol a security rule matches.
type Protocol string

// The protocols of security rules.
const (
	// TCP matches TCP.
	TCP Protocol = "Tcp"
	// UDP matches UDP.
	UDP Protocol = "Udp"
	// AnyProtocol matches every protocol.
	AnyProtocol Protocol = "*"
)

// denyInternetInboundPriority is the last user-definable priority: every group ends with an explicit
// deny of Internet inbound traffic, so the intent is visible and survives a change of Azure's defaults.
const denyInternetInboundPriority = 4096

// denyVirtualNetworkInboundPriority denies the rest of the virtual network in the groups whose subnets
// admit "only" some sources. Azure's default AllowVnetInBound (65000) admits every host of the network,
// its peerings, connected on-premises ranges and 168.63.129.16 (the VirtualNetwork service tag), so an
// allow rule alone restricts nothing; the deny comes after the allows and before the defaults
// (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
const denyVirtualNetworkInboundPriority = 4000

// Plan is what the rules of every group derive from: the subnets of the network and the
// cluster's overlay pod range.
type Plan struct {
	// Subnets maps each subnet role of the network to its CIDR block.
	Subnets map[naming.SubnetRole]string
	// ClusterPodCIDR is the AKS overlay pod range: pod-to-pod traffic keeps pod addresses and the
	// node subnet's rules apply to it (aks/concepts-network-azure-cni-overlay.md).
	ClusterPodCIDR string
	// EdgeSources is who may call the Application Gateway's listeners.
	EdgeSources EdgeSources
}

// EdgeSources is who may call the Application Gateway's listeners.
type EdgeSources string

// The Application Gateway's callers.
const (
	// EdgeSourcesInternet is every caller on the Internet (the zero value).
	EdgeSourcesInternet EdgeSources = ""
	// EdgeSourcesFrontDoor is Azure Front Door alone: its service tag towards origins, on HTTPS only.
	// The tag admits every Front Door profile; the gateway's WAF admits only ours (X-Azure-FDID)
	// (https://learn.microsoft.com/azure/frontdoor/origin-security).
	EdgeSourcesFrontDoor EdgeSources = "frontDoor"
)

// FrontDoorServiceTag is the service tag of Azure Front Door's addresses towards origins.
const FrontDoorServiceTag = "AzureFrontDoor.Backend"

// For returns the rules of the network security group of one subnet (rules that mention
// another subnet use its CIDR block): the subnet's own rules, then the deny of Internet inbound traffic
// every group ends with.
func For(role naming.SubnetRole, plan Plan) []Rule {
	var rules []Rule
	switch role {
	case naming.SubnetApplicationGateway:
		rules = applicationGatewayRules(plan)
	case naming.SubnetAPIManagement:
		rules = append(apiManagementRequiredRules(plan), apiManagementInboundRules(plan)...)
	case naming.SubnetKubernetesNodes:
		rules = clusterInboundRules(plan)
	case naming.SubnetBastion:
		rules = bastionRules()
	case naming.SubnetJumpbox:
		rules = jumpboxRules(plan)
	case naming.SubnetPrivateEndpoints:
		// Azure's default AllowVnetInBound stays in force, so every consumer in the network reaches
		// the endpoints; the group adds only the Internet deny.
	case naming.SubnetFirewall:
		// AzureFirewallSubnet takes no group (naming.SubnetSupportsSecurityGroup); the firewall is its
		// own filter.
	}
	return append(rules, Rule{
		Name: "deny-internet-inbound", Priority: denyInternetInboundPriority, Direction: Inbound, Access: Deny, Protocol: AnyProtocol,
		Source: "Internet", Destination: "*", DestinationPorts: []string{"*"},
		Description: "Nothing else is reachable from the Internet",
	})
}

// applicationGatewayRules are the Application Gateway subnet's rules: the v2 infrastructure ports and
// clients on the HTTPS listener and the HTTP redirect
// (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#network-security-groups).
func applicationGatewayRules(plan Plan) []Rule {
	subnets := plan.Subnets
	infrastructure := Rule{Name: "allow-gateway-manager-inbound", Priority: 100, Direction: Inbound, Access: Allow, Protocol: TCP,
		Source: "GatewayManager", Destination: "*", DestinationPorts: []string{"65200-65535"},
		Description: "Application Gateway v2 infrastructure communication (required)"}
	if plan.EdgeSources == EdgeSourcesFrontDoor {
		// Front Door forwards over HTTPS only and redirects HTTP itself, so port 80 stays closed; the
		// Internet deny at the end keeps everyone else out of 443.
		return []Rule{infrastructure,
			{Name: "allow-front-door-https-inbound", Priority: 110, Direction: Inbound, Access: Allow, Protocol: TCP,
				Source: FrontDoorServiceTag, Destination: subnets[naming.SubnetApplicationGateway], DestinationPorts: []string{"443"},
				Description: "Azure Front Door to the HTTPS listener (the WAF admits only this stack's profile)"},
		}
	}
	return []Rule{infrastructure,
		{Name: "allow-internet-https-inbound", Priority: 110, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "Internet", Destination: subnets[naming.SubnetApplicationGateway], DestinationPorts: []string{"443"},
			Description: "Clients to the HTTPS listener"},
		{Name: "allow-internet-http-redirect-inbound", Priority: 120, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "Internet", Destination: subnets[naming.SubnetApplicationGateway], DestinationPorts: []string{"80"},
			Description: "Clients to the HTTP listener, which only redirects to HTTPS"},
	}
}

// apiManagementRequiredRules are the rules API Management requires in internal mode
// (https://learn.microsoft.com/azure/api-management/virtual-network-reference#required-ports, stv2):
// its management endpoint, the infrastructure load balancer, Application Gateway's traffic, and its
// outbound dependencies.
func apiManagementRequiredRules(plan Plan) []Rule {
	subnets := plan.Subnets
	return []Rule{
		{Name: "allow-management-endpoint-inbound", Priority: 100, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "ApiManagement", Destination: "VirtualNetwork", DestinationPorts: []string{"3443"},
			Description: "Management endpoint for the Azure portal and ARM (required)"},
		// 6391 is optional in the reference, but the deny of VirtualNetwork below would refuse it:
		// the probes come from 168.63.129.16, which that tag includes.
		{Name: "allow-load-balancer-inbound", Priority: 110, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "AzureLoadBalancer", Destination: "VirtualNetwork", DestinationPorts: []string{"6390", "6391"},
			Description: "Azure Infrastructure Load Balancer (required) and per-machine health monitoring"},
		{Name: "allow-application-gateway-https-inbound", Priority: 120, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: subnets[naming.SubnetApplicationGateway], Destination: subnets[naming.SubnetAPIManagement], DestinationPorts: []string{"443"},
			Description: "Application Gateway re-encrypted traffic to the gateway"},
		{Name: "allow-storage-outbound", Priority: 100, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "Storage", DestinationPorts: []string{"443"},
			Description: "Dependency on Azure Storage (required)"},
		{Name: "allow-sql-outbound", Priority: 110, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "Sql", DestinationPorts: []string{"1433"},
			Description: "Access to Azure SQL endpoints (required)"},
		{Name: "allow-key-vault-outbound", Priority: 120, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "AzureKeyVault", DestinationPorts: []string{"443"},
			Description: "Access to Azure Key Vault (required)"},
		{Name: "allow-azure-monitor-outbound", Priority: 130, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "AzureMonitor", DestinationPorts: []string{"1886", "443"},
			Description: "Diagnostics logs, metrics, Resource Health and Application Insights (required)"},
		// validate-azure-ad-token reads the tenant's signing keys from Microsoft Entra ID.
		{Name: "allow-entra-id-outbound", Priority: 140, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "AzureActiveDirectory", DestinationPorts: []string{"443"},
			Description: "Microsoft Entra ID, for token validation and managed identities"},
		// virtual-network-reference.md marks it required in internal mode: "Validation and management of
		// Microsoft-managed and customer-managed certificates" (CRL and OCSP over HTTP).
		{Name: "allow-certificate-validation-outbound", Priority: 150, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "VirtualNetwork", Destination: "Internet", DestinationPorts: []string{"80"},
			Description: "Certificate validation: revocation lists and OCSP (required)"},
	}
}

// bastionRules are Azure Bastion's rules: all eight are required once an NSG is applied
// (https://learn.microsoft.com/azure/bastion/bastion-nsg).
func bastionRules() []Rule {
	return []Rule{
		{Name: "allow-https-inbound", Priority: 100, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "Internet", Destination: "*", DestinationPorts: []string{"443"},
			Description: "Operators to the Bastion public endpoint (required)"},
		{Name: "allow-gateway-manager-inbound", Priority: 110, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "GatewayManager", Destination: "*", DestinationPorts: []string{"443"},
			Description: "Bastion control plane (required)"},
		{Name: "allow-bastion-host-communication-inbound", Priority: 120, Direction: Inbound, Access: Allow, Protocol: AnyProtocol,
			Source: "VirtualNetwork", Destination: "VirtualNetwork", DestinationPorts: []string{"8080", "5701"},
			Description: "Bastion data plane (required)"},
		{Name: "allow-load-balancer-inbound", Priority: 130, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: "AzureLoadBalancer", Destination: "*", DestinationPorts: []string{"443"},
			Description: "Health probes (required)"},
		{Name: "allow-ssh-rdp-outbound", Priority: 100, Direction: Outbound, Access: Allow, Protocol: AnyProtocol,
			Source: "*", Destination: "VirtualNetwork", DestinationPorts: []string{"22", "3389"},
			Description: "Bastion to target VMs (required)"},
		{Name: "allow-azure-cloud-outbound", Priority: 110, Direction: Outbound, Access: Allow, Protocol: TCP,
			Source: "*", Destination: "AzureCloud", DestinationPorts: []string{"443"},
			Description: "Diagnostics and metering (required)"},
		{Name: "allow-bastion-communication-outbound", Priority: 120, Direction: Outbound, Access: Allow, Protocol: AnyProtocol,
			Source: "VirtualNetwork", Destination: "VirtualNetwork", DestinationPorts: []string{"8080", "5701"},
			Description: "Bastion data plane (required)"},
		{Name: "allow-http-outbound", Priority: 130, Direction: Outbound, Access: Allow, Protocol: AnyProtocol,
			Source: "*", Destination: "Internet", DestinationPorts: []string{"80"},
			Description: "Session and certificate validation (required)"},
	}
}

// jumpboxRules are the jumpbox subnet's rules: SSH from Bastion when there is one, and nothing else of
// the network.
func jumpboxRules(plan Plan) []Rule {
	subnets := plan.Subnets
	var rules []Rule
	if bastion, ok := subnets[naming.SubnetBastion]; ok {
		rules = []Rule{
			{Name: "allow-bastion-ssh-inbound", Priority: 100, Direction: Inbound, Access: Allow, Protocol: TCP,
				Source: bastion, Destination: subnets[naming.SubnetJumpbox], DestinationPorts: []string{"22"},
				Description: "Operators reach the jumpbox only through Bastion"},
		}
	}
	rules = append(rules, denyVirtualNetworkInbound("Nothing else in the network reaches the jumpbox"))
	return rules
}

// apiManagementInboundRules are API Management's inbound rules beyond the required ones: its own units
// (Premium units share the internal cache on TCP 6380-6383 and synchronise rate-limit counters over
// UDP 4290, virtual-network-reference.md), the operators' jumpbox on 443, then nothing else of the
// network: clients reach the gateway only through Application Gateway.
func apiManagementInboundRules(plan Plan) []Rule {
	subnets := plan.Subnets
	units := subnets[naming.SubnetAPIManagement]
	rules := []Rule{
		{Name: "allow-api-management-cache-inbound", Priority: 130, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: units, Destination: units, DestinationPorts: []string{"6380-6383"},
			Description: "API Management's units: the internal cache"},
		{Name: "allow-api-management-rate-limit-inbound", Priority: 135, Direction: Inbound, Access: Allow, Protocol: UDP,
			Source: units, Destination: units, DestinationPorts: []string{"4290"},
			Description: "API Management's units: rate-limit counter synchronisation"},
	}
	if jumpbox, ok := subnets[naming.SubnetJumpbox]; ok {
		rules = append(rules, Rule{Name: "allow-jumpbox-https-inbound", Priority: 140, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: jumpbox, Destination: subnets[naming.SubnetAPIManagement], DestinationPorts: []string{"443"},
			Description: "Operators check the gateway from the jumpbox (docs/runbook.md, Verification)"})
	}
	return append(rules, denyVirtualNetworkInbound("Nothing else in the network reaches API Management: clients come through Application Gateway"))
}

// clusterInboundRules are the node subnet's inbound rules: API Management to the ingress, then what AKS
// itself needs (node to node, which includes the private API server's endpoint in this subnet; pods,
// whose overlay traffic keeps pod addresses; Azure's load balancer probes from 168.63.129.16, which the
// VirtualNetwork tag includes), the jumpbox on 443, and nothing else of the network. Blocking traffic
// inside the node subnet is unsupported (aks/outbound-rules-control-egress.md), so it stays open.
func clusterInboundRules(plan Plan) []Rule {
	subnets := plan.Subnets
	nodes := subnets[naming.SubnetKubernetesNodes]
	rules := []Rule{
		{Name: "allow-api-management-https-inbound", Priority: 100, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: subnets[naming.SubnetAPIManagement], Destination: nodes, DestinationPorts: []string{"443"},
			Description: "API Management to the internal mTLS ingress"},
		{Name: "allow-cluster-nodes-inbound", Priority: 110, Direction: Inbound, Access: Allow, Protocol: AnyProtocol,
			Source: nodes, Destination: "*", DestinationPorts: []string{"*"},
			Description: "Node to node and the API server's private endpoint (required by AKS)"},
		{Name: "allow-load-balancer-inbound", Priority: 130, Direction: Inbound, Access: Allow, Protocol: AnyProtocol,
			Source: "AzureLoadBalancer", Destination: "*", DestinationPorts: []string{"*"},
			Description: "Load balancer health probes of the ingress and the nodes (required)"},
	}
	if plan.ClusterPodCIDR != "" {
		rules = append(rules, Rule{Name: "allow-cluster-pods-inbound", Priority: 120, Direction: Inbound, Access: Allow, Protocol: AnyProtocol,
			Source: plan.ClusterPodCIDR, Destination: "*", DestinationPorts: []string{"*"},
			Description: "Pod to pod over the overlay (required by Azure CNI Overlay)"})
	}
	if jumpbox, ok := subnets[naming.SubnetJumpbox]; ok {
		rules = append(rules, Rule{Name: "allow-jumpbox-https-inbound", Priority: 140, Direction: Inbound, Access: Allow, Protocol: TCP,
			Source: jumpbox, Destination: nodes, DestinationPorts: []string{"443"},
			Description: "Operators check the ingress from the jumpbox (docs/runbook.md, Verification)"})
	}
	return append(rules, denyVirtualNetworkInbound("Nothing else in the network reaches the nodes: only API Management, on 443"))
}

// denyVirtualNetworkInbound is the deny that makes a group's allows the only way in from the network.
func denyVirtualNetworkInbound(description string) Rule {
	return Rule{Name: "deny-virtual-network-inbound", Priority: denyVirtualNetworkInboundPriority, Direction: Inbound, Access: Deny, Protocol: AnyProtocol,
		Source: "VirtualNetwork", Destination: "*", DestinationPorts: []string{"*"}, Description: description}
}
