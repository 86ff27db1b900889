// Certificate layer of the stack: the chain of trust and the Application Gateway identity that reads it.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// deployCertificates issues the certificate chain and creates the Application Gateway identity. The
// identity exists before the gateway, so its Key Vault grant is in place before the gateway first reads
// its listener certificate.
func deployCertificates(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	providers *providers,
) (*components.Certificates, *managedidentity.UserAssignedIdentity, error) {
	identityName := naming.Child(base, naming.RoleGatewayIdentity)
	gatewayIdentity, err := managedidentity.NewUserAssignedIdentity(ctx, identityName, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(identityName),
		ResourceGroupName: resourceGroupName,
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(cfg.ResourceTags()),
	}, pulumi.Provider(providers.azure))
	if err != nil {
		return nil, nil, fmt.Errorf("creating identity %s: %w", identityName, err)
	}

	leaves := map[pki.Certificate]components.LeafArgs{
		pki.APIMGateway:   {DNSName: cfg.HostNames.APIGateway, Key: cfg.KeySpec(pki.APIMGateway), Usage: "server_auth"},
		pki.APIMClient:    {DNSName: cfg.ClientCertificateIdentity(), Key: cfg.KeySpec(pki.APIMClient), Usage: "client_auth"},
		pki.IngressServer: {DNSName: cfg.HostNames.Backend, Key: cfg.KeySpec(pki.IngressServer), Usage: "server_auth"},
	}
	if cfg.ListenerGenerated() {
		leaves[pki.Listener] = components.LeafArgs{DNSName: cfg.HostNames.Public, Key: cfg.KeySpec(pki.Listener), Usage: "server_auth"}
		if cfg.Environment == config.Production {
			_ = ctx.Log.Warn("certificates.listenerKeyVaultSecretId is empty: the public listener uses a certificate signed by the platform's private CA, which Internet clients do not trust; bring a public CA certificate for production", nil)
		}
	}
	certificates, err := components.NewCertificates(ctx, base, &components.CertificatesArgs{
		Organization:        cfg.Certificates.Organization,
		CAKey:               cfg.KeySpec(pki.CA),
		CAValidityHours:     cfg.Certificates.CAValidityHours,
		CAEarlyRenewalHours: cfg.Certificates.CAEarlyRenewalHours,
		Leaves:              leaves,
		ValidityHours:       cfg.Certificates.ValidityHours,
		EarlyRenewalHours:   cfg.Certificates.EarlyRenewalHours,
	}, providers.all())
	if err != nil {
		return nil, nil, err
	}
	return certificates, gatewayIdentity, nil
}
