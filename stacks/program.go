// The platform program: the one function `pulumi up` runs (main.go) and the tests run under mocks.
package stacks

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// Program deploys the whole platform for the current stack. It loads and validates the configuration
// before registering any resource, so bad input never leaves a half-deployed stack.
func Program(ctx *pulumi.Context) error {
	raw, err := rawConfig()
	if err != nil {
		return err
	}
	cfg, err := config.Load(ctx.Project(), ctx.Stack(), raw)
	if err != nil {
		return err
	}
	return deploy(ctx, cfg)
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

// deploy composes the components for a validated configuration.
func deploy(ctx *pulumi.Context, cfg *config.Config) error {
	providers, err := newProviders(ctx, cfg)
	if err != nil {
		return err
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
		return fmt.Errorf("creating resource group %s: %w", resourceGroupName, err)
	}

	suffix, err := uniqueSuffix(ctx, base, providers)
	if err != nil {
		return err
	}

	network, err := components.NewNetwork(ctx, base, &components.NetworkArgs{
		ResourceGroupName: resourceGroup.Name,
		Location:          cfg.Location,
		AddressSpace:      cfg.Network.AddressSpace,
		Subnets:           cfg.Subnets(),
		Tags:              tags,
	}, providers.all())
	if err != nil {
		return err
	}

	monitoring, err := components.NewMonitoring(ctx, base, &components.MonitoringArgs{
		ResourceGroupName: resourceGroup.Name,
		Location:          cfg.Location,
		RetentionDays:     cfg.Monitoring.RetentionDays,
		Protected:         cfg.Protection.StatefulResourcesProtected,
		Tags:              tags,
	}, providers.all())
	if err != nil {
		return err
	}
	certificates, gatewayIdentity, err := deployCertificates(ctx, cfg, base, resourceGroup.Name, providers)
	if err != nil {
		return err
	}
	apim, err := deployAPIManagement(ctx, cfg, base, resourceGroup.Name, suffix, network, certificates, providers)
	if err != nil {
		return err
	}
	vault, err := deployKeyVault(ctx, cfg, base, resourceGroup.Name, suffix, certificates,
		map[string]pulumi.StringInput{gatewayReader: gatewayIdentity.PrincipalId, apimReader: apim.PrincipalID}, monitoring, providers)
	if err != nil {
		return err
	}
	cluster, registry, err := deployCluster(ctx, cfg, base, resourceGroup.Name, suffix, network, monitoring, providers)
	if err != nil {
		return err
	}
	endpoints, err := components.NewPrivateEndpoints(ctx, base, &components.PrivateEndpointsArgs{
		ResourceGroupName: resourceGroup.Name,
		Location:          cfg.Location,
		SubnetID:          network.SubnetID(naming.SubnetPrivateEndpoints),
		VirtualNetworkID:  network.VirtualNetworkID,
		Targets: []components.PrivateEndpointTarget{
			{Name: "kv", ResourceID: vault.VaultID, GroupID: "vault"},
			{Name: "acr", ResourceID: registry.RegistryID, GroupID: "registry"},
		},
		Tags: tags,
	}, providers.all())
	if err != nil {
		return err
	}
	if _, err := deployBackendAPI(ctx, cfg, base, resourceGroup.Name, apim, vault, monitoring, providers); err != nil {
		return err
	}
	gateway, err := deployGateway(ctx, cfg, base, resourceGroup.Name, resourceGroup.ID(), suffix, network, certificates,
		gatewayIdentity.ID(), vault, endpoints, apim, providers)
	if err != nil {
		return err
	}

	inClusterStatus := "skipped: the API server is private; with line of sight to it and kubelogin installed, set kubernetes.deployInCluster to true and run pulumi up (see README, Reaching the private API server)"
	if cfg.Kubernetes.DeployInCluster {
		if err := deployInCluster(ctx, cfg, resourceGroup.Name, cluster, certificates, providers); err != nil {
			return err
		}
		inClusterStatus = "deployed: " + cfg.Ingress.Controller + " ingress and the echo workload"
	}

	ctx.Export("environment", pulumi.String(string(cfg.Environment)))
	ctx.Export("inCluster", pulumi.String(inClusterStatus))
	ctx.Export("clusterName", cluster.ClusterName)
	ctx.Export("oidcIssuerUrl", cluster.OIDCIssuerURL)
	ctx.Export("registryLoginServer", registry.LoginServer)
	ctx.Export("ingressPrivateIp", pulumi.String(cfg.IngressPrivateIP()))
	ctx.Export("backendUrl", pulumi.String("https://"+cfg.HostNames.Backend))
	ctx.Export("resourceGroupName", resourceGroup.Name)
	ctx.Export("nameSuffix", suffix)
	ctx.Export("virtualNetworkId", network.VirtualNetworkID)
	ctx.Export("subnetIds", network.SubnetIDs)
	ctx.Export("publicEndpoint", pulumi.String("https://"+cfg.HostNames.Public))
	ctx.Export("applicationGatewayPublicIp", gateway.PublicIPAddress)
	ctx.Export("applicationGatewayFqdn", gateway.PublicFQDN)
	ctx.Export("apiManagementName", apim.ServiceName)
	ctx.Export("apiManagementGatewayUrl", apim.GatewayURL)
	ctx.Export("apiManagementPrivateIp", apim.PrivateIPAddress)
	ctx.Export("caCertificatePem", certificates.CACertificatePEM)
	ctx.Export("logAnalyticsWorkspaceId", monitoring.WorkspaceID)
	ctx.Export("keyVaultName", vault.VaultName)
	ctx.Export("keyVaultUri", vault.VaultURI)
	ctx.Export("keyVaultSecretUris", vault.SecretURIs)
	ctx.Export("applicationGatewayIdentityId", gatewayIdentity.ID())
	ctx.Export("applicationGatewayIdentityClientId", gatewayIdentity.ClientId)
	expiries := pulumi.StringMap{string(pki.CA): certificates.CAExpiresAt}
	for certificate, issued := range certificates.Issued {
		expiries[string(certificate)] = issued.ExpiresAt
	}
	ctx.Export("certificateExpiry", expiries)
	return nil
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
