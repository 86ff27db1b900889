// Key Vault layer of the stack: the private vault that serves the certificates, and its private endpoint.
package stacks

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// caSecretName is the Key Vault secret holding the CA certificate (PEM, never its key).
const caSecretName = "ca-certificate"

// gatewayReader names the identity that reads the vault: Application Gateway's, for its listener.
const gatewayReader = "application-gateway"

// deployKeyVault stores the chain in the vault and grants the readers Key Vault Secrets User.
func deployKeyVault(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	suffix pulumi.StringOutput, certificates *components.Certificates,
	readers map[string]pulumi.StringInput, monitoring *components.Monitoring, providers *providers,
) (*components.KeyVault, error) {
	secrets := map[string]components.KeyVaultSecret{
		caSecretName: {Value: certificates.CACertificatePEM, ContentType: "application/x-pem-file", ExpiresAt: certificates.CAExpiresAt},
	}
	for certificate, issued := range certificates.Issued {
		secrets[string(certificate)] = components.KeyVaultSecret{Value: issued.PFX, ContentType: pki.PFXContentType, ExpiresAt: issued.ExpiresAt}
	}
	clientConfig := authorization.GetClientConfigOutput(ctx, pulumi.Provider(providers.azure))
	vault, err := components.NewKeyVault(ctx, base, &components.KeyVaultArgs{
		ResourceGroupName:       resourceGroupName,
		Location:                cfg.Location,
		VaultName:               globalName(suffix, base, naming.RoleKeyVault),
		TenantID:                clientConfig.TenantId(),
		Secrets:                 secrets,
		Readers:                 readers,
		LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
		Protected:               cfg.Protection.StatefulResourcesProtected,
		Tags:                    cfg.ResourceTags(),
	}, providers.all())
	if err != nil {
		return nil, err
	}
	return vault, nil
}

// globalName is the globally unique name of a role, once the random suffix is known.
func globalName(suffix pulumi.StringOutput, base string, role naming.Role) pulumi.StringOutput {
	return suffix.ApplyT(func(suffix string) string {
		return naming.Global(base, role, suffix)
	}).(pulumi.StringOutput)
}
