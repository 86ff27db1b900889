// ExistingNetwork component: a landing zone's network the platform deploys into, with the platform's
// security rules added to the subnets' own groups.

package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// ExistingNetworkType is the ExistingNetwork component's type token.
const ExistingNetworkType = Project + ":network:ExistingNetwork"

// BroughtSubnet is one subnet of a landing zone's network, as Azure reported it before deployment.
type BroughtSubnet struct {
	// ID is the subnet's ARM ID.
	ID string
	// SecurityGroupID is its network security group's ARM ID (empty on AzureFirewallSubnet).
	SecurityGroupID string
	// RouteTableID is its route table's ARM ID, or empty.
	RouteTableID string
}

// ExistingNetworkArgs configures the ExistingNetwork component.
type ExistingNetworkArgs struct {
	// VirtualNetworkID is the landing zone network's ARM ID.
	VirtualNetworkID string
	// Subnets are the brought subnets by role.
	Subnets map[naming.SubnetRole]BroughtSubnet
	// EgressSubnet is the subnet whose route table receives the default route (the node subnet), when
	// egress is routed; empty otherwise.
	EgressSubnet naming.SubnetRole
	// RulesAdded adds the platform's rules (netrules.For over Plan) to each subnet's own group, as
	// separate SecurityRule resources: the group and its other rules stay the landing zone's.
	RulesAdded bool
	// Plan is what the rules are built from (the brought subnets' blocks).
	Plan netrules.Plan
}

// NewExistingNetwork adopts a landing zone's network: it creates no network, subnet, group or route
// table, only the platform's rules inside the brought groups (with RulesAdded), and exposes the same
// outputs as Network so every consumer takes either.
//
// The subnets themselves are never written: a subnet PUT replaces the whole subnet, so the program
// would take over the landing zone's delegations, service endpoints and associations; and
// azure-native refuses to create a resource that already exists without an import.
func NewExistingNetwork(ctx *pulumi.Context, name string, args *ExistingNetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, errors.New("creating existing network: args are required")
	}
	component := &Network{}
	if err := ctx.RegisterComponentResource(ExistingNetworkType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering existing network %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	subnetIDs, groupIDs := pulumi.StringMap{}, pulumi.StringMap{}
	for _, role := range naming.SubnetRoles() {
		subnet, ok := args.Subnets[role]
		if !ok {
			continue
		}
		subnetIDs[string(role)] = pulumi.String(subnet.ID)
		if subnet.SecurityGroupID == "" {
			continue
		}
		groupIDs[string(role)] = pulumi.String(subnet.SecurityGroupID)
		if !args.RulesAdded {
			continue
		}
		ruleIDs, err := addSecurityRules(ctx, naming.SubnetSecurityGroup(name, role), subnet.SecurityGroupID, netrules.For(role, args.Plan), parent)
		if err != nil {
			return nil, err
		}
		// A service joins its subnet only once the platform's rules are in the group: Application
		// Gateway and Bastion refuse a group without their infrastructure rules at creation.
		subnetID := subnet.ID
		subnetIDs[string(role)] = pulumi.All(ruleIDs...).ApplyT(func([]any) string { return subnetID }).(pulumi.StringOutput)
	}
	routeTable := ARMAddressOf(args.Subnets[args.EgressSubnet].RouteTableID)
	component.VirtualNetworkID = pulumi.String(args.VirtualNetworkID).ToStringOutput()
	component.VirtualNetworkName = pulumi.String(ARMAddressOf(args.VirtualNetworkID).Name).ToStringOutput()
	component.ResourceGroupName = pulumi.String(ARMAddressOf(args.VirtualNetworkID).ResourceGroup).ToStringOutput()
	component.SubnetIDs = subnetIDs.ToStringMapOutput()
	component.SecurityGroupIDs = groupIDs.ToStringMapOutput()
	component.RouteTableID = pulumi.String(args.Subnets[args.EgressSubnet].RouteTableID).ToStringOutput()
	component.RouteTableName = pulumi.String(routeTable.Name).ToStringOutput()
	component.RouteTableResourceGroupName = pulumi.String(routeTable.ResourceGroup).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering existing network %s outputs: %w", name, err)
	}
	return component, nil
}

// addSecurityRules adds rules to a brought group as <prefix>-<rule> SecurityRule resources and returns
// their IDs: each is its own child of the group, so pulumi destroy removes the platform's rules and
// leaves the group.
func addSecurityRules(ctx *pulumi.Context, prefix, groupID string, rules []netrules.Rule, parent pulumi.ResourceOption) ([]any, error) {
	group := ARMAddressOf(groupID)
	var ids []any
	for index, inline := range securityRuleArgs(rules) {
		rule := inline.(*network.SecurityRuleTypeArgs)
		resourceName := prefix + "-" + rules[index].Name
		added, err := network.NewSecurityRule(ctx, resourceName, &network.SecurityRuleArgs{
			SecurityRuleName:         rule.Name,
			NetworkSecurityGroupName: pulumi.String(group.Name),
			ResourceGroupName:        pulumi.String(group.ResourceGroup),
			Priority:                 pulumi.Int(rules[index].Priority),
			Direction:                rule.Direction,
			Access:                   rule.Access,
			Protocol:                 rule.Protocol,
			SourceAddressPrefix:      rule.SourceAddressPrefix,
			SourcePortRange:          rule.SourcePortRange,
			DestinationAddressPrefix: rule.DestinationAddressPrefix,
			DestinationPortRange:     rule.DestinationPortRange,
			DestinationPortRanges:    rule.DestinationPortRanges,
			Description:              rule.Description,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("adding security rule %s to %s: %w", rules[index].Name, group.Name, err)
		}
		ids = append(ids, added.ID())
	}
	return ids, nil
}

// ARMResourceAddress is where an ARM ID points: subscription, resource group and the last name.
type ARMResourceAddress struct {
	// Subscription is the subscription ID.
	Subscription string
	// ResourceGroup is the resource group's name.
	ResourceGroup string
	// Name is the ID's last segment.
	Name string
}

// ARMAddressOf splits an ARM ID (/subscriptions/<s>/resourceGroups/<g>/providers/.../<name>); parts
// it does not have are empty.
func ARMAddressOf(id string) ARMResourceAddress {
	segments := strings.Split(strings.Trim(id, "/"), "/")
	var address ARMResourceAddress
	for index := 0; index+1 < len(segments); index += 2 {
		switch strings.ToLower(segments[index]) {
		case "subscriptions":
			address.Subscription = segments[index+1]
		case "resourcegroups":
			address.ResourceGroup = segments[index+1]
		}
	}
	if id != "" {
		address.Name = segments[len(segments)-1]
	}
	return address
}
