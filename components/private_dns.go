// Private DNS zones linked to the platform's virtual network.

package components

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
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
	// central, when set, holds the records in the landing zone's zones instead of the stack's own.
	central *CentralDNS
}

// CentralDNS is a landing zone's private DNS: its zones, where the platform writes its records instead
// of creating zones of its own (https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/private-link-and-dns-integration-at-scale).
type CentralDNS struct {
	// Zones are the central zones by DNS name (lower case) with their ARM IDs, possibly in other
	// subscriptions.
	Zones map[string]string
	// Providers are the azure-native providers by subscription ID, for records written into a zone
	// of that subscription.
	Providers map[string]pulumi.ProviderResource
	// PolicyZoneGroupName, when set, says Azure Policy gives every private endpoint its zone group
	// under this name: the program creates none and waits for the policy's.
	PolicyZoneGroupName string
}

// zoneHolding returns the central zone a host name's record goes into: the longest zone name the host
// ends with, as a resolver picks it; and the record's name relative to the zone ("@" at its apex).
func (c *CentralDNS) zoneHolding(host string) (zoneName, relativeName string, found bool) {
	host = strings.ToLower(host)
	if zoneName, found = privatelink.ZoneHolding(host, slices.Collect(maps.Keys(c.Zones))); !found {
		return "", "", false
	}
	relativeName = strings.TrimSuffix(strings.TrimSuffix(host, zoneName), ".")
	if relativeName == "" {
		relativeName = "@"
	}
	return zoneName, relativeName, true
}

// providerFor is the option that writes into the zone with the given ID, through its subscription's
// provider.
func (c *CentralDNS) providerFor(zoneID string) pulumi.ResourceOption {
	return pulumi.Provider(c.Providers[ARMAddressOf(zoneID).Subscription])
}

// newCentralHostRecord writes one host name's A record into the central zone that holds it.
func newCentralHostRecord(ctx *pulumi.Context, name, hostName string, address pulumi.StringInput, central *CentralDNS, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	zoneName, relativeName, found := central.zoneHolding(hostName)
	if !found {
		return nil, fmt.Errorf("writing the A record of %s: no central private DNS zone holds it", hostName)
	}
	zoneID := central.Zones[zoneName]
	zone := ARMAddressOf(zoneID)
	record, err := network.NewPrivateRecordSet(ctx, name+"-a", &network.PrivateRecordSetArgs{
		PrivateZoneName:       pulumi.String(zone.Name),
		ResourceGroupName:     pulumi.String(zone.ResourceGroup),
		RecordType:            pulumi.String("A"),
		RelativeRecordSetName: pulumi.String(relativeName),
		Ttl:                   pulumi.Float64(300),
		ARecords:              network.ARecordArray{&network.ARecordArgs{Ipv4Address: address}},
	}, parent, central.providerFor(zoneID))
	if err != nil {
		return nil, fmt.Errorf("creating A record of %s in %s: %w", hostName, zoneName, err)
	}
	return []pulumi.Resource{record}, nil
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
// the address at the zone's apex (with central DNS, its record in the landing zone's zone instead): a zone for a parent domain would answer for every name under it
// inside the network, shadowing public records. It returns what a resolver inside the network needs
// (the link and the record), for callers that must wait until the name resolves.
func newPrivateHostRecord(ctx *pulumi.Context, name, hostName string, address pulumi.StringInput, placement privateZoneArgs,
	parent pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	if placement.central != nil {
		return newCentralHostRecord(ctx, name, hostName, address, placement.central, parent)
	}
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
