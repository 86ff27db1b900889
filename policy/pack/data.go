// Data policies: Key Vault, the container registry and Azure SQL are closed to the public and
// authorised through Microsoft Entra ID only.

package pack

import "fmt"

const (
	keyVaultType         = "azure-native:keyvault:Vault"
	registryType         = "azure-native:containerregistry:Registry"
	sqlServerType        = "azure-native:sql:Server"
	sqlEntraOnlyAuthType = "azure-native:sql:ServerAzureADOnlyAuthentication"
)

// requireValue reports a path whose known value is not want.
func requireValue(r Resource, path, want, meaning string) []string {
	if r.Unknown(path) {
		return nil
	}
	if value := r.String(path); value != want {
		return []string{fmt.Sprintf("%s is %q, not %q: %s.", path, value, want, meaning)}
	}
	return nil
}

var dataRules = []resourceRule{
	{
		name:        "keyvault-rbac",
		description: "Key Vault authorizes with Azure RBAC, not access policies.",
		remediation: "set properties.enableRbacAuthorization true and grant Key Vault Secrets User per reader.",
		level:       Mandatory, types: []string{keyVaultType},
		check: func(r Resource, _ map[string]any) []string {
			return requireTrue(r, required{"properties.enableRbacAuthorization", "access policies grant vault-wide rights outside Azure RBAC"})
		},
	},
	{
		name:        "keyvault-purge-protection",
		description: "Key Vault has purge protection, so deleted secrets and keys cannot be destroyed before retention ends.",
		remediation: "set properties.enablePurgeProtection true.",
		level:       Mandatory, types: []string{keyVaultType},
		check: func(r Resource, _ map[string]any) []string {
			return requireTrue(r, required{"properties.enablePurgeProtection", "a deleted vault's contents can be purged at once"})
		},
	},
	{
		name:        "keyvault-network-deny",
		description: "Key Vault's firewall denies by default and lists no IP rules; it is reached through its private endpoint.",
		remediation: "set properties.networkAcls.defaultAction Deny with no ipRules (and publicNetworkAccess Disabled).",
		level:       Mandatory, types: []string{keyVaultType},
		check: func(r Resource, _ map[string]any) []string {
			problems := requireValue(r, "properties.networkAcls.defaultAction", "Deny", "any network may reach the vault")
			if rules := r.Array("properties.networkAcls.ipRules"); len(rules) > 0 {
				problems = append(problems, fmt.Sprintf("%d IP rule(s) open the vault to public addresses.", len(rules)))
			}
			return problems
		},
	},
	{
		name:        "acr-admin-user-off",
		description: "The container registry's admin user (a shared password) is off.",
		remediation: "set adminUserEnabled false; pull with the kubelet identity (AcrPull).",
		level:       Mandatory, types: []string{registryType},
		check: func(r Resource, _ map[string]any) []string {
			if on, known := r.Bool("adminUserEnabled"); known && on {
				return []string{"adminUserEnabled is true."}
			}
			return nil
		},
	},
	{
		name:        "acr-public-network-off",
		description: "The container registry is not reachable from public networks.",
		remediation: "set publicNetworkAccess Disabled and reach the registry through its private endpoint.",
		level:       Mandatory, types: []string{registryType},
		check: func(r Resource, _ map[string]any) []string {
			return requireValue(r, "publicNetworkAccess", "Disabled", "the registry answers on the Internet")
		},
	},
	{
		name:        "sql-entra-only",
		description: "Azure SQL accepts Microsoft Entra authentication only: no SQL logins or passwords.",
		remediation: "set administrators.azureADOnlyAuthentication true with an Entra group as administrator, and no administratorLogin or password.",
		level:       Mandatory, types: []string{sqlServerType, sqlEntraOnlyAuthType},
		check: func(r Resource, _ map[string]any) []string {
			if r.Is(sqlEntraOnlyAuthType) {
				return requireTrue(r, required{"azureADOnlyAuthentication", "SQL authentication is allowed"})
			}
			problems := requireTrue(r, required{"administrators.azureADOnlyAuthentication", "SQL authentication is allowed"})
			if !r.Path("administratorLoginPassword").IsNull() || !r.Path("administratorLogin").IsNull() {
				problems = append(problems, "A SQL administrator login is configured.")
			}
			return problems
		},
	},
	{
		name:        "sql-public-network-off",
		description: "Azure SQL is not reachable from public networks.",
		remediation: "set publicNetworkAccess Disabled and connect through the private endpoint.",
		level:       Mandatory, types: []string{sqlServerType},
		check: func(r Resource, _ map[string]any) []string {
			return requireValue(r, "publicNetworkAccess", "Disabled", "the server answers on the Internet")
		},
	},
}
