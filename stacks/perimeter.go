// Perimeter layer of the stack: the optional egress firewall, Bastion and jumpbox.

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// perimeter holds what the perimeter layer created; every field is nil when its switch is off.
type perimeter struct {
	firewall *components.EgressFirewall
	hub      *components.HubEgress
	bastion  *components.Bastion
	jumpbox  *components.Jumpbox
}

// egressReady is what must exist before something routed to a firewall is created: the stack's
// firewall with its rules and route, or the route to the hub; nil when egress is not routed.
func (p *perimeter) egressReady() []pulumi.Resource {
	switch {
	case p.firewall != nil:
		return p.firewall.Ready
	case p.hub != nil:
		return p.hub.Ready
	}
	return nil
}

// egressSubnets are the subnets whose Internet traffic goes through a firewall, the stack's or the
// hub's: the cluster and the jumpbox. Application Gateway v2 does not support a default route to an appliance and API Management
// needs direct control-plane access, so their subnets keep Azure's routes.
func egressSubnets(cfg *config.Config) []naming.SubnetRole {
	if !cfg.Perimeter.EgressRouted() {
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
	if switches.Egress == config.EgressHub {
		if created.hub, err = p.deployHubEgress(); err != nil {
			return nil, err
		}
	}
	if switches.FirewallEnabled() {
		jumpboxSubnet := ""
		if switches.JumpboxEnabled {
			jumpboxSubnet = cfg.Network.Subnets.Jumpbox
		}
		// Azure Firewall and Azure Bastion must be in their network's resource group
		// (https://learn.microsoft.com/azure/firewall/firewall-faq, https://learn.microsoft.com/azure/bastion/configuration-settings#subnet).
		created.firewall, err = components.NewEgressFirewall(ctx, base, &components.EgressFirewallArgs{
			ResourceGroupName:        resourceGroupName,
			NetworkResourceGroupName: network.ResourceGroupName,
			Location:                 cfg.Location,
			SKU:                      string(switches.FirewallSKU),
			Zones:                    cfg.Kubernetes.Zones,
			SubnetID:                 network.SubnetID(naming.SubnetFirewall),
			RouteTableName:           network.RouteTableName,
			RouteTableGroupName:      network.RouteTableResourceGroupName,
			ClusterSubnet:            cfg.Network.Subnets.KubernetesNodes,
			JumpboxSubnet:            jumpboxSubnet,
			WorkloadImage:            cfg.Workload.Image,
			AllowedHosts:             switches.EgressAllowList,
			LogAnalyticsWorkspaceID:  monitoring.WorkspaceID,
			Tags:                     tags,
		}, providers.all())
		if err != nil {
			return nil, err
		}
	}
	if switches.BastionEnabled {
		created.bastion, err = components.NewBastion(ctx, base, &components.BastionArgs{
			ResourceGroupName:       network.ResourceGroupName,
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
		egressReady := created.egressReady()
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

// deployHubEgress routes the egress subnets to the hub's firewall and states what it must allow.
func (p *platform) deployHubEgress() (*components.HubEgress, error) {
	cfg := p.cfg
	p.warnings.warn(fmt.Sprintf("perimeter.egress is hub: the hub firewall at %s must allow the stack output hubFirewallAllowList (README, Hub egress) "+
		"before the cluster is created, or its nodes cannot bootstrap and the cluster's creation fails; the stack's network must be peered with the hub",
		cfg.Perimeter.HubNextHopIP))
	sources := map[components.EgressSource]string{components.EgressFromCluster: cfg.Network.Subnets.KubernetesNodes}
	if cfg.Perimeter.JumpboxEnabled {
		sources[components.EgressFromJumpbox] = cfg.Network.Subnets.Jumpbox
	}
	return components.NewHubEgress(p.ctx, p.base+"-hub-egress", &components.HubEgressArgs{
		ResourceGroupName: p.network.RouteTableResourceGroupName,
		RouteTableName:    p.network.RouteTableName,
		RouteBrought:      cfg.DefaultRouteBrought(),
		NextHopIP:         cfg.Perimeter.HubNextHopIP,
		Sources:           sources,
		Plan:              egressPlan(cfg),
		PeeringReady:      p.hubPeeringReady(),
	}, p.providers.all())
}

// hubPeeringReady are the peering's resources the stack creates (none without a peering).
func (p *platform) hubPeeringReady() []pulumi.Resource {
	if p.hubPeering == nil {
		return nil
	}
	return p.hubPeering.Ready
}

// egressPlan is what the egress allow rules of the stack depend on.
func egressPlan(cfg *config.Config) components.EgressPlan {
	return components.EgressPlan{Location: cfg.Location, WorkloadImage: cfg.Workload.Image,
		AllowedHosts: cfg.Perimeter.EgressAllowList, Jumpbox: cfg.Perimeter.JumpboxEnabled}
}

// addOutputs adds what operators need from the perimeter to the stack outputs.
func (p *perimeter) addOutputs(outputs pulumi.Map) {
	if p.firewall != nil {
		outputs["firewallPrivateIp"] = p.firewall.PrivateIPAddress
		outputs["egressPublicIp"] = p.firewall.PublicIPAddress
	}
	if p.hub != nil {
		outputs["hubFirewallAllowList"] = p.hub.AllowList
	}
	if p.bastion != nil {
		outputs["bastionName"] = p.bastion.BastionName
		// The stack's group, or a brought network's, where Azure requires the host.
		outputs["bastionResourceGroupName"] = p.bastion.ResourceGroupName
	}
	if p.jumpbox != nil {
		outputs["jumpboxId"] = p.jumpbox.VirtualMachineID
	}
}
