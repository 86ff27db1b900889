// Cluster layer of the stack: the private AKS cluster, its registry, and (with line of sight to the
// private API server) the mTLS ingress and the echo workload.

package stacks

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	containerservice "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20241001"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/kubeconfig"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// echoNamespace holds the sample workload.
const echoNamespace = "echo"

// istioReadinessNamespace holds the Job that waits for the Istio add-on.
const istioReadinessNamespace = "istio-readiness"

// cluster is the cluster layer: the private AKS cluster and the registry it pulls from.
type cluster struct {
	cfg      *config.Config
	cluster  *components.KubernetesCluster
	registry *components.ContainerRegistry
}

// deployCluster creates the cluster with its ingress host's DNS, and the registry it pulls from.
func (p *platform) deployCluster(perimeter *perimeter) (*cluster, error) {
	ctx, cfg, base, network, monitoring, providers := p.ctx, p.cfg, p.base, p.network, p.monitoring, p.providers
	resourceGroupName := p.resourceGroup.Name
	k := cfg.Kubernetes
	if cfg.Environment == config.Production && !strings.Contains(strings.Split(cfg.Workload.Image, "/")[0], ".azurecr.io") {
		p.warnings.warn(fmt.Sprintf("workload.image %s is pulled from a public registry through the egress firewall; for production import it into the stack's registry "+
			"(az acr import --name <registry> --source %s) and set workload.image to <registry>.azurecr.io/<repository>@<digest>", cfg.Workload.Image, cfg.Workload.Image))
	}
	if cfg.PrivateDNS.Mode == config.PrivateDNSCentral && cfg.ClusterPrivateDNSZoneID() == "" {
		p.warnings.warn(fmt.Sprintf("privateDns.centralZones has no %s: AKS creates the API server's zone in the cluster's node resource group; "+
			"a landing zone policy that denies private DNS zones outside the connectivity subscription refuses it, and the choice cannot change once the cluster exists",
			cfg.ClusterPrivateDNSZone()))
	}
	clientConfig := authorization.GetClientConfigOutput(ctx, pulumi.Provider(providers.azure))
	// With a firewall, the stack's or the hub's, egress follows the node subnet's route table: AKS
	// creates no outbound IP and the nodes bootstrap through the firewall, so the cluster waits for its
	// route (and the stack's firewall's rules). A landing zone's route to its hub is there already.
	outboundType, routeTableID, egressReady := "loadBalancer", pulumi.StringInput(nil), perimeter.egressReady()
	if cfg.Perimeter.EgressRouted() {
		outboundType, routeTableID = "userDefinedRouting", network.RouteTableID
	}
	aks, err := components.NewKubernetesCluster(ctx, base, &components.KubernetesClusterArgs{
		ResourceGroupName:               resourceGroupName,
		Location:                        cfg.Location,
		Tier:                            string(k.Tier),
		Version:                         k.Version,
		TenantID:                        clientConfig.TenantId(),
		AdminGroupObjectIDs:             k.AdminGroupObjectIDs,
		SubnetID:                        network.SubnetID(naming.SubnetKubernetesNodes),
		VirtualNetworkID:                network.VirtualNetworkID,
		Zones:                           k.Zones,
		SystemPool:                      components.NodePoolArgs{Name: "system", VMSize: k.SystemPool.VMSize, MinCount: k.SystemPool.MinCount, MaxCount: k.SystemPool.MaxCount},
		UserPool:                        components.NodePoolArgs{Name: "user", VMSize: k.UserPool.VMSize, MinCount: k.UserPool.MinCount, MaxCount: k.UserPool.MaxCount},
		PodCIDR:                         k.PodCIDR,
		ServiceCIDR:                     k.ServiceCIDR,
		DNSServiceIP:                    k.DNSServiceIP,
		OutboundType:                    outboundType,
		RouteTableID:                    routeTableID,
		EgressReady:                     egressReady,
		PrivateClusterPublicFQDNEnabled: k.PrivateClusterPublicFQDNEnabled,
		UpgradeChannel:                  string(k.UpgradeChannel),
		NodeOSUpgradeChannel:            string(k.NodeOSUpgradeChannel),
		MaintenanceWindow: components.MaintenanceWindowArgs{
			DayOfWeek: k.MaintenanceWindow.DayOfWeek, StartTime: k.MaintenanceWindow.StartTime,
			DurationHours: k.MaintenanceWindow.DurationHours, UTCOffset: k.MaintenanceWindow.UTCOffset,
		},
		LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
		IstioRevisions:          cfg.InstalledIstioRevisions(),
		BackendHostName:         cfg.HostNames.Backend,
		IngressPrivateIP:        cfg.IngressPrivateIP(),
		CentralDNS:              p.centralDNS,
		PrivateDNSZoneID:        cfg.ClusterPrivateDNSZoneID(),
		Tags:                    p.tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	registry, err := components.NewContainerRegistry(ctx, base, &components.ContainerRegistryArgs{
		ResourceGroupName:       resourceGroupName,
		Location:                cfg.Location,
		RegistryName:            p.globalName(naming.RoleContainerRegistry),
		ZoneRedundant:           len(k.Zones) > 0,
		Pullers:                 map[string]pulumi.StringInput{"kubelet": aks.KubeletObjectID},
		LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
		Protected:               cfg.Protection.StatefulResourcesProtected,
		Tags:                    p.tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	return &cluster{cfg: cfg, cluster: aks, registry: registry}, nil
}

// addOutputs adds how to reach the cluster, its ingress and its registry.
func (c *cluster) addOutputs(outputs pulumi.Map) {
	outputs["backendUrl"] = pulumi.String("https://" + c.cfg.HostNames.Backend)
	outputs["ingressPrivateIp"] = pulumi.String(c.cfg.IngressPrivateIP())
	outputs["clusterName"] = c.cluster.ClusterName
	outputs["clusterId"] = c.cluster.ClusterID
	outputs["clusterPrivateFqdn"] = c.cluster.PrivateFQDN
	outputs["oidcIssuerUrl"] = c.cluster.OIDCIssuerURL
	outputs["registryLoginServer"] = c.registry.LoginServer
}

// inCluster is the in-cluster layer's status: what it holds and how the run reached the API server.
type inCluster struct {
	status string
}

// addOutputs adds the inCluster output that make deploy reads.
func (i *inCluster) addOutputs(outputs pulumi.Map) {
	outputs["inCluster"] = pulumi.String(i.status)
}

// deployInCluster creates the ingress and the workload when kubernetes.deployInCluster is true.
func (p *platform) deployInCluster(cluster *cluster, trust *trust, data *data) (*inCluster, error) {
	if !p.cfg.Kubernetes.DeployInCluster {
		return &inCluster{status: "skipped: kubernetes.deployInCluster is false, the cluster's ingress and workload are left to another tool"}, nil
	}
	if err := p.deployIngressAndWorkload(cluster.cluster, trust.certificates, data); err != nil {
		return nil, err
	}
	return &inCluster{status: inClusterDeployed(p.cfg)}, nil
}

// deployIngressAndWorkload creates the ingress and the workload through a Kubernetes provider built
// from the cluster's Microsoft Entra kubeconfig, rewritten for the runner (see providerKubeconfig).
// kubelogin must be on the PATH of whatever runs `pulumi up`.
func (p *platform) deployIngressAndWorkload(cluster *components.KubernetesCluster, certificates *components.Certificates, data *data) error {
	ctx, cfg, base := p.ctx, p.cfg, p.base
	provider, err := kubernetes.NewProvider(ctx, kubernetesProviderName, &kubernetes.ProviderArgs{
		Kubeconfig: p.providerKubeconfig(cluster),
		// The same cluster is reached through a tunnel from a workstation and directly from an agent:
		// the kubeconfig's server differs, and without an identifier that difference would replace the
		// provider and with it every object in the cluster. Only a new cluster replaces them.
		ClusterIdentifier:     cluster.ClusterID,
		EnableServerSideApply: pulumi.Bool(true),
		// The gateway Service patch takes its one annotation over from the add-on's field manager; set
		// here rather than as the pulumi.com/patchForce annotation, which would land on the add-on's
		// Service, outside the annotations the add-on lets customers set.
		EnablePatchForce: pulumi.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("creating kubernetes provider: %w", err)
	}
	inCluster := pulumi.Providers(provider)
	labels := map[string]string{"app.kubernetes.io/part-of": cfg.Project, "app.kubernetes.io/managed-by": "pulumi"}

	// The add-on creates its namespaces, CRDs, istiod and gateway Service after the cluster's creation
	// returns: everything that builds on them waits for a bounded readiness Job.
	readiness, err := components.NewIstioAddOnReadiness(ctx, base+"-istio-readiness", &components.IstioAddOnReadinessArgs{
		Namespace: istioReadinessNamespace, Image: cfg.Workload.Image, Revisions: cfg.InstalledIstioRevisions(), Labels: labels,
	}, inCluster)
	if err != nil {
		return err
	}
	workload := &components.EchoWorkloadArgs{
		Namespace:        echoNamespace,
		Image:            cfg.Workload.Image,
		Replicas:         cfg.Workload.Replicas,
		IngressNamespace: ingressNamespace(cfg),
		IstioRevision:    cfg.Ingress.IstioRevision,
		MeshReady:        readiness.Ready,
		Labels:           labels,
	}
	if data.database != nil {
		workload.WorkloadIdentityClientID, workload.WorkloadIdentityServiceAccount = data.database.ClientID, sqlClientServiceAccount
		workload.DatabaseAddressPrefix = cfg.Network.Subnets.PrivateEndpoints
	}
	if data.cosmos != nil {
		workload.ClientServiceAccounts = map[string]pulumi.StringInput{cosmosClientServiceAccount: data.cosmos.ClientID}
	}
	echo, err := components.NewEchoWorkload(ctx, base+"-echo", workload, inCluster)
	if err != nil {
		return err
	}
	server := certificates.Issued[pki.IngressServer]
	ingress := &components.MTLSIngressArgs{
		Host: cfg.HostNames.Backend, PrivateIP: cfg.IngressPrivateIP(),
		ServerCertificatePEM: server.CertificatePEM, ServerPrivateKeyPEM: server.PrivateKeyPEM, CACertificatePEM: certificates.CACertificatePEM,
		ServiceNamespace: echoNamespace, ServiceName: "echo", ServicePort: components.EchoServicePort, Labels: labels,
		ClientSubjectAltNames: []string{cfg.ClientCertificateIdentity()},
		WaitFor:               append(slices.Clone(readiness.Ready), echo.Routable...),
	}
	_, err = components.NewIstioIngress(ctx, base+"-ingress", ingress, inCluster)
	return err
}

// kubernetesProviderName names the in-cluster layer's provider. scripts/deploy.sh excludes it, and
// with it everything it deploys, from the run that creates the Azure layer.
const kubernetesProviderName = "kubernetes"

// providerKubeconfig is the cluster's Microsoft Entra user kubeconfig (listClusterUserCredential,
// format exec) with kubelogin's login method set and, through the tunnel, the server at its local
// end; AKS's own runs kubelogin in device-code mode (Azure/AKS#4990). It stays secret: the provider's
// inputs are stored in the state.
func (p *platform) providerKubeconfig(cluster *components.KubernetesCluster) pulumi.StringOutput {
	credentials := containerservice.ListManagedClusterUserCredentialsOutput(p.ctx, containerservice.ListManagedClusterUserCredentialsOutputArgs{
		ResourceGroupName: p.resourceGroup.Name,
		ResourceName:      cluster.ClusterName,
		Format:            pulumi.String("exec"),
	}, pulumi.Provider(p.providers.azure))
	access := p.cfg.KubernetesAccess()
	kubeconfigText := credentials.Kubeconfigs().Index(pulumi.Int(0)).Value().ApplyT(func(encoded string) (string, error) {
		decoded, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return "", fmt.Errorf("decoding the cluster kubeconfig: %w", err)
		}
		return kubeconfig.ForProvider(string(decoded), access)
	}).(pulumi.StringOutput)
	return pulumi.ToSecret(kubeconfigText).(pulumi.StringOutput)
}

// inClusterDeployed is the inCluster output when the layer is registered: what it holds and how
// this run reached the API server.
func inClusterDeployed(cfg *config.Config) string {
	if cfg.Runner.InClusterExcluded {
		return "excluded from this run: the Azure layer's run of make deploy leaves the cluster alone; its second run deploys the ingress and the echo workload through the Bastion tunnel"
	}
	access := cfg.KubernetesAccess()
	path := "directly (the runner is inside the virtual network)"
	if access.TunnelPort != 0 {
		path = fmt.Sprintf("through the Bastion tunnel on localhost:%d", access.TunnelPort)
	}
	return fmt.Sprintf("deployed: the %s ingress (tls mode MUTUAL) and the echo workload, reaching the API server %s with kubelogin --login %s",
		cfg.Ingress.Controller, path, access.Login)
}
