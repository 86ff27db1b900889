// Application Gateway: WAF in Prevention, TLS 1.2+, HTTPS listener from Key Vault, redirect-only HTTP,
// re-encryption to API Management by name with the private CA as trusted root.

package tests

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	gatewayType   = "azure-native:network:ApplicationGateway"
	wafPolicyType = "azure-native:network:WebApplicationFirewallPolicy"
	publicIPType  = "azure-native:network:PublicIPAddress"
)

func applicationGateway(t *testing.T, recording *harness.Recording) *harness.Resource {
	t.Helper()
	gateways := recording.OfType(gatewayType)
	require.Len(t, gateways, 1)
	return gateways[0]
}

// namedPart returns the element of an application gateway array property with the given name.
func namedPart(t *testing.T, gateway *harness.Resource, property, name string) map[string]any {
	t.Helper()
	parts, _ := gateway.Input(property).([]any)
	for _, part := range parts {
		if item := part.(map[string]any); item["name"] == name {
			return item
		}
	}
	require.Failf(t, "missing part", "%s has no %s named %s", gateway.Name, property, name)
	return nil
}

// partID is the ID by which a gateway's parts reference each other.
func partID(gateway *harness.Resource, kind, name string) string {
	return gateway.ID + "/" + kind + "/" + name
}

// TestWAFPolicy checks Prevention mode, the current managed rule sets and body inspection.
func TestWAFPolicy(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	policies := recording.OfType(wafPolicyType)
	require.Len(t, policies, 1)
	policy := policies[0]
	assert.Equal(t, "Enabled", policy.InputString("policySettings.state"))
	assert.Equal(t, "Prevention", policy.InputString("policySettings.mode"))
	assert.Equal(t, true, policy.Input("policySettings.requestBodyCheck"))
	sets, _ := policy.Input("managedRules.managedRuleSets").([]any)
	require.Len(t, sets, 2)
	for i, want := range [][2]string{{components.DefaultRuleSetType, components.DefaultRuleSetVersion}, {components.BotRuleSetType, components.BotRuleSetVersion}} {
		set := sets[i].(map[string]any)
		assert.Equal(t, want[0], set["ruleSetType"])
		assert.Equal(t, want[1], set["ruleSetVersion"])
	}
	assert.Nil(t, sets[1].(map[string]any)["ruleGroupOverrides"], "the bot rules keep their defaults")

	// DRS 2.2's new Paranoia Level 1 rules start in log mode (upgrade-ruleset-version.md, "Validate new
	// rules safely"): each must be enabled with an action that blocks in Prevention.
	newPL1Rules := map[string]string{"920530": "PROTOCOL-ENFORCEMENT", "920620": "PROTOCOL-ENFORCEMENT", "99001018": "MS-ThreatIntel-CVEs", "99032001": "MS-ThreatIntel-XSS"}
	overridden := map[string]string{}
	groups, _ := sets[0].(map[string]any)["ruleGroupOverrides"].([]any)
	for _, item := range groups {
		group := item.(map[string]any)
		for _, ruleItem := range group["rules"].([]any) {
			rule := ruleItem.(map[string]any)
			id := rule["ruleId"].(string)
			assert.Equal(t, "Enabled", rule["state"], "rule %s: an override without a state disables the rule", id)
			assert.Contains(t, []string{"AnomalyScoring", "Block"}, rule["action"], "rule %s must block in Prevention, not only log", id)
			overridden[id] = group["ruleGroupName"].(string)
		}
	}
	assert.Equal(t, newPL1Rules, overridden, "exactly the new PL1 rules, each in its DRS 2.2 group")
	assert.Equal(t, policy.ID, applicationGateway(t, recording).InputString("firewallPolicy.id"), "the gateway enforces the policy")

	detection := runStack(t, "dev", harness.Set("applicationGateway.wafMode", "Detection")).OfType(wafPolicyType)
	assert.Equal(t, "Detection", detection[0].InputString("policySettings.mode"), "the mode is configurable")
}

// TestGatewayListeners checks TLS policy, the HTTPS listener's Key Vault certificate and the HTTP
// listener that only redirects.
func TestGatewayListeners(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev")
	recording := runStack(t, "dev")
	gateway := applicationGateway(t, recording)
	vault := stackVault(t, recording)

	assert.Equal(t, "Predefined", gateway.InputString("sslPolicy.policyType"))
	assert.Equal(t, "AppGwSslPolicy20220101S", gateway.InputString("sslPolicy.policyName"))
	assert.Equal(t, "https://"+vault.OutputString("name")+".vault.azure.net/secrets/listener",
		namedPart(t, gateway, "sslCertificates", "listener")["keyVaultSecretId"], "versionless, so renewals are picked up")
	assert.Nil(t, namedPart(t, gateway, "sslCertificates", "listener")["data"], "no certificate inlined in the gateway")
	identity := recording.Find(identityType, "apiplat-dev-agw-id")
	assert.Equal(t, []any{identity.ID}, gateway.Input("identity.userAssignedIdentities"))
	assert.Equal(t, "UserAssigned", gateway.InputString("identity.type"))

	https := namedPart(t, gateway, "httpListeners", "https")
	assert.Equal(t, "Https", https["protocol"])
	assert.Equal(t, cfg.HostNames.Public, https["hostName"])
	assert.Equal(t, true, https["requireServerNameIndication"])
	http := namedPart(t, gateway, "httpListeners", "http")
	assert.Equal(t, "Http", http["protocol"])

	rules, _ := gateway.Input("requestRoutingRules").([]any)
	require.Len(t, rules, 2)
	for _, item := range rules {
		rule := item.(map[string]any)
		listener := rule["httpListener"].(map[string]any)["id"]
		if listener == partID(gateway, "httpListeners", "http") {
			assert.Nil(t, rule["backendAddressPool"], "plain HTTP is never forwarded")
			assert.Equal(t, partID(gateway, "redirectConfigurations", "http-to-https"), rule["redirectConfiguration"].(map[string]any)["id"])
		}
	}
	redirect := namedPart(t, gateway, "redirectConfigurations", "http-to-https")
	assert.Equal(t, "Permanent", redirect["redirectType"])
	assert.Equal(t, partID(gateway, "httpListeners", "https"), redirect["targetListener"].(map[string]any)["id"])
	assert.Equal(t, true, gateway.Input("enableHttp2"))
}

// TestGatewayReencryptsToAPIManagementByName checks the backend pool, settings and probe.
func TestGatewayReencryptsToAPIManagementByName(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	gateway := applicationGateway(t, recording)
	c := recordedChain(t, recording, cfg)

	pool := namedPart(t, gateway, "backendAddressPools", "api-management")
	assert.Equal(t, []any{map[string]any{"fqdn": cfg.HostNames.APIGateway}}, pool["backendAddresses"], "by FQDN, never API Management's IP")
	settings := namedPart(t, gateway, "backendHttpSettingsCollection", "api-management-https")
	assert.Equal(t, "Https", settings["protocol"])
	assert.Equal(t, float64(443), settings["port"])
	assert.Equal(t, true, settings["pickHostNameFromBackendAddress"])
	assert.Equal(t, []any{map[string]any{"id": partID(gateway, "trustedRootCertificates", "private-ca")}}, settings["trustedRootCertificates"])
	root := namedPart(t, gateway, "trustedRootCertificates", "private-ca")
	der, err := base64.StdEncoding.DecodeString(root["data"].(string))
	require.NoError(t, err)
	assert.Equal(t, c.ca.Raw, der, "the private CA that signed API Management's gateway certificate")

	probe := namedPart(t, gateway, "probes", "api-management-status")
	assert.Equal(t, "Https", probe["protocol"])
	assert.Equal(t, "/status-0123456789abcdef", probe["path"])
	assert.Equal(t, true, probe["pickHostNameFromBackendHttpSettings"])
	assert.Equal(t, []any{"200"}, probe["match"].(map[string]any)["statusCodes"])
	assert.Equal(t, partID(gateway, "probes", "api-management-status"), settings["probe"].(map[string]any)["id"])
}

// TestGatewayScaleAndZones checks dev and prod sizing and that the public IP matches the zones.
func TestGatewayScaleAndZones(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			recording := runStack(t, stack)
			gateway := applicationGateway(t, recording)
			assert.Equal(t, "WAF_v2", gateway.InputString("sku.name"))
			assert.Equal(t, "WAF_v2", gateway.InputString("sku.tier"))
			assert.Equal(t, float64(cfg.ApplicationGateway.MinCapacity), gateway.Input("autoscaleConfiguration.minCapacity"))
			assert.Equal(t, float64(cfg.ApplicationGateway.MaxCapacity), gateway.Input("autoscaleConfiguration.maxCapacity"))
			address := recording.Find(publicIPType, "apiplat-"+stack+"-agw-pip")
			require.NotNil(t, address, "the gateway's public IP")
			assert.Equal(t, "Standard", address.InputString("sku.name"))
			assert.Equal(t, "Static", address.InputString("publicIPAllocationMethod"))
			if len(cfg.ApplicationGateway.Zones) == 0 {
				assert.Nil(t, gateway.Input("zones"))
				assert.Nil(t, address.Input("zones"))
			} else {
				assert.Equal(t, toAny(cfg.ApplicationGateway.Zones), gateway.Input("zones"))
				assert.Equal(t, gateway.Input("zones"), address.Input("zones"), "the public IP spans the gateway's zones")
			}
			assert.Equal(t, address.ID, namedPart(t, gateway, "frontendIPConfigurations", "public")["publicIPAddress"].(map[string]any)["id"])
		})
	}
}
