// Network: the address plan as deployed, one NSG per subnet with each service's required rules, tags,
// explicit providers, parenting and names.

package tests

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	virtualNetworkType = "azure-native:network:VirtualNetwork"
	securityGroupType  = "azure-native:network:NetworkSecurityGroup"
)

// virtualNetwork returns the stack's one virtual network.
func virtualNetwork(t *testing.T, recording *harness.Recording) *harness.Resource {
	t.Helper()
	networks := recording.OfType(virtualNetworkType)
	require.Len(t, networks, 1)
	return networks[0]
}

// subnetsOf returns the inline subnets of a virtual network keyed by subnet name.
func subnetsOf(t *testing.T, network *harness.Resource) map[string]map[string]any {
	t.Helper()
	subnets := map[string]map[string]any{}
	list, ok := network.Input("subnets").([]any)
	require.True(t, ok, "subnets are declared inline")
	for _, item := range list {
		subnet := item.(map[string]any)
		subnets[subnet["name"].(string)] = subnet
	}
	return subnets
}

// securityRulesOf returns the inline rules of a network security group keyed by rule name.
func securityRulesOf(group *harness.Resource) map[string]map[string]any {
	rules := map[string]map[string]any{}
	list, _ := group.Input("securityRules").([]any)
	for _, item := range list {
		rule := item.(map[string]any)
		rules[rule["name"].(string)] = rule
	}
	return rules
}

// ports returns a rule's destination ports whether set as a range or a list.
func ports(rule map[string]any) []string {
	if single, ok := rule["destinationPortRange"].(string); ok {
		return []string{single}
	}
	var list []string
	for _, port := range rule["destinationPortRanges"].([]any) {
		list = append(list, port.(string))
	}
	return list
}

// TestSubnetsMatchTheAddressPlan checks the virtual network carries exactly the configured subnets.
func TestSubnetsMatchTheAddressPlan(t *testing.T) {
	t.Parallel()
	wantSubnets := map[string][]string{
		"dev":  {"AzureBastionSubnet", "api-management", "application-gateway", "kubernetes-nodes", "private-endpoints"},
		"prod": {"AzureBastionSubnet", "AzureFirewallSubnet", "api-management", "application-gateway", "jumpbox", "kubernetes-nodes", "private-endpoints"},
	}
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			network := virtualNetwork(t, runStack(t, stack))
			assert.Equal(t, []any{cfg.Network.AddressSpace}, network.Input("addressSpace.addressPrefixes"))
			subnets := subnetsOf(t, network)
			assert.Equal(t, wantSubnets[stack], slices.Sorted(maps.Keys(subnets)))
			for role, cidr := range cfg.Subnets() {
				assert.Equal(t, cidr, subnets[naming.SubnetName(role)]["addressPrefix"], "subnet %s", role)
			}
			assert.Equal(t, "Enabled", subnets["private-endpoints"]["privateEndpointNetworkPolicies"],
				"NSG rules must apply to private endpoint traffic")
			// AKS puts the API server's private endpoint in the node subnet; with network policies off
			// there, the node NSG's deny-virtual-network-inbound does not apply to it, so make deploy's
			// Bastion tunnel reaches the API server on 443.
			assert.NotEqual(t, "Enabled", subnets["kubernetes-nodes"]["privateEndpointNetworkPolicies"],
				"the API server's private endpoint stays reachable from the Bastion tunnel")
			assert.Equal(t, []any{map[string]any{"service": "Microsoft.KeyVault"}}, subnets["api-management"]["serviceEndpoints"],
				"API Management reaches Key Vault through a service endpoint")
			for name, subnet := range subnets {
				if name != "api-management" {
					assert.Nil(t, subnet["serviceEndpoints"], "%s has no service endpoint", name)
				}
			}
		})
	}
}

// TestEverySubnetHasItsSecurityGroup checks one NSG per subnet that supports one, wired by ID.
func TestEverySubnetHasItsSecurityGroup(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			recording := runStack(t, stack)
			subnets := subnetsOf(t, virtualNetwork(t, recording))
			base := naming.Base(cfg.NamePrefix, cfg.Stack)
			groups := 0
			for role := range cfg.Subnets() {
				subnet := subnets[naming.SubnetName(role)]
				if !naming.SubnetSupportsSecurityGroup(role) {
					assert.Nil(t, subnet["networkSecurityGroup"], "%s must not carry an NSG", role)
					continue
				}
				groups++
				group := recording.Find(securityGroupType, naming.SubnetSecurityGroup(base, role))
				require.NotNil(t, group, "NSG for %s", role)
				assert.Equal(t, group.ID, subnet["networkSecurityGroup"].(map[string]any)["id"], "%s is attached to its NSG", role)
			}
			assert.Len(t, recording.OfType(securityGroupType), groups, "no NSG without a subnet")
		})
	}
}

// TestSecurityRulesRequiredByEachService checks the rules each service documents as required.
func TestSecurityRulesRequiredByEachService(t *testing.T) {
	t.Parallel()
	prod := mustLoadConfig(t, "prod")
	subnets := prod.Network.Subnets
	cases := []struct {
		subnet      naming.SubnetRole
		rule        string
		direction   string
		source      string
		destination string
		ports       []string
	}{
		{naming.SubnetApplicationGateway, "allow-gateway-manager-inbound", "Inbound", "GatewayManager", "*", []string{"65200-65535"}},
		{naming.SubnetApplicationGateway, "allow-internet-https-inbound", "Inbound", "Internet", subnets.ApplicationGateway, []string{"443"}},
		{naming.SubnetApplicationGateway, "allow-internet-http-redirect-inbound", "Inbound", "Internet", subnets.ApplicationGateway, []string{"80"}},
		{naming.SubnetAPIManagement, "allow-management-endpoint-inbound", "Inbound", "ApiManagement", "VirtualNetwork", []string{"3443"}},
		{naming.SubnetAPIManagement, "allow-load-balancer-inbound", "Inbound", "AzureLoadBalancer", "VirtualNetwork", []string{"6390", "6391"}},
		{naming.SubnetAPIManagement, "allow-application-gateway-https-inbound", "Inbound", subnets.ApplicationGateway, subnets.APIManagement, []string{"443"}},
		{naming.SubnetAPIManagement, "allow-storage-outbound", "Outbound", "VirtualNetwork", "Storage", []string{"443"}},
		{naming.SubnetAPIManagement, "allow-sql-outbound", "Outbound", "VirtualNetwork", "Sql", []string{"1433"}},
		{naming.SubnetAPIManagement, "allow-key-vault-outbound", "Outbound", "VirtualNetwork", "AzureKeyVault", []string{"443"}},
		{naming.SubnetAPIManagement, "allow-azure-monitor-outbound", "Outbound", "VirtualNetwork", "AzureMonitor", []string{"1886", "443"}},
		{naming.SubnetAPIManagement, "allow-entra-id-outbound", "Outbound", "VirtualNetwork", "AzureActiveDirectory", []string{"443"}},
		{naming.SubnetAPIManagement, "allow-certificate-validation-outbound", "Outbound", "VirtualNetwork", "Internet", []string{"80"}},
		{naming.SubnetAPIManagement, "allow-api-management-cache-inbound", "Inbound", subnets.APIManagement, subnets.APIManagement, []string{"6380-6383"}},
		{naming.SubnetAPIManagement, "allow-api-management-rate-limit-inbound", "Inbound", subnets.APIManagement, subnets.APIManagement, []string{"4290"}},
		{naming.SubnetKubernetesNodes, "allow-cluster-nodes-inbound", "Inbound", subnets.KubernetesNodes, "*", []string{"*"}},
		{naming.SubnetKubernetesNodes, "allow-cluster-pods-inbound", "Inbound", prod.Kubernetes.PodCIDR, "*", []string{"*"}},
		{naming.SubnetKubernetesNodes, "allow-load-balancer-inbound", "Inbound", "AzureLoadBalancer", "*", []string{"*"}},
		{naming.SubnetKubernetesNodes, "allow-api-management-https-inbound", "Inbound", subnets.APIManagement, subnets.KubernetesNodes, []string{"443"}},
		{naming.SubnetBastion, "allow-https-inbound", "Inbound", "Internet", "*", []string{"443"}},
		{naming.SubnetBastion, "allow-gateway-manager-inbound", "Inbound", "GatewayManager", "*", []string{"443"}},
		{naming.SubnetBastion, "allow-bastion-host-communication-inbound", "Inbound", "VirtualNetwork", "VirtualNetwork", []string{"8080", "5701"}},
		{naming.SubnetBastion, "allow-load-balancer-inbound", "Inbound", "AzureLoadBalancer", "*", []string{"443"}},
		{naming.SubnetBastion, "allow-ssh-rdp-outbound", "Outbound", "*", "VirtualNetwork", []string{"22", "3389"}},
		{naming.SubnetBastion, "allow-azure-cloud-outbound", "Outbound", "*", "AzureCloud", []string{"443"}},
		{naming.SubnetBastion, "allow-bastion-communication-outbound", "Outbound", "VirtualNetwork", "VirtualNetwork", []string{"8080", "5701"}},
		{naming.SubnetBastion, "allow-http-outbound", "Outbound", "*", "Internet", []string{"80"}},
		{naming.SubnetJumpbox, "allow-bastion-ssh-inbound", "Inbound", subnets.Bastion, subnets.Jumpbox, []string{"22"}},
	}
	recording := runStack(t, "prod")
	base := naming.Base(prod.NamePrefix, prod.Stack)
	for _, tc := range cases {
		t.Run(string(tc.subnet)+"/"+tc.rule, func(t *testing.T) {
			group := recording.Find(securityGroupType, naming.SubnetSecurityGroup(base, tc.subnet))
			require.NotNil(t, group)
			rule, ok := securityRulesOf(group)[tc.rule]
			require.True(t, ok, "rule %s exists", tc.rule)
			assert.Equal(t, "Allow", rule["access"])
			assert.Equal(t, tc.direction, rule["direction"])
			assert.Equal(t, tc.source, rule["sourceAddressPrefix"])
			assert.Equal(t, tc.destination, rule["destinationAddressPrefix"])
			assert.Equal(t, tc.ports, ports(rule))
		})
	}
}

// TestOnlyTheGatewayAndBastionAcceptInternetTraffic checks that every NSG ends by denying Internet
// inbound traffic and that the only Internet allows are Application Gateway's 443/80 (to its own
// subnet) and Bastion's 443, which its documented rule set requires.
func TestOnlyTheGatewayAndBastionAcceptInternetTraffic(t *testing.T) {
	t.Parallel()
	internetSources := []string{"Internet", "*", "0.0.0.0/0", "Any"}
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			base := naming.Base(cfg.NamePrefix, cfg.Stack)
			recording := runStack(t, stack)
			for _, group := range recording.OfType(securityGroupType) {
				rules := securityRulesOf(group)
				deny, ok := rules["deny-internet-inbound"]
				require.True(t, ok, "%s denies Internet inbound", group.Name)
				assert.Equal(t, []any{"Deny", "Inbound", "Internet", float64(4096)},
					[]any{deny["access"], deny["direction"], deny["sourceAddressPrefix"], deny["priority"]})
				for name, rule := range rules {
					if rule["access"] != "Allow" || rule["direction"] != "Inbound" || !slices.Contains(internetSources, rule["sourceAddressPrefix"].(string)) {
						continue
					}
					switch group.Name {
					case naming.SubnetSecurityGroup(base, naming.SubnetApplicationGateway):
						assert.Subset(t, []string{"443", "80"}, ports(rule), "%s/%s", group.Name, name)
						assert.Equal(t, cfg.Network.Subnets.ApplicationGateway, rule["destinationAddressPrefix"])
					case naming.SubnetSecurityGroup(base, naming.SubnetBastion):
						assert.Equal(t, []string{"443"}, ports(rule), "%s/%s", group.Name, name)
					default:
						t.Errorf("%s allows Internet inbound with rule %s", group.Name, name)
					}
				}
			}
		})
	}
}

// taggable classifies every azure-native type the platform creates: does it take tags? Every recorded
// type must be listed, so a new resource type cannot slip through untagged.
var taggable = map[string]bool{
	"azure-native:documentdb:DatabaseAccount":                  true,
	"azure-native:documentdb:SqlResourceSqlDatabase":           false,
	"azure-native:documentdb:SqlResourceSqlContainer":          false,
	"azure-native:documentdb:SqlResourceSqlRoleAssignment":     false,
	"azure-native:securityinsights:SentinelOnboardingState":    false,
	"azure-native:securityinsights:ASCDataConnector":           false,
	"azure-native:insights:SubscriptionDiagnosticSetting":      false,
	"azure-native:network:Policy":                              true,
	"azure-native:cdn:Profile":                                 true,
	"azure-native:cdn:AFDEndpoint":                             true,
	"azure-native:cdn:AFDCustomDomain":                         false,
	"azure-native:cdn:AFDOriginGroup":                          false,
	"azure-native:cdn:AFDOrigin":                               false,
	"azure-native:cdn:Route":                                   false,
	"azure-native:cdn:SecurityPolicy":                          false,
	"azure-native:apimanagement:Product":                       false,
	"azure-native:network:VirtualNetworkPeering":               false,
	"azure-native:apimanagement:ProductApi":                    false,
	"azure-native:apimanagement:Subscription":                  false,
	"azure-native:resources:ResourceGroup":                     true,
	"azure-native:network:VirtualNetwork":                      true,
	"azure-native:network:NetworkSecurityGroup":                true,
	"azure-native:network:PrivateEndpoint":                     true,
	"azure-native:network:PrivateZone":                         true,
	"azure-native:network:VirtualNetworkLink":                  true,
	"azure-native:network:PrivateDnsZoneGroup":                 false,
	"azure-native:keyvault:Vault":                              true,
	"azure-native:keyvault:Secret":                             true,
	"azure-native:managedidentity:UserAssignedIdentity":        true,
	"azure-native:authorization:RoleAssignment":                false,
	"azure-native:insights:DiagnosticSetting":                  false,
	"azure-native:network:PrivateRecordSet":                    false,
	"azure-native:network:ApplicationGateway":                  true,
	"azure-native:network:PublicIPAddress":                     true,
	"azure-native:network:WebApplicationFirewallPolicy":        true,
	"azure-native:apimanagement:ApiManagementService":          true,
	"azure-native:apimanagement:Certificate":                   false,
	"azure-native:apimanagement:Backend":                       false,
	"azure-native:apimanagement:Api":                           false,
	"azure-native:apimanagement:ApiOperation":                  false,
	"azure-native:apimanagement:ApiPolicy":                     false,
	"azure-native:apimanagement:Logger":                        false,
	"azure-native:apimanagement:ApiDiagnostic":                 false,
	"azure-native:operationalinsights:Workspace":               true,
	"azure-native:insights:Component":                          true,
	"azure-native:containerregistry:Registry":                  true,
	"azure-native:containerservice:ManagedCluster":             true,
	"azure-native:containerservice:MaintenanceConfiguration":   false,
	"azure-native:apimanagement:Diagnostic":                    false,
	"azure-native:network:RouteTable":                          true,
	"azure-native:network:AzureFirewall":                       true,
	"azure-native:network:FirewallPolicy":                      true,
	"azure-native:network:FirewallPolicyRuleCollectionGroup":   false,
	"azure-native:network:BastionHost":                         true,
	"azure-native:network:NetworkInterface":                    true,
	"azure-native:compute:VirtualMachine":                      true,
	"azure-native:compute:VirtualMachineExtension":             true,
	"azure-native:insights:ActionGroup":                        true,
	"azure-native:insights:MetricAlert":                        true,
	"azure-native:sql:Server":                                  true,
	"azure-native:sql:Database":                                true,
	"azure-native:sql:ServerAzureADOnlyAuthentication":         false,
	"azure-native:sql:ServerBlobAuditingPolicy":                false,
	"azure-native:sql:ServerSecurityAlertPolicy":               false,
	"azure-native:insights:DataCollectionRule":                 true,
	"azure-native:insights:DataCollectionRuleAssociation":      false,
	"azure-native:network:Route":                               false,
	"azure-native:network:SecurityRule":                        false,
	"azure-native:managedidentity:FederatedIdentityCredential": false,
}

// TestEveryTaggableResourceIsTagged checks tags on every azure-native resource whose type takes them.
func TestEveryTaggableResourceIsTagged(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			want := map[string]any{}
			for name, value := range cfg.ResourceTags() {
				want[name] = value
			}
			assert.Equal(t, map[string]any{"environment": stack, "project": "apiplatform", "stack": stack,
				"managedBy": "pulumi", "owner": "platform-team", "costCenter": cfg.Tags.CostCenter}, want)
			for _, res := range slices.Concat(runStack(t, stack, everyFeature...).Resources, runStack(t, stack, edgeAndData...).Resources) {
				if !strings.HasPrefix(res.Type, "azure-native:") {
					continue
				}
				classified, known := false, false
				for token, isTaggable := range taggable {
					if harness.TypeMatches(res.TypeKey(), token) {
						known, classified = true, isTaggable
					}
				}
				require.True(t, known, "classify %s as taggable or not in this test", res.TypeKey())
				if classified {
					assert.Equal(t, want, res.Input("tags"), "%s %s", res.Type, res.Name)
				}
			}
		})
	}
}

// TestEveryResourceUsesAnExplicitProvider checks that no custom resource relies on a default provider.
func TestEveryResourceUsesAnExplicitProvider(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			for _, res := range recording.Resources {
				if !res.Custom || strings.HasPrefix(res.Type, "pulumi:providers:") {
					continue
				}
				provider := recording.ByURN(res.ProviderURN())
				require.NotNil(t, provider, "%s %s names a recorded provider (got %q)", res.Type, res.Name, res.Provider)
				pkg := strings.Split(res.Type, ":")[0]
				assert.Equal(t, "pulumi:providers:"+pkg, provider.Type, "%s uses its own package's provider", res.Name)
			}
		})
	}
}

// TestComponentsParentAndNameTheirChildren checks every component parents its children, names them
// `<component>-<role>`, and gives Azure resources their logical name, except where Azure fixes or
// scopes the name: globally unique names (logical name plus the random suffix), names within a parent
// (a vault's secrets, an API Management service's entities, a zone's records), private DNS zones
// (named after the domain they answer for) and role assignments (GUIDs).
func TestComponentsParentAndNameTheirChildren(t *testing.T) {
	t.Parallel()
	var componentTypes []string
	for _, recording := range []*harness.Recording{runStack(t, "prod", everyFeature...), runStack(t, "prod", edgeAndData...)} {
		componentTypes = append(componentTypes, checkComponentChildren(t, recording)...)
	}
	slices.Sort(componentTypes)
	assert.ElementsMatch(t, []string{"apiplatform:network:Network", "apiplatform:security:Certificates",
		"apiplatform:apim:APIManagement", "apiplatform:security:KeyVault", "apiplatform:network:PrivateEndpoints",
		"apiplatform:apim:BackendAPI", "apiplatform:edge:ApplicationGateway", "apiplatform:monitoring:Monitoring",
		"apiplatform:kubernetes:KubernetesCluster", "apiplatform:containers:ContainerRegistry", "apiplatform:kubernetes:EchoWorkload", "apiplatform:kubernetes:IstioIngress", "apiplatform:kubernetes:IstioAddOnReadiness",
		"apiplatform:perimeter:EgressFirewall", "apiplatform:perimeter:Bastion", "apiplatform:perimeter:Jumpbox",
		"apiplatform:monitoring:Alerts", "apiplatform:data:SQLDatabase", "apiplatform:data:CosmosDB", "apiplatform:edge:FrontDoor",
		"apiplatform:monitoring:Sentinel", "apiplatform:network:HubPeering"}, slices.Compact(componentTypes))
}

// checkComponentChildren checks the children of every component of one recording (see
// TestComponentsParentAndNameTheirChildren) and returns the components' types.
func checkComponentChildren(t *testing.T, recording *harness.Recording) []string {
	t.Helper()
	var componentTypes []string
	for _, component := range recording.Resources {
		if component.Custom {
			continue
		}
		componentTypes = append(componentTypes, component.Type)
		children := recording.Children(component)
		require.NotEmpty(t, children, "%s has children", component.Name)
		for _, child := range children {
			assert.True(t, strings.HasPrefix(child.Name, component.Name+"-"), "%s is named after its component", child.Name)
			if !strings.HasPrefix(child.Type, "azure-native:") {
				continue
			}
			physical := child.OutputString("name")
			switch {
			case harness.TypeMatches(child.Type, "azure-native:keyvault:Vault"),
				harness.TypeMatches(child.Type, "azure-native:apimanagement:ApiManagementService"):
				assert.Regexp(t, "^"+child.Name+"[a-z0-9]{6}$", physical, "globally unique: logical name plus suffix")
			case harness.TypeMatches(child.Type, "azure-native:containerregistry:Registry"):
				assert.Regexp(t, "^"+strings.ReplaceAll(child.Name, "-", "")+"[a-z0-9]{6}$", physical, "letters and digits only, plus suffix")
			case harness.TypeMatches(child.Type, "azure-native:containerservice:MaintenanceConfiguration"):
				assert.Contains(t, []string{"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule", "default"}, physical, "AKS fixes these names")
			case harness.TypeMatches(child.Type, "azure-native:keyvault:Secret"):
				assert.Equal(t, component.Name+"-kv-"+physical, child.Name, "a secret is named within its vault")
			case harness.TypeMatches(child.Type, "azure-native:network:PrivateZone"):
				assert.Contains(t, append(privatelink.Zones(), "gateway.internal.contoso.example", "echo.internal.contoso.example"), physical,
					"a zone is named after the domain it answers for")
			case harness.TypeMatches(child.Type, "azure-native:sql:Server"):
				assert.Regexp(t, "^"+child.Name+"[a-z0-9]{6}$", physical, "globally unique: logical name plus suffix")
			case harness.TypeMatches(child.Type, "azure-native:sql:Database"):
				assert.Equal(t, "app", physical, "the database is named by sql.databaseName")
			case harness.TypeMatches(child.Type, "azure-native:sql:ServerAzureADOnlyAuthentication"),
				harness.TypeMatches(child.Type, "azure-native:sql:ServerBlobAuditingPolicy"),
				harness.TypeMatches(child.Type, "azure-native:sql:ServerSecurityAlertPolicy"):
				assert.Contains(t, []string{"Default", "default"}, physical, "Azure fixes the names of server settings")
			case harness.TypeMatches(child.Type, "azure-native:compute:VirtualMachineExtension"):
				assert.Equal(t, "AADSSHLoginForLinux", physical, "the extension keeps its documented name")
			case harness.TypeMatches(child.Type, "azure-native:managedidentity:FederatedIdentityCredential"):
				assert.Contains(t, []string{"aks-echo-sql-client", "aks-echo-cosmos-client"}, physical, "a credential is named within its identity after the service account")
			case harness.TypeMatches(child.Type, "azure-native:insights:DataCollectionRule"):
				assert.Equal(t, components.ContainerInsightsRuleName("westeurope", component.Name+"-aks"), physical, "named as Container insights' onboarding names it")
			case harness.TypeMatches(child.Type, "azure-native:insights:DataCollectionRuleAssociation"):
				assert.Equal(t, components.ContainerInsightsAssociation, physical, "named as Container insights' onboarding names it")
			case harness.TypeMatches(child.Type, "azure-native:network:Route"):
				assert.Equal(t, "default-to-firewall", physical, "a route is named within its table")
			case harness.TypeMatches(child.Type, "azure-native:network:PrivateRecordSet"):
				assert.Equal(t, "@", physical, "records sit at the apex of their per-host zone")
			case child.TypeKey() == "azure-native:documentdb:DatabaseAccount":
				assert.Regexp(t, "^"+child.Name+"[a-z0-9]{6}$", physical, "globally unique: logical name plus suffix")
			case child.TypeKey() == "azure-native:documentdb:SqlResourceSqlDatabase":
				assert.Equal(t, "app", physical, "the database is named by cosmosDb.databaseName")
			case child.TypeKey() == "azure-native:documentdb:SqlResourceSqlContainer":
				assert.Equal(t, "items", physical, "the container is named by cosmosDb.containerName")
			case child.TypeKey() == "azure-native:documentdb:SqlResourceSqlRoleAssignment",
				child.TypeKey() == "azure-native:securityinsights:ASCDataConnector":
				assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, physical, "named with a GUID, as ARM requires")
			case child.TypeKey() == "azure-native:securityinsights:SentinelOnboardingState":
				assert.Equal(t, "default", physical, "a workspace has one onboarding state, named default")
			case harness.TypeMatches(child.Type, "azure-native:network:Policy"):
				assert.Equal(t, strings.ReplaceAll(child.Name, "-", ""), physical, "a Front Door WAF policy takes letters and digits only")
			case harness.TypeMatches(child.Type, "azure-native:cdn:AFDCustomDomain"):
				assert.Equal(t, "api-contoso-example", physical, "a custom domain is named after its host")
			case harness.TypeMatches(child.Type, "azure-native:cdn:AFDOriginGroup"), harness.TypeMatches(child.Type, "azure-native:cdn:AFDOrigin"),
				harness.TypeMatches(child.Type, "azure-native:cdn:Route"), harness.TypeMatches(child.Type, "azure-native:cdn:SecurityPolicy"):
				assert.Contains(t, []string{"gateway", "application-gateway", "api", "waf"}, physical, "named within its profile")
			case harness.TypeMatches(child.Type, "azure-native:network:VirtualNetworkPeering"):
				assert.Regexp(t, `^(hub-vnet|apiplat-prod-vnet-[a-z0-9]{6})$`, physical, "a peering is named after the network it leads to (the hub's side with the stack's suffix)")
			case strings.HasPrefix(child.Type, "azure-native:apimanagement"), // entities are named within their service
				harness.TypeMatches(child.Type, "azure-native:authorization:RoleAssignment"):
			default:
				assert.Equal(t, child.Name, physical, "Azure name equals the logical name")
			}
		}
	}
	return componentTypes
}

// TestResourceNamesFollowTheScheme checks `<prefix>-<stack>-<role>` names and each service's rules.
func TestResourceNamesFollowTheScheme(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			base := "apiplat-" + stack
			assert.NotNil(t, recording.Find("azure-native:resources:ResourceGroup", base+"-rg"))
			assert.NotNil(t, recording.Find(virtualNetworkType, base+"-vnet"))
			require.NoError(t, naming.Check(naming.RoleVirtualNetwork, virtualNetwork(t, recording).OutputString("name")))
			for _, group := range recording.OfType(securityGroupType) {
				assert.True(t, strings.HasPrefix(group.Name, base+"-nsg-"), group.Name)
				assert.NoError(t, naming.Check(naming.RoleNetworkSecurityGroup, group.Name))
			}
			suffixes := recording.OfType("random:index/randomString:RandomString")
			require.Len(t, suffixes, 1)
			assert.Equal(t, float64(naming.SuffixLength), suffixes[0].Input("length"))
			assert.Equal(t, false, suffixes[0].Input("upper"))
			assert.Equal(t, false, suffixes[0].Input("special"))
			assert.Nil(t, suffixes[0].Input("keepers"), "no keepers: the suffix never changes once created")
			assert.Regexp(t, `^[a-z0-9]{6}$`, suffixes[0].OutputString("result"))
		})
	}
}

// TestNetworkComponentOutputs runs the component on its own and awaits its outputs: subnet IDs derive
// from the virtual network's ARM ID.
func TestNetworkComponentOutputs(t *testing.T) {
	t.Parallel()
	subnets := map[naming.SubnetRole]string{
		naming.SubnetApplicationGateway: "10.0.0.0/24",
		naming.SubnetFirewall:           "10.0.1.0/26",
	}
	var virtualNetworkID, gatewaySubnetID string
	var subnetIDs, groupIDs map[string]string
	_, err := harness.Run(func(ctx *pulumi.Context) error {
		network, err := components.NewNetwork(ctx, "unit", &components.NetworkArgs{
			ResourceGroupName: pulumi.String("unit-rg"),
			Location:          "westeurope",
			AddressSpace:      "10.0.0.0/16",
			Subnets:           subnets,
			Tags:              map[string]string{"project": "unit"},
		})
		if err != nil {
			return err
		}
		if virtualNetworkID, err = harness.Await[string](network.VirtualNetworkID); err != nil {
			return err
		}
		if subnetIDs, err = harness.Await[map[string]string](network.SubnetIDs); err != nil {
			return err
		}
		if gatewaySubnetID, err = harness.Await[string](network.SubnetID(naming.SubnetApplicationGateway)); err != nil {
			return err
		}
		groupIDs, err = harness.Await[map[string]string](network.SecurityGroupIDs)
		return err
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, "/subscriptions/"+harness.SubscriptionID+"/resourceGroups/unit-rg/providers/Microsoft.Network/virtualNetworks/unit-vnet", virtualNetworkID)
	assert.Equal(t, map[string]string{
		"application-gateway": virtualNetworkID + "/subnets/application-gateway",
		"firewall":            virtualNetworkID + "/subnets/AzureFirewallSubnet",
	}, subnetIDs)
	assert.Equal(t, subnetIDs["application-gateway"], gatewaySubnetID)
	assert.Equal(t, []string{"application-gateway"}, slices.Sorted(maps.Keys(groupIDs)), "the firewall subnet gets no NSG")
}

// TestVirtualNetworkWaitsOnlyForItsGroups checks the dependency graph: security groups and the route
// table wait only for the resource group, the virtual network only for them, so the network is two
// short ARM steps.
func TestVirtualNetworkWaitsOnlyForItsGroups(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	resourceGroup := recording.OfType("azure-native:resources:ResourceGroup")[0]
	network := virtualNetwork(t, recording)
	groups := recording.OfType(securityGroupType)
	for _, group := range groups {
		assert.Equal(t, []string{resourceGroup.URN}, group.Dependencies, "%s waits for the resource group only", group.Name)
		assert.True(t, network.DependsOn(group), "the network waits for %s", group.Name)
	}
	routeTables := recording.OfType("azure-native:network:RouteTable")
	require.Len(t, routeTables, 1, "prod routes egress through the firewall")
	routeTable := routeTables[0]
	assert.Equal(t, []string{resourceGroup.URN}, routeTable.Dependencies, "the route table waits for the resource group only")
	assert.True(t, network.DependsOn(routeTable), "the network waits for the egress route table it attaches")
	assert.Len(t, network.Dependencies, len(groups)+2, "the network waits for its groups, its route table and the resource group, nothing else")
}
