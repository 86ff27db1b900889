// HubPeering component: the peering of the stack's virtual network with a hub network, from the stack's
// side, and from the hub's side when the deployer may write the hub.

package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// HubPeeringType is the HubPeering component's type token.
const HubPeeringType = Project + ":network:HubPeering"

// HubPeeringArgs configures the HubPeering component.
type HubPeeringArgs struct {
	// ResourceGroupName holds the stack's virtual network.
	ResourceGroupName pulumi.StringInput
	// VirtualNetworkName and VirtualNetworkID are the stack's network.
	VirtualNetworkName pulumi.StringInput
	// VirtualNetworkID is the stack's network's ARM ID.
	VirtualNetworkID pulumi.StringInput
	// SpokeName names the hub's side of the peering: the stack's network's name with the stack's
	// random suffix, unique among the hub's peerings even for stacks of the same name elsewhere.
	SpokeName pulumi.StringInput
	// HubVirtualNetworkID is the hub network's ARM ID (validated by the stack's configuration).
	HubVirtualNetworkID string
	// HubProvider, when set, is an azure-native provider for the hub's subscription: the component then
	// creates the hub's side too. It is an argument rather than a resource option because the
	// component's other child uses the stack's provider of the same package.
	HubProvider pulumi.ProviderResource
}

// HubPeering is the stack's side of the peering and, when created, the hub's.
type HubPeering struct {
	pulumi.ResourceState

	// PeeringID is the stack side's ARM ID.
	PeeringID pulumi.StringOutput `pulumi:"peeringId"`
	// Ready are the peering's resources: the stack's side, and the hub's when the component created it.
	Ready []pulumi.Resource
	// HubSideCommand is the Azure CLI command the hub's owner runs to create the hub's side ("" when
	// the component created it).
	HubSideCommand pulumi.StringOutput `pulumi:"hubSideCommand"`
}

// hubNetwork is a hub network's address, from its ARM ID.
type hubNetwork struct{ subscription, resourceGroup, name string }

// parseHubNetwork splits a virtual network's ARM ID.
func parseHubNetwork(id string) (hubNetwork, error) {
	segments := strings.Split(strings.Trim(id, "/"), "/")
	if len(segments) != 8 || !strings.EqualFold(segments[0], "subscriptions") || !strings.EqualFold(segments[2], "resourceGroups") ||
		!strings.EqualFold(segments[5], "Microsoft.Network") || !strings.EqualFold(segments[6], "virtualNetworks") {
		return hubNetwork{}, fmt.Errorf("%q is not a virtual network's ARM ID", id)
	}
	return hubNetwork{subscription: segments[1], resourceGroup: segments[3], name: segments[7]}, nil
}

// HubSubscription is the subscription of a hub network's ARM ID ("" when it is not one).
func HubSubscription(id string) string {
	hub, err := parseHubNetwork(id)
	if err != nil {
		return ""
	}
	return hub.subscription
}

// NewHubPeering peers the stack's network with the hub: both sides allow access and forwarded traffic
// (what the hub's firewall sends on), neither uses or offers gateway transit.
func NewHubPeering(ctx *pulumi.Context, name string, args *HubPeeringArgs, opts ...pulumi.ResourceOption) (*HubPeering, error) {
	if args == nil {
		return nil, errors.New("creating hub peering: args are required")
	}
	hub, err := parseHubNetwork(args.HubVirtualNetworkID)
	if err != nil {
		return nil, fmt.Errorf("creating hub peering %s: %w", name, err)
	}
	component := &HubPeering{}
	if err := ctx.RegisterComponentResource(HubPeeringType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering hub peering %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	spoke, err := network.NewVirtualNetworkPeering(ctx, name+"-to-hub", &network.VirtualNetworkPeeringArgs{
		VirtualNetworkPeeringName: pulumi.String(hub.name),
		VirtualNetworkName:        args.VirtualNetworkName,
		ResourceGroupName:         args.ResourceGroupName,
		RemoteVirtualNetwork:      &network.SubResourceArgs{Id: pulumi.String(args.HubVirtualNetworkID)},
		AllowVirtualNetworkAccess: pulumi.Bool(true),
		AllowForwardedTraffic:     pulumi.Bool(true),
		AllowGatewayTransit:       pulumi.Bool(false),
		UseRemoteGateways:         pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating peering %s-to-hub: %w", name, err)
	}
	component.PeeringID = spoke.ID().ToStringOutput()
	component.Ready = []pulumi.Resource{spoke}
	component.HubSideCommand = pulumi.Sprintf("az network vnet peering create --subscription %s --resource-group %s --vnet-name %s --name %s "+
		"--remote-vnet %s --allow-vnet-access --allow-forwarded-traffic", hub.subscription, hub.resourceGroup, hub.name, args.SpokeName, args.VirtualNetworkID)
	if args.HubProvider != nil {
		hubSide, err := network.NewVirtualNetworkPeering(ctx, name+"-from-hub", &network.VirtualNetworkPeeringArgs{
			VirtualNetworkPeeringName: args.SpokeName,
			VirtualNetworkName:        pulumi.String(hub.name),
			ResourceGroupName:         pulumi.String(hub.resourceGroup),
			RemoteVirtualNetwork:      &network.SubResourceArgs{Id: args.VirtualNetworkID},
			AllowVirtualNetworkAccess: pulumi.Bool(true),
			AllowForwardedTraffic:     pulumi.Bool(true),
			AllowGatewayTransit:       pulumi.Bool(false),
			UseRemoteGateways:         pulumi.Bool(false),
		}, parent, pulumi.Provider(args.HubProvider))
		if err != nil {
			return nil, fmt.Errorf("creating peering %s-from-hub: %w", name, err)
		}
		component.Ready = append(component.Ready, hubSide)
		component.HubSideCommand = pulumi.String("").ToStringOutput()
	}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering hub peering %s outputs: %w", name, err)
	}
	return component, nil
}
