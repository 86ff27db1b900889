// Network component: the virtual network, its per-service subnets and one NSG per subnet.

package components

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// NetworkType is the Network component's type token.
const NetworkType = Project + ":network:Network"

// NetworkArgs configures the Network component.
type NetworkArgs struct {
	// ResourceGroupName is the resource group that holds the network.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// AddressSpace is the virtual network's IPv4 address space (validated by the stack config).
	AddressSpace string
	// Subnets maps each subnet to create to its IPv4 CIDR block. Application Gateway, API Management,
	// Kubernetes nodes and private endpoints are expected; bastion, firewall and jumpbox are optional.
	Subnets map[naming.SubnetRole]string
	// ClusterPodCIDR is the AKS overlay pod range the node subnet's rules admit.
	ClusterPodCIDR string
	// LogAnalyticsWorkspaceID, when set, receives the network's and every security group's logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// EdgeSources are where the Application Gateway subnet admits HTTPS from (netrules.Plan); empty
	// means the Internet.
	EdgeSources netrules.EdgeSources
	// EgressSubnets, when set, are the subnets whose Internet-bound traffic goes through an appliance
	// (Azure Firewall): they share one route table, created empty, whose default route the appliance's
	// component adds once Azure has given the appliance its address.
	EgressSubnets []naming.SubnetRole
	// DNSServers are the network's custom DNS servers (a hub's resolvers); empty keeps Azure's.
	DNSServers []string
	// Tags are put on the virtual network, the route table and every network security group.
	Tags map[string]string
}

// Network is a virtual network with one dedicated subnet per service and one network security group
// per subnet that supports one.
type Network struct {
	pulumi.ResourceState

	// VirtualNetworkID is the ARM ID of the virtual network.
	VirtualNetworkID pulumi.StringOutput `pulumi:"virtualNetworkId"`
	// VirtualNetworkName is the name of the virtual network.
	VirtualNetworkName pulumi.StringOutput `pulumi:"virtualNetworkName"`
	// ResourceGroupName is the virtual network's resource group: where Azure Bastion and Azure
	// Firewall must be created too (a landing zone's for a brought network).
	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
	// SubnetIDs maps each subnet role (e.g. "api-management") to the subnet's ARM ID.
	SubnetIDs pulumi.StringMapOutput `pulumi:"subnetIds"`
	// SecurityGroupIDs maps each subnet role that has a network security group to the group's ARM ID.
	SecurityGroupIDs pulumi.StringMapOutput `pulumi:"securityGroupIds"`
	// RouteTableID is the egress route table's ARM ID; empty without EgressSubnets.
	RouteTableID pulumi.StringOutput `pulumi:"routeTableId"`
	// RouteTableName is the egress route table's name; empty without EgressSubnets.
	RouteTableName pulumi.StringOutput `pulumi:"routeTableName"`
	// RouteTableResourceGroupName is the egress route table's resource group (a brought table's may be
	// the landing zone's).
	RouteTableResourceGroupName pulumi.StringOutput `pulumi:"routeTableResourceGroupName"`
}

// SubnetID returns the ARM ID of the subnet with the given role.
func (n *Network) SubnetID(role naming.SubnetRole) pulumi.StringOutput {
	return n.SubnetIDs.MapIndex(pulumi.String(string(role)))
}

// networkScope is what every resource of one Network component is created with.
type networkScope struct {
	scope
	// args configures the component.
	args *NetworkArgs
}

// NewNetwork creates the virtual network, its subnets and their network security groups.
//
// Subnets are declared inline in the virtual network, never as separate Subnet resources: a virtual
// network update sends its whole subnet list, so mixing the two styles deletes subnets
// (pulumi/pulumi-azure-native#611). Inline subnets are also one ARM operation instead of one per subnet.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, errors.New("creating network: args are required")
	}
	component := &Network{}
	if err := ctx.RegisterComponentResource(NetworkType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering network %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := networkScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	routeTable, err := s.newEgressRouteTable()
	if err != nil {
		return nil, err
	}
	subnets, securityGroupIDs, err := s.subnets(routeTable)
	if err != nil {
		return nil, err
	}
	virtualNetwork, err := s.newVirtualNetwork(subnets)
	if err != nil {
		return nil, err
	}

	component.VirtualNetworkID = virtualNetwork.ID().ToStringOutput()
	component.VirtualNetworkName = virtualNetwork.Name
	component.ResourceGroupName = args.ResourceGroupName.ToStringOutput()
	component.SubnetIDs = derivedSubnetIDs(args, virtualNetwork).ToStringMapOutput()
	component.SecurityGroupIDs = securityGroupIDs.ToStringMapOutput()
	component.RouteTableID = pulumi.String("").ToStringOutput()
	component.RouteTableName = pulumi.String("").ToStringOutput()
	component.RouteTableResourceGroupName = pulumi.String("").ToStringOutput()
	if routeTable != nil {
		component.RouteTableID = routeTable.ID().ToStringOutput()
		component.RouteTableName = routeTable.Name
		component.RouteTableResourceGroupName = args.ResourceGroupName.ToStringOutput()
	}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering network %s outputs: %w", name, err)
	}
	return component, nil
}

// subnets declares the inline subnets of args.Subnets in naming.SubnetRoles order, each with its
// service-specific settings, its network security group where the subnet supports one, and the egress
// route table where args.EgressSubnets lists it. It returns the subnets and each group's ID by subnet
// role.
func (s networkScope) subnets(routeTable *network.RouteTable) (network.SubnetTypeArray, pulumi.StringMap, error) {
	args := s.args
	securityGroupIDs := pulumi.StringMap{}
	subnets := network.SubnetTypeArray{}
	for _, role := range naming.SubnetRoles() {
		cidr, ok := args.Subnets[role]
		if !ok {
			continue
		}
		subnet := &network.SubnetTypeArgs{
			Name:          pulumi.String(naming.SubnetName(role)),
			AddressPrefix: pulumi.String(cidr),
		}
		if role == naming.SubnetAPIManagement {
			// API Management in a virtual network reaches Key Vault through a service endpoint on its
			// subnet (Microsoft Learn, includes/api-management-key-vault-network.md, "Virtual network
			// requirements").
			subnet.ServiceEndpoints = network.ServiceEndpointPropertiesFormatArray{
				&network.ServiceEndpointPropertiesFormatArgs{Service: pulumi.String("Microsoft.KeyVault")},
			}
		}
		if role == naming.SubnetPrivateEndpoints {
			// Apply NSG rules to private endpoint traffic too; Azure ignores them unless this is on
			// (https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy).
			subnet.PrivateEndpointNetworkPolicies = pulumi.String("Enabled")
		}
		if naming.SubnetSupportsSecurityGroup(role) {
			groupID, err := s.newSecurityGroup(role)
			if err != nil {
				return nil, nil, err
			}
			subnet.NetworkSecurityGroup = &network.NetworkSecurityGroupTypeArgs{Id: groupID}
			securityGroupIDs[string(role)] = groupID
		}
		if routeTable != nil && slices.Contains(args.EgressSubnets, role) {
			subnet.RouteTable = &network.RouteTableTypeArgs{Id: routeTable.ID().ToStringOutput()}
		}
		subnets = append(subnets, subnet)
	}
	return subnets, securityGroupIDs, nil
}

// newSecurityGroup creates the network security group of one subnet with its rules (netrules.For,
// converted by securityRuleArgs)
// and, given a workspace, its diagnostic setting; it returns the group's ID.
func (s networkScope) newSecurityGroup(role naming.SubnetRole) (pulumi.StringOutput, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	groupName := naming.SubnetSecurityGroup(name, role)
	group, err := network.NewNetworkSecurityGroup(ctx, groupName, &network.NetworkSecurityGroupArgs{
		NetworkSecurityGroupName: pulumi.String(groupName),
		ResourceGroupName:        args.ResourceGroupName,
		Location:                 pulumi.String(args.Location),
		SecurityRules:            securityRuleArgs(netrules.For(role, netrules.Plan{Subnets: args.Subnets, ClusterPodCIDR: args.ClusterPodCIDR, EdgeSources: args.EdgeSources})),
		Tags:                     tags,
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating network security group %s: %w", groupName, err)
	}
	if args.LogAnalyticsWorkspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, groupName, ResourceTypeNetworkSecurityGroup, group.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	return group.ID().ToStringOutput(), nil
}

// newVirtualNetwork creates the virtual network with its inline subnets and, given a workspace, its
// diagnostic setting.
func (s networkScope) newVirtualNetwork(subnets network.SubnetTypeArray) (*network.VirtualNetwork, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	virtualNetworkName := naming.Child(name, naming.RoleVirtualNetwork)
	virtualNetworkArgs := &network.VirtualNetworkArgs{
		VirtualNetworkName: pulumi.String(virtualNetworkName),
		ResourceGroupName:  args.ResourceGroupName,
		Location:           pulumi.String(args.Location),
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.AddressSpace)}},
		Subnets:            subnets,
		Tags:               tags,
	}
	if len(args.DNSServers) > 0 {
		// Machines read DNS servers at boot and on DHCP renewal: they are set with the network, before
		// any machine exists (https://learn.microsoft.com/azure/virtual-network/manage-virtual-network#change-dns-servers).
		virtualNetworkArgs.DhcpOptions = &network.DhcpOptionsArgs{DnsServers: pulumi.ToStringArray(args.DNSServers)}
	}
	virtualNetwork, err := network.NewVirtualNetwork(ctx, virtualNetworkName, virtualNetworkArgs, parent)
	if err != nil {
		return nil, fmt.Errorf("creating virtual network %s: %w", virtualNetworkName, err)
	}

	if args.LogAnalyticsWorkspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, virtualNetworkName, ResourceTypeVirtualNetwork, virtualNetwork.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
			return nil, err
		}
	}
	return virtualNetwork, nil
}

// derivedSubnetIDs maps each subnet role to its subnet's ID. A subnet's ID is its virtual network's ID
// plus /subnets/<name>; deriving it keeps consumers waiting on the virtual network only, not on a
// lookup.
func derivedSubnetIDs(args *NetworkArgs, virtualNetwork *network.VirtualNetwork) pulumi.StringMap {
	subnetIDs := pulumi.StringMap{}
	for role := range args.Subnets {
		subnetName := naming.SubnetName(role)
		subnetIDs[string(role)] = virtualNetwork.ID().ApplyT(func(id pulumi.ID) string {
			return string(id) + "/subnets/" + subnetName
		}).(pulumi.StringOutput)
	}
	return subnetIDs
}

// newEgressRouteTable creates the route table of the egress subnets, or returns nil when there are
// none. It is created empty and attached inline to its subnets, so it exists before the virtual
// network and AKS finds it on its subnet at creation, as outboundType userDefinedRouting requires
// (https://learn.microsoft.com/azure/aks/egress-outboundtype#outbound-type-of-userdefinedrouting).
// The default route is a separate Route resource of the firewall's component: its next hop is the
// address Azure gives the firewall, known only once the firewall exists, and the firewall needs this
// network first. The table declares no routes input at all: azure-native then keeps routes made by
// separate Route resources when it updates the table (it reads them back before the PUT, for
// properties it marks maintainSubResourceIfUnset; pulumi/pulumi-azure-native#2755), whereas an
// explicit empty list would delete them.
func (s networkScope) newEgressRouteTable() (*network.RouteTable, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	if len(args.EgressSubnets) == 0 {
		return nil, nil
	}
	routeTableName := naming.Child(name, naming.RoleRouteTable)
	routeTable, err := network.NewRouteTable(ctx, routeTableName, &network.RouteTableArgs{
		RouteTableName:    pulumi.String(routeTableName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating route table %s: %w", routeTableName, err)
	}
	return routeTable, nil
}
