// Unit tests: every policy passes a compliant resource and fails a non-compliant one, built from real
// property maps in the shape azure-native and Kubernetes resources have.

package pack

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretValue marks a test property as a Pulumi secret.
type secretValue struct{ value any }

// unknownValue stands for a value not known during a preview.
type unknownValue struct{}

// toValue converts plain Go test data to a property value.
func toValue(t *testing.T, value any) property.Value {
	t.Helper()
	switch typed := value.(type) {
	case secretValue:
		return toValue(t, typed.value).WithSecret(true)
	case unknownValue:
		return property.New(property.Computed)
	case map[string]any:
		entries := map[string]property.Value{}
		for key, item := range typed {
			entries[key] = toValue(t, item)
		}
		return property.New(entries)
	case []any:
		items := make([]property.Value, 0, len(typed))
		for _, item := range typed {
			items = append(items, toValue(t, item))
		}
		return property.New(items)
	case int:
		return property.New(float64(typed))
	default:
		converted, err := property.Any(value)
		require.NoError(t, err)
		return converted
	}
}

// resource builds a test resource.
func resource(t *testing.T, token, name string, properties map[string]any) Resource {
	t.Helper()
	return Resource{Type: token, Name: name, URN: "urn:pulumi:test::apiplatform::" + token + "::" + name,
		Properties: toValue(t, properties).AsMap(), PropertyDependencies: map[string][]string{}}
}

// with returns a copy of properties with path (dotted, map keys only) set to value, or removed when
// value is nil.
func with(properties map[string]any, path string, value any) map[string]any {
	copied := deepCopy(properties).(map[string]any)
	node := copied
	keys := strings.Split(path, ".")
	for _, key := range keys[:len(keys)-1] {
		child, ok := node[key].(map[string]any)
		if !ok {
			child = map[string]any{}
			node[key] = child
		}
		node = child
	}
	if value == nil {
		delete(node, keys[len(keys)-1])
	} else {
		node[keys[len(keys)-1]] = value
	}
	return copied
}

func deepCopy(value any) any {
	switch typed := value.(type) {
	case map[string]any:
		copied := map[string]any{}
		for key, item := range typed {
			copied[key] = deepCopy(item)
		}
		return copied
	case []any:
		copied := make([]any, len(typed))
		for i, item := range typed {
			copied[i] = deepCopy(item)
		}
		return copied
	default:
		return value
	}
}

// Compliant property maps, shaped like the platform's own resources.
var (
	goodGateway = map[string]any{
		"sku":            map[string]any{"name": "WAF_v2", "tier": "WAF_v2"},
		"firewallPolicy": map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/waf"},
		"sslPolicy":      map[string]any{"policyType": "Predefined", "policyName": "AppGwSslPolicy20220101S"},
		"httpListeners": []any{
			map[string]any{"name": "https", "protocol": "Https"},
			map[string]any{"name": "http", "protocol": "Http"},
		},
		"requestRoutingRules": []any{
			map[string]any{"name": "https", "httpListener": map[string]any{"id": "/agw/httpListeners/https"}, "backendAddressPool": map[string]any{"id": "/agw/backendAddressPools/apim"}},
			map[string]any{"name": "redirect", "httpListener": map[string]any{"id": "/agw/httpListeners/http"}, "redirectConfiguration": map[string]any{"id": "/agw/redirectConfigurations/to-https"}},
		},
		"backendHttpSettingsCollection": []any{
			map[string]any{"name": "apim", "protocol": "Https", "trustedRootCertificates": []any{map[string]any{"id": "/agw/trustedRootCertificates/ca"}}},
		},
	}
	goodWAFPolicy = map[string]any{
		"policySettings": map[string]any{"state": "Enabled", "mode": "Prevention"},
		"managedRules": map[string]any{"managedRuleSets": []any{
			map[string]any{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.2"},
			map[string]any{"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"},
		}},
	}
	goodAPIM = map[string]any{
		"sku":                         map[string]any{"name": "Premium", "capacity": 2},
		"virtualNetworkType":          "Internal",
		"virtualNetworkConfiguration": map[string]any{"subnetResourceId": "/vnet/subnets/api-management"},
		"customProperties":            hardened(),
	}
	goodBackend = map[string]any{
		"url":         "https://echo.internal.contoso.example",
		"tls":         map[string]any{"validateCertificateChain": true, "validateCertificateName": true},
		"credentials": map[string]any{"certificateIds": []any{"/apim/certificates/echo-client"}},
	}
	goodCluster = map[string]any{
		"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true},
		"disableLocalAccounts":   true,
		"enableRBAC":             true,
		"aadProfile":             map[string]any{"managed": true, "enableAzureRBAC": true},
		"networkProfile":         map[string]any{"networkPolicy": "cilium"},
		"oidcIssuerProfile":      map[string]any{"enabled": true},
		"securityProfile": map[string]any{
			"workloadIdentity": map[string]any{"enabled": true},
			"defender":         map[string]any{"securityMonitoring": map[string]any{"enabled": true}},
		},
		"addonProfiles":      map[string]any{"azurepolicy": map[string]any{"enabled": true}},
		"autoUpgradeProfile": map[string]any{"upgradeChannel": "stable"},
	}
	goodVault = map[string]any{"properties": map[string]any{
		"enableRbacAuthorization": true, "enablePurgeProtection": true,
		"networkAcls": map[string]any{"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": []any{}},
	}}
	goodRegistry  = map[string]any{"adminUserEnabled": false, "publicNetworkAccess": "Disabled"}
	goodSQLServer = map[string]any{
		"publicNetworkAccess": "Disabled",
		"administrators":      map[string]any{"administratorType": "ActiveDirectory", "azureADOnlyAuthentication": true, "login": "sql-admins"},
	}
	goodGateway4Istio = map[string]any{"spec": map[string]any{"servers": []any{
		map[string]any{"hosts": []any{"echo.internal.contoso.example"}, "tls": map[string]any{"mode": "MUTUAL", "credentialName": "backend-mtls-credential"}},
	}}}
	goodIngress    = map[string]any{"metadata": map[string]any{"annotations": map[string]any{nginxVerifyClient: "on"}}}
	goodDeployment = map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"securityContext": map[string]any{"runAsNonRoot": true},
		"containers":      []any{map[string]any{"name": "echo", "securityContext": map[string]any{"readOnlyRootFilesystem": true}}},
	}}}}
)

// hardened returns API Management custom properties with every weak setting off.
func hardened() map[string]any {
	properties := map[string]any{}
	for _, setting := range weakProtocolSettings {
		properties[setting] = "False"
	}
	return properties
}

// resourceCase is one resource and the violations one policy must report on it.
type resourceCase struct {
	name   string
	policy string
	token  string
	props  map[string]any
	config map[string]any
	want   []string // substrings of each expected violation; empty means compliant
}

var resourceCases = []resourceCase{
	{"WAF gateway", "agw-waf-attached", applicationGatewayType, goodGateway, nil, nil},
	{"Standard_v2 gateway", "agw-waf-attached", applicationGatewayType, with(goodGateway, "sku.tier", "Standard_v2"), nil, []string{`tier is "Standard_v2"`}},
	{"gateway without WAF policy", "agw-waf-attached", applicationGatewayType, with(goodGateway, "firewallPolicy", nil), nil, []string{"No WAF policy is attached"}},
	{"Prevention with DRS 2.2", "agw-waf-prevention", wafPolicyType, goodWAFPolicy, nil, nil},
	{"Detection mode", "agw-waf-prevention", wafPolicyType, with(goodWAFPolicy, "policySettings.mode", "Detection"), nil, []string{`mode is "Detection"`}},
	{"disabled policy", "agw-waf-prevention", wafPolicyType, with(goodWAFPolicy, "policySettings.state", "Disabled"), nil, []string{`state is "Disabled"`}},
	{"old CRS only", "agw-waf-prevention", wafPolicyType, with(goodWAFPolicy, "managedRules.managedRuleSets",
		[]any{map[string]any{"ruleSetType": "OWASP", "ruleSetVersion": "3.1"}}), nil, []string{"No current managed rule set"}},
	{"configured rule sets", "agw-waf-prevention", wafPolicyType, goodWAFPolicy,
		map[string]any{"allowedRuleSets": []any{"Microsoft_DefaultRuleSet/3.0"}}, []string{"one of Microsoft_DefaultRuleSet/3.0"}},
	{"TLS 1.2 policy", "agw-tls12", applicationGatewayType, goodGateway, nil, nil},
	{"2017 policy", "agw-tls12", applicationGatewayType, with(goodGateway, "sslPolicy.policyName", "AppGwSslPolicy20150501"), nil, []string{"older than TLS 1.2"}},
	{"no SSL policy", "agw-tls12", applicationGatewayType, with(goodGateway, "sslPolicy", nil), nil, []string{"No SSL policy"}},
	{"custom TLS 1.0", "agw-tls12", applicationGatewayType, with(goodGateway, "sslPolicy", map[string]any{"policyType": "CustomV2", "minProtocolVersion": "TLSv1_0"}), nil, []string{`"TLSv1_0"`}},
	{"HTTP redirects", "agw-http-redirect-only", applicationGatewayType, goodGateway, nil, nil},
	{"HTTP forwards", "agw-http-redirect-only", applicationGatewayType, with(goodGateway, "requestRoutingRules", []any{
		map[string]any{"name": "plain", "httpListener": map[string]any{"id": "/agw/httpListeners/http"}, "backendAddressPool": map[string]any{"id": "/agw/backendAddressPools/apim"}},
	}), nil, []string{`Routing rule "plain" forwards plain HTTP`}},
	{"HTTPS backend with root", "agw-backend-https-trusted-root", applicationGatewayType, goodGateway, nil, nil},
	{"HTTP backend", "agw-backend-https-trusted-root", applicationGatewayType, with(goodGateway, "backendHttpSettingsCollection",
		[]any{map[string]any{"name": "apim", "protocol": "Http"}}), nil, []string{`"apim" use Http`}},
	{"backend without trusted root", "agw-backend-https-trusted-root", applicationGatewayType, with(goodGateway, "backendHttpSettingsCollection",
		[]any{map[string]any{"name": "apim", "protocol": "Https"}}), nil, []string{"trust no root certificate"}},

	{"internal Premium", "apim-internal-vnet", apimServiceType, goodAPIM, nil, nil},
	{"external mode", "apim-internal-vnet", apimServiceType, with(goodAPIM, "virtualNetworkType", "External"), nil, []string{`"External"`}},
	{"Standard tier", "apim-internal-vnet", apimServiceType, with(goodAPIM, "sku.name", "Standard"), nil, []string{`Tier "Standard"`}},
	{"hardened protocols", "apim-weak-protocols-off", apimServiceType, goodAPIM, nil, nil},
	{"TLS 1.0 left on", "apim-weak-protocols-off", apimServiceType, with(goodAPIM, "customProperties", map[string]any{}), nil, []string{"Still allowed: Protocols.Tls10, Protocols.Tls11, Protocols.Ssl30"}},
	{"validating backend", "apim-backend-tls-validation", apimBackendType, goodBackend, nil, nil},
	{"HTTP backend URL", "apim-backend-tls-validation", apimBackendType, with(goodBackend, "url", "http://echo.internal.contoso.example"), nil, []string{"is not HTTPS"}},
	{"no name validation", "apim-backend-tls-validation", apimBackendType, with(goodBackend, "tls.validateCertificateName", false), nil, []string{"tls.validateCertificateName is not true"}},
	{"unknown URL in preview", "apim-backend-tls-validation", apimBackendType, with(goodBackend, "url", unknownValue{}), nil, nil},
	{"client certificate", "apim-backend-client-certificate", apimBackendType, goodBackend, nil, nil},
	{"no client certificate", "apim-backend-client-certificate", apimBackendType, with(goodBackend, "credentials", nil), nil, []string{"presents no client certificate"}},
	{"exempt host", "apim-backend-client-certificate", apimBackendType, with(goodBackend, "credentials", nil),
		map[string]any{"exemptHosts": []any{"echo.internal.contoso.example"}}, nil},

	{"private cluster", "aks-private-cluster", managedClusterType, goodCluster, nil, nil},
	{"public API server", "aks-private-cluster", managedClusterType, with(goodCluster, "apiServerAccessProfile", nil), nil, []string{"enablePrivateCluster is not true"}},
	{"no local accounts", "aks-local-accounts-disabled", managedClusterType, goodCluster, nil, nil},
	{"local accounts", "aks-local-accounts-disabled", managedClusterType, with(goodCluster, "disableLocalAccounts", false), nil, []string{"disableLocalAccounts is not true"}},
	{"Azure RBAC", "aks-azure-rbac", managedClusterType, goodCluster, nil, nil},
	{"Kubernetes RBAC only", "aks-azure-rbac", managedClusterType, with(goodCluster, "aadProfile.enableAzureRBAC", false), nil, []string{"aadProfile.enableAzureRBAC is not true"}},
	{"Cilium policy", "aks-network-policy", managedClusterType, goodCluster, nil, nil},
	{"no network policy", "aks-network-policy", managedClusterType, with(goodCluster, "networkProfile.networkPolicy", "none"), nil, []string{"No network policy engine"}},
	{"workload identity", "aks-workload-identity", managedClusterType, goodCluster, nil, nil},
	{"no workload identity", "aks-workload-identity", managedClusterType, with(goodCluster, "securityProfile.workloadIdentity", nil), nil, []string{"workloadIdentity.enabled is not true"}},
	{"Defender", "aks-defender", managedClusterType, goodCluster, nil, nil},
	{"no Defender", "aks-defender", managedClusterType, with(goodCluster, "securityProfile.defender", nil), nil, []string{"securityMonitoring.enabled is not true"}},
	{"Azure Policy add-on", "aks-azure-policy", managedClusterType, goodCluster, nil, nil},
	{"no Azure Policy add-on", "aks-azure-policy", managedClusterType, with(goodCluster, "addonProfiles", map[string]any{}), nil, []string{"azurepolicy.enabled is not true"}},
	{"stable channel", "aks-auto-upgrade", managedClusterType, goodCluster, nil, nil},
	{"no channel", "aks-auto-upgrade", managedClusterType, with(goodCluster, "autoUpgradeProfile.upgradeChannel", "none"), nil, []string{"No upgrade channel"}},

	{"Istio MUTUAL", "k8s-mtls-ingress", istioGatewayTypes[0], goodGateway4Istio, nil, nil},
	{"Istio SIMPLE", "k8s-mtls-ingress", istioGatewayTypes[0], map[string]any{"spec": map[string]any{"servers": []any{
		map[string]any{"hosts": []any{"echo.internal.contoso.example"}, "tls": map[string]any{"mode": "SIMPLE"}}}}}, nil, []string{`tls.mode "SIMPLE"`}},
	{"NGINX verifying", "k8s-mtls-ingress", ingressTypes[0], goodIngress, nil, nil},
	{"NGINX optional", "k8s-mtls-ingress", ingressTypes[0], with(goodIngress, "metadata.annotations", map[string]any{nginxVerifyClient: "optional"}), nil, []string{`= "optional"`}},
	{"hardened deployment", "k8s-containers-non-root-read-only", workloadTypes[0], goodDeployment, nil, nil},
	{"root, writable container", "k8s-containers-non-root-read-only", workloadTypes[0], map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "echo"}}}}}}, nil, []string{`"echo" may run as root`, `"echo" has a writable root file system`}},

	{"RBAC vault", "keyvault-rbac", keyVaultType, goodVault, nil, nil},
	{"access-policy vault", "keyvault-rbac", keyVaultType, with(goodVault, "properties.enableRbacAuthorization", false), nil, []string{"enableRbacAuthorization is not true"}},
	{"purge-protected vault", "keyvault-purge-protection", keyVaultType, goodVault, nil, nil},
	{"purgeable vault", "keyvault-purge-protection", keyVaultType, with(goodVault, "properties.enablePurgeProtection", nil), nil, []string{"enablePurgeProtection is not true"}},
	{"closed vault", "keyvault-network-deny", keyVaultType, goodVault, nil, nil},
	{"open vault", "keyvault-network-deny", keyVaultType, with(goodVault, "properties.networkAcls.defaultAction", "Allow"), nil, []string{`defaultAction is "Allow"`}},
	{"vault with IP rule", "keyvault-network-deny", keyVaultType, with(goodVault, "properties.networkAcls.ipRules", []any{map[string]any{"value": "203.0.113.7"}}), nil, []string{"1 IP rule(s)"}},
	{"registry without admin", "acr-admin-user-off", registryType, goodRegistry, nil, nil},
	{"registry admin user", "acr-admin-user-off", registryType, with(goodRegistry, "adminUserEnabled", true), nil, []string{"adminUserEnabled is true"}},
	{"private registry", "acr-public-network-off", registryType, goodRegistry, nil, nil},
	{"public registry", "acr-public-network-off", registryType, with(goodRegistry, "publicNetworkAccess", "Enabled"), nil, []string{`"Enabled", not "Disabled"`}},
	{"Entra-only server", "sql-entra-only", sqlServerType, goodSQLServer, nil, nil},
	{"server with SQL login", "sql-entra-only", sqlServerType, with(with(goodSQLServer, "administratorLogin", "sqladmin"), "administratorLoginPassword", secretValue{"p"}), nil, []string{"A SQL administrator login is configured"}},
	{"mixed authentication", "sql-entra-only", sqlEntraOnlyAuthType, map[string]any{"azureADOnlyAuthentication": false}, nil, []string{"azureADOnlyAuthentication is not true"}},
	{"private server", "sql-public-network-off", sqlServerType, goodSQLServer, nil, nil},
	{"public server", "sql-public-network-off", sqlServerType, with(goodSQLServer, "publicNetworkAccess", "Enabled"), nil, []string{`"Enabled"`}},

	{"secret private key", "secrets-private-keys-and-pfx", "kubernetes:core/v1:Secret", map[string]any{"stringData": secretValue{map[string]any{"tls.key": "-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----"}}}, nil, nil},
	{"plain private key", "secrets-private-keys-and-pfx", "kubernetes:core/v1:Secret", map[string]any{"stringData": map[string]any{"tls.key": "-----BEGIN EC PRIVATE KEY-----\nMHc...\n-----END EC PRIVATE KEY-----"}}, nil, []string{"stringData.tls.key holds a PEM private key"}},
	{"plain PFX", "secrets-private-keys-and-pfx", apimServiceType, map[string]any{"hostnameConfigurations": []any{map[string]any{"encodedCertificate": testPFX}}}, nil, []string{"hostnameConfigurations[0].encodedCertificate holds PFX"}},
	{"secret PFX", "secrets-private-keys-and-pfx", apimServiceType, map[string]any{"hostnameConfigurations": []any{map[string]any{"encodedCertificate": secretValue{testPFX}}}}, nil, nil},
	{"plain password", "secrets-sensitive-names", sqlServerType, map[string]any{"administratorLoginPassword": "hunter2"}, nil, []string{"administratorLoginPassword is a plain value"}},
	{"secret password", "secrets-sensitive-names", sqlServerType, map[string]any{"administratorLoginPassword": secretValue{"hunter2"}}, nil, nil},
	{"URI named like a secret", "secrets-sensitive-names", apimBackendType, map[string]any{"connectionString": "https://example.vault.azure.net/secrets/x"}, nil, nil},
}

// testPFX is the base64 of the first bytes of a real PKCS#12 file: a SEQUENCE with version 3 and the
// PKCS#7 data OID, padded; enough for the detector.
var testPFX = base64.StdEncoding.EncodeToString(append([]byte{0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0xc6,
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}, make([]byte, 120)...))

// TestResourcePolicies runs each case through the pack's policyx policy, as the engine would.
func TestResourcePolicies(t *testing.T) {
	policies := map[string]policyx.ResourceValidationPolicy{}
	for _, policy := range Policies() {
		if typed, ok := policy.(policyx.ResourceValidationPolicy); ok {
			policies[policy.Name()] = typed
		}
	}
	for _, tc := range resourceCases {
		t.Run(tc.policy+"/"+tc.name, func(t *testing.T) {
			policy, ok := policies[tc.policy]
			require.True(t, ok, "policy %s exists", tc.policy)
			var messages []string
			manager := collector{func(message, _ string) { messages = append(messages, message) }}
			res := resource(t, tc.token, "r", tc.props)
			err := policy.Validate(context.Background(), policyx.ResourceValidationArgs{Manager: manager, Resource: toAnalyzer(res), Config: tc.config})
			require.NoError(t, err)
			require.Len(t, messages, len(tc.want), "violations: %v", messages)
			for i, want := range tc.want {
				assert.Contains(t, messages[i], want)
				assert.Contains(t, messages[i], " Fix: ", "every violation says how to fix it")
			}
		})
	}
}

// TestEveryPolicyHasAPassingAndAFailingCase keeps the case table complete as policies are added.
func TestEveryPolicyHasAPassingAndAFailingCase(t *testing.T) {
	passes, fails := map[string]bool{}, map[string]bool{}
	for _, tc := range resourceCases {
		if len(tc.want) == 0 {
			passes[tc.policy] = true
		} else {
			fails[tc.policy] = true
		}
	}
	for _, tc := range slices.Concat(stackCases, apiStackCases) {
		if len(tc.want) == 0 {
			passes[tc.policy] = true
		} else {
			fails[tc.policy] = true
		}
	}
	for _, policy := range Policies() {
		assert.True(t, passes[policy.Name()], "%s has a passing case", policy.Name())
		assert.True(t, fails[policy.Name()], "%s has a failing case", policy.Name())
		assert.NotEmpty(t, policy.Description())
		assert.True(t, strings.HasSuffix(policy.Description(), "."), "%s's description is one sentence", policy.Name())
	}
}

// TestPackIsValid checks the pack builds: names are valid, no reserved names or properties.
func TestPackIsValid(t *testing.T) {
	built, err := New(nil)
	require.NoError(t, err)
	assert.Equal(t, Name, built.Name())
	assert.Len(t, built.Policies(), len(resourceRules())+len(stackRules()))
	seen := map[string]bool{}
	for _, policy := range built.Policies() {
		assert.False(t, seen[policy.Name()], "policy names are unique: %s", policy.Name())
		seen[policy.Name()] = true
	}
}

// TestTypeIs checks type matching across API versions.
func TestTypeIs(t *testing.T) {
	assert.True(t, TypeIs("azure-native:apimanagement/v20240501:Backend", apimBackendType))
	assert.True(t, TypeIs("azure-native:containerservice/v20241001preview:ManagedCluster", managedClusterType))
	assert.False(t, TypeIs("azure-native:apimanagement/v20240501:BackendX", apimBackendType))
	assert.False(t, TypeIs("kubernetes:networking.istio.io/v1beta1:Gateway", istioGatewayTypes[0]), "Kubernetes versions are part of the type")
}

// describe renders violations for failure messages.
func describe(violations []Violation) string {
	var lines []string
	for _, violation := range violations {
		lines = append(lines, fmt.Sprintf("%s %s: %s", violation.Policy, violation.URN, violation.Message))
	}
	return strings.Join(lines, "\n")
}
