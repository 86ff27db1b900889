// Edge layer of the stack: the WAF Application Gateway in front of API Management.
package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// deployGateway creates the gateway once its prerequisites exist: the API Management gateway host
// resolves privately, the identity may read the vault, and the vault resolves to its private endpoint.
func deployGateway(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName, resourceGroupID pulumi.StringInput,
	suffix pulumi.StringOutput, network *components.Network, certificates *components.Certificates,
	identityID pulumi.StringInput, vault *components.KeyVault, endpoints *components.PrivateEndpoints,
	apim *components.APIManagement, monitoring *components.Monitoring, providers *providers,
) (*components.ApplicationGateway, error) {
	listener := pulumi.String(cfg.Certificates.ListenerKeyVaultSecretID).ToStringOutput()
	if cfg.ListenerGenerated() {
		listener = vault.SecretURIs.MapIndex(pulumi.String(string(pki.Listener)))
	}
	waitFor := append([]pulumi.Resource{}, apim.GatewayDNS...)
	waitFor = append(waitFor, vault.Grants[gatewayReader])
	waitFor = append(waitFor, endpoints.ReadyFor(keyVaultEndpoint)...)
	gateway := cfg.ApplicationGateway
	return components.NewApplicationGateway(ctx, base, &components.ApplicationGatewayArgs{
		ResourceGroupName:           resourceGroupName,
		ResourceGroupID:             resourceGroupID,
		Location:                    cfg.Location,
		SubnetID:                    network.SubnetID(naming.SubnetApplicationGateway),
		Zones:                       gateway.Zones,
		MinCapacity:                 gateway.MinCapacity,
		MaxCapacity:                 gateway.MaxCapacity,
		WAFMode:                     gateway.WAFMode,
		IdentityID:                  identityID,
		PublicHostName:              cfg.HostNames.Public,
		ListenerCertificateSecretID: listener,
		BackendHostName:             cfg.HostNames.APIGateway,
		TrustedRootCertificatePEM:   certificates.CACertificatePEM,
		DNSLabel:                    globalName(suffix, base, naming.RoleGatewayDNSLabel),
		WaitFor:                     waitFor,
		LogAnalyticsWorkspaceID:     monitoring.WorkspaceID,
		Tags:                        cfg.ResourceTags(),
	}, providers.all())
}
