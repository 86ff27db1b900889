// The network layer: the stack's own network, or a landing zone's, read from Azure before anything is
// created.

package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// adoptExistingNetwork reads a landing zone's network (network.mode existing) through the Azure
// provider, and has the configuration check it: a subnet too small, delegated or without its group
// fails pulumi preview and pulumi up here, before the first resource is registered. Function calls
// with plain arguments run during preview too, so what is read is what the plan is made from.
func adoptExistingNetwork(ctx *pulumi.Context, cfg *config.Config, provider pulumi.ProviderResource, warnings warnings) error {
	if cfg.Network.Mode != config.NetworkExisting {
		return nil
	}
	observed := &config.ObservedNetwork{Subnets: map[naming.SubnetRole]config.ObservedSubnet{}}
	address := components.ARMAddressOf(cfg.Network.Existing.VirtualNetworkID)
	virtualNetwork, err := network.LookupVirtualNetwork(ctx, &network.LookupVirtualNetworkArgs{
		ResourceGroupName: address.ResourceGroup, VirtualNetworkName: address.Name,
	}, pulumi.Provider(provider))
	if err != nil {
		observed.ReadError = err.Error()
	} else {
		if virtualNetwork.AddressSpace != nil {
			observed.AddressSpaces = virtualNetwork.AddressSpace.AddressPrefixes
		}
		if virtualNetwork.Location != nil {
			observed.Location = *virtualNetwork.Location
		}
		if virtualNetwork.DhcpOptions != nil {
			observed.DNSServers = virtualNetwork.DhcpOptions.DnsServers
		}
	}
	if client, err := authorization.GetClientConfig(ctx, pulumi.Provider(provider)); err == nil && !strings.EqualFold(client.SubscriptionId, address.Subscription) {
		// Application Gateway, API Management, the cluster's nodes and the private endpoints must be in
		// the network's subscription (a network interface cannot use another subscription's subnet).
		observed.ReadError = fmt.Sprintf("it is in the subscription %s, but the program deploys into %s: deploy the stack into the landing zone network's subscription", address.Subscription, client.SubscriptionId)
	}
	reader := subnetReader{ctx: ctx, provider: provider, groups: map[string]*network.LookupNetworkSecurityGroupResult{}, tables: map[string]*network.LookupRouteTableResult{}}
	for role, id := range cfg.ExistingSubnetIDs() {
		observed.Subnets[role] = reader.read(id)
	}
	notes, err := cfg.AdoptNetwork(observed)
	for _, note := range notes {
		warnings.warn(note)
	}
	return err
}

// subnetReader reads brought subnets with their groups and route tables, each group and table once.
type subnetReader struct {
	ctx      *pulumi.Context
	provider pulumi.ProviderResource
	groups   map[string]*network.LookupNetworkSecurityGroupResult
	tables   map[string]*network.LookupRouteTableResult
}

// read returns what Azure reports about one subnet, or why it could not be read.
func (r subnetReader) read(id string) config.ObservedSubnet {
	observed := config.ObservedSubnet{ID: id}
	segments := strings.Split(strings.Trim(id, "/"), "/")
	address := components.ARMAddressOf(id)
	subnet, err := network.LookupSubnet(r.ctx, &network.LookupSubnetArgs{
		ResourceGroupName: address.ResourceGroup, VirtualNetworkName: segments[len(segments)-3], SubnetName: address.Name,
	}, pulumi.Provider(r.provider))
	if err != nil {
		observed.ReadError = err.Error()
		return observed
	}
	if subnet.AddressPrefix != nil {
		observed.AddressPrefixes = append(observed.AddressPrefixes, *subnet.AddressPrefix)
	}
	observed.AddressPrefixes = append(observed.AddressPrefixes, subnet.AddressPrefixes...)
	for _, delegation := range subnet.Delegations {
		if delegation.ServiceName != nil {
			observed.Delegations = append(observed.Delegations, *delegation.ServiceName)
		}
	}
	for _, endpoint := range subnet.ServiceEndpoints {
		if endpoint.Service != nil {
			observed.ServiceEndpoints = append(observed.ServiceEndpoints, *endpoint.Service)
		}
	}
	for _, configuration := range subnet.IpConfigurations {
		if configuration.Id != nil {
			observed.IPConfigurations = append(observed.IPConfigurations, *configuration.Id)
		}
	}
	if subnet.PrivateEndpointNetworkPolicies != nil {
		observed.PrivateEndpointNetworkPolicies = *subnet.PrivateEndpointNetworkPolicies
	}
	if subnet.NetworkSecurityGroup != nil && subnet.NetworkSecurityGroup.Id != nil {
		observed.SecurityGroupID = *subnet.NetworkSecurityGroup.Id
		observed.SecurityRules, err = r.securityRules(observed.SecurityGroupID)
		if err != nil {
			observed.ReadError = fmt.Sprintf("its network security group %s could not be read: %v", observed.SecurityGroupID, err)
		}
	}
	if subnet.RouteTable != nil && subnet.RouteTable.Id != nil {
		observed.RouteTableID = *subnet.RouteTable.Id
		observed.Routes, err = r.routes(observed.RouteTableID)
		if err != nil {
			observed.ReadError = fmt.Sprintf("its route table %s could not be read: %v", observed.RouteTableID, err)
		}
	}
	return observed
}

// securityRules returns a group's own rules.
func (r subnetReader) securityRules(id string) ([]config.ObservedSecurityRule, error) {
	group, read := r.groups[strings.ToLower(id)]
	if !read {
		address := components.ARMAddressOf(id)
		var err error
		group, err = network.LookupNetworkSecurityGroup(r.ctx, &network.LookupNetworkSecurityGroupArgs{
			ResourceGroupName: address.ResourceGroup, NetworkSecurityGroupName: address.Name,
		}, pulumi.Provider(r.provider))
		if err != nil {
			return nil, err
		}
		r.groups[strings.ToLower(id)] = group
	}
	var rules []config.ObservedSecurityRule
	for _, rule := range group.SecurityRules {
		observed := config.ObservedSecurityRule{Priority: rule.Priority, Direction: rule.Direction, Access: rule.Access,
			SourcePrefixes: rule.SourceAddressPrefixes, DestinationPrefixes: rule.DestinationAddressPrefixes, DestinationPorts: rule.DestinationPortRanges}
		if rule.Name != nil {
			observed.Name = *rule.Name
		}
		for _, single := range []struct {
			value *string
			list  *[]string
		}{{rule.SourceAddressPrefix, &observed.SourcePrefixes}, {rule.DestinationAddressPrefix, &observed.DestinationPrefixes}, {rule.DestinationPortRange, &observed.DestinationPorts}} {
			if single.value != nil && *single.value != "" {
				*single.list = append(*single.list, *single.value)
			}
		}
		rules = append(rules, observed)
	}
	return rules, nil
}

// routes returns a route table's routes.
func (r subnetReader) routes(id string) ([]config.ObservedRoute, error) {
	table, read := r.tables[strings.ToLower(id)]
	if !read {
		address := components.ARMAddressOf(id)
		var err error
		table, err = network.LookupRouteTable(r.ctx, &network.LookupRouteTableArgs{ResourceGroupName: address.ResourceGroup, RouteTableName: address.Name}, pulumi.Provider(r.provider))
		if err != nil {
			return nil, err
		}
		r.tables[strings.ToLower(id)] = table
	}
	var routes []config.ObservedRoute
	for _, route := range table.Routes {
		observed := config.ObservedRoute{NextHopType: route.NextHopType}
		if route.Name != nil {
			observed.Name = *route.Name
		}
		if route.AddressPrefix != nil {
			observed.AddressPrefix = *route.AddressPrefix
		}
		if route.NextHopIpAddress != nil {
			observed.NextHopIPAddress = *route.NextHopIpAddress
		}
		routes = append(routes, observed)
	}
	return routes, nil
}

// newNetwork creates the stack's network, or adopts the landing zone's read by adoptExistingNetwork.
func (p *platform) newNetwork() (*components.Network, error) {
	cfg := p.cfg
	if observed := cfg.ObservedNetwork(); observed != nil {
		subnets := map[naming.SubnetRole]components.BroughtSubnet{}
		for role, subnet := range observed.Subnets {
			subnets[role] = components.BroughtSubnet{ID: subnet.ID, SecurityGroupID: subnet.SecurityGroupID, RouteTableID: subnet.RouteTableID}
		}
		var egressSubnet naming.SubnetRole
		if cfg.Perimeter.EgressRouted() {
			egressSubnet = naming.SubnetKubernetesNodes
		}
		return components.NewExistingNetwork(p.ctx, p.base, &components.ExistingNetworkArgs{
			VirtualNetworkID: cfg.Network.Existing.VirtualNetworkID,
			Subnets:          subnets,
			EgressSubnet:     egressSubnet,
			RulesAdded:       cfg.Network.Existing.SecurityRules == config.SecurityRulesAdded,
			Plan:             cfg.SecurityRulePlan(),
		}, p.providers.all())
	}
	return components.NewNetwork(p.ctx, p.base, &components.NetworkArgs{
		ResourceGroupName:       p.resourceGroup.Name,
		Location:                cfg.Location,
		AddressSpace:            cfg.Network.AddressSpace,
		Subnets:                 cfg.Subnets(),
		ClusterPodCIDR:          cfg.Kubernetes.PodCIDR,
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		EgressSubnets:           egressSubnets(cfg),
		EdgeSources:             cfg.SecurityRulePlan().EdgeSources,
		DNSServers:              cfg.Network.DNSServers,
		Tags:                    p.tags,
	}, p.providers.all())
}
