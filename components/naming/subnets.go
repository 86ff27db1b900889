// Subnet roles and the names Azure requires or the platform gives each subnet.

package naming

// SubnetRole says what a subnet of the platform's virtual network is for.
type SubnetRole string

// The platform's subnets. Each service gets a dedicated subnet: Application Gateway and API Management
// require one, and separate subnets let each carry exactly the network security rules its service
// documents.
const (
	SubnetApplicationGateway SubnetRole = "application-gateway"
	SubnetAPIManagement      SubnetRole = "api-management"
	SubnetKubernetesNodes    SubnetRole = "kubernetes-nodes"
	SubnetPrivateEndpoints   SubnetRole = "private-endpoints"
	SubnetBastion            SubnetRole = "bastion"
	SubnetFirewall           SubnetRole = "firewall"
	SubnetJumpbox            SubnetRole = "jumpbox"
)

// SubnetRoles lists every subnet role in the order subnets are laid out and reported.
func SubnetRoles() []SubnetRole {
	return []SubnetRole{
		SubnetApplicationGateway, SubnetAPIManagement, SubnetKubernetesNodes, SubnetPrivateEndpoints,
		SubnetBastion, SubnetFirewall, SubnetJumpbox,
	}
}

// SubnetName is the subnet's name inside the virtual network. Azure Bastion and Azure Firewall only
// deploy into subnets with these exact names
// (https://learn.microsoft.com/azure/bastion/configuration-settings#subnet,
// https://learn.microsoft.com/azure/firewall/firewall-faq).
func SubnetName(role SubnetRole) string {
	switch role {
	case SubnetBastion:
		return "AzureBastionSubnet"
	case SubnetFirewall:
		return "AzureFirewallSubnet"
	default:
		return string(role)
	}
}

// SubnetSupportsSecurityGroup reports whether Azure allows a network security group on the subnet.
// AzureFirewallSubnet does not: the firewall is its own filter
// (https://learn.microsoft.com/azure/firewall/firewall-faq, "Are Network Security Groups (NSGs)
// supported on the AzureFirewallSubnet?").
func SubnetSupportsSecurityGroup(role SubnetRole) bool {
	return role != SubnetFirewall
}
