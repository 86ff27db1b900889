// Bastion component: Azure Bastion (Standard, native-client tunneling) for operators to reach the jumpbox.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// BastionType is the Bastion component's type token.
const BastionType = Project + ":perimeter:Bastion"

// BastionArgs configures the Bastion component.
type BastionArgs struct {
	// ResourceGroupName holds the bastion and its public IP.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// SubnetID is AzureBastionSubnet.
	SubnetID pulumi.StringInput
	// LogAnalyticsWorkspaceID receives the session audit logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on every resource.
	Tags map[string]string
}

// Bastion is an Azure Bastion host with its public IP.
type Bastion struct {
	pulumi.ResourceState

	// BastionName is the host's name, for `az network bastion ssh --name`.
	BastionName pulumi.StringOutput `pulumi:"bastionName"`
	// ResourceGroupName is the host's resource group, for `--resource-group`.
	ResourceGroupName pulumi.StringOutput `pulumi:"resourceGroupName"`
}

// NewBastion creates a Standard Bastion with tunneling on, so operators use their own SSH client
// (`az network bastion ssh --auth-type AAD`), which the Basic tier cannot do
// (https://learn.microsoft.com/azure/bastion/connect-vm-native-client-linux). Shareable links and IP
// connect stay off: every session targets a VM resource, with Entra authentication.
func NewBastion(ctx *pulumi.Context, name string, args *BastionArgs, opts ...pulumi.ResourceOption) (*Bastion, error) {
	if args == nil {
		return nil, errors.New("creating bastion: args are required")
	}
	component := &Bastion{}
	if err := ctx.RegisterComponentResource(BastionType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering bastion %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)

	publicIP, err := newStandardPublicIP(ctx, naming.Child(name, naming.RoleBastionPublicIP), publicIPArgs{
		resourceGroupName: args.ResourceGroupName, location: args.Location, workspaceID: args.LogAnalyticsWorkspaceID, tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	bastionName := naming.Child(name, naming.RoleBastion)
	bastion, err := network.NewBastionHost(ctx, bastionName, &network.BastionHostArgs{
		BastionHostName:     pulumi.String(bastionName),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Sku:                 &network.SkuArgs{Name: pulumi.String("Standard")},
		EnableTunneling:     pulumi.Bool(true),
		EnableIpConnect:     pulumi.Bool(false),
		EnableShareableLink: pulumi.Bool(false),
		ScaleUnits:          pulumi.Int(2),
		IpConfigurations: network.BastionHostIPConfigurationArray{&network.BastionHostIPConfigurationArgs{
			Name:            pulumi.String("ipconfig"),
			Subnet:          &network.SubResourceArgs{Id: args.SubnetID},
			PublicIPAddress: &network.SubResourceArgs{Id: publicIP.ID().ToStringOutput()},
		}},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating bastion %s: %w", bastionName, err)
	}
	if _, err := newDiagnosticSetting(ctx, bastionName, ResourceTypeBastionHost, bastion.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
		return nil, err
	}

	component.BastionName = bastion.Name
	component.ResourceGroupName = args.ResourceGroupName.ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering bastion %s outputs: %w", name, err)
	}
	return component, nil
}
