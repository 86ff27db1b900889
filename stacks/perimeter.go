// Perimeter layer of the stack: the optional egress firewall, Bastion and jumpbox.

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// perimeter holds what the perimeter layer created; every field is nil when its switch is off.
type perimeter struct {
	firewall *components.EgressFirewall
	bastion  *components.Bastion
	jumpbox  *components.Jumpbox
}

// egressSubnets are the subnets whose Internet traffic goes through the firewall: the cluster and the
// jumpbox. Application Gateway v2 does not support a default route to an appliance and API Management
// needs direct control-plane access, so their subnets keep Azure's routes.
func egressSubnets(cfg *config.Config) []naming.SubnetRole {
	if !cfg.Perimeter.FirewallEnabled {
		return nil
	}
	roles := []naming.SubnetRole{naming.SubnetKubernetesNodes}
	if cfg.Perimeter.JumpboxEnabled {
		roles = append(roles, naming.SubnetJumpbox)
	}
	return roles
}

// deployPerimeter creates the perimeter services that are switched on.
func (p *platform) deployPerimeter() (*perimeter, error) {
	ctx, cfg, base, network, monitoring, providers := p.ctx, p.cfg, p.base, p.network, p.monitoring, p.providers
	resourceGroupName, tags := p.resourceGroup.Name, p.tags
	switches, created := cfg.Perimeter, &perimeter{}
	var err error
	if switches.FirewallEnabled {
		jumpboxSubnet := ""
		if switches.JumpboxEnabled {
			jumpboxSubnet = cfg.Network.Subnets.Jumpbox
		}
		created.firewall, err = components.NewEgressFirewall(ctx, base, &components.EgressFirewallArgs{
			ResourceGroupName:       resourceGroupName,
			Location:                cfg.Location,
			SKU:                     string(switches.FirewallSKU),
			Zones:                   cfg.Kubernetes.Zones,
			SubnetID:                network.SubnetID(naming.SubnetFirewall),
			RouteTableName:          network.RouteTableName,
			ClusterSubnet:           cfg.Network.Subnets.KubernetesNodes,
			JumpboxSubnet:           jumpboxSubnet,
			WorkloadImage:           cfg.Workload.Image,
			AllowedHosts:            switches.EgressAllowList,
			LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
			Tags:                    tags,
		}, providers.all())
		if err != nil {
			return nil, err
		}
	}
	if switches.BastionEnabled {
		created.bastion, err = components.NewBastion(ctx, base, &components.BastionArgs{
			ResourceGroupName:       resourceGroupName,
			Location:                cfg.Location,
			SubnetID:                network.SubnetID(naming.SubnetBastion),
			LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
			Tags:                    tags,
		}, providers.all())
		if err != nil {
			return nil, err
		}
	}
	if switches.JumpboxEnabled {
		var egressReady []pulumi.Resource
		if created.firewall != nil {
			egressReady = created.firewall.Ready
		}
		created.jumpbox, err = components.NewJumpbox(ctx, base, &components.JumpboxArgs{
			ResourceGroupName:           resourceGroupName,
			Location:                    cfg.Location,
			VMSize:                      switches.JumpboxVMSize,
			SubnetID:                    network.SubnetID(naming.SubnetJumpbox),
			AdministratorGroupObjectIDs: cfg.Kubernetes.AdminGroupObjectIDs,
			EgressReady:                 egressReady,
			LogAnalyticsWorkspaceID:     monitoring.WorkspaceID,
			Tags:                        tags,
		}, providers.all())
		if err != nil {
			return nil, err
		}
	}
	return created, nil
}

// addOutputs adds what operators need from the perimeter to the stack outputs.
func (p *perimeter) addOutputs(outputs pulumi.Map) {
	if p.firewall != nil {
		outputs["firewallPrivateIp"] = p.firewall.PrivateIPAddress
		outputs["egressPublicIp"] = p.firewall.PublicIPAddress
	}
	if p.bastion != nil {
		outputs["bastionName"] = p.bastion.BastionName
	}
	if p.jumpbox != nil {
		outputs["jumpboxId"] = p.jumpbox.VirtualMachineID
	}
}
