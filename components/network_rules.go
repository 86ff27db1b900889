// Network security rules per subnet: exactly what each service documents as required, nothing broader.
package components

import (
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// SecurityRule is one network security group rule in plain values, so the rule table reads like the
// Azure documentation it comes from and tests can compare it directly.
type SecurityRule struct {
	// Name is the rule's name inside its group.
	Name string
	// Priority orders the rules: lower numbers are evaluated first (100-4096).
	Priority int
	// Direction is Inbound or Outbound.
	Direction string
	// Access is Allow or Deny.
	Access string
	// Protocol is Tcp, Udp or * (any).
	Protocol string
	// Source is an address prefix or service tag.
	Source string
	// Destination is an address prefix or service tag.
	Destination string
	// DestinationPorts are the destination ports or ranges ("443", "65200-65535", "*").
	DestinationPorts []string
	// Description says why the rule exists.
	Description string
}

// denyInternetInboundPriority is the last user-definable priority: every group ends with an explicit
// deny of Internet inbound traffic, so the intent is visible and survives a change of Azure's defaults.
const denyInternetInboundPriority = 4096

// securityRules returns the rules of the network security group of one subnet, given all subnets of the
// network (rules that mention another subnet use its CIDR block).
func securityRules(role naming.SubnetRole, subnets map[naming.SubnetRole]string) []SecurityRule {
	var rules []SecurityRule
	switch role {
	case naming.SubnetApplicationGateway:
		// https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#network-security-groups
		rules = []SecurityRule{
			{Name: "allow-gateway-manager-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "GatewayManager", Destination: "*", DestinationPorts: []string{"65200-65535"},
				Description: "Application Gateway v2 infrastructure communication (required)"},
			{Name: "allow-internet-https-inbound", Priority: 110, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "Internet", Destination: subnets[naming.SubnetApplicationGateway], DestinationPorts: []string{"443"},
				Description: "Clients to the HTTPS listener"},
			{Name: "allow-internet-http-redirect-inbound", Priority: 120, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "Internet", Destination: subnets[naming.SubnetApplicationGateway], DestinationPorts: []string{"80"},
				Description: "Clients to the HTTP listener, which only redirects to HTTPS"},
		}
	case naming.SubnetAPIManagement:
		// https://learn.microsoft.com/azure/api-management/virtual-network-reference#required-ports (stv2, internal mode)
		rules = []SecurityRule{
			{Name: "allow-management-endpoint-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "ApiManagement", Destination: "VirtualNetwork", DestinationPorts: []string{"3443"},
				Description: "Management endpoint for the Azure portal and ARM (required)"},
			{Name: "allow-load-balancer-inbound", Priority: 110, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "AzureLoadBalancer", Destination: "VirtualNetwork", DestinationPorts: []string{"6390"},
				Description: "Azure Infrastructure Load Balancer (required)"},
			{Name: "allow-application-gateway-https-inbound", Priority: 120, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: subnets[naming.SubnetApplicationGateway], Destination: subnets[naming.SubnetAPIManagement], DestinationPorts: []string{"443"},
				Description: "Application Gateway re-encrypted traffic to the gateway"},
			{Name: "allow-storage-outbound", Priority: 100, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "VirtualNetwork", Destination: "Storage", DestinationPorts: []string{"443"},
				Description: "Dependency on Azure Storage (required)"},
			{Name: "allow-sql-outbound", Priority: 110, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "VirtualNetwork", Destination: "Sql", DestinationPorts: []string{"1433"},
				Description: "Access to Azure SQL endpoints (required)"},
			{Name: "allow-key-vault-outbound", Priority: 120, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "VirtualNetwork", Destination: "AzureKeyVault", DestinationPorts: []string{"443"},
				Description: "Access to Azure Key Vault (required)"},
			{Name: "allow-azure-monitor-outbound", Priority: 130, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "VirtualNetwork", Destination: "AzureMonitor", DestinationPorts: []string{"1886", "443"},
				Description: "Diagnostics logs, metrics, Resource Health and Application Insights (required)"},
			// includes/api-management-key-vault-network.md: managed identity tokens for Key Vault access.
			{Name: "allow-entra-id-outbound", Priority: 140, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "VirtualNetwork", Destination: "AzureActiveDirectory", DestinationPorts: []string{"443"},
				Description: "Microsoft Entra ID, for the managed identity that reads Key Vault (required with Key Vault)"},
		}
	case naming.SubnetKubernetesNodes:
		rules = []SecurityRule{
			{Name: "allow-api-management-https-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: subnets[naming.SubnetAPIManagement], Destination: subnets[naming.SubnetKubernetesNodes], DestinationPorts: []string{"443"},
				Description: "API Management to the internal mTLS ingress"},
		}
	case naming.SubnetBastion:
		// All eight rules are required once an NSG is applied (https://learn.microsoft.com/azure/bastion/bastion-nsg).
		rules = []SecurityRule{
			{Name: "allow-https-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "Internet", Destination: "*", DestinationPorts: []string{"443"},
				Description: "Operators to the Bastion public endpoint (required)"},
			{Name: "allow-gateway-manager-inbound", Priority: 110, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "GatewayManager", Destination: "*", DestinationPorts: []string{"443"},
				Description: "Bastion control plane (required)"},
			{Name: "allow-bastion-host-communication-inbound", Priority: 120, Direction: "Inbound", Access: "Allow", Protocol: "*",
				Source: "VirtualNetwork", Destination: "VirtualNetwork", DestinationPorts: []string{"8080", "5701"},
				Description: "Bastion data plane (required)"},
			{Name: "allow-load-balancer-inbound", Priority: 130, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
				Source: "AzureLoadBalancer", Destination: "*", DestinationPorts: []string{"443"},
				Description: "Health probes (required)"},
			{Name: "allow-ssh-rdp-outbound", Priority: 100, Direction: "Outbound", Access: "Allow", Protocol: "*",
				Source: "*", Destination: "VirtualNetwork", DestinationPorts: []string{"22", "3389"},
				Description: "Bastion to target VMs (required)"},
			{Name: "allow-azure-cloud-outbound", Priority: 110, Direction: "Outbound", Access: "Allow", Protocol: "Tcp",
				Source: "*", Destination: "AzureCloud", DestinationPorts: []string{"443"},
				Description: "Diagnostics and metering (required)"},
			{Name: "allow-bastion-communication-outbound", Priority: 120, Direction: "Outbound", Access: "Allow", Protocol: "*",
				Source: "VirtualNetwork", Destination: "VirtualNetwork", DestinationPorts: []string{"8080", "5701"},
				Description: "Bastion data plane (required)"},
			{Name: "allow-http-outbound", Priority: 130, Direction: "Outbound", Access: "Allow", Protocol: "*",
				Source: "*", Destination: "Internet", DestinationPorts: []string{"80"},
				Description: "Session and certificate validation (required)"},
		}
	case naming.SubnetJumpbox:
		if bastion, ok := subnets[naming.SubnetBastion]; ok {
			rules = []SecurityRule{
				{Name: "allow-bastion-ssh-inbound", Priority: 100, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
					Source: bastion, Destination: subnets[naming.SubnetJumpbox], DestinationPorts: []string{"22"},
					Description: "Operators reach the jumpbox only through Bastion"},
			}
		}
	}
	return append(rules, SecurityRule{
		Name: "deny-internet-inbound", Priority: denyInternetInboundPriority, Direction: "Inbound", Access: "Deny", Protocol: "*",
		Source: "Internet", Destination: "*", DestinationPorts: []string{"*"},
		Description: "Nothing else is reachable from the Internet",
	})
}

// securityRuleArgs converts plain rules to the inline security rule inputs of a network security group.
func securityRuleArgs(rules []SecurityRule) network.SecurityRuleTypeArray {
	array := make(network.SecurityRuleTypeArray, 0, len(rules))
	for _, rule := range rules {
		args := &network.SecurityRuleTypeArgs{
			Name:                     pulumi.String(rule.Name),
			Priority:                 pulumi.Int(rule.Priority),
			Direction:                pulumi.String(rule.Direction),
			Access:                   pulumi.String(rule.Access),
			Protocol:                 pulumi.String(rule.Protocol),
			SourceAddressPrefix:      pulumi.String(rule.Source),
			SourcePortRange:          pulumi.String("*"),
			DestinationAddressPrefix: pulumi.String(rule.Destination),
			Description:              pulumi.String(rule.Description),
		}
		if len(rule.DestinationPorts) == 1 {
			args.DestinationPortRange = pulumi.String(rule.DestinationPorts[0])
		} else {
			args.DestinationPortRanges = pulumi.ToStringArray(rule.DestinationPorts)
		}
		array = append(array, args)
	}
	return array
}
