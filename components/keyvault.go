// KeyVault component: a private, RBAC-only Key Vault holding the platform's certificates as secrets.

package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// KeyVaultType is the KeyVault component's type token.
const KeyVaultType = Project + ":security:KeyVault"

// KeyVaultSecret is one secret to store.
type KeyVaultSecret struct {
	// Value is the secret's content; it is stored as a Pulumi secret whatever it arrives as.
	Value pulumi.StringInput
	// ContentType tells consumers how to read it, e.g. application/x-pkcs12 for a base64 PFX.
	ContentType string
	// ExpiresAt, when set, is the expiry of what the secret holds (RFC 3339, a certificate's notAfter).
	// It becomes the secret's exp attribute, so Key Vault, Defender for Cloud's "Key Vault secrets
	// should have an expiration date" recommendation and Azure Policy see when the content stops
	// being valid (https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes).
	ExpiresAt pulumi.StringInput
}

// unixSeconds converts an RFC 3339 time to seconds since 1970-01-01T00:00:00Z, the unit of Key Vault's
// exp attribute.
func unixSeconds(rfc3339 string) (int, error) {
	parsed, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return 0, fmt.Errorf("reading expiry %q: %w", rfc3339, err)
	}
	return int(parsed.Unix()), nil
}

// KeyVaultArgs configures the KeyVault component.
type KeyVaultArgs struct {
	// ResourceGroupName holds the vault.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// VaultName is the globally unique vault name (3-24 characters).
	VaultName pulumi.StringInput
	// TenantID is the Microsoft Entra tenant that authenticates requests to the vault.
	TenantID pulumi.StringInput
	// Secrets are stored by name. They are written through ARM (the management plane), so this works
	// with the data plane closed to the network.
	Secrets map[string]KeyVaultSecret
	// Readers maps a reader's name (e.g. "application-gateway") to the principal ID of its managed
	// identity; each gets Key Vault Secrets User on this vault and nothing else.
	Readers map[string]pulumi.StringInput
	// LogAnalyticsWorkspaceID, when set, receives the vault's AuditEvent logs and metrics.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Protected sets Pulumi's protect on the vault, so `pulumi destroy` cannot delete it by accident.
	Protected bool
	// Tags are put on the vault and its secrets.
	Tags map[string]string
}

// KeyVault is a vault with RBAC authorization, soft delete and purge protection, closed to public
// networks, holding the given secrets and granting the given readers.
type KeyVault struct {
	pulumi.ResourceState

	// VaultID is the vault's ARM ID (the scope of its role assignments and its private endpoint target).
	VaultID pulumi.StringOutput `pulumi:"vaultId"`
	// VaultName is the vault's name.
	VaultName pulumi.StringOutput `pulumi:"vaultName"`
	// VaultURI is the vault's data-plane URI, e.g. https://name.vault.azure.net/.
	VaultURI pulumi.StringOutput `pulumi:"vaultUri"`
	// SecretURIs maps each secret name to its versionless URI, so consumers always load the current
	// version and pick up rotations.
	SecretURIs pulumi.StringMapOutput `pulumi:"secretUris"`
	// Grants holds each reader's role assignment, for consumers that must wait until they can read.
	Grants map[string]pulumi.Resource
}

// vaultScope is what the children of one KeyVault component are created with.
type vaultScope struct {
	scope
	// args configures the component.
	args *KeyVaultArgs
}

// newSecrets stores args.Secrets in the vault vaultName, in name order, each as a Pulumi secret with its
// content type and, when known, its expiry; it returns each secret's versionless URI by name.
func (s vaultScope) newSecrets(vaultName string, vault *keyvault.Vault) (pulumi.StringMap, error) {
	ctx, args, parent, tags := s.ctx, s.args, s.parent, s.tags
	secretURIs := pulumi.StringMap{}
	for _, secretName := range slices.Sorted(maps.Keys(args.Secrets)) {
		secret := args.Secrets[secretName]
		resourceName := vaultName + "-" + secretName
		properties := &keyvault.SecretPropertiesArgs{
			Value:       pulumi.ToSecret(secret.Value).(pulumi.StringOutput),
			ContentType: pulumi.String(secret.ContentType),
		}
		if secret.ExpiresAt != nil {
			properties.Attributes = &keyvault.SecretAttributesArgs{
				Expires: secret.ExpiresAt.ToStringOutput().ApplyT(unixSeconds).(pulumi.IntOutput),
			}
		}
		created, err := keyvault.NewSecret(ctx, resourceName, &keyvault.SecretArgs{
			SecretName:        pulumi.String(secretName),
			VaultName:         vault.Name,
			ResourceGroupName: args.ResourceGroupName,
			Properties:        properties,
			Tags:              tags,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("creating key vault secret %s: %w", resourceName, err)
		}
		secretURIs[secretName] = created.Properties.SecretUri()
	}
	return secretURIs, nil
}

// NewKeyVault creates the vault, its secrets, its readers' role assignments and, given a workspace,
// its diagnostic setting.
//
// Network posture: public network access is Disabled, the firewall denies by default with no IP or
// virtual network rules, and trusted Azure services may bypass it. Application Gateway reads through
// the private endpoint; API Management reads certificates only with its system-assigned identity via
// the trusted-services bypass, which stays in effect with public access disabled (Microsoft Learn,
// api-management/breaking-changes/trusted-service-connectivity-retirement-march-2026.md, 2025-12-18:
// the bypass applies with "Disable public access"; the March 2026 retirement covers the gateway's
// runtime calls, not the control plane loading certificates).
func NewKeyVault(ctx *pulumi.Context, name string, args *KeyVaultArgs, opts ...pulumi.ResourceOption) (*KeyVault, error) {
	if args == nil {
		return nil, errors.New("creating key vault: args are required")
	}
	component := &KeyVault{Grants: map[string]pulumi.Resource{}}
	if err := ctx.RegisterComponentResource(KeyVaultType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering key vault %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)

	vaultName := naming.Child(name, naming.RoleKeyVault)
	vault, err := keyvault.NewVault(ctx, vaultName, &keyvault.VaultArgs{
		VaultName:         args.VaultName,
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                  args.TenantID,
			Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(90),
			EnablePurgeProtection:     pulumi.Bool(true),
			PublicNetworkAccess:       pulumi.String("Disabled"),
			NetworkAcls: &keyvault.NetworkRuleSetArgs{
				DefaultAction:       pulumi.String("Deny"),
				Bypass:              pulumi.String("AzureServices"),
				IpRules:             keyvault.IPRuleArray{},
				VirtualNetworkRules: keyvault.VirtualNetworkRuleArray{},
			},
			EnabledForDeployment:         pulumi.Bool(false),
			EnabledForDiskEncryption:     pulumi.Bool(false),
			EnabledForTemplateDeployment: pulumi.Bool(false),
		},
		Tags: tags,
	}, parent, pulumi.Protect(args.Protected))
	if err != nil {
		return nil, fmt.Errorf("creating key vault %s: %w", vaultName, err)
	}
	vaultID := vault.ID().ToStringOutput()

	s := vaultScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}
	secretURIs, err := s.newSecrets(vaultName, vault)
	if err != nil {
		return nil, err
	}

	for _, reader := range slices.Sorted(maps.Keys(args.Readers)) {
		grant, err := grantRole(ctx, vaultName+"-reader-"+reader, vaultID, KeyVaultSecretsUserRole, args.Readers[reader], parent)
		if err != nil {
			return nil, err
		}
		component.Grants[reader] = grant
	}

	if args.LogAnalyticsWorkspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, vaultName, ResourceTypeKeyVault, vaultID, args.LogAnalyticsWorkspaceID, parent); err != nil {
			return nil, err
		}
	}

	component.VaultID = vaultID
	component.VaultName = vault.Name
	component.VaultURI = vault.Properties.VaultUri()
	component.SecretURIs = secretURIs.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering key vault %s outputs: %w", name, err)
	}
	return component, nil
}
