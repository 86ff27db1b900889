// ContainerRegistry component: a private Premium registry the cluster pulls from with its kubelet identity.

package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	containerregistry "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2/v20230701"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// ContainerRegistryType is the ContainerRegistry component's type token.
const ContainerRegistryType = Project + ":containers:ContainerRegistry"

// AcrPullRole is the built-in role "AcrPull": pull images, nothing else
// (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers#acrpull).
const AcrPullRole = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

// ContainerRegistryArgs configures the ContainerRegistry component.
type ContainerRegistryArgs struct {
	// ResourceGroupName holds the registry.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// RegistryName is the globally unique registry name (letters and digits only).
	RegistryName pulumi.StringInput
	// ZoneRedundant replicates the registry across the region's zones (set only at creation).
	ZoneRedundant bool
	// Pullers maps a puller's name to the principal ID of the identity that may pull (AcrPull).
	Pullers map[string]pulumi.StringInput
	// LogAnalyticsWorkspaceID, when set, receives the registry's repository and login events.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Protected sets Pulumi's protect on the registry.
	Protected bool
	// Tags are put on the registry.
	Tags map[string]string
}

// ContainerRegistry is a Premium registry with the admin user and anonymous pull off and public
// network access disabled; it is reached through a private endpoint.
type ContainerRegistry struct {
	pulumi.ResourceState

	// RegistryID is the registry's ARM ID (the private endpoint target and role scope).
	RegistryID pulumi.StringOutput `pulumi:"registryId"`
	// LoginServer is the registry's host name, e.g. name.azurecr.io.
	LoginServer pulumi.StringOutput `pulumi:"loginServer"`
}

// NewContainerRegistry creates the registry, its pullers' role assignments and its diagnostics.
func NewContainerRegistry(ctx *pulumi.Context, name string, args *ContainerRegistryArgs, opts ...pulumi.ResourceOption) (*ContainerRegistry, error) {
	if args == nil {
		return nil, errors.New("creating container registry: args are required")
	}
	component := &ContainerRegistry{}
	if err := ctx.RegisterComponentResource(ContainerRegistryType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering container registry %s: %w", name, err)
	}
	parent := pulumi.Parent(component)

	zoneRedundancy := "Disabled"
	if args.ZoneRedundant {
		zoneRedundancy = "Enabled"
	}
	registryName := naming.Child(name, naming.RoleContainerRegistry)
	// API version 2023-07-01 is the newest GA version in the SDK. Anonymous pull is off: it can only
	// be switched on through preview API versions (anonymousPullEnabled), which this program never uses.
	registry, err := containerregistry.NewRegistry(ctx, registryName, &containerregistry.RegistryArgs{
		RegistryName:        args.RegistryName,
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Sku:                 &containerregistry.SkuArgs{Name: pulumi.String("Premium")},
		AdminUserEnabled:    pulumi.Bool(false),
		PublicNetworkAccess: pulumi.String("Disabled"),
		// Only the private endpoint reaches the registry; no Azure service needs the trusted bypass.
		NetworkRuleBypassOptions: pulumi.String("None"),
		ZoneRedundancy:           pulumi.String(zoneRedundancy),
		DataEndpointEnabled:      pulumi.Bool(false),
		Tags:                     pulumi.ToStringMap(args.Tags),
	}, parent, pulumi.Protect(args.Protected))
	if err != nil {
		return nil, fmt.Errorf("creating container registry %s: %w", registryName, err)
	}
	registryID := registry.ID().ToStringOutput()
	for _, puller := range slices.Sorted(maps.Keys(args.Pullers)) {
		if _, err := grantRole(ctx, registryName+"-puller-"+puller, registryID, AcrPullRole, args.Pullers[puller], parent); err != nil {
			return nil, err
		}
	}
	if args.LogAnalyticsWorkspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, registryName, ResourceTypeContainerRegistry, registryID, args.LogAnalyticsWorkspaceID, parent); err != nil {
			return nil, err
		}
	}

	component.RegistryID = registryID
	component.LoginServer = registry.LoginServer
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering container registry %s outputs: %w", name, err)
	}
	return component, nil
}
