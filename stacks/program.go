// The platform program: the one function `pulumi up` runs (main.go) and the tests run under mocks.
package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// Program deploys the whole platform for the current stack. It loads and validates the configuration,
// and checks what it can against Azure (the Istio add-on revisions of the region), before registering
// any resource, so bad input never leaves a half-deployed stack.
func Program(ctx *pulumi.Context) error {
	return WithOptions(Options{Runner: config.RunnerFromEnvironment(os.LookupEnv)})(ctx)
}

// Options are what the program takes from its surroundings rather than from the stack configuration;
// offline tools (the tests, the review command) set them, `pulumi up` uses the defaults.
type Options struct {
	// Observe, when set, also receives every stack output, by name, as it is exported: offline tools
	// read the outputs the engine would get.
	Observe func(name string, value pulumi.Input)
	// MeshRevisions answers which Istio add-on revisions Azure supports in a region; nil asks the
	// Azure CLI.
	MeshRevisions MeshRevisionSource
	// Runner is where the program runs (Program reads it from the environment): how the Kubernetes
	// provider reaches the private API server.
	Runner config.Runner
}

// WithOptions returns Program with the given options.
func WithOptions(options Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		raw, err := rawConfig()
		if err != nil {
			return err
		}
		cfg, err := config.LoadFor(ctx.Project(), ctx.Stack(), raw, options.Runner)
		if err != nil {
			return err
		}
		source := options.MeshRevisions
		if source == nil {
			source = AzureCLIMeshRevisions{}
		}
		if err := checkMeshRevisions(ctx, cfg, source); err != nil {
			return err
		}
		outputs, err := deploy(ctx, cfg)
		if err != nil {
			return err
		}
		for _, name := range slices.Sorted(maps.Keys(outputs)) {
			ctx.Export(name, outputs[name])
			if options.Observe != nil {
				options.Observe(name, outputs[name])
			}
		}
		return nil
	}
}

// rawConfig returns every config key of the stack. The Go SDK has no call that lists config keys, and
// unknown keys must be reported, so this reads the JSON map the Go language host hands the program in
// PULUMI_CONFIG (pulumi-language-go constructEnv; the SDK's own getEnvInfo reads the same variable).
func rawConfig() (map[string]string, error) {
	raw := map[string]string{}
	if text := os.Getenv(pulumi.EnvConfig); text != "" {
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return nil, fmt.Errorf("reading stack config from %s: %w", pulumi.EnvConfig, err)
		}
	}
	return raw, nil
}

// deploy composes the components for a validated configuration and returns the stack outputs.
func deploy(ctx *pulumi.Context, cfg *config.Config) (pulumi.Map, error) {
	providers, err := newProviders(ctx, cfg)
	if err != nil {
		return nil, err
	}
	base := naming.Base(cfg.NamePrefix, cfg.Stack)
	tags := cfg.ResourceTags()

	resourceGroupName := naming.Child(base, naming.RoleResourceGroup)
	resourceGroup, err := resources.NewResourceGroup(ctx, resourceGroupName, &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(resourceGroupName),
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(tags),
	}, pulumi.Provider(providers.azure))
	if err != nil {
		return nil, fmt.Errorf("creating resource group %s: %w", resourceGroupName, err)
	}

	suffix, err := uniqueSuffix(ctx, base, providers)
	if err != nil {
		return nil, err
	}

	monitoring, err := components.NewMonitoring(ctx, base, &components.MonitoringArgs{
		ResourceGroupName: resourceGroup.Name,
		Location:          cfg.Location,
		RetentionDays:     cfg.Monitoring.RetentionDays,
		Protected:         cfg.Protection.StatefulResourcesProtected,
		Tags:              tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	network, err := components.NewNetwork(ctx, base, &components.NetworkArgs{
		ResourceGroupName:       resourceGroup.Name,
		Location:                cfg.Location,
		AddressSpace:            cfg.Network.AddressSpace,
		Subnets:                 cfg.Subnets(),
		ClusterPodCIDR:          cfg.Kubernetes.PodCIDR,
		LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
		EgressSubnets:           egressSubnets(cfg),
		Tags:                    tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	certificates, gatewayIdentity, err := deployCertificates(ctx, cfg, base, resourceGroup.Name, providers)
	if err != nil {
		return nil, err
	}
	apim, err := deployAPIManagement(ctx, cfg, base, resourceGroup.Name, suffix, network, certificates, monitoring, providers)
	if err != nil {
		return nil, err
	}
	vault, err := deployKeyVault(ctx, cfg, base, resourceGroup.Name, suffix, certificates,
		map[string]pulumi.StringInput{gatewayReader: gatewayIdentity.PrincipalId}, monitoring, providers)
	if err != nil {
		return nil, err
	}
	perimeter, err := deployPerimeter(ctx, cfg, base, resourceGroup.Name, network, monitoring, providers)
	if err != nil {
		return nil, err
	}
	cluster, registry, err := deployCluster(ctx, cfg, base, resourceGroup.Name, suffix, network, monitoring, perimeter.firewall, providers)
	if err != nil {
		return nil, err
	}
	database, err := deploySQL(ctx, cfg, base, resourceGroup.Name, suffix, cluster, monitoring, providers)
	if err != nil {
		return nil, err
	}
	endpoints, err := components.NewPrivateEndpoints(ctx, base, &components.PrivateEndpointsArgs{
		ResourceGroupName: resourceGroup.Name,
		Location:          cfg.Location,
		SubnetID:          network.SubnetID(naming.SubnetPrivateEndpoints),
		VirtualNetworkID:  network.VirtualNetworkID,
		Targets:           privateEndpointTargets(cfg, vault, registry, database),
		Tags:              tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	if _, err := deployBackendAPI(ctx, cfg, base, resourceGroup.Name, apim, certificates, monitoring, providers); err != nil {
		return nil, err
	}
	gateway, err := deployGateway(ctx, cfg, base, resourceGroup.Name, resourceGroup.ID(), suffix, network, certificates,
		gatewayIdentity.ID(), vault, endpoints, apim, monitoring, providers)
	if err != nil {
		return nil, err
	}
	alerts, err := deployAlerts(ctx, cfg, base, resourceGroup.Name, gateway, apim, cluster, providers)
	if err != nil {
		return nil, err
	}

	inClusterStatus := "skipped: kubernetes.deployInCluster is false, the cluster's ingress and workload are left to another tool"
	if cfg.Kubernetes.DeployInCluster {
		if err := deployInCluster(ctx, cfg, base, resourceGroup.Name, cluster, certificates, database, providers); err != nil {
			return nil, err
		}
		inClusterStatus = inClusterDeployed(cfg)
	}

	built := &deployment{resourceGroup: resourceGroup, suffix: suffix, network: network, certificates: certificates, gatewayIdentity: gatewayIdentity,
		apim: apim, vault: vault, perimeter: perimeter, cluster: cluster, registry: registry, database: database, endpoints: endpoints,
		gateway: gateway, alerts: alerts, monitoring: monitoring, inClusterStatus: inClusterStatus}
	return stackOutputs(ctx, cfg, base, built), nil
}

// deployment is what deploy created, for the stack outputs.
type deployment struct {
	resourceGroup   *resources.ResourceGroup
	suffix          pulumi.StringOutput
	network         *components.Network
	certificates    *components.Certificates
	gatewayIdentity *managedidentity.UserAssignedIdentity
	apim            *components.APIManagement
	vault           *components.KeyVault
	perimeter       *perimeter
	cluster         *components.KubernetesCluster
	registry        *components.ContainerRegistry
	database        *components.SQLDatabase
	endpoints       *components.PrivateEndpoints
	gateway         *components.ApplicationGateway
	alerts          *components.Alerts
	monitoring      *components.Monitoring
	inClusterStatus string
}

// stackOutputs are what operators, make deploy and make verify read from the stack.
func stackOutputs(ctx *pulumi.Context, cfg *config.Config, base string, d *deployment) pulumi.Map {
	expiries := pulumi.StringMap{string(pki.CA): d.certificates.CAExpiresAt}
	for certificate, issued := range d.certificates.Issued {
		expiries[string(certificate)] = issued.ExpiresAt
	}
	outputs := pulumi.Map{
		"environment":                        pulumi.String(string(cfg.Environment)),
		"inCluster":                          pulumi.String(d.inClusterStatus),
		"resourceGroupName":                  d.resourceGroup.Name,
		"nameSuffix":                         d.suffix,
		"virtualNetworkId":                   d.network.VirtualNetworkID,
		"subnetIds":                          d.network.SubnetIDs,
		"publicEndpoint":                     pulumi.String("https://" + cfg.HostNames.Public),
		"applicationGatewayPublicIp":         d.gateway.PublicIPAddress,
		"applicationGatewayFqdn":             d.gateway.PublicFQDN,
		"applicationGatewayIdentityId":       d.gatewayIdentity.ID(),
		"applicationGatewayIdentityClientId": d.gatewayIdentity.ClientId,
		"apiManagementName":                  d.apim.ServiceName,
		"apiManagementGatewayUrl":            d.apim.GatewayURL,
		"apiManagementPrivateIp":             d.apim.PrivateIPAddress,
		"backendUrl":                         pulumi.String("https://" + cfg.HostNames.Backend),
		"ingressPrivateIp":                   pulumi.String(cfg.IngressPrivateIP()),
		"clusterName":                        d.cluster.ClusterName,
		"clusterId":                          d.cluster.ClusterID,
		"clusterPrivateFqdn":                 d.cluster.PrivateFQDN,
		"apiManagementClientCertificatePem":  d.certificates.Issued[pki.APIMClient].CertificatePEM,
		"apiPath":                            pulumi.String("/" + echoAPIPath + "/"),
		"tokenAudience":                      pulumi.String(tokenAudience(cfg.APIManagement)),
		"oidcIssuerUrl":                      d.cluster.OIDCIssuerURL,
		"registryLoginServer":                d.registry.LoginServer,
		"keyVaultName":                       d.vault.VaultName,
		"keyVaultUri":                        d.vault.VaultURI,
		"keyVaultSecretUris":                 d.vault.SecretURIs,
		"privateEndpointIds":                 d.endpoints.EndpointIDs,
		"caCertificatePem":                   d.certificates.CACertificatePEM,
		"certificateExpiry":                  expiries,
		"logAnalyticsWorkspaceId":            d.monitoring.WorkspaceID,
		"logAnalyticsWorkspaceCustomerId":    d.monitoring.WorkspaceCustomerID,
		"endToEndQuery":                      pulumi.String(components.EndToEndQuery(ingressNamespaces(cfg))),
		"apiManagementErrorsQuery":           pulumi.String(components.APIManagementErrorsQuery()),
		"ingressLogQuery":                    pulumi.String(components.IngressLogQuery(ingressNamespace(cfg))),
		"alertActionGroupId":                 d.alerts.ActionGroupID,
		"alertEmail":                         pulumi.String(cfg.AlertRecipient()),
	}
	d.perimeter.addOutputs(outputs)
	addSQLOutputs(outputs, d.database)
	addApprovalOutputs(ctx, cfg, base, outputs)
	return outputs
}

// uniqueSuffix creates the random suffix of globally unique names (Key Vault, API Management,
// registry, DNS labels). It has no keepers, so it is generated once and stays in the stack's state:
// names are stable across runs and only change if the stack is destroyed.
func uniqueSuffix(ctx *pulumi.Context, base string, providers *providers) (pulumi.StringOutput, error) {
	suffix, err := random.NewRandomString(ctx, base+"-name-suffix", &random.RandomStringArgs{
		Length:  pulumi.Int(naming.SuffixLength),
		Lower:   pulumi.Bool(true),
		Numeric: pulumi.Bool(true),
		Upper:   pulumi.Bool(false),
		Special: pulumi.Bool(false),
	}, pulumi.Provider(providers.random))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating name suffix: %w", err)
	}
	return suffix.Result, nil
}
