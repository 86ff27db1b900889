// PrivateEndpoints component: private endpoints with their privatelink DNS zones, VNet links and zone groups.

package components

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
)

// PrivateEndpointsType is the PrivateEndpoints component's type token.
const PrivateEndpointsType = Project + ":network:PrivateEndpoints"

// PrivateEndpointTarget is one PaaS resource to reach privately.
type PrivateEndpointTarget struct {
	// Name is the endpoint's role, used in resource names (e.g. "kv").
	Name string
	// ResourceID is the ARM ID of the target resource.
	ResourceID pulumi.StringInput
	// GroupID is the private link sub-resource, e.g. "vault" or "registry".
	GroupID string
	// ManualApproval requests the connection for the target owner's approval instead of approving it
	// with the deployer's permission on the target (manualPrivateLinkServiceConnections).
	ManualApproval bool
}

// PrivateEndpointName is the name of a target's endpoint in a PrivateEndpoints component.
func PrivateEndpointName(component, target string) string {
	return naming.PrivateEndpoint(component, target)
}

// ApprovalRequest is the message a manually approved connection carries to the target's owner. It is
// fixed and short: the network API allows 140 characters, some services fewer (Microsoft.DBforPostgreSQL
// refuses more than 128 with RequestMessageTooLong, Azure/azure-sdk-for-go#14739); the endpoint's name
// is on the connection itself.
const ApprovalRequest = "API platform private endpoint: approve with az network private-endpoint-connection approve"

// PrivateEndpointsArgs configures the PrivateEndpoints component.
type PrivateEndpointsArgs struct {
	// ResourceGroupName holds the endpoints and zones.
	ResourceGroupName pulumi.StringInput
	// Location is the endpoints' Azure region (zones are global).
	Location string
	// SubnetID is the private endpoints subnet.
	SubnetID pulumi.StringInput
	// VirtualNetworkID is the network every zone is linked to, so its resolvers answer privately.
	VirtualNetworkID pulumi.StringInput
	// Targets are the resources to reach privately.
	Targets []PrivateEndpointTarget
	// CentralDNS, when set, registers the endpoints in the landing zone's zones (or leaves that to
	// Azure Policy) and creates no zone.
	CentralDNS *CentralDNS
	// CentralZonesLinked are central zones (by name) the component links to VirtualNetworkID, for
	// resolvers that answer only from zones linked to the network itself.
	CentralZonesLinked []string
	// CentralLinkSuffix ends the names of those links (the stack's random suffix): a central zone is
	// shared by every spoke, and two stacks of one name would otherwise collide in it.
	CentralLinkSuffix pulumi.StringInput
	// PolicyWait bounds the wait for Azure Policy's zone groups (CentralDNS.PolicyZoneGroupName).
	PolicyWait time.Duration
	// Tags are put on endpoints, zones and links.
	Tags map[string]string
}

// PrivateEndpoints is a set of private endpoints and the private DNS zones they register in. Each zone
// is created once, however many endpoints use it, and linked to the virtual network once.
type PrivateEndpoints struct {
	pulumi.ResourceState

	// EndpointIDs maps each target name to its private endpoint's ARM ID.
	EndpointIDs pulumi.StringMapOutput `pulumi:"endpointIds"`
	// ZoneIDs maps each private DNS zone name to its ARM ID.
	ZoneIDs pulumi.StringMapOutput `pulumi:"zoneIds"`
	// ready maps each target name to what resolving it privately needs: its zone's link to the
	// network and its zone group.
	ready map[string][]pulumi.Resource
	// policyZoneGroups maps each target name to the ID of the zone group Azure Policy gave its
	// endpoint, known once the policy has acted (with CentralDNS.PolicyZoneGroupName).
	policyZoneGroups map[string]pulumi.StringOutput
}

// AfterResolving returns value once the named targets resolve privately as far as outputs can tell:
// with Azure Policy writing the records, once the policy's zone group exists on every named endpoint.
// A consumer passes an input through it to wait for what no resource of the stack represents.
func (p *PrivateEndpoints) AfterResolving(value pulumi.StringInput, names ...string) pulumi.StringOutput {
	inputs := []any{value}
	for _, name := range names {
		if group, waiting := p.policyZoneGroups[name]; waiting {
			inputs = append(inputs, group)
		}
	}
	return pulumi.All(inputs...).ApplyT(func(values []any) string { return values[0].(string) }).(pulumi.StringOutput)
}

// ReadyFor returns what a consumer waits for before relying on private name resolution of the named
// targets, and nothing of the others: a consumer of Key Vault never waits for a SQL endpoint.
func (p *PrivateEndpoints) ReadyFor(names ...string) []pulumi.Resource {
	var ready []pulumi.Resource
	for _, name := range names {
		ready = append(ready, p.ready[name]...)
	}
	return ready
}

// endpointsScope is what every resource of one PrivateEndpoints component is created with.
type endpointsScope struct {
	scope
	// args configures the component.
	args *PrivateEndpointsArgs
}

// linkedZone is one privatelink zone of the component, linked to the virtual network.
type linkedZone struct {
	// name is the zone's DNS name, e.g. privatelink.vaultcore.azure.net.
	name string
	// id is the zone's ARM ID.
	id pulumi.StringOutput
	// link is the zone's link to the virtual network (nil for a central zone, which the landing zone
	// links).
	link pulumi.Resource
}

// NewPrivateEndpoints creates the zones, their VNet links, the endpoints and their zone groups.
func NewPrivateEndpoints(ctx *pulumi.Context, name string, args *PrivateEndpointsArgs, opts ...pulumi.ResourceOption) (*PrivateEndpoints, error) {
	if args == nil {
		return nil, errors.New("creating private endpoints: args are required")
	}
	for _, target := range args.Targets {
		if err := privatelink.CheckGroup(target.GroupID); err != nil {
			return nil, fmt.Errorf("private endpoint %s: group ID %q %w", target.Name, target.GroupID, err)
		}
	}
	component := &PrivateEndpoints{}
	if err := ctx.RegisterComponentResource(PrivateEndpointsType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering private endpoints %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := endpointsScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	zones, zoneIDs, err := s.newZones()
	if err != nil {
		return nil, err
	}
	component.ready = map[string][]pulumi.Resource{}
	component.policyZoneGroups = map[string]pulumi.StringOutput{}
	endpointIDs := pulumi.StringMap{}
	for _, target := range args.Targets {
		zone := zones[target.GroupID]
		endpoint, zoneGroup, err := s.newEndpoint(target, zone)
		if err != nil {
			return nil, err
		}
		endpointIDs[target.Name] = endpoint.ID().ToStringOutput()
		for _, ready := range []pulumi.Resource{zone.link, zoneGroup} {
			if ready != nil {
				component.ready[target.Name] = append(component.ready[target.Name], ready)
			}
		}
		if zoneGroup == nil {
			component.policyZoneGroups[target.Name] = s.policyZoneGroup(endpoint, pulumi.Parent(component))
		}
	}

	component.EndpointIDs = endpointIDs.ToStringMapOutput()
	component.ZoneIDs = zoneIDs
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering private endpoints %s outputs: %w", name, err)
	}
	return component, nil
}

// newZones creates the privatelink zone of every group ID the targets use, once each in the order of
// first use, linked to the virtual network. It returns the zones by group ID and each zone's ID by
// its DNS name.
func (s endpointsScope) newZones() (map[string]linkedZone, pulumi.StringMapOutput, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	var groups []string
	for _, target := range args.Targets {
		if !slices.Contains(groups, target.GroupID) {
			groups = append(groups, target.GroupID)
		}
	}
	zones := map[string]linkedZone{}
	zoneIDs := pulumi.StringMap{}
	for _, group := range groups {
		groupInfo, _ := privatelink.Lookup(group)
		zoneName := groupInfo.Zone
		if args.CentralDNS != nil {
			// The landing zone's zone: nothing to create or link. Without it (Azure Policy writes the
			// records) the endpoints get no zone group.
			id, given := args.CentralDNS.Zones[zoneName]
			if !given {
				continue
			}
			zone := linkedZone{name: zoneName, id: pulumi.String(id).ToStringOutput()}
			if slices.Contains(args.CentralZonesLinked, zoneName) {
				link, err := s.linkCentralZone(naming.PrivateLinkZone(name, group), id)
				if err != nil {
					return nil, pulumi.StringMapOutput{}, err
				}
				zone.link = link
			}
			zones[group], zoneIDs[zoneName] = zone, pulumi.String(id)
			continue
		}
		resourceName := naming.PrivateLinkZone(name, group)
		zone, link, err := newLinkedPrivateZone(ctx, resourceName, zoneName,
			privateZoneArgs{resourceGroupName: args.ResourceGroupName, virtualNetworkID: args.VirtualNetworkID, tags: tags}, parent)
		if err != nil {
			return nil, pulumi.StringMapOutput{}, err
		}
		zones[group] = linkedZone{name: zoneName, id: zone.ID().ToStringOutput(), link: link}
		zoneIDs[zoneName] = zone.ID().ToStringOutput()
	}
	return zones, zoneIDs.ToStringMapOutput(), nil
}

// newEndpoint creates the private endpoint of one target in the private endpoints subnet, approved with
// the deployer's permission or, with ManualApproval, requested for the target owner's approval, and its
// zone group in the target's zone.
func (s endpointsScope) newEndpoint(target PrivateEndpointTarget, zone linkedZone) (*network.PrivateEndpoint, pulumi.Resource, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	endpointName := PrivateEndpointName(name, target.Name)
	connection := network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
		Name:                 pulumi.String(endpointName),
		PrivateLinkServiceId: target.ResourceID,
		GroupIds:             pulumi.StringArray{pulumi.String(target.GroupID)},
	}}
	endpointArgs := &network.PrivateEndpointArgs{
		PrivateEndpointName: pulumi.String(endpointName),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Subnet:              &network.SubnetTypeArgs{Id: args.SubnetID},
		Tags:                tags,
	}
	if target.ManualApproval {
		connection[0].(*network.PrivateLinkServiceConnectionArgs).RequestMessage = pulumi.String(ApprovalRequest)
		endpointArgs.ManualPrivateLinkServiceConnections = connection
	} else {
		endpointArgs.PrivateLinkServiceConnections = connection
	}
	endpoint, err := network.NewPrivateEndpoint(ctx, endpointName, endpointArgs, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating private endpoint %s: %w", endpointName, err)
	}
	if args.CentralDNS != nil && args.CentralDNS.PolicyZoneGroupName != "" {
		// Azure Policy gives the endpoint its zone group; an endpoint holds one zone group only, so a
		// second of the program's would be refused (https://learn.microsoft.com/azure/private-link/private-endpoint-dns#private-dns-zone-group).
		return endpoint, nil, nil
	}
	// The zone group makes Azure maintain the endpoint's A record in the zone, so no record is
	// written by hand (https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration).
	zoneGroupName := naming.Child(endpointName, naming.RolePrivateDNS)
	zoneGroup, err := network.NewPrivateDnsZoneGroup(ctx, zoneGroupName, &network.PrivateDnsZoneGroupArgs{
		PrivateDnsZoneGroupName: pulumi.String(zoneGroupName),
		PrivateEndpointName:     endpoint.Name,
		ResourceGroupName:       args.ResourceGroupName,
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{&network.PrivateDnsZoneConfigArgs{
			Name:             pulumi.String(strings.ReplaceAll(zone.name, ".", "-")),
			PrivateDnsZoneId: zone.id,
		}},
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating DNS zone group of %s: %w", endpointName, err)
	}
	return endpoint, zoneGroup, nil
}

// policyZoneGroup waits, once the endpoint exists, for the zone group Azure Policy gives it, and
// returns the group's ID. A deployIfNotExists policy acts after the endpoint's creation succeeded,
// by default 10 minutes later (https://learn.microsoft.com/azure/governance/policy/concepts/effect-deploy-if-not-exists):
// the wait reads the group from ARM, first after a second, then at doubling intervals up to 30
// seconds, and fails after args.PolicyWait with what to check.
func (s endpointsScope) policyZoneGroup(endpoint *network.PrivateEndpoint, parent pulumi.ResourceOrInvokeOption) pulumi.StringOutput {
	ctx, args := s.ctx, s.args
	groupName := args.CentralDNS.PolicyZoneGroupName
	return pulumi.All(endpoint.Name, args.ResourceGroupName).ApplyT(func(values []any) (string, error) {
		endpointName, groupOfEndpoint := values[0].(string), values[1].(string)
		deadline := time.Now().Add(args.PolicyWait)
		for delay := time.Second; ; delay = min(2*delay, 30*time.Second) {
			group, err := network.LookupPrivateDnsZoneGroup(ctx, &network.LookupPrivateDnsZoneGroupArgs{
				PrivateEndpointName: endpointName, PrivateDnsZoneGroupName: groupName, ResourceGroupName: groupOfEndpoint,
			}, parent)
			if err == nil && group.ProvisioningState == "Succeeded" && group.Id != nil {
				return *group.Id, nil
			}
			if time.Now().Add(delay).After(deadline) {
				return "", fmt.Errorf("private endpoint %s has no DNS zone group %s after %s: privateDns.policyCreatesRecords says Azure Policy gives it one; "+
					"check that the landing zone's private DNS policy is assigned to this subscription and covers this service (az policy state list --resource <endpoint ID>), "+
					"or give the zone in privateDns.centralZones and unset privateDns.policyCreatesRecords (last answer: %v)", endpointName, groupName, args.PolicyWait, err)
			}
			time.Sleep(delay)
		}
	}).(pulumi.StringOutput)
}

// linkCentralZone links a landing zone's zone to the virtual network, through the provider of the
// zone's subscription, as resourceName's link.
func (s endpointsScope) linkCentralZone(resourceName, zoneID string) (pulumi.Resource, error) {
	zone := ARMAddressOf(zoneID)
	linkName := naming.Child(resourceName, naming.RoleVirtualNetworkLink)
	link, err := network.NewVirtualNetworkLink(s.ctx, linkName, &network.VirtualNetworkLinkArgs{
		VirtualNetworkLinkName: pulumi.Sprintf("%s-%s", linkName, s.args.CentralLinkSuffix),
		PrivateZoneName:        pulumi.String(zone.Name),
		ResourceGroupName:      pulumi.String(zone.ResourceGroup),
		Location:               pulumi.String("global"),
		VirtualNetwork:         &network.SubResourceArgs{Id: s.args.VirtualNetworkID},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   s.tags,
	}, s.parent, s.args.CentralDNS.providerFor(zoneID))
	if err != nil {
		return nil, fmt.Errorf("linking central private DNS zone %s: %w", zone.Name, err)
	}
	return link, nil
}
