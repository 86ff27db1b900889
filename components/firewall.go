// EgressFirewall component: Azure Firewall with a policy that lets the cluster reach only what AKS needs.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// EgressFirewallType is the EgressFirewall component's type token.
const EgressFirewallType = Project + ":perimeter:EgressFirewall"

// EgressFirewallArgs configures the EgressFirewall component.
type EgressFirewallArgs struct {
	// ResourceGroupName holds the firewall's policy, and the firewall and its public IP unless
	// NetworkResourceGroupName is set.
	ResourceGroupName pulumi.StringInput
	// NetworkResourceGroupName is the network's resource group when it is not ResourceGroupName (a
	// landing zone's): the firewall, its network and its public IP must share one group
	// (https://learn.microsoft.com/azure/firewall/firewall-faq, "Are there any firewall resource group
	// restrictions?"); the policy may be anywhere.
	NetworkResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// SKU is the tier: Standard or Premium.
	SKU string
	// Zones are the availability zones of the firewall and its public IP; empty for none.
	Zones []string
	// SubnetID is AzureFirewallSubnet.
	SubnetID pulumi.StringInput
	// RouteTableName is the egress subnets' route table (in ResourceGroupName); the component adds its
	// default route to the firewall's address.
	RouteTableName pulumi.StringInput
	// RouteTableGroupName is the route table's resource group when it is not ResourceGroupName (a
	// landing zone's table); nil means ResourceGroupName.
	RouteTableGroupName pulumi.StringInput
	// ClusterSubnet is the AKS node subnet's CIDR block, the source of the cluster's rules.
	ClusterSubnet string
	// JumpboxSubnet is the jumpbox subnet's CIDR block; empty without a jumpbox.
	JumpboxSubnet string
	// WorkloadImage is the sample workload's image; the hosts its pull needs are allowed.
	WorkloadImage string
	// AllowedHosts are extra hosts the cluster may reach over HTTPS.
	AllowedHosts []string
	// LogAnalyticsWorkspaceID receives the firewall's and its public IP's logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on every resource.
	Tags map[string]string
}

// EgressFirewall is Azure Firewall, its policy and its public IP.
type EgressFirewall struct {
	pulumi.ResourceState

	// FirewallID is the firewall's ARM ID.
	FirewallID pulumi.StringOutput `pulumi:"firewallId"`
	// PrivateIPAddress is the firewall's address, as Azure assigned it: the next hop of the egress route.
	PrivateIPAddress pulumi.StringOutput `pulumi:"privateIpAddress"`
	// PublicIPAddress is the address the cluster's Internet traffic leaves from (allow-list it upstream).
	PublicIPAddress pulumi.StringOutput `pulumi:"publicIpAddress"`
	// Ready is the firewall, its rules and the default route to it: whatever routes through the
	// firewall (the cluster, whose nodes need egress to bootstrap, and the jumpbox) waits for them, so
	// it is never created behind a black hole or a missing route.
	Ready []pulumi.Resource
}

// firewallScope is what every resource of one EgressFirewall component is created with.
type firewallScope struct {
	scope
	// args configures the component.
	args *EgressFirewallArgs
}

// NewEgressFirewall creates the public IP, the policy (DNS proxy, threat intelligence in Deny mode) with
// its rules, and the firewall.
func NewEgressFirewall(ctx *pulumi.Context, name string, args *EgressFirewallArgs, opts ...pulumi.ResourceOption) (*EgressFirewall, error) {
	if args == nil {
		return nil, errors.New("creating egress firewall: args are required")
	}
	component := &EgressFirewall{}
	if err := ctx.RegisterComponentResource(EgressFirewallType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering egress firewall %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := firewallScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	publicIP, err := newStandardPublicIP(ctx, naming.Child(name, naming.RoleFirewallPublicIP), publicIPArgs{
		resourceGroupName: s.networkGroup(), location: args.Location, zones: args.Zones,
		workspaceID: args.LogAnalyticsWorkspaceID, tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	policy, rules, err := s.newPolicy()
	if err != nil {
		return nil, err
	}
	firewall, err := s.newFirewall(policy, rules, publicIP)
	if err != nil {
		return nil, err
	}
	// Azure assigns the firewall's address in its subnet (ipConfigurations[].privateIPAddress is
	// read-only), so the default route is written from the firewall's output, never computed.
	privateIP := firewall.IpConfigurations.Index(pulumi.Int(0)).PrivateIPAddress()
	route, err := s.newDefaultRoute(privateIP)
	if err != nil {
		return nil, err
	}

	component.FirewallID = firewall.ID().ToStringOutput()
	component.PrivateIPAddress = privateIP
	component.PublicIPAddress = publicIP.IpAddress.Elem()
	component.Ready = []pulumi.Resource{firewall, rules, route}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering egress firewall %s outputs: %w", name, err)
	}
	return component, nil
}

// newPolicy creates the firewall policy, with the DNS proxy on and threat intelligence in Deny mode,
// and its rule collection group of allowed egress (egressRuleCollections).
func (s firewallScope) newPolicy() (*network.FirewallPolicy, *network.FirewallPolicyRuleCollectionGroup, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	policyName := naming.Child(name, naming.RoleFirewallPolicy)
	policy, err := network.NewFirewallPolicy(ctx, policyName, &network.FirewallPolicyArgs{
		FirewallPolicyName: pulumi.String(policyName),
		ResourceGroupName:  args.ResourceGroupName,
		Location:           pulumi.String(args.Location),
		Sku:                &network.FirewallPolicySkuArgs{Tier: pulumi.String(args.SKU)},
		ThreatIntelMode:    pulumi.String("Deny"),
		// The DNS proxy lets network rules use FQDNs and logs the queries of clients that use the
		// firewall as their resolver (https://learn.microsoft.com/azure/firewall/dns-settings). The
		// virtual network keeps Azure DNS: pointing it at the firewall would make API Management and
		// Application Gateway wait for the firewall, and the rules here are application rules, which
		// resolve names themselves.
		DnsSettings: &network.DnsSettingsArgs{EnableProxy: pulumi.Bool(true)},
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating firewall policy %s: %w", policyName, err)
	}

	rulesName := naming.Child(policyName, naming.RoleFirewallEgressRules)
	rules, err := network.NewFirewallPolicyRuleCollectionGroup(ctx, rulesName, &network.FirewallPolicyRuleCollectionGroupArgs{
		RuleCollectionGroupName: pulumi.String(rulesName),
		FirewallPolicyName:      policy.Name,
		ResourceGroupName:       args.ResourceGroupName,
		Priority:                pulumi.Int(200),
		RuleCollections:         egressRuleCollections(args),
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating firewall rules %s: %w", rulesName, err)
	}
	return policy, rules, nil
}

// newFirewall creates the firewall on the policy, in AzureFirewallSubnet with the public IP, after its
// rules, and its diagnostic setting.
func (s firewallScope) newFirewall(policy *network.FirewallPolicy, rules *network.FirewallPolicyRuleCollectionGroup,
	publicIP *network.PublicIPAddress,
) (*network.AzureFirewall, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	firewallName := naming.Child(name, naming.RoleFirewall)
	firewall, err := network.NewAzureFirewall(ctx, firewallName, &network.AzureFirewallArgs{
		AzureFirewallName: pulumi.String(firewallName),
		ResourceGroupName: s.networkGroup(),
		Location:          pulumi.String(args.Location),
		Sku:               &network.AzureFirewallSkuArgs{Name: pulumi.String("AZFW_VNet"), Tier: pulumi.String(args.SKU)},
		Zones:             pulumi.ToStringArray(args.Zones),
		FirewallPolicy:    &network.SubResourceArgs{Id: policy.ID().ToStringOutput()},
		IpConfigurations: network.AzureFirewallIPConfigurationArray{&network.AzureFirewallIPConfigurationArgs{
			Name:            pulumi.String("ipconfig"),
			Subnet:          &network.SubResourceArgs{Id: args.SubnetID},
			PublicIPAddress: &network.SubResourceArgs{Id: publicIP.ID().ToStringOutput()},
		}},
		Tags: tags,
		// A policy's rule collection groups and the firewall that uses it cannot be updated at once
		// (AnotherOperationInProgress), so the firewall comes after its rules.
	}, parent, pulumi.DependsOn([]pulumi.Resource{rules}))
	if err != nil {
		return nil, fmt.Errorf("creating firewall %s: %w", firewallName, err)
	}
	if _, err := newDiagnosticSetting(ctx, firewallName, ResourceTypeFirewall, firewall.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
		return nil, err
	}
	return firewall, nil
}

// networkGroup is where the firewall and its public IP go: the network's resource group.
func (s firewallScope) networkGroup() pulumi.StringInput {
	if s.args.NetworkResourceGroupName != nil {
		return s.args.NetworkResourceGroupName
	}
	return s.args.ResourceGroupName
}

// newDefaultRoute adds the egress route table's default route, through the firewall's private address.
func (s firewallScope) newDefaultRoute(privateIP pulumi.StringOutput) (*network.Route, error) {
	groupName := s.args.RouteTableGroupName
	if groupName == nil {
		groupName = s.args.ResourceGroupName
	}
	return newDefaultRoute(s.scope, "default-to-firewall", groupName, s.args.RouteTableName, privateIP)
}

// newDefaultRoute adds 0.0.0.0/0 to a virtual appliance at nextHop to the egress route table, as the
// scope's <name>-default-route: a Route of its own, which azure-native keeps when it updates the table
// (see newEgressRouteTable).
func newDefaultRoute(s scope, routeName string, resourceGroupName, routeTableName, nextHop pulumi.StringInput) (*network.Route, error) {
	resourceName := s.name + "-default-route"
	route, err := network.NewRoute(s.ctx, resourceName, &network.RouteArgs{
		RouteName:         pulumi.String(routeName),
		RouteTableName:    routeTableName,
		ResourceGroupName: resourceGroupName,
		AddressPrefix:     pulumi.String("0.0.0.0/0"),
		NextHopType:       pulumi.String("VirtualAppliance"),
		NextHopIpAddress:  nextHop,
	}, s.parent)
	if err != nil {
		return nil, fmt.Errorf("creating default route %s: %w", resourceName, err)
	}
	return route, nil
}

// egressRuleCollections are the policy's application rules (EgressRules), one collection per source
// subnet. Everything else is denied by the firewall's default.
func egressRuleCollections(args *EgressFirewallArgs) pulumi.Array {
	https := network.FirewallPolicyRuleApplicationProtocolArray{
		&network.FirewallPolicyRuleApplicationProtocolArgs{ProtocolType: pulumi.String("Https"), Port: pulumi.Int(443)},
	}
	httpAndHTTPS := append(network.FirewallPolicyRuleApplicationProtocolArray{
		&network.FirewallPolicyRuleApplicationProtocolArgs{ProtocolType: pulumi.String("Http"), Port: pulumi.Int(80)},
	}, https...)
	sources := map[EgressSource]string{EgressFromCluster: args.ClusterSubnet, EgressFromJumpbox: args.JumpboxSubnet}
	plan := EgressPlan{Location: args.Location, WorkloadImage: args.WorkloadImage, AllowedHosts: args.AllowedHosts, Jumpbox: args.JumpboxSubnet != ""}
	rulesBySource := map[EgressSource]pulumi.Array{}
	for _, rule := range EgressRules(plan) {
		protocols := https
		if rule.HTTP {
			protocols = httpAndHTTPS
		}
		application := network.ApplicationRuleArgs{
			RuleType: pulumi.String("ApplicationRule"), Name: pulumi.String(rule.Name), Description: pulumi.String(rule.Description),
			SourceAddresses: pulumi.StringArray{pulumi.String(sources[rule.Source])}, Protocols: protocols,
		}
		if len(rule.FQDNTags) > 0 {
			application.FqdnTags = pulumi.ToStringArray(rule.FQDNTags)
		}
		if len(rule.Hosts) > 0 {
			application.TargetFqdns = pulumi.ToStringArray(rule.Hosts)
		}
		rulesBySource[rule.Source] = append(rulesBySource[rule.Source], application)
	}
	collections := pulumi.Array{}
	for priority, source := range []EgressSource{EgressFromCluster, EgressFromJumpbox} {
		if len(rulesBySource[source]) == 0 {
			continue
		}
		collections = append(collections, network.FirewallPolicyFilterRuleCollectionArgs{
			RuleCollectionType: pulumi.String("FirewallPolicyFilterRuleCollection"),
			Name:               pulumi.String(string(source)),
			Priority:           pulumi.Int(100 * (priority + 1)),
			Action:             &network.FirewallPolicyFilterRuleCollectionActionArgs{Type: pulumi.String("Allow")},
			Rules:              rulesBySource[source],
		})
	}
	return collections
}
