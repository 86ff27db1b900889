// Private DNS zones linked to the platform's virtual network.

package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// privateZoneArgs places a private DNS zone: the resource group that holds it, the virtual network it
// is linked to, and the tags of the zone and its link.
type privateZoneArgs struct {
	// resourceGroupName holds the zone, its link and its records.
	resourceGroupName pulumi.StringInput
	// virtualNetworkID is the network whose resolvers answer from the zone.
	virtualNetworkID pulumi.StringInput
	// tags are put on the zone and its link.
	tags pulumi.StringMap
}

// newLinkedPrivateZone creates the private DNS zone zoneName as resource name, and links it to the
// virtual network as name+"-link" so the network's resolvers answer from it. Private DNS zones and
// their links are global resources (https://learn.microsoft.com/azure/dns/private-dns-privatednszone);
// auto-registration stays off, the zone holds only the records the platform writes.
func newLinkedPrivateZone(ctx *pulumi.Context, name, zoneName string, placement privateZoneArgs, parent pulumi.ResourceOption,
) (*network.PrivateZone, *network.VirtualNetworkLink, error) {
	zone, err := network.NewPrivateZone(ctx, name, &network.PrivateZoneArgs{
		PrivateZoneName:   pulumi.String(zoneName),
		ResourceGroupName: placement.resourceGroupName,
		Location:          pulumi.String("global"),
		Tags:              placement.tags,
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating private DNS zone %s: %w", zoneName, err)
	}
	linkName := naming.Child(name, naming.RoleVirtualNetworkLink)
	link, err := network.NewVirtualNetworkLink(ctx, linkName, &network.VirtualNetworkLinkArgs{
		VirtualNetworkLinkName: pulumi.String(linkName),
		PrivateZoneName:        zone.Name,
		ResourceGroupName:      placement.resourceGroupName,
		Location:               pulumi.String("global"),
		VirtualNetwork:         &network.SubResourceArgs{Id: placement.virtualNetworkID},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   placement.tags,
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("linking private DNS zone %s: %w", zoneName, err)
	}
	return zone, link, nil
}

// newPrivateHostRecord gives one host name its own private zone, linked to the virtual network, with
// the address at the zone's apex: a zone for a parent domain would answer for every name under it
// inside the network, shadowing public records. It returns what a resolver inside the network needs
// (the link and the record), for callers that must wait until the name resolves.
func newPrivateHostRecord(ctx *pulumi.Context, name, hostName string, address pulumi.StringInput, placement privateZoneArgs,
	parent pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	zone, link, err := newLinkedPrivateZone(ctx, name, hostName, placement, parent)
	if err != nil {
		return nil, err
	}
	record, err := network.NewPrivateRecordSet(ctx, name+"-a", &network.PrivateRecordSetArgs{
		PrivateZoneName:       zone.Name,
		ResourceGroupName:     placement.resourceGroupName,
		RecordType:            pulumi.String("A"),
		RelativeRecordSetName: pulumi.String("@"),
		Ttl:                   pulumi.Float64(300),
		ARecords:              network.ARecordArray{&network.ARecordArgs{Ipv4Address: address}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating A record of %s: %w", hostName, err)
	}
	return []pulumi.Resource{link, record}, nil
}
