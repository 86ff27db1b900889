// Landing zones (issue 20): egress through a hub network's firewall instead of the stack's own.

package tests

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/review"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// hubEgress routes prod's egress to a hub firewall at 10.100.1.4.
var hubEgress = []harness.Edit{harness.Set("perimeter.egress", "hub"), harness.Set("perimeter.hubNextHopIp", "10.100.1.4")}

// TestHubEgressRoutesToTheHubFirewall checks prod with hub egress: no firewall of its own and no
// AzureFirewallSubnet, the egress subnets' default route to the hub's address, the cluster on
// userDefinedRouting behind that route, and the allow list the hub firewall needs.
func TestHubEgressRoutesToTheHubFirewall(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", hubEgress...)
	assert.Empty(t, recording.OfType("azure-native:network:AzureFirewall"), "the hub's firewall, not one of the stack's")
	assert.Empty(t, recording.OfType("azure-native:network:FirewallPolicy"))
	subnets := subnetsOf(t, virtualNetwork(t, recording))
	assert.NotContains(t, subnets, "AzureFirewallSubnet")

	tables := recording.OfType("azure-native:network:RouteTable")
	require.Len(t, tables, 1)
	for _, name := range []string{"kubernetes-nodes", "jumpbox"} {
		assert.Equal(t, tables[0].ID, subnets[name]["routeTable"].(map[string]any)["id"], "%s is routed", name)
	}
	route := single(t, recording.OfType("azure-native:network:Route"), "default route", func(*harness.Resource) bool { return true })
	assert.Equal(t, "0.0.0.0/0", route.InputString("addressPrefix"))
	assert.Equal(t, "VirtualAppliance", route.InputString("nextHopType"))
	assert.Equal(t, "10.100.1.4", route.InputString("nextHopIpAddress"))
	assert.Equal(t, tables[0].InputString("routeTableName"), route.InputString("routeTableName"))

	cluster := stackCluster(t, recording)
	assert.Equal(t, "userDefinedRouting", cluster.InputString("networkProfile.outboundType"))
	assert.True(t, recording.WaitsFor(cluster, route), "the nodes bootstrap through the hub: the route exists first")
	jumpbox := single(t, recording.OfType("azure-native:compute:VirtualMachine"), "jumpbox", func(*harness.Resource) bool { return true })
	assert.True(t, recording.WaitsFor(jumpbox, route))

	peered := runStack(t, "prod", append(hubEgress[:len(hubEgress):len(hubEgress)], harness.Set("network.hubVirtualNetworkId", hubNetworkID),
		harness.Set("network.hubPeeringWritable", true))...)
	for _, peering := range peered.OfType("azure-native:network:VirtualNetworkPeering") {
		assert.True(t, peered.WaitsFor(stackCluster(t, peered), peering), "the hub is reached only through the peering: the cluster waits for %s", peering.Name)
	}

	cfg := mustLoadConfig(t, "prod", hubEgress...)
	rules := components.EgressRules(components.EgressPlan{Location: cfg.Location, WorkloadImage: cfg.Workload.Image, Jumpbox: true})
	allowList, ok := recording.Outputs["hubFirewallAllowList"].Value.([]any)
	require.True(t, ok, "the stack outputs what the hub firewall must allow")
	require.Len(t, allowList, len(rules))
	first := allowList[0].(map[string]any)
	assert.Equal(t, cfg.Network.Subnets.KubernetesNodes, first["from"])
	assert.Equal(t, []string{components.AKSFQDNTag}, first["fqdnTags"])
	assert.Equal(t, cfg.Network.Subnets.Jumpbox, allowList[len(allowList)-1].(map[string]any)["from"])
}

// TestHubEgressListsWhatTheStackFirewallAllows checks the hub's allow list and the stack firewall's
// rules come from one table: every rule of the firewall policy of prod appears, with the same hosts,
// in the hub allow list of prod with hub egress.
func TestHubEgressListsWhatTheStackFirewallAllows(t *testing.T) {
	t.Parallel()
	collections, _ := single(t, runStack(t, "prod").OfType("azure-native:network:FirewallPolicyRuleCollectionGroup"), "rules",
		func(*harness.Resource) bool { return true }).Input("ruleCollections").([]any)
	hub := map[string]map[string]any{}
	for _, entry := range runStack(t, "prod", hubEgress...).Outputs["hubFirewallAllowList"].Value.([]any) {
		hub[entry.(map[string]any)["rule"].(string)] = entry.(map[string]any)
	}
	firewallRules := 0
	for _, collection := range collections {
		for _, item := range collection.(map[string]any)["rules"].([]any) {
			rule := item.(map[string]any)
			firewallRules++
			entry, listed := hub[rule["name"].(string)]
			require.True(t, listed, "the hub allow list has %s", rule["name"])
			if hosts, ok := rule["targetFqdns"].([]any); ok {
				assert.Len(t, entry["hosts"], len(hosts), rule["name"])
			}
		}
	}
	assert.Equal(t, firewallRules, len(hub), "one hub entry per firewall rule")
}

// hubEgressBlock is README's generated allow list of a hub firewall.
var hubEgressBlock = regexp.MustCompile(`(?s)<!-- hub-egress-rules: generated from components.EgressRules for prod's defaults -->\n(.*?)<!-- /hub-egress-rules -->`)

// TestREADMEListsTheHubEgressRules keeps README's hub allow list the one the program computes for prod's
// defaults; `go test ./tests -run TestREADMEListsTheHubEgressRules -update` rewrites it.
func TestREADMEListsTheHubEgressRules(t *testing.T) {
	cfg := mustLoadConfig(t, "prod")
	want := components.EgressRulesMarkdown(components.EgressRules(components.EgressPlan{
		Location: cfg.Location, WorkloadImage: config.DefaultWorkloadImage, AllowedHosts: cfg.Perimeter.EgressAllowList, Jumpbox: true}))
	requireGeneratedREADMEBlock(t, hubEgressBlock, want, "hub allow list entries")
}

// TestHubPeering checks the peering with a hub network: from the stack's side always, from the hub's
// side through a provider for the hub's subscription when the deployer may write the hub, and
// otherwise the command the hub's owner runs.
func TestHubPeering(t *testing.T) {
	t.Parallel()
	for _, writable := range []bool{true, false} {
		recording := runStack(t, "prod", harness.Set("network.hubVirtualNetworkId", hubNetworkID), harness.Set("network.hubPeeringWritable", writable))
		network := virtualNetwork(t, recording)
		peerings := recording.OfType("azure-native:network:VirtualNetworkPeering")
		spoke := single(t, peerings, "the stack's side", func(res *harness.Resource) bool {
			return res.InputString("virtualNetworkName") == network.OutputString("name")
		})
		assert.Equal(t, hubNetworkID, spoke.InputString("remoteVirtualNetwork.id"))
		assert.Equal(t, "hub-vnet", spoke.InputString("virtualNetworkPeeringName"))
		for _, peering := range peerings {
			assert.Equal(t, true, peering.Input("allowVirtualNetworkAccess"))
			assert.Equal(t, true, peering.Input("allowForwardedTraffic"), "traffic the hub's firewall forwards crosses it")
			assert.Equal(t, false, peering.Input("useRemoteGateways"))
		}
		if !writable {
			assert.Len(t, peerings, 1, "without rights on the hub, only the stack's side")
			command, _ := recording.Outputs["hubPeeringCommand"].Value.(string)
			assert.Contains(t, command, "az network vnet peering create --subscription 11111111-2222-3333-4444-555555555555 --resource-group hub-rg --vnet-name hub-vnet")
			assert.Contains(t, command, "--remote-vnet "+network.ID)
			assert.Contains(t, strings.Join(recording.Warnings, "\n"), "hubPeeringCommand")
			continue
		}
		hub := single(t, peerings, "the hub's side", func(res *harness.Resource) bool { return res.InputString("virtualNetworkName") == "hub-vnet" })
		assert.Equal(t, network.OutputString("name")+"-"+recording.Outputs["nameSuffix"].Value.(string), hub.InputString("virtualNetworkPeeringName"),
			"unique among the hub's peerings: the stack's network name and suffix")
		assert.Equal(t, "hub-rg", hub.InputString("resourceGroupName"))
		assert.Equal(t, network.ID, hub.InputString("remoteVirtualNetwork.id"))
		assert.True(t, strings.HasPrefix(hub.ID, "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/hub-rg/"), "created in the hub's subscription: %s", hub.ID)
		provider := recording.ByURN(hub.ProviderURN())
		require.NotNil(t, provider)
		assert.Equal(t, "11111111-2222-3333-4444-555555555555", provider.InputString("subscriptionId"))
		assert.NotContains(t, recording.Outputs, "hubPeeringCommand")
	}
}

// TestReviewShowsWhatIsBrought checks the review's split of brought and created: the shipped stacks
// bring nothing; hub egress brings the hub's firewall; a hub peering the hub network; bring-your-own
// endpoints their stores. The stack's own resources, and the cluster's node group, are never brought.
func TestReviewShowsWhatIsBrought(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		assert.Empty(t, review.Brought(runStack(t, stack)), "%s creates everything it uses", stack)
	}
	brought := map[string]review.BroughtPart{}
	for _, part := range review.Brought(runStack(t, "prod", append(slices.Clone(everyFeature), hubEgress...)...)) {
		brought[part.What] = part
	}
	assert.ElementsMatch(t, []string{hubNetworkID, cosmosAccountID, storageAccountID, "10.100.1.4"}, slices.Collect(maps.Keys(brought)))
	assert.Equal(t, "Microsoft.Network/virtualNetworks", brought[hubNetworkID].Kind)
	assert.Equal(t, "virtual appliance (next hop)", brought["10.100.1.4"].Kind)
	assert.Contains(t, brought[cosmosAccountID].UsedBy, "apiplat-prod-pe-orders")
	listener := review.Brought(runStack(t, "prod", edgeAndData...))
	require.Len(t, listener, 1, "with Front Door, only the listener certificate is the user's")
	assert.Equal(t, publicListenerSecretID, listener[0].What)
	assert.Equal(t, "Key Vault secret", listener[0].Kind)
	var rendered strings.Builder
	report := reviewStack(t, "prod", hubEgress...)
	report.Render(&rendered)
	assert.Contains(t, rendered.String(), "brought  virtual appliance (next hop)  10.100.1.4 (used by apiplat-prod-hub-egress-default-route)")
}
