// Front Door and Cosmos DB policies: the Front Door WAF blocks, the path around Front Door is closed, and
// Cosmos DB accounts admit neither keys nor public networks.

package pack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const (
	frontDoorProfileType   = "azure-native:cdn:Profile"
	frontDoorWAFPolicyType = "azure-native:network:Policy"
	cosmosAccountType      = "azure-native:documentdb:DatabaseAccount"
	// frontDoorIDHeader is the header Front Door sends every origin request with: its profile's ID.
	frontDoorIDHeader = "X-Azure-FDID"
	// frontDoorServiceTag is Front Door's addresses towards origins.
	frontDoorServiceTag = "AzureFrontDoor.Backend"
	// frontDoorClientAddressValue is the address of the connection Front Door received, which it sends
	// the origin in X-Azure-SocketIP: the caller cannot choose it, unlike X-Azure-ClientIP.
	frontDoorClientAddressValue = "{http_req_X-Azure-SocketIP}"
)

// cosmosSetting is the path of an account setting: under properties for a generic resource, at the top
// for the typed azure-native resource.
func cosmosSetting(r Resource, name string) string {
	if TypeIs(r.Type, GenericType) {
		return "properties." + name
	}
	return name
}

var frontDoorRules = []resourceRule{
	{
		name:        "cosmos-entra-only-private",
		description: "Cosmos DB accounts accept Microsoft Entra tokens only (keys off) and are not reachable from public networks.",
		remediation: "set disableLocalAuth true and publicNetworkAccess Disabled; grant the data-plane role (sqlRoleAssignments) and connect through the private endpoint.",
		level:       Mandatory, types: []string{cosmosAccountType},
		check: func(r Resource, _ map[string]any) []string {
			problems := requireTrue(r, required{cosmosSetting(r, "disableLocalAuth"), "the account's primary and secondary keys open it"})
			return append(problems, requireValue(r, cosmosSetting(r, "publicNetworkAccess"), "Disabled", "the account answers on the Internet")...)
		},
	},
	{
		name:        "frontdoor-waf-prevention",
		description: "The Front Door WAF policy is Premium, enabled, in Prevention mode, with the Microsoft default rule set 2.x blocking.",
		remediation: "set sku.name Premium_AzureFrontDoor, policySettings.enabledState Enabled, policySettings.mode Prevention (frontDoor.wafMode) and managed rule set Microsoft_DefaultRuleSet 2.1 with ruleSetAction Block.",
		level:       Mandatory, types: []string{frontDoorWAFPolicyType},
		check: func(r Resource, _ map[string]any) []string {
			problems := requireValue(r, "sku.name", "Premium_AzureFrontDoor", "only Premium runs the managed rule sets")
			problems = append(problems, requireValue(r, "policySettings.enabledState", "Enabled", "the policy filters nothing")...)
			problems = append(problems, requireValue(r, "policySettings.mode", "Prevention", "matching requests are only logged")...)
			if r.Unknown("managedRules.managedRuleSets") {
				return problems
			}
			blocking := slices.ContainsFunc(r.Array("managedRules.managedRuleSets"), func(set property.Value) bool {
				action := stringOf(at(set, "ruleSetAction"))
				return stringOf(at(set, "ruleSetType")) == "Microsoft_DefaultRuleSet" && strings.HasPrefix(stringOf(at(set, "ruleSetVersion")), "2.") &&
					(action == "" || action == "Block")
			})
			if !blocking {
				problems = append(problems, "No Microsoft_DefaultRuleSet 2.x rule set blocks: the OWASP-class attacks pass.")
			}
			return problems
		},
	},
}

var frontDoorOriginRule = stackRule{
	name: "frontdoor-origin-closed",
	description: "Behind Front Door, Application Gateway admits only Front Door: its subnet's security group admits no Internet traffic " +
		"(only the AzureFrontDoor.Backend service tag), and its WAF blocks every request whose X-Azure-FDID is not the profile's.",
	remediation: "replace the Internet allow rules of the gateway's subnet by one allowing AzureFrontDoor.Backend on 443, and add a WAF custom rule " +
		"blocking RequestHeaders X-Azure-FDID not Equal to the profile's frontDoorId (frontdoor/origin-security.md).",
	level: Mandatory,
	check: func(resources []Resource, _ map[string]any) []finding {
		if len(ofType(resources, frontDoorProfileType)) == 0 {
			return nil
		}
		var findings []finding
		for _, gateway := range ofType(resources, applicationGatewayType) {
			if !gatewayWAFRequiresFrontDoor(resources, gateway) {
				findings = append(findings, finding{gateway.URN, fmt.Sprintf("%s's WAF policy has no enabled rule blocking requests without this profile's %s: "+
					"the %s service tag admits every Front Door customer.", gateway.Name, frontDoorIDHeader, frontDoorServiceTag)})
			}
		}
		for _, group := range gatewaySubnetGroups(resources) {
			for _, rule := range group.Array("securityRules") {
				if admitsInternet(rule) {
					findings = append(findings, finding{group.URN, fmt.Sprintf("Rule %q of %s admits the Internet to Application Gateway, around Front Door.",
						stringOf(at(rule, "name")), group.Name)})
				}
			}
		}
		return findings
	},
}

// gatewayWAFRequiresFrontDoor reports whether the gateway's WAF policy (the one its firewallPolicy
// names, or the stack's only one while IDs are unknown) has an enabled Block rule on a negated Equal
// match of X-Azure-FDID.
func gatewayWAFRequiresFrontDoor(resources []Resource, gateway Resource) bool {
	policies := ofType(resources, wafPolicyType)
	id := gateway.String("firewallPolicy.id")
	for _, policy := range policies {
		if id != "" && policy.ID != "" && policy.ID != id && len(policies) > 1 {
			continue
		}
		for _, rule := range policy.Array("customRules") {
			if stringOf(at(rule, "action")) != "Block" || stringOf(at(rule, "state")) == "Disabled" || stringOf(at(rule, "ruleType")) != "MatchRule" {
				continue
			}
			if slices.ContainsFunc(valuesOf(at(rule, "matchConditions")), requiresFrontDoorID) {
				return true
			}
		}
	}
	return false
}

// requiresFrontDoorID reports whether a match condition matches requests whose X-Azure-FDID differs
// from a given value.
func requiresFrontDoorID(condition property.Value) bool {
	negated := at(condition, "negationConditon")
	if stringOf(at(condition, "operator")) != "Equal" || !negated.IsBool() || !negated.AsBool() || len(valuesOf(at(condition, "matchValues"))) == 0 {
		return false
	}
	return slices.ContainsFunc(valuesOf(at(condition, "matchVariables")), func(variable property.Value) bool {
		return stringOf(at(variable, "variableName")) == "RequestHeaders" && strings.EqualFold(stringOf(at(variable, "selector")), frontDoorIDHeader)
	})
}

// gatewaySubnetGroups are the security groups attached to a subnet that holds an Application Gateway.
func gatewaySubnetGroups(resources []Resource) []Resource {
	gatewaySubnets := gatewaySubnetNames(resources)
	attached := map[string]bool{}
	for _, network := range ofType(resources, virtualNetworkType) {
		for _, entry := range network.Array("subnets") {
			if gatewaySubnets[stringOf(at(entry, "name"))] {
				attached[stringOf(at(entry, "networkSecurityGroup", "id"))] = true
			}
		}
	}
	var groups []Resource
	for _, group := range ofType(resources, securityGroupType) {
		if attached[group.ID] {
			groups = append(groups, group)
		}
	}
	return groups
}
