// Security layer of the stack: the certificate chain, the private Key Vault that serves it, and the
// identities that read it.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// caSecretName is the Key Vault secret holding the CA certificate (PEM, never its key).
const caSecretName = "ca-certificate"

// security is what the security layer gives the rest of the stack.
type security struct {
	certificates    *components.Certificates
	vault           *components.KeyVault
	gatewayIdentity *managedidentity.UserAssignedIdentity
	endpoints       *components.PrivateEndpoints
}

// deploySecurity issues the certificates, stores them in the vault and grants the Application Gateway
// identity read access. API Management's own identity is granted where API Management is created.
func deploySecurity(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	suffix pulumi.StringOutput, network *components.Network, providers *providers,
) (*security, error) {
	tags := cfg.ResourceTags()

	// Application Gateway's identity exists before the gateway, so its grant is in place before the
	// gateway first reads its listener certificate.
	identityName := naming.Child(base, naming.RoleGatewayIdentity)
	gatewayIdentity, err := managedidentity.NewUserAssignedIdentity(ctx, identityName, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(identityName),
		ResourceGroupName: resourceGroupName,
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(tags),
	}, pulumi.Provider(providers.azure))
	if err != nil {
		return nil, fmt.Errorf("creating identity %s: %w", identityName, err)
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
		return nil, err
	}

	secrets := map[string]components.KeyVaultSecret{
		caSecretName: {Value: certificates.CACertificatePEM, ContentType: "application/x-pem-file"},
	}
	for certificate, issued := range certificates.Issued {
		secrets[string(certificate)] = components.KeyVaultSecret{Value: issued.PFX, ContentType: pki.PFXContentType}
	}
	clientConfig := authorization.GetClientConfigOutput(ctx, pulumi.Provider(providers.azure))
	vault, err := components.NewKeyVault(ctx, base, &components.KeyVaultArgs{
		ResourceGroupName: resourceGroupName,
		Location:          cfg.Location,
		VaultName: suffix.ApplyT(func(suffix string) string {
			return naming.Global(base, naming.RoleKeyVault, suffix)
		}).(pulumi.StringOutput),
		TenantID:  clientConfig.TenantId(),
		Secrets:   secrets,
		Readers:   map[string]pulumi.StringInput{"application-gateway": gatewayIdentity.PrincipalId},
		Protected: cfg.Protection.StatefulResourcesProtected,
		Tags:      tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}

	endpoints, err := components.NewPrivateEndpoints(ctx, base, &components.PrivateEndpointsArgs{
		ResourceGroupName: resourceGroupName,
		Location:          cfg.Location,
		SubnetID:          network.SubnetID(naming.SubnetPrivateEndpoints),
		VirtualNetworkID:  network.VirtualNetworkID,
		Targets:           []components.PrivateEndpointTarget{{Name: "kv", ResourceID: vault.VaultID, GroupID: "vault"}},
		Tags:              tags,
	}, providers.all())
	if err != nil {
		return nil, err
	}
	return &security{certificates: certificates, vault: vault, gatewayIdentity: gatewayIdentity, endpoints: endpoints}, nil
}

// export publishes what operators and later layers need; nothing here is sensitive.
func (s *security) export(ctx *pulumi.Context) {
	ctx.Export("caCertificatePem", s.certificates.CACertificatePEM)
	ctx.Export("keyVaultName", s.vault.VaultName)
	ctx.Export("keyVaultUri", s.vault.VaultURI)
	ctx.Export("keyVaultSecretUris", s.vault.SecretURIs)
	ctx.Export("applicationGatewayIdentityId", s.gatewayIdentity.ID())
	ctx.Export("applicationGatewayIdentityClientId", s.gatewayIdentity.ClientId)
	expiries := pulumi.StringMap{string(pki.CA): s.certificates.CAExpiresAt}
	for certificate, issued := range s.certificates.Issued {
		expiries[string(certificate)] = issued.ExpiresAt
	}
	ctx.Export("certificateExpiry", expiries)
}
