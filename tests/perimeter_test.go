// Perimeter: egress through Azure Firewall, Bastion with tunneling, and the Entra-login jumpbox.

package tests

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	firewallType      = "azure-native:network:AzureFirewall"
	firewallRulesType = "azure-native:network:FirewallPolicyRuleCollectionGroup"
	routeTableType    = "azure-native:network:RouteTable"
	routeType         = "azure-native:network:Route"
)

// TestEgressGoesThroughTheFirewall checks the egress contract with the firewall on: the route
// table on the AKS subnet sends 0.0.0.0/0 to the address Azure gave the firewall (the mocks hand out
// another than the subnet's first), and the cluster uses userDefinedRouting and waits for the firewall,
// its rules, the route and its grant on the route table.
func TestEgressGoesThroughTheFirewall(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	firewall := single(t, recording.OfType(firewallType), "firewall", func(*harness.Resource) bool { return true })
	routeTable := single(t, recording.OfType(routeTableType), "route table", func(*harness.Resource) bool { return true })
	route := single(t, recording.OfType(routeType), "default route", func(*harness.Resource) bool { return true })

	firewallIP := firewall.OutputString("ipConfigurations[0].privateIPAddress")
	require.NotEmpty(t, firewallIP, "Azure reports the firewall's private IP")
	subnet := netip.MustParsePrefix(cfg.Network.Subnets.Firewall)
	assert.True(t, subnet.Contains(netip.MustParseAddr(firewallIP)))
	assert.NotEqual(t, subnet.Addr().Next().Next().Next().Next().String(), firewallIP,
		"the mocks hand the firewall an address Azure chose, not the subnet's first usable one")
	assert.Nil(t, routeTable.Input("routes"), "no inline routes: azure-native then keeps the separate route on table updates")
	assert.Equal(t, routeTable.OutputString("name"), route.InputString("routeTableName"))
	assert.Equal(t, "0.0.0.0/0", route.InputString("addressPrefix"))
	assert.Equal(t, "VirtualAppliance", route.InputString("nextHopType"))
	assert.Equal(t, firewallIP, route.InputString("nextHopIpAddress"), "the default route goes to the firewall's address as Azure assigned it")
	assert.True(t, recording.WaitsFor(route, firewall))
	assert.Equal(t, firewallIP, recording.Outputs["firewallPrivateIp"].Value)

	attached := map[string]bool{}
	subnets, _ := virtualNetwork(t, recording).Input("subnets").([]any)
	for _, subnet := range subnets {
		fields := subnet.(map[string]any)
		if table, ok := fields["routeTable"].(map[string]any); ok {
			assert.Equal(t, routeTable.ID, table["id"])
			attached[fields["name"].(string)] = true
		}
	}
	assert.Equal(t, map[string]bool{"kubernetes-nodes": true, "jumpbox": true}, attached,
		"only the cluster and the jumpbox route through the firewall (Application Gateway v2 and API Management cannot)")

	cluster := single(t, recording.OfType(clusterType), "cluster", func(*harness.Resource) bool { return true })
	assert.Equal(t, "userDefinedRouting", cluster.InputString("networkProfile.outboundType"))
	assert.True(t, cluster.DependsOn(firewall), "nodes bootstrap through the firewall")
	assert.True(t, cluster.DependsOn(route), "and through its default route")
	assert.True(t, cluster.DependsOn(single(t, recording.OfType(firewallRulesType), "rules", func(*harness.Resource) bool { return true })),
		"the rules that let nodes bootstrap exist first")
	grant := recording.Find(roleAssignmentType, "apiplat-prod-aks-route-table-network-contributor")
	require.NotNil(t, grant, "the cluster identity may use the route table")
	assert.Equal(t, routeTable.ID, grant.InputString("scope"))
	assert.True(t, cluster.DependsOn(grant))
}

// TestWithoutTheFirewallTheClusterUsesItsLoadBalancer checks dev: no firewall, no route table, and the
// cluster's own outbound load balancer.
func TestWithoutTheFirewallTheClusterUsesItsLoadBalancer(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev")
	assert.Empty(t, recording.OfType(firewallType))
	assert.Empty(t, recording.OfType(routeTableType))
	cluster := single(t, recording.OfType(clusterType), "cluster", func(*harness.Resource) bool { return true })
	assert.Equal(t, "loadBalancer", cluster.InputString("networkProfile.outboundType"))
	assert.NotContains(t, recording.Outputs, "firewallPrivateIp")
}

// TestFirewallPolicyAllowsOnlyWhatIsNeeded checks the policy: DNS proxy on, threat intelligence
// denying, the AKS FQDN tag for the node subnet, the configured allow list, the jumpbox's tools, and
// nothing from any other source.
func TestFirewallPolicyAllowsOnlyWhatIsNeeded(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", harness.Set("perimeter.egressAllowList", []any{"ghcr.io", "*.blob.core.windows.net"}))
	cfg := mustLoadConfig(t, "prod")
	policy := single(t, recording.OfType("azure-native:network:FirewallPolicy"), "policy", func(*harness.Resource) bool { return true })
	assert.Equal(t, true, policy.Input("dnsSettings.enableProxy"))
	assert.Equal(t, "Deny", policy.InputString("threatIntelMode"))
	assert.Equal(t, "Standard", policy.InputString("sku.tier"))
	firewall := single(t, recording.OfType(firewallType), "firewall", func(*harness.Resource) bool { return true })
	assert.Equal(t, policy.ID, firewall.InputString("firewallPolicy.id"))
	assert.Equal(t, "AZFW_VNet", firewall.InputString("sku.name"))
	assert.Equal(t, []any{"1", "2", "3"}, firewall.Input("zones"))

	rules := single(t, recording.OfType(firewallRulesType), "rules", func(*harness.Resource) bool { return true })
	assert.True(t, firewall.DependsOn(rules), "rules first: a policy and its firewall cannot be updated at once")
	bySource := map[string][]map[string]any{}
	collections, _ := rules.Input("ruleCollections").([]any)
	for _, collection := range collections {
		fields := collection.(map[string]any)
		assert.Equal(t, "Allow", fields["action"].(map[string]any)["type"])
		for _, rule := range fields["rules"].([]any) {
			ruleFields := rule.(map[string]any)
			assert.Equal(t, "ApplicationRule", ruleFields["ruleType"], "only application rules: a private cluster needs no network rules")
			for _, source := range ruleFields["sourceAddresses"].([]any) {
				bySource[source.(string)] = append(bySource[source.(string)], ruleFields)
			}
		}
	}
	assert.ElementsMatch(t, []string{cfg.Network.Subnets.KubernetesNodes, cfg.Network.Subnets.Jumpbox}, slices.Collect(maps.Keys(bySource)), "rules only for the routed subnets")
	cluster := rulesByName(bySource[cfg.Network.Subnets.KubernetesNodes])
	assert.ElementsMatch(t, []string{"aks-required", "aks-add-ons", "workload-image", "allow-list"}, slices.Collect(maps.Keys(cluster)))
	assert.Equal(t, []any{components.AKSFQDNTag}, cluster["aks-required"]["fqdnTags"])
	assert.Subset(t, cluster["aks-add-ons"]["targetFqdns"], []any{"*.ods.opinsights.azure.com", "westeurope.handler.control.monitor.azure.com",
		"data.policy.core.windows.net"}, "Container insights and Azure Policy work behind the firewall")
	assert.Equal(t, []any{"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"}, cluster["workload-image"]["targetFqdns"],
		"the default echo image can be pulled")
	assert.Equal(t, []any{"ghcr.io", "*.blob.core.windows.net"}, cluster["allow-list"]["targetFqdns"])
	for name, rule := range cluster {
		if name == "aks-required" {
			continue
		}
		for _, protocol := range rule["protocols"].([]any) {
			assert.Equal(t, "Https", protocol.(map[string]any)["protocolType"], "%s is HTTPS only", name)
		}
	}
	jumpbox := rulesByName(bySource[cfg.Network.Subnets.Jumpbox])
	assert.ElementsMatch(t, []string{"operator-tools", "ubuntu-updates"}, slices.Collect(maps.Keys(jumpbox)))
	assert.Contains(t, jumpbox["operator-tools"]["targetFqdns"], "login.microsoftonline.com", "Entra SSH login")
	assert.Contains(t, jumpbox["operator-tools"]["targetFqdns"], "pas.windows.net", "Entra SSH login")
}

// TestDefaultRouteFollowsTheFirewallsAddress runs the network and the firewall alone in several address
// plans: wherever Azure puts the firewall in its subnet, the route points there, and what routes
// through the firewall waits for that route.
func TestDefaultRouteFollowsTheFirewallsAddress(t *testing.T) {
	t.Parallel()
	for _, firewallSubnet := range []string{"10.9.1.0/26", "10.9.2.64/26", "10.9.3.0/24"} {
		t.Run(firewallSubnet, func(t *testing.T) {
			recording, err := harness.Run(func(ctx *pulumi.Context) error {
				network, err := components.NewNetwork(ctx, "unit", &components.NetworkArgs{
					ResourceGroupName: pulumi.String("rg"), Location: "westeurope", AddressSpace: "10.9.0.0/16",
					Subnets:       map[naming.SubnetRole]string{naming.SubnetFirewall: firewallSubnet, naming.SubnetKubernetesNodes: "10.9.8.0/22"},
					EgressSubnets: []naming.SubnetRole{naming.SubnetKubernetesNodes},
				})
				if err != nil {
					return err
				}
				firewall, err := components.NewEgressFirewall(ctx, "unit", &components.EgressFirewallArgs{
					ResourceGroupName: pulumi.String("rg"), Location: "westeurope", SKU: "Standard",
					SubnetID: network.SubnetID(naming.SubnetFirewall), RouteTableName: network.RouteTableName,
					ClusterSubnet: "10.9.8.0/22", LogAnalyticsWorkspaceID: pulumi.String("/workspace"),
				})
				if err != nil {
					return err
				}
				_, err = managedidentity.NewUserAssignedIdentity(ctx, "routed-through-the-firewall", &managedidentity.UserAssignedIdentityArgs{
					ResourceGroupName: pulumi.String("rg"),
				}, pulumi.DependsOn(firewall.Ready))
				return err
			}, "unit", "test", map[string]string{})
			require.NoError(t, err)
			firewall := recording.Find(firewallType, "unit-afw")
			require.NotNil(t, firewall)
			address := firewall.OutputString("ipConfigurations[0].privateIPAddress")
			assert.True(t, netip.MustParsePrefix(firewallSubnet).Contains(netip.MustParseAddr(address)), "Azure assigns an address in the subnet")
			route := single(t, recording.OfType(routeType), "route", func(*harness.Resource) bool { return true })
			assert.Equal(t, address, route.InputString("nextHopIpAddress"))
			routed := recording.Find(identityType, "routed-through-the-firewall")
			require.NotNil(t, routed)
			assert.True(t, routed.DependsOn(route), "nothing is created behind a missing route")
		})
	}
}

// TestRegistryHosts checks which hosts an image pull needs through the firewall.
func TestRegistryHosts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		image string
		hosts []string
	}{
		{"ghcr.io/mendhak/http-https-echo:34", []string{"ghcr.io", "pkg-containers.githubusercontent.com"}},
		{"mendhak/http-https-echo:34", []string{"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"}},
		{"nginx:1.27", []string{"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"}},
		{"docker.io/library/nginx:1.27", []string{"registry-1.docker.io", "auth.docker.io", "production.cloudflare.docker.com"}},
		{"mcr.microsoft.com/azuredocs/aks-helloworld:v1", nil},
		{"apiplatdevacrx1y2z3.azurecr.io/mendhak/http-https-echo:34", nil},
		{"registry.contoso.example:5000/echo@sha256:0123", []string{"registry.contoso.example"}},
	}
	for _, tc := range cases {
		t.Run(tc.image, func(t *testing.T) {
			assert.Equal(t, tc.hosts, components.RegistryHosts(tc.image))
		})
	}
}

// TestWhatRoutesThroughTheFirewallWaitsForIt checks the jumpbox, like the cluster, is created only once
// the firewall and its rules exist: its login extension installs packages through them.
func TestWhatRoutesThroughTheFirewallWaitsForIt(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	firewall := single(t, recording.OfType(firewallType), "firewall", func(*harness.Resource) bool { return true })
	rules := single(t, recording.OfType(firewallRulesType), "rules", func(*harness.Resource) bool { return true })
	for _, token := range []string{clusterType, "azure-native:compute:VirtualMachine"} {
		res := single(t, recording.OfType(token), token, func(*harness.Resource) bool { return true })
		assert.True(t, res.DependsOn(firewall), "%s waits for the firewall", res.Name)
		assert.True(t, res.DependsOn(rules), "%s waits for the firewall's rules", res.Name)
	}
}

// TestBastionAndJumpbox checks operator access: Bastion Standard with native-client tunneling and no
// shareable links; a jumpbox without a public IP, with Trusted Launch, a system identity, Entra login
// for the cluster administrators and no password.
func TestBastionAndJumpbox(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	cfg := mustLoadConfig(t, "prod")
	bastion := single(t, recording.OfType("azure-native:network:BastionHost"), "bastion", func(*harness.Resource) bool { return true })
	assert.Equal(t, "Standard", bastion.InputString("sku.name"))
	assert.Equal(t, true, bastion.Input("enableTunneling"))
	assert.Equal(t, false, bastion.Input("enableShareableLink"))
	assert.True(t, strings.HasSuffix(bastion.InputString("ipConfigurations[0].subnet.id"), "/subnets/AzureBastionSubnet"))
	address := recording.Find(publicIPType, "apiplat-prod-bas-pip")
	require.NotNil(t, address)
	assert.Equal(t, address.ID, bastion.InputString("ipConfigurations[0].publicIPAddress.id"))
	assert.Equal(t, "Standard", address.InputString("sku.name"))

	networkInterface := single(t, recording.OfType("azure-native:network:NetworkInterface"), "jumpbox NIC", func(*harness.Resource) bool { return true })
	assert.Nil(t, networkInterface.Input("ipConfigurations[0].publicIPAddress"), "the jumpbox has no public IP")
	assert.True(t, strings.HasSuffix(networkInterface.InputString("ipConfigurations[0].subnet.id"), "/subnets/jumpbox"))

	vm := single(t, recording.OfType("azure-native:compute:VirtualMachine"), "jumpbox", func(*harness.Resource) bool { return true })
	for path, want := range map[string]any{
		"identity.type": "SystemAssigned",
		"osProfile.linuxConfiguration.disablePasswordAuthentication": true,
		"securityProfile.securityType":                               "TrustedLaunch",
		"securityProfile.uefiSettings.secureBootEnabled":             true,
		"hardwareProfile.vmSize":                                     cfg.Perimeter.JumpboxVMSize,
		"networkProfile.networkInterfaces[0].id":                     networkInterface.ID,
	} {
		assert.Equal(t, want, vm.Input(path), path)
	}
	assert.Nil(t, vm.Input("osProfile.adminPassword"))
	key := recording.Find(privateKeyType, "apiplat-prod-jumpbox-ssh")
	require.NotNil(t, key)
	assert.Contains(t, key.AdditionalSecretOutputs, "privateKeyOpenssh", "the break-glass key stays a secret")
	for name, output := range recording.Outputs {
		text, _ := output.Value.(string)
		assert.NotContains(t, text, "OPENSSH PRIVATE KEY", "output %s", name)
	}

	extension := single(t, recording.OfType("azure-native:compute:VirtualMachineExtension"), "login extension", func(*harness.Resource) bool { return true })
	assert.Equal(t, "Microsoft.Azure.ActiveDirectory", extension.InputString("publisher"))
	assert.Equal(t, "AADSSHLoginForLinux", extension.InputString("type"))
	for _, group := range cfg.Kubernetes.AdminGroupObjectIDs {
		grant := recording.Find(roleAssignmentType, "apiplat-prod-jumpbox-admin-login-"+group)
		require.NotNil(t, grant, "cluster administrators may log in to the jumpbox")
		assert.Equal(t, vm.ID, grant.InputString("scope"))
		assert.Equal(t, "Group", grant.InputString("principalType"))
		assert.True(t, strings.HasSuffix(grant.InputString("roleDefinitionId"), "/"+components.VirtualMachineAdministratorLoginRole))
	}
	assert.Equal(t, vm.ID, recording.Outputs["jumpboxId"].Value)
	assert.Equal(t, "apiplat-prod-bas", recording.Outputs["bastionName"].Value)
}

// rulesByName indexes firewall rules by name.
func rulesByName(rules []map[string]any) map[string]map[string]any {
	byName := map[string]map[string]any{}
	for _, rule := range rules {
		byName[rule["name"].(string)] = rule
	}
	return byName
}
