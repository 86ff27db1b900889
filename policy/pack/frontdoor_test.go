// Cases of the Front Door and Cosmos DB policies, added to the pack's case tables.

package pack

import "testing"

// Cosmos DB accounts as the platform creates them (a generic resource) and as the typed resource would
// carry the same settings, and a Front Door WAF policy as the platform creates it.
var (
	goodGenericCosmos = map[string]any{
		"resourceProviderNamespace": "Microsoft.DocumentDB", "parentResourcePath": "", "resourceType": "databaseAccounts",
		"properties": map[string]any{"disableLocalAuth": true, "publicNetworkAccess": "Disabled"},
	}
	goodFrontDoorWAF = map[string]any{
		"sku":            map[string]any{"name": "Premium_AzureFrontDoor"},
		"policySettings": map[string]any{"enabledState": "Enabled", "mode": "Prevention"},
		"managedRules": map[string]any{"managedRuleSets": []any{
			map[string]any{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Block"},
			map[string]any{"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"},
		}},
	}
	// frontDoorOnly is the gateway WAF rule Microsoft documents for an origin behind Front Door.
	frontDoorOnly = map[string]any{"name": "frontdooronly", "priority": 5, "ruleType": "MatchRule", "action": "Block", "state": "Enabled",
		"matchConditions": []any{map[string]any{
			"matchVariables": []any{map[string]any{"variableName": "RequestHeaders", "selector": "X-Azure-FDID"}},
			"operator":       "Equal", "negationConditon": true, "matchValues": []any{"0f2d3c4b-5a69-4788-9a1b-2c3d4e5f6a7b"},
		}}}
	frontDoorRule = map[string]any{"name": "front-door", "direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "AzureFrontDoor.Backend",
		"destinationAddressPrefix": "10.42.0.0/24", "destinationPortRange": "443"}
)

func init() {
	resourceCases = append(resourceCases,
		resourceCase{"generic account, Entra only and private", "cosmos-entra-only-private", GenericType, goodGenericCosmos, nil, nil},
		resourceCase{"generic account with keys", "cosmos-entra-only-private", GenericType, with(goodGenericCosmos, "properties.disableLocalAuth", false), nil,
			[]string{"properties.disableLocalAuth is not true"}},
		resourceCase{"typed account on the Internet", "cosmos-entra-only-private", cosmosAccountType, map[string]any{"disableLocalAuth": true, "publicNetworkAccess": "Enabled"}, nil,
			[]string{`publicNetworkAccess is "Enabled"`}},
		resourceCase{"another generic type is not an account", "cosmos-entra-only-private", GenericType,
			with(with(goodGenericCosmos, "resourceType", "sqlDatabases"), "properties.disableLocalAuth", false), nil, nil},
		resourceCase{"Premium WAF blocking", "frontdoor-waf-prevention", frontDoorWAFPolicyType, goodFrontDoorWAF, nil, nil},
		resourceCase{"WAF detecting only", "frontdoor-waf-prevention", frontDoorWAFPolicyType, with(goodFrontDoorWAF, "policySettings.mode", "Detection"), nil,
			[]string{`policySettings.mode is "Detection"`}},
		resourceCase{"Standard WAF without rule sets", "frontdoor-waf-prevention", frontDoorWAFPolicyType,
			with(with(goodFrontDoorWAF, "sku.name", "Standard_AzureFrontDoor"), "managedRules", nil), nil,
			[]string{`sku.name is "Standard_AzureFrontDoor"`, "No Microsoft_DefaultRuleSet 2.x rule set blocks"}},
		resourceCase{"default rule set only logging", "frontdoor-waf-prevention", frontDoorWAFPolicyType, with(goodFrontDoorWAF, "managedRules.managedRuleSets",
			[]any{map[string]any{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Log"}}), nil,
			[]string{"No Microsoft_DefaultRuleSet 2.x rule set blocks"}},
	)
	stackCases = append(stackCases,
		stackCase{"gateway closed to all but its profile", "frontdoor-origin-closed", func(t *testing.T) []Resource {
			return frontDoorStack(t, []any{frontDoorRule}, []any{frontDoorOnly})
		}, nil, nil},
		stackCase{"no Front Door: nothing to close", "frontdoor-origin-closed", func(t *testing.T) []Resource {
			return network(t, []any{internetRule("https", "10.42.0.0/24", "443")}, nil, nil, true)
		}, nil, nil},
		stackCase{"gateway still open to the Internet", "frontdoor-origin-closed", func(t *testing.T) []Resource {
			return frontDoorStack(t, []any{frontDoorRule, internetRule("https", "10.42.0.0/24", "443")}, []any{frontDoorOnly})
		}, []string{`Rule "https" of nsg-agw admits the Internet to Application Gateway, around Front Door`}, nil},
		stackCase{"any Front Door customer admitted", "frontdoor-origin-closed", func(t *testing.T) []Resource {
			return frontDoorStack(t, []any{frontDoorRule}, []any{with(frontDoorOnly, "state", "Disabled")})
		}, []string{"agw's WAF policy has no enabled rule blocking requests without this profile's X-Azure-FDID"}, nil},
	)
}

// frontDoorStack is network's gateway with the given gateway subnet rules, its WAF policy with the given
// custom rules, and a Front Door profile.
func frontDoorStack(t *testing.T, gatewayRules, wafRules []any) []Resource {
	t.Helper()
	return append(network(t, gatewayRules, nil, nil, true),
		resource(t, wafPolicyType, "waf", with(goodWAFPolicy, "customRules", wafRules)),
		resource(t, frontDoorProfileType, "afd", map[string]any{"sku": map[string]any{"name": "Premium_AzureFrontDoor"}}))
}
