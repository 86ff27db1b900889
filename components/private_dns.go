// Private DNS zones linked to the platform's virtual network.
package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newLinkedPrivateZone creates the private DNS zone zoneName as resource name, and links it to the
// virtual network as name+"-link" so the network's resolvers answer from it. Private DNS zones and
// their links are global resources (https://learn.microsoft.com/azure/dns/private-dns-privatednszone);
// auto-registration stays off, the zone holds only the records the platform writes.
func newLinkedPrivateZone(ctx *pulumi.Context, name, zoneName string, resourceGroupName, virtualNetworkID pulumi.StringInput,
	tags pulumi.StringMap, parent pulumi.ResourceOption,
) (*network.PrivateZone, *network.VirtualNetworkLink, error) {
	zone, err := network.NewPrivateZone(ctx, name, &network.PrivateZoneArgs{
		PrivateZoneName:   pulumi.String(zoneName),
		ResourceGroupName: resourceGroupName,
		Location:          pulumi.String("global"),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating private DNS zone %s: %w", zoneName, err)
	}
	link, err := network.NewVirtualNetworkLink(ctx, name+"-link", &network.VirtualNetworkLinkArgs{
		VirtualNetworkLinkName: pulumi.String(name + "-link"),
		PrivateZoneName:        zone.Name,
		ResourceGroupName:      resourceGroupName,
		Location:               pulumi.String("global"),
		VirtualNetwork:         &network.SubResourceArgs{Id: virtualNetworkID},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   tags,
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
func newPrivateHostRecord(ctx *pulumi.Context, name, hostName string, address pulumi.StringInput,
	resourceGroupName, virtualNetworkID pulumi.StringInput, tags pulumi.StringMap, parent pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	zone, link, err := newLinkedPrivateZone(ctx, name, hostName, resourceGroupName, virtualNetworkID, tags, parent)
	if err != nil {
		return nil, err
	}
	record, err := network.NewPrivateRecordSet(ctx, name+"-a", &network.PrivateRecordSetArgs{
		PrivateZoneName:       zone.Name,
		ResourceGroupName:     resourceGroupName,
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
