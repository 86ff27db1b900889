// The composition object: what every layer of the stack shares, and the foundation it builds on.

package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// platform is the shared context of one stack's deployment: the validated configuration, the base
// name, the providers, the tags, and the foundation every layer builds on (resource group, name
// suffix, monitoring, network). Each layer is one method that takes the layers it builds on and
// returns its own struct; every layer struct adds its own stack outputs (see stackLayer).
type platform struct {
	ctx       *pulumi.Context
	cfg       *config.Config
	base      string
	tags      map[string]string
	providers *providers
	// warnings reports what a user should act on.
	warnings warnings

	resourceGroup *resources.ResourceGroup
	// suffix is the random suffix of globally unique names.
	suffix     pulumi.StringOutput
	monitoring *components.Monitoring
	network    *components.Network
	// hubPeering is the peering with the hub network (nil without network.hubVirtualNetworkId).
	hubPeering *components.HubPeering
	// centralDNS is the landing zone's private DNS (nil with privateDns.mode create).
	centralDNS *components.CentralDNS
}

// stackLayer is what a layer returns: it adds what operators need from it to the stack outputs.
type stackLayer interface {
	addOutputs(outputs pulumi.Map)
}

// newPlatform creates the providers and the foundation: the resource group, the name suffix, the
// monitoring workspace and the network.
func newPlatform(ctx *pulumi.Context, cfg *config.Config, warnings warnings) (*platform, error) {
	providers, err := newProviders(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := adoptExistingNetwork(ctx, cfg, providers.azure, warnings); err != nil {
		return nil, err
	}
	p := &platform{ctx: ctx, cfg: cfg, base: naming.Base(cfg.NamePrefix, cfg.Stack), tags: cfg.ResourceTags(), providers: providers, warnings: warnings}
	p.centralDNS = centralDNS(cfg, providers)
	resourceGroupName := naming.Child(p.base, naming.RoleResourceGroup)
	p.resourceGroup, err = resources.NewResourceGroup(ctx, resourceGroupName, &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(resourceGroupName),
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(p.tags),
	}, pulumi.Provider(providers.azure))
	if err != nil {
		return nil, fmt.Errorf("creating resource group %s: %w", resourceGroupName, err)
	}
	if p.suffix, err = p.uniqueSuffix(); err != nil {
		return nil, err
	}
	p.monitoring, err = components.NewMonitoring(ctx, p.base, &components.MonitoringArgs{
		ResourceGroupName: p.resourceGroup.Name,
		Location:          cfg.Location,
		RetentionDays:     cfg.Monitoring.RetentionDays,
		Protected:         cfg.Protection.StatefulResourcesProtected,
		Tags:              p.tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	p.network, err = p.newNetwork()
	if err != nil {
		return nil, err
	}
	if p.hubPeering, err = p.peerWithHub(); err != nil {
		return nil, err
	}
	return p, nil
}

// peerWithHub peers the network with network.hubVirtualNetworkId, when set.
func (p *platform) peerWithHub() (*components.HubPeering, error) {
	hubID := p.cfg.Network.HubVirtualNetworkID
	if hubID == "" {
		return nil, nil
	}
	var hubProvider pulumi.ProviderResource
	if p.providers.hub != nil {
		hubProvider = p.providers.hub
	} else {
		p.warnings.warn("network.hubVirtualNetworkId: the peering is created from this network's side only; the hub's owner runs the stack output hubPeeringCommand " +
			"(with Microsoft.Network/virtualNetworks/peer/action on this network), and until then the peering stays Initiated and no traffic crosses it; " +
			"or set network.hubPeeringWritable with Network Contributor on the hub")
		if p.cfg.Perimeter.Egress == config.EgressHub {
			p.warnings.warn("perimeter.egress is hub and the hub's side of the peering is not the program's: the cluster's nodes cannot bootstrap, and its creation fails, " +
				"until the peering is Connected. The stack's side exists within the first minute of pulumi up: have the hub's owner run hubPeeringCommand then, " +
				"and run pulumi up again if the cluster failed")
		}
	}
	return components.NewHubPeering(p.ctx, p.base+"-hub-peering", &components.HubPeeringArgs{
		ResourceGroupName:   p.resourceGroup.Name,
		VirtualNetworkName:  p.network.VirtualNetworkName,
		VirtualNetworkID:    p.network.VirtualNetworkID,
		SpokeName:           pulumi.Sprintf("%s-%s", naming.Child(p.base, naming.RoleVirtualNetwork), p.suffix),
		HubVirtualNetworkID: hubID,
		HubProvider:         hubProvider,
	}, p.providers.all())
}

// uniqueSuffix creates the random suffix of globally unique names (Key Vault, API Management,
// registry, DNS labels). It has no keepers, so it is generated once and stays in the stack's state:
// names are stable across runs and only change if the stack is destroyed.
func (p *platform) uniqueSuffix() (pulumi.StringOutput, error) {
	suffix, err := random.NewRandomString(p.ctx, p.base+"-name-suffix", &random.RandomStringArgs{
		Length:  pulumi.Int(naming.SuffixLength),
		Lower:   pulumi.Bool(true),
		Numeric: pulumi.Bool(true),
		Upper:   pulumi.Bool(false),
		Special: pulumi.Bool(false),
	}, pulumi.Provider(p.providers.random))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating name suffix: %w", err)
	}
	return suffix.Result, nil
}

// globalName is the globally unique name of a role, once the random suffix is known.
func (p *platform) globalName(role naming.Role) pulumi.StringOutput {
	base := p.base
	return p.suffix.ApplyT(func(suffix string) string {
		return naming.Global(base, role, suffix)
	}).(pulumi.StringOutput)
}

// addOutputs adds the foundation's outputs: where the stack lives and what it watches with.
func (p *platform) addOutputs(outputs pulumi.Map) {
	outputs["environment"] = pulumi.String(string(p.cfg.Environment))
	outputs["resourceGroupName"] = p.resourceGroup.Name
	outputs["nameSuffix"] = p.suffix
	outputs["virtualNetworkId"] = p.network.VirtualNetworkID
	if p.hubPeering != nil {
		outputs["hubPeeringId"] = p.hubPeering.PeeringID
		if p.providers.hub == nil {
			outputs["hubPeeringCommand"] = p.hubPeering.HubSideCommand
		}
	}
	outputs["subnetIds"] = p.network.SubnetIDs
	// The blocks the program planned its rules with: a brought network's as Azure reported them.
	prefixes := pulumi.StringMap{}
	for role, block := range p.cfg.Subnets() {
		prefixes[string(role)] = pulumi.String(block)
	}
	outputs["subnetAddressPrefixes"] = prefixes
	outputs["logAnalyticsWorkspaceId"] = p.monitoring.WorkspaceID
	outputs["logAnalyticsWorkspaceCustomerId"] = p.monitoring.WorkspaceCustomerID
	outputs["apiManagementErrorsQuery"] = pulumi.String(components.APIManagementErrorsQuery())
	outputs["ingressLogQuery"] = pulumi.String(components.IngressLogQuery(ingressNamespace(p.cfg)))
}

// centralDNS is the landing zone's private DNS with privateDns.mode central, nil otherwise.
func centralDNS(cfg *config.Config, providers *providers) *components.CentralDNS {
	if cfg.PrivateDNS.Mode != config.PrivateDNSCentral {
		return nil
	}
	central := &components.CentralDNS{Zones: map[string]string{}, Providers: providers.dns}
	for _, zone := range cfg.PrivateDNS.CentralZones {
		central.Zones[strings.ToLower(zone.Name)] = zone.ID
	}
	if cfg.PrivateDNS.PolicyCreatesRecords {
		central.PolicyZoneGroupName = cfg.PrivateDNS.PolicyZoneGroupName
	}
	return central
}
