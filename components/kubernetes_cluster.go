// KubernetesCluster component: the private AKS cluster and the private DNS record of its ingress host.

package components

import (
	"errors"
	"fmt"

	containerservice "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20241001"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// KubernetesClusterType is the KubernetesCluster component's type token.
const KubernetesClusterType = Project + ":kubernetes:KubernetesCluster"

// NodeUpgradeMaxSurge is the extra capacity a node pool takes during upgrades, the value AKS recommends
// for production pools; the node subnet is sized for it (config.NodeUpgradeMaxSurgePercent).
const NodeUpgradeMaxSurge = "33%"

// NodePoolArgs sizes one autoscaled node pool.
type NodePoolArgs struct {
	// Name is the pool name (lower-case letters and digits, at most 12 characters).
	Name string
	// VMSize is the node VM size.
	VMSize string
	// MinCount and MaxCount bound the autoscaler.
	MinCount, MaxCount int
}

// MaintenanceWindowArgs is a weekly planned maintenance window.
type MaintenanceWindowArgs struct {
	// DayOfWeek, StartTime (HH:mm), DurationHours (4-24) and UTCOffset (+HH:MM) place the window.
	DayOfWeek, StartTime string
	// DurationHours is the window's length.
	DurationHours int
	// UTCOffset is the time zone of StartTime.
	UTCOffset string
}

// KubernetesClusterArgs configures the KubernetesCluster component.
type KubernetesClusterArgs struct {
	// ResourceGroupName holds the cluster, its identity and DNS.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// Tier is the AKS tier: Free, Standard or Premium.
	Tier string
	// Version is the Kubernetes version; empty lets AKS choose.
	Version string
	// TenantID is the Microsoft Entra tenant of the admin groups.
	TenantID pulumi.StringInput
	// AdminGroupObjectIDs administer the cluster; local accounts are disabled.
	AdminGroupObjectIDs []string
	// SubnetID is the node subnet (bring-your-own).
	SubnetID pulumi.StringInput
	// VirtualNetworkID is linked to the ingress host's private DNS zone.
	VirtualNetworkID pulumi.StringInput
	// Zones are the pools' availability zones (empty: none).
	Zones []string
	// SystemPool runs only critical add-ons; UserPool runs workloads.
	SystemPool, UserPool NodePoolArgs
	// PodCIDR, ServiceCIDR and DNSServiceIP are the overlay and service ranges.
	PodCIDR, ServiceCIDR, DNSServiceIP string
	// OutboundType is loadBalancer, or userDefinedRouting when egress goes through a firewall.
	OutboundType string
	// RouteTableID is the node subnet's route table with userDefinedRouting; the cluster identity gets
	// Network Contributor on it, which ARM deployments must grant themselves
	// (https://learn.microsoft.com/azure/aks/egress-outboundtype#outbound-type-of-userdefinedrouting).
	RouteTableID pulumi.StringInput
	// EgressReady, when set, is what egress needs before nodes boot (the firewall, its rules and the
	// default route to it).
	EgressReady []pulumi.Resource
	// PrivateClusterPublicFQDNEnabled publishes a public name for the private API server address.
	PrivateClusterPublicFQDNEnabled bool
	// UpgradeChannel and NodeOSUpgradeChannel are the automatic upgrade channels.
	UpgradeChannel, NodeOSUpgradeChannel string
	// MaintenanceWindow is when both kinds of upgrade may run.
	MaintenanceWindow MaintenanceWindowArgs
	// LogAnalyticsWorkspaceID receives Defender, Container insights and control-plane logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// IstioRevisions are the Istio add-on revisions to run: one, or the running one and its successor
	// during a canary upgrade (aks/istio-upgrade.md).
	IstioRevisions []string
	// BackendHostName is the ingress host API Management calls; IngressPrivateIP is its pinned
	// internal load balancer address. The record is written from these values, not from cluster
	// outputs, so nothing waits for the cluster to learn the address.
	BackendHostName, IngressPrivateIP string
	// CentralDNS, when set, writes the ingress host's record into the landing zone's zone, and a
	// PrivateDNSZoneID there is the API server's zone.
	CentralDNS *CentralDNS
	// PrivateDNSZoneID is the landing zone's privatelink.<region>.azmk8s.io zone for the API server,
	// needed when the network's DNS servers are a hub's (which cannot see the zone AKS would create
	// and link to this network only); empty lets AKS create its own ("system").
	PrivateDNSZoneID string
	// Tags are put on the cluster, its identity and DNS.
	Tags map[string]string
}

// KubernetesCluster is the private cluster and the ingress host's private DNS.
type KubernetesCluster struct {
	pulumi.ResourceState

	// ClusterID is the cluster's ARM ID.
	ClusterID pulumi.StringOutput `pulumi:"clusterId"`
	// ClusterName is the cluster's name.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// KubeletObjectID is the kubelet identity's principal, which pulls images (AcrPull).
	KubeletObjectID pulumi.StringOutput `pulumi:"kubeletObjectId"`
	// OIDCIssuerURL is the issuer workload identity federations trust.
	OIDCIssuerURL pulumi.StringOutput `pulumi:"oidcIssuerUrl"`
	// PrivateFQDN is the API server's private name, which Azure assigns; its certificate names it.
	PrivateFQDN pulumi.StringOutput `pulumi:"privateFqdn"`
	// BackendDNS lists the ingress host's zone link and A record.
	BackendDNS []pulumi.Resource
}

// clusterScope is what every resource of one KubernetesCluster component is created with.
type clusterScope struct {
	scope
	// args configures the component.
	args *KubernetesClusterArgs
}

// clusterAddOn is the key of an AKS add-on in the cluster's addonProfiles.
type clusterAddOn string

// The add-ons the platform enables.
const (
	// addOnKeyVaultSecretsProvider is the Secrets Store CSI driver for Key Vault.
	addOnKeyVaultSecretsProvider clusterAddOn = "azureKeyvaultSecretsProvider"
	// addOnAzurePolicy is Azure Policy for Kubernetes.
	addOnAzurePolicy clusterAddOn = "azurepolicy"
	// addOnMonitoring is the Container insights agent.
	addOnMonitoring clusterAddOn = "omsagent"
)

// maintenanceConfiguration is the name of an AKS planned maintenance configuration: AKS accepts only
// these three (https://learn.microsoft.com/azure/aks/planned-maintenance).
type maintenanceConfiguration string

// The planned maintenance configurations.
const (
	// maintenanceAutoUpgrade schedules automatic cluster upgrades.
	maintenanceAutoUpgrade maintenanceConfiguration = "aksManagedAutoUpgradeSchedule"
	// maintenanceNodeOSUpgrade schedules node OS image upgrades.
	maintenanceNodeOSUpgrade maintenanceConfiguration = "aksManagedNodeOSUpgradeSchedule"
	// maintenanceDefault schedules the AKS releases, among them the Istio add-on's patch versions.
	maintenanceDefault maintenanceConfiguration = "default"
)

// agentPoolMode is a node pool's mode.
type agentPoolMode string

// The node pool modes.
const (
	// agentPoolModeSystem runs the cluster's critical add-ons.
	agentPoolModeSystem agentPoolMode = "System"
	// agentPoolModeUser runs workloads.
	agentPoolModeUser agentPoolMode = "User"
)

// osDiskType is where a node's OS disk lives.
type osDiskType string

// The OS disk types.
const (
	// osDiskEphemeral is on the VM's local temporary disk: faster, free, and reimaged with the node.
	osDiskEphemeral osDiskType = "Ephemeral"
	// osDiskManaged is a managed disk, for VM sizes without a large enough temporary disk.
	osDiskManaged osDiskType = "Managed"
)

// NewKubernetesCluster creates the control-plane identity and its grant on the node subnet, the
// cluster, its maintenance windows and diagnostics, and the ingress host's private DNS.
func NewKubernetesCluster(ctx *pulumi.Context, name string, args *KubernetesClusterArgs, opts ...pulumi.ResourceOption) (*KubernetesCluster, error) {
	if args == nil {
		return nil, errors.New("creating Kubernetes cluster: args are required")
	}
	component := &KubernetesCluster{}
	if err := ctx.RegisterComponentResource(KubernetesClusterType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Kubernetes cluster %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := clusterScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	identity, clusterWaitsFor, err := s.newControlPlaneIdentity()
	if err != nil {
		return nil, err
	}
	clusterName := naming.Child(name, naming.RoleKubernetesCluster)
	cluster, err := containerservice.NewManagedCluster(ctx, clusterName, s.managedClusterArgs(clusterName, identity), parent, pulumi.DependsOn(clusterWaitsFor), egressDependency(args.EgressReady))
	if err != nil {
		return nil, fmt.Errorf("creating AKS cluster %s: %w", clusterName, err)
	}
	if err := s.newMaintenanceWindows(clusterName, cluster); err != nil {
		return nil, err
	}
	if _, err := newDiagnosticSetting(ctx, clusterName, ResourceTypeManagedCluster, cluster.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
		return nil, err
	}
	if err := newContainerInsights(ctx, clusterName, args, cluster.ID().ToStringOutput(), tags, parent); err != nil {
		return nil, err
	}

	// The ingress host gets its own zone with the pinned address at its apex. Written from config, it
	// is ready long before the cluster or API Management, so the backend resolves the moment the
	// ingress answers.
	backendDNS, err := newPrivateHostRecord(ctx, naming.Child(name, naming.RoleBackendPrivateZone), args.BackendHostName, pulumi.String(args.IngressPrivateIP),
		privateZoneArgs{resourceGroupName: args.ResourceGroupName, virtualNetworkID: args.VirtualNetworkID, tags: tags, central: args.CentralDNS}, parent)
	if err != nil {
		return nil, err
	}

	component.ClusterID = cluster.ID().ToStringOutput()
	component.ClusterName = cluster.Name
	component.KubeletObjectID = cluster.IdentityProfile.MapIndex(pulumi.String("kubeletidentity")).ObjectId().Elem()
	component.OIDCIssuerURL = cluster.OidcIssuerProfile.IssuerURL().Elem()
	component.PrivateFQDN = cluster.PrivateFQDN
	component.BackendDNS = backendDNS
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Kubernetes cluster %s outputs: %w", name, err)
	}
	return component, nil
}

// newControlPlaneIdentity creates the cluster's user-assigned control-plane identity and its Network
// Contributor grants on the node subnet and, with userDefinedRouting, on the route table; it returns
// the identity and the grants, which the cluster waits for.
//
// A user-assigned control-plane identity exists before the cluster, so its Network Contributor
// grant on the bring-your-own subnet is in place when AKS first joins the subnet
// (https://learn.microsoft.com/azure/aks/use-managed-identity).
func (s clusterScope) newControlPlaneIdentity() (*managedidentity.UserAssignedIdentity, []pulumi.Resource, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	identityName := naming.Child(name, naming.RoleClusterIdentity)
	identity, err := managedidentity.NewUserAssignedIdentity(ctx, identityName, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(identityName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Tags:              tags,
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating identity %s: %w", identityName, err)
	}
	subnetGrant, err := grantRole(ctx, name+"-aks-subnet-network-contributor", args.SubnetID.ToStringOutput(), NetworkContributorRole, identity.PrincipalId, parent)
	if err != nil {
		return nil, nil, err
	}
	clusterWaitsFor := []pulumi.Resource{subnetGrant}
	if args.RouteTableID != nil {
		routeTableGrant, err := grantRole(ctx, name+"-aks-route-table-network-contributor", args.RouteTableID.ToStringOutput(), NetworkContributorRole, identity.PrincipalId, parent)
		if err != nil {
			return nil, nil, err
		}
		clusterWaitsFor = append(clusterWaitsFor, routeTableGrant)
	}
	if args.PrivateDNSZoneID != "" {
		// With a zone it is given, AKS writes the API server's record there and links the zone to the
		// cluster's network itself: it needs the zone and the network
		// (https://learn.microsoft.com/azure/aks/private-clusters#configuration-options-for-private-dns).
		zoneGrant, err := grantRole(ctx, name+"-aks-private-dns-zone-contributor", pulumi.String(args.PrivateDNSZoneID).ToStringOutput(), PrivateDNSZoneContributorRole, identity.PrincipalId, parent)
		if err != nil {
			return nil, nil, err
		}
		networkGrant, err := grantRole(ctx, name+"-aks-network-network-contributor", args.VirtualNetworkID.ToStringOutput(), NetworkContributorRole, identity.PrincipalId, parent)
		if err != nil {
			return nil, nil, err
		}
		clusterWaitsFor = append(clusterWaitsFor, zoneGrant, networkGrant)
	}
	return identity, clusterWaitsFor, nil
}

// managedClusterArgs are the cluster's inputs: a private cluster with Entra ID and Azure RBAC only (no
// local accounts), the control-plane identity, OIDC issuer and workload identity, Defender, the
// network (clusterNetworkProfile), both node pools, the add-ons (clusterAddOnProfiles), the Istio
// add-on (clusterServiceMeshProfile) and the automatic upgrade channels.
func (s clusterScope) managedClusterArgs(clusterName string, identity *managedidentity.UserAssignedIdentity) *containerservice.ManagedClusterArgs {
	name, args := s.name, s.args
	clusterArgs := &containerservice.ManagedClusterArgs{
		ResourceName:      pulumi.String(clusterName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Sku:               &containerservice.ManagedClusterSKUArgs{Name: pulumi.String("Base"), Tier: pulumi.String(args.Tier)},
		DnsPrefix:         pulumi.String(name),
		NodeResourceGroup: pulumi.String(naming.Child(name, naming.RoleClusterNodes)),
		Identity: &containerservice.ManagedClusterIdentityArgs{
			Type:                   containerservice.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{identity.ID().ToStringOutput()},
		},
		EnableRBAC:           pulumi.Bool(true),
		DisableLocalAccounts: pulumi.Bool(true),
		AadProfile: &containerservice.ManagedClusterAADProfileArgs{
			Managed:             pulumi.Bool(true),
			EnableAzureRBAC:     pulumi.Bool(true),
			AdminGroupObjectIDs: pulumi.ToStringArray(args.AdminGroupObjectIDs),
			TenantID:            args.TenantID,
		},
		ApiServerAccessProfile: &containerservice.ManagedClusterAPIServerAccessProfileArgs{
			EnablePrivateCluster:           pulumi.Bool(true),
			PrivateDNSZone:                 pulumi.String(privateDNSZone(args)),
			EnablePrivateClusterPublicFQDN: pulumi.Bool(args.PrivateClusterPublicFQDNEnabled),
		},
		NetworkProfile: clusterNetworkProfile(args),
		AgentPoolProfiles: containerservice.ManagedClusterAgentPoolProfileArray{
			agentPool(args.SystemPool, agentPoolModeSystem, args),
			agentPool(args.UserPool, agentPoolModeUser, args),
		},
		OidcIssuerProfile: &containerservice.ManagedClusterOIDCIssuerProfileArgs{Enabled: pulumi.Bool(true)},
		SecurityProfile: &containerservice.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs{Enabled: pulumi.Bool(true)},
			Defender: &containerservice.ManagedClusterSecurityProfileDefenderArgs{
				LogAnalyticsWorkspaceResourceId: args.LogAnalyticsWorkspaceID,
				SecurityMonitoring:              &containerservice.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs{Enabled: pulumi.Bool(true)},
			},
		},
		AddonProfiles: clusterAddOnProfiles(args),
		AutoUpgradeProfile: &containerservice.ManagedClusterAutoUpgradeProfileArgs{
			UpgradeChannel:       pulumi.String(args.UpgradeChannel),
			NodeOSUpgradeChannel: pulumi.String(args.NodeOSUpgradeChannel),
		},
		ServiceMeshProfile: clusterServiceMeshProfile(args),
		Tags:               s.tags,
	}
	if args.Version != "" {
		clusterArgs.KubernetesVersion = pulumi.String(args.Version)
	}
	return clusterArgs
}

// clusterNetworkProfile is Azure CNI Overlay with the Cilium data plane and network policy, the given
// pod and service ranges, and the given outbound type.
func clusterNetworkProfile(args *KubernetesClusterArgs) *containerservice.ContainerServiceNetworkProfileArgs {
	return &containerservice.ContainerServiceNetworkProfileArgs{
		NetworkPlugin:     pulumi.String("azure"),
		NetworkPluginMode: pulumi.String("overlay"),
		NetworkDataplane:  pulumi.String("cilium"),
		NetworkPolicy:     pulumi.String("cilium"),
		PodCidr:           pulumi.String(args.PodCIDR),
		ServiceCidr:       pulumi.String(args.ServiceCIDR),
		DnsServiceIP:      pulumi.String(args.DNSServiceIP),
		OutboundType:      pulumi.String(args.OutboundType),
		LoadBalancerSku:   pulumi.String("standard"),
	}
}

// clusterAddOnProfiles enables the Key Vault secrets provider with rotation, Azure Policy, and the
// Container insights agent with managed identity authentication to the workspace.
func clusterAddOnProfiles(args *KubernetesClusterArgs) containerservice.ManagedClusterAddonProfileMap {
	return containerservice.ManagedClusterAddonProfileMap{
		string(addOnKeyVaultSecretsProvider): &containerservice.ManagedClusterAddonProfileArgs{
			Enabled: pulumi.Bool(true),
			Config:  pulumi.StringMap{"enableSecretRotation": pulumi.String("true"), "rotationPollInterval": pulumi.String("2m")},
		},
		string(addOnAzurePolicy): &containerservice.ManagedClusterAddonProfileArgs{Enabled: pulumi.Bool(true)},
		string(addOnMonitoring): &containerservice.ManagedClusterAddonProfileArgs{
			Enabled: pulumi.Bool(true),
			Config:  pulumi.StringMap{"logAnalyticsWorkspaceResourceID": args.LogAnalyticsWorkspaceID, "useAADAuth": pulumi.String("true")},
		},
	}
}

// clusterServiceMeshProfile is the Istio add-on with the given revisions and its internal ingress
// gateway.
//
// The ingress is the Istio add-on's internal gateway. The application routing add-on is never
// enabled: its NGINX support ended in November 2026, and on this API version it also creates a
// "default" NGINX controller behind a public load balancer (aks/app-routing-nginx-configuration;
// ingressProfile.webAppRouting.nginx.defaultIngressControllerType exists only from 2025-02-01).
func clusterServiceMeshProfile(args *KubernetesClusterArgs) *containerservice.ServiceMeshProfileArgs {
	return &containerservice.ServiceMeshProfileArgs{
		Mode: pulumi.String("Istio"),
		Istio: &containerservice.IstioServiceMeshArgs{
			Revisions: pulumi.ToStringArray(args.IstioRevisions),
			Components: &containerservice.IstioComponentsArgs{
				IngressGateways: containerservice.IstioIngressGatewayArray{&containerservice.IstioIngressGatewayArgs{
					Mode: pulumi.String("Internal"), Enabled: pulumi.Bool(true),
				}},
			},
		},
	}
}

// newMaintenanceWindows gives the cluster one weekly window for the three kinds of planned
// maintenance: cluster upgrades, node OS images, and, through the "default" configuration, the AKS
// releases that roll out the Istio add-on's patch versions to istiod and the ingress gateways
// (aks/istio-upgrade.md: patches "respect the default planned maintenance window";
// aks/planned-maintenance.md: from API 2023-05-01 the default configuration takes maintenanceWindow,
// weekly schedules only).
func (s clusterScope) newMaintenanceWindows(clusterName string, cluster *containerservice.ManagedCluster) error {
	ctx, args, parent := s.ctx, s.args, s.parent
	for _, maintenance := range []struct {
		role   string
		config maintenanceConfiguration
	}{
		{"upgrade", maintenanceAutoUpgrade},
		{"node-os", maintenanceNodeOSUpgrade},
		{"default", maintenanceDefault},
	} {
		window := args.MaintenanceWindow
		if _, err := containerservice.NewMaintenanceConfiguration(ctx, clusterName+"-maintenance-"+maintenance.role, &containerservice.MaintenanceConfigurationArgs{
			ConfigName:        pulumi.String(maintenance.config),
			ResourceName:      cluster.Name,
			ResourceGroupName: args.ResourceGroupName,
			MaintenanceWindow: &containerservice.MaintenanceWindowArgs{
				Schedule: &containerservice.ScheduleArgs{Weekly: &containerservice.WeeklyScheduleArgs{
					IntervalWeeks: pulumi.Int(1), DayOfWeek: pulumi.String(window.DayOfWeek),
				}},
				DurationHours: pulumi.Int(window.DurationHours),
				StartTime:     pulumi.String(window.StartTime),
				UtcOffset:     pulumi.String(window.UTCOffset),
			},
		}, parent); err != nil {
			return fmt.Errorf("creating maintenance window %s of %s: %w", maintenance.config, clusterName, err)
		}
	}
	return nil
}

// agentPool returns one autoscaled pool on the node subnet. The system pool is tainted so only
// critical add-ons run on it (https://learn.microsoft.com/azure/aks/use-system-pools).
func agentPool(pool NodePoolArgs, mode agentPoolMode, args *KubernetesClusterArgs) *containerservice.ManagedClusterAgentPoolProfileArgs {
	profile := &containerservice.ManagedClusterAgentPoolProfileArgs{
		Name:              pulumi.String(pool.Name),
		Mode:              pulumi.String(mode),
		Type:              pulumi.String("VirtualMachineScaleSets"),
		VmSize:            pulumi.String(pool.VMSize),
		OsType:            pulumi.String("Linux"),
		OsSKU:             pulumi.String("AzureLinux"),
		EnableAutoScaling: pulumi.Bool(true),
		Count:             pulumi.Int(pool.MinCount),
		MinCount:          pulumi.Int(pool.MinCount),
		MaxCount:          pulumi.Int(pool.MaxCount),
		VnetSubnetID:      args.SubnetID,
		UpgradeSettings:   &containerservice.AgentPoolUpgradeSettingsArgs{MaxSurge: pulumi.String(NodeUpgradeMaxSurge)},
	}
	if mode == agentPoolModeSystem {
		profile.NodeTaints = pulumi.StringArray{pulumi.String("CriticalAddonsOnly=true:NoSchedule")}
	}
	if len(args.Zones) > 0 {
		profile.AvailabilityZones = pulumi.ToStringArray(args.Zones)
	}
	if size, ok := EphemeralOSDiskGiB(pool.VMSize); ok {
		profile.OsDiskType = pulumi.String(osDiskEphemeral)
		profile.OsDiskSizeGB = pulumi.Int(size)
	} else {
		profile.OsDiskType = pulumi.String(osDiskManaged)
	}
	return profile
}

// temporaryDiskGiB is the local temporary disk of VM sizes known to host an ephemeral OS disk there
// (v5 sizes have no cache, so the OS disk must fit the temporary disk; Microsoft Learn, aks/concepts-storage,
// and the Ddsv5/Dadsv5 size pages).
var temporaryDiskGiB = map[string]int{
	"Standard_D2ds_v5": 75, "Standard_D4ds_v5": 150, "Standard_D8ds_v5": 300, "Standard_D16ds_v5": 600,
	"Standard_D2ads_v5": 75, "Standard_D4ads_v5": 150, "Standard_D8ads_v5": 300, "Standard_D16ads_v5": 600,
	"Standard_E2ds_v5": 75, "Standard_E4ds_v5": 150, "Standard_E8ds_v5": 300, "Standard_E16ds_v5": 600,
}

// EphemeralOSDiskGiB returns the ephemeral OS disk size for a VM size (128 GiB, or all of a smaller
// temporary disk) and whether the size is known to allow one; unknown sizes keep a managed OS disk.
func EphemeralOSDiskGiB(vmSize string) (int, bool) {
	temporary, ok := temporaryDiskGiB[vmSize]
	if !ok {
		return 0, false
	}
	return min(128, temporary), true
}

// privateDNSZone is the API server's private zone: the one the cluster is given, or "system" (AKS
// creates one in the node resource group, linked to the cluster's network).
func privateDNSZone(args *KubernetesClusterArgs) string {
	if args.PrivateDNSZoneID != "" {
		return args.PrivateDNSZoneID
	}
	return "system"
}
