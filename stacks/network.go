// The network layer: the stack's own network, or a landing zone's, read from Azure before anything is
// created.

package stacks

import (
	"fmt"
	"slices"
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
		observed.Location = valueOf(virtualNetwork.Location)
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
	observed.AddressPrefixes = slices.Concat(present(subnet.AddressPrefix), subnet.AddressPrefixes)
	for _, delegation := range subnet.Delegations {
		observed.Delegations = append(observed.Delegations, present(delegation.ServiceName)...)
	}
	for _, endpoint := range subnet.ServiceEndpoints {
		observed.ServiceEndpoints = append(observed.ServiceEndpoints, present(endpoint.Service)...)
	}
	for _, configuration := range subnet.IpConfigurations {
		observed.IPConfigurations = append(observed.IPConfigurations, present(configuration.Id)...)
	}
	observed.PrivateEndpointNetworkPolicies = valueOf(subnet.PrivateEndpointNetworkPolicies)
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
	group, err := lookupOnce(r.groups, id, func(address components.ARMResourceAddress) (*network.LookupNetworkSecurityGroupResult, error) {
		return network.LookupNetworkSecurityGroup(r.ctx, &network.LookupNetworkSecurityGroupArgs{
			ResourceGroupName: address.ResourceGroup, NetworkSecurityGroupName: address.Name,
		}, pulumi.Provider(r.provider))
	})
	if err != nil {
		return nil, err
	}
	var rules []config.ObservedSecurityRule
	for _, rule := range group.SecurityRules {
		// Azure reports one prefix or port in the singular property and several in the plural one.
		rules = append(rules, config.ObservedSecurityRule{Name: valueOf(rule.Name), Priority: rule.Priority, Direction: rule.Direction, Access: rule.Access,
			SourcePrefixes:      slices.Concat(rule.SourceAddressPrefixes, present(rule.SourceAddressPrefix)),
			DestinationPrefixes: slices.Concat(rule.DestinationAddressPrefixes, present(rule.DestinationAddressPrefix)),
			DestinationPorts:    slices.Concat(rule.DestinationPortRanges, present(rule.DestinationPortRange))})
	}
	return rules, nil
}

// routes returns a route table's routes.
func (r subnetReader) routes(id string) ([]config.ObservedRoute, error) {
	table, err := lookupOnce(r.tables, id, func(address components.ARMResourceAddress) (*network.LookupRouteTableResult, error) {
		return network.LookupRouteTable(r.ctx, &network.LookupRouteTableArgs{ResourceGroupName: address.ResourceGroup, RouteTableName: address.Name}, pulumi.Provider(r.provider))
	})
	if err != nil {
		return nil, err
	}
	var routes []config.ObservedRoute
	for _, route := range table.Routes {
		routes = append(routes, config.ObservedRoute{Name: valueOf(route.Name), AddressPrefix: valueOf(route.AddressPrefix),
			NextHopType: route.NextHopType, NextHopIPAddress: valueOf(route.NextHopIpAddress)})
	}
	return routes, nil
}

// lookupOnce returns what lookup answers for the resource id, asking Azure once per ID (case-insensitive,
// as ARM IDs are): subnets that share a group or a table read it once.
func lookupOnce[T any](cache map[string]*T, id string, lookup func(components.ARMResourceAddress) (*T, error)) (*T, error) {
	if cached, read := cache[strings.ToLower(id)]; read {
		return cached, nil
	}
	result, err := lookup(components.ARMAddressOf(id))
	if err != nil {
		return nil, err
	}
	cache[strings.ToLower(id)] = result
	return result, nil
}

// valueOf is the value a property holds, "" when it is not set.
func valueOf(value *string) string {
	if value == nil {
		return ""
	}
	return *value
}

// present returns the values that are set and not empty, dereferenced.
func present(values ...*string) []string {
	var set []string
	for _, value := range values {
		if value != nil && *value != "" {
			set = append(set, *value)
		}
	}
	return set
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
