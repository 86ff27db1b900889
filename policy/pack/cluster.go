// AKS policies: a private cluster with Entra-only access, network policy, workload identity, Defender,
// Azure Policy and automatic upgrades.

package pack

import "fmt"

const managedClusterType = "azure-native:containerservice:ManagedCluster"

// required is one setting a rule requires, with what it means when it is missing.
type required struct {
	path    string
	meaning string
}

// requireTrue reports each path that is not a known true.
func requireTrue(r Resource, settings ...required) []string {
	var problems []string
	for _, setting := range settings {
		if r.Unknown(setting.path) {
			continue
		}
		if on, _ := r.Bool(setting.path); !on {
			problems = append(problems, fmt.Sprintf("%s is not true: %s.", setting.path, setting.meaning))
		}
	}
	return problems
}

// clusterRule builds a mandatory rule on the managed cluster.
func clusterRule(name, description, remediation string, check func(Resource) []string) resourceRule {
	return resourceRule{name: name, description: description, remediation: remediation, level: Mandatory,
		types: []string{managedClusterType}, check: func(r Resource, _ map[string]any) []string { return check(r) }}
}

var clusterRules = []resourceRule{
	clusterRule("aks-private-cluster", "The AKS API server is private.",
		"set apiServerAccessProfile.enablePrivateCluster true.",
		func(r Resource) []string {
			return requireTrue(r, required{"apiServerAccessProfile.enablePrivateCluster", "the API server has a public endpoint"})
		}),
	clusterRule("aks-local-accounts-disabled", "AKS local accounts are disabled, so every login is a Microsoft Entra identity.",
		"set disableLocalAccounts true (and name admin groups in aadProfile.adminGroupObjectIDs).",
		func(r Resource) []string {
			return requireTrue(r, required{"disableLocalAccounts", "the static cluster-admin credential exists"})
		}),
	clusterRule("aks-azure-rbac", "AKS uses Microsoft Entra ID with Azure RBAC for Kubernetes authorization.",
		"set enableRBAC, aadProfile.managed and aadProfile.enableAzureRBAC true.",
		func(r Resource) []string {
			return requireTrue(r,
				required{"enableRBAC", "Kubernetes RBAC is off"},
				required{"aadProfile.managed", "Microsoft Entra integration is off"},
				required{"aadProfile.enableAzureRBAC", "authorization is not governed by Azure role assignments"})
		}),
	clusterRule("aks-network-policy", "AKS enforces Kubernetes network policies.",
		"set networkProfile.networkPolicy to cilium (with Cilium dataplane), azure or calico.",
		func(r Resource) []string {
			if r.Unknown("networkProfile.networkPolicy") {
				return nil
			}
			if policy := r.String("networkProfile.networkPolicy"); policy == "" || policy == "none" {
				return []string{"No network policy engine: NetworkPolicy objects would be ignored."}
			}
			return nil
		}),
	clusterRule("aks-workload-identity", "AKS has the OIDC issuer and workload identity on, so pods use federated identities instead of secrets.",
		"set oidcIssuerProfile.enabled and securityProfile.workloadIdentity.enabled true.",
		func(r Resource) []string {
			return requireTrue(r,
				required{"oidcIssuerProfile.enabled", "no issuer to federate with"},
				required{"securityProfile.workloadIdentity.enabled", "pods cannot exchange their tokens"})
		}),
	clusterRule("aks-defender", "Microsoft Defender for Containers monitors the cluster.",
		"set securityProfile.defender.securityMonitoring.enabled true with a Log Analytics workspace.",
		func(r Resource) []string {
			return requireTrue(r, required{"securityProfile.defender.securityMonitoring.enabled", "no runtime threat detection"})
		}),
	clusterRule("aks-azure-policy", "The Azure Policy add-on enforces admission policies in the cluster.",
		"set addonProfiles.azurepolicy.enabled true.",
		func(r Resource) []string {
			return requireTrue(r, required{"addonProfiles.azurepolicy.enabled", "Azure Policy cannot audit or deny workloads"})
		}),
	clusterRule("aks-auto-upgrade", "AKS has an automatic upgrade channel.",
		"set autoUpgradeProfile.upgradeChannel to patch, stable, rapid or node-image (kubernetes.upgradeChannel).",
		func(r Resource) []string {
			if r.Unknown("autoUpgradeProfile.upgradeChannel") {
				return nil
			}
			if channel := r.String("autoUpgradeProfile.upgradeChannel"); channel == "" || channel == "none" {
				return []string{"No upgrade channel: the cluster falls behind on patches and out of support."}
			}
			return nil
		}),
}
