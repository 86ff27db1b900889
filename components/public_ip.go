// Standard public IP addresses for the Internet-facing services (Application Gateway, Firewall, Bastion).

package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// publicIPArgs describes one Standard, static, IPv4 public address.
type publicIPArgs struct {
	// resourceGroupName and location place the address.
	resourceGroupName pulumi.StringInput
	location          string
	// zones makes the address zone-redundant across them; empty for none.
	zones []string
	// dnsLabel optionally gives the address a DNS name under <region>.cloudapp.azure.com.
	dnsLabel pulumi.StringInput
	// workspaceID, when set, receives the address's DDoS logs and metrics.
	workspaceID pulumi.StringInput
	tags        pulumi.StringMap
}

// newStandardPublicIP creates a Standard static IPv4 address (Basic SKU addresses were retired on
// 30 September 2025, https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-basic-upgrade-guidance)
// and its diagnostic setting.
func newStandardPublicIP(ctx *pulumi.Context, name string, args publicIPArgs, parent pulumi.ResourceOption) (*network.PublicIPAddress, error) {
	var zones pulumi.StringArrayInput
	if len(args.zones) > 0 {
		zones = pulumi.ToStringArray(args.zones)
	}
	var dnsSettings network.PublicIPAddressDnsSettingsPtrInput
	if args.dnsLabel != nil {
		dnsSettings = &network.PublicIPAddressDnsSettingsArgs{DomainNameLabel: args.dnsLabel}
	}
	address, err := network.NewPublicIPAddress(ctx, name, &network.PublicIPAddressArgs{
		PublicIpAddressName:      pulumi.String(name),
		ResourceGroupName:        args.resourceGroupName,
		Location:                 pulumi.String(args.location),
		Sku:                      &network.PublicIPAddressSkuArgs{Name: pulumi.String("Standard"), Tier: pulumi.String("Regional")},
		PublicIPAllocationMethod: pulumi.String("Static"),
		PublicIPAddressVersion:   pulumi.String("IPv4"),
		DnsSettings:              dnsSettings,
		Zones:                    zones,
		Tags:                     args.tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating public IP %s: %w", name, err)
	}
	if args.workspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, name, ResourceTypePublicIPAddress, address.ID().ToStringOutput(), args.workspaceID, parent); err != nil {
			return nil, err
		}
	}
	return address, nil
}
