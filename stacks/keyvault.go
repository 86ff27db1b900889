// Key Vault layer of the stack: the private vault that serves the certificates (its private endpoint
// is in the private endpoint layer, data.go).

package stacks

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// caSecretName is the Key Vault secret holding the CA certificate (PEM, never its key).
const caSecretName = "ca-certificate"

// gatewayReader names the identity that reads the vault: Application Gateway's, for its listener.
const gatewayReader = "application-gateway"

// keyVault is the Key Vault layer: the private vault that serves the certificates.
type keyVault struct {
	vault *components.KeyVault
}

// deployKeyVault stores the chain in the vault and grants the edge's identity Key Vault Secrets User.
func (p *platform) deployKeyVault(trust *trust) (*keyVault, error) {
	certificates := trust.certificates
	secrets := map[string]components.KeyVaultSecret{
		caSecretName: {Value: certificates.CACertificatePEM, ContentType: "application/x-pem-file", ExpiresAt: certificates.CAExpiresAt},
	}
	for certificate, issued := range certificates.Issued {
		secrets[string(certificate)] = components.KeyVaultSecret{Value: issued.PFX, ContentType: pki.PFXContentType, ExpiresAt: issued.ExpiresAt}
	}
	clientConfig := authorization.GetClientConfigOutput(p.ctx, pulumi.Provider(p.providers.azure))
	vault, err := components.NewKeyVault(p.ctx, p.base, &components.KeyVaultArgs{
		ResourceGroupName:       p.resourceGroup.Name,
		Location:                p.cfg.Location,
		VaultName:               p.globalName(naming.RoleKeyVault),
		TenantID:                clientConfig.TenantId(),
		Secrets:                 secrets,
		Readers:                 map[string]pulumi.StringInput{gatewayReader: trust.gatewayIdentity.PrincipalId},
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		Protected:               p.cfg.Protection.StatefulResourcesProtected,
		Tags:                    p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &keyVault{vault: vault}, nil
}

// addOutputs adds the vault's name, URI and the secret URIs.
func (k *keyVault) addOutputs(outputs pulumi.Map) {
	outputs["keyVaultName"] = k.vault.VaultName
	outputs["keyVaultUri"] = k.vault.VaultURI
	outputs["keyVaultSecretUris"] = k.vault.SecretURIs
}
