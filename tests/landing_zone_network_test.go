// Landing zones (issue 20): a brought network and central private DNS.

package tests

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/review"
)

// spokeZones are the connectivity subscription's zones a spoke stack in westeurope needs.
func spokeZones() []any {
	var zones []any
	for _, name := range []string{"privatelink.vaultcore.azure.net", "privatelink.azurecr.io", "privatelink.westeurope.azmk8s.io", "internal.contoso.com"} {
		zones = append(zones, map[string]any{"name": name, "id": harness.CentralZoneID(name)})
	}
	return zones
}

// intoSpoke deploys into harness.SpokeLandingZone's network with its central zones and hub egress.
func intoSpoke(stack string) []harness.Edit {
	edits := []harness.Edit{
		harness.Set("network.mode", "existing"),
		harness.Set("network.existing.virtualNetworkId", harness.SpokeNetworkID),
		harness.Set("network.existing.subnetIds.applicationGateway", harness.SpokeSubnetID("snet-appgw")),
		harness.Set("network.existing.subnetIds.apiManagement", harness.SpokeSubnetID("snet-apim")),
		harness.Set("network.existing.subnetIds.kubernetesNodes", harness.SpokeSubnetID("snet-aks")),
		harness.Set("network.existing.subnetIds.privateEndpoints", harness.SpokeSubnetID("snet-pe")),
		harness.Set("network.existing.subnetIds.bastion", harness.SpokeSubnetID("AzureBastionSubnet")),
		harness.Set("perimeter.egress", "hub"), harness.Set("perimeter.hubNextHopIp", harness.HubFirewallAddress),
		harness.Set("privateDns.mode", "central"), harness.Set("privateDns.centralZones", spokeZones()),
		harness.Set("hostNames.apiGateway", "gateway.internal.contoso.com"), harness.Set("hostNames.backend", "echo.internal.contoso.com"),
	}
	if stack == "prod" {
		edits = append(edits, harness.Set("network.existing.subnetIds.jumpbox", harness.SpokeSubnetID("snet-jumpbox")))
	}
	return edits
}

// spokeSurroundings are make deploy's, in the spoke landing zone.
func spokeSurroundings(zone *harness.LandingZone) harness.Surroundings {
	surroundings := harness.DeploySurroundings()
	surroundings.LandingZone = zone
	return surroundings
}

// runSpoke runs a stack into the landing zone (SpokeLandingZone unless given another).
func runSpoke(t *testing.T, stack string, zone *harness.LandingZone, edits ...harness.Edit) *harness.Recording {
	t.Helper()
	if zone == nil {
		zone = harness.SpokeLandingZone()
	}
	recording, err := harness.RunStackIn(projectDir, stack, spokeSurroundings(zone), append(intoSpoke(stack), edits...)...)
	require.NoError(t, err, "stack %s must deploy into the spoke", stack)
	return recording
}

// TestExistingNetworkUsesTheGivenSubnets checks dev and prod deployed into a landing zone's network:
// no network, security group or route table of the stack's own, every subnet reference the given ID,
// the platform's rules added to the landing zone's groups, the hub route already in the landing
// zone's table used as it is, and the ingress address derived from the subnet Azure reports.
func TestExistingNetworkUsesTheGivenSubnets(t *testing.T) {
	t.Parallel()
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			recording := runSpoke(t, stack, nil)
			for _, created := range []string{"VirtualNetwork", "NetworkSecurityGroup", "RouteTable", "Route", "AzureFirewall", "VirtualNetworkPeering"} {
				assert.Empty(t, recording.OfType("azure-native:network:"+created), "the landing zone's %s, not one of the stack's", created)
			}
			gateway := single(t, recording.OfType("azure-native:network:ApplicationGateway"), "gateway", func(*harness.Resource) bool { return true })
			assert.Equal(t, harness.SpokeSubnetID("snet-appgw"), gateway.InputString("gatewayIPConfigurations[0].subnet.id"))
			apim := single(t, recording.OfType("azure-native:apimanagement:ApiManagementService"), "API Management", func(*harness.Resource) bool { return true })
			assert.Equal(t, harness.SpokeSubnetID("snet-apim"), apim.InputString("virtualNetworkConfiguration.subnetResourceId"))
			cluster := stackCluster(t, recording)
			assert.Equal(t, harness.SpokeSubnetID("snet-aks"), cluster.InputString("agentPoolProfiles[0].vnetSubnetID"))
			assert.Equal(t, "userDefinedRouting", cluster.InputString("networkProfile.outboundType"), "the landing zone's table routes to the hub")
			for _, endpoint := range recording.OfType("azure-native:network:PrivateEndpoint") {
				assert.Equal(t, harness.SpokeSubnetID("snet-pe"), endpoint.InputString("subnet.id"), endpoint.Name)
			}
			bastion := single(t, recording.OfType("azure-native:network:BastionHost"), "bastion", func(*harness.Resource) bool { return true })
			assert.Equal(t, harness.SpokeSubnetID("AzureBastionSubnet"), bastion.InputString("ipConfigurations[0].subnet.id"))
			assert.Equal(t, "rg-spoke-network", bastion.InputString("resourceGroupName"), "Azure Bastion must be in its network's resource group")
			assert.Equal(t, "rg-spoke-network", recording.Outputs["bastionResourceGroupName"].Value, "make deploy opens its tunnel there")

			grants := map[string]bool{}
			for _, grant := range recording.OfType("azure-native:authorization:RoleAssignment") {
				grants[grant.InputString("scope")] = true
			}
			assert.True(t, grants[harness.SpokeSubnetID("snet-aks")], "the cluster's identity joins the landing zone's subnet")
			assert.True(t, grants[harness.SpokeRouteTableID], "AKS needs Network Contributor on the landing zone's route table")

			rules := recording.OfType("azure-native:network:SecurityRule")
			require.NotEmpty(t, rules)
			groups := map[string]int{}
			for _, rule := range rules {
				assert.Equal(t, "rg-spoke-network", rule.InputString("resourceGroupName"), rule.Name)
				groups[rule.InputString("networkSecurityGroupName")]++
			}
			for _, subnet := range []string{"snet-appgw", "snet-apim", "snet-aks", "snet-pe", "AzureBastionSubnet"} {
				assert.Positive(t, groups["nsg-"+subnet], "the platform's rules are added to the group of %s", subnet)
			}
			for _, rule := range rules {
				if rule.InputString("networkSecurityGroupName") == "nsg-snet-appgw" {
					assert.True(t, recording.WaitsFor(gateway, rule), "Application Gateway refuses a group without its infrastructure rules: it waits for %s", rule.Name)
				}
			}
			assert.Equal(t, "10.60.7.254", recording.Outputs["ingressPrivateIp"].Value, "the last usable address of the subnet Azure reports (10.60.4.0/22)")
		})
	}
}

// TestCentralPrivateDNSWritesIntoTheLandingZonesZones checks privateDns.mode central: no zone of the
// stack's own, every zone group pointing at the given central zone, the internal host names' A records
// in the connectivity subscription's zone (written through a provider for that subscription), and the
// API server registered in the landing zone's azmk8s zone, which the hub's resolver answers from.
func TestCentralPrivateDNSWritesIntoTheLandingZonesZones(t *testing.T) {
	t.Parallel()
	recording := runSpoke(t, "prod", nil)
	assert.Empty(t, recording.OfType("azure-native:network:PrivateZone"), "the landing zone owns every zone")
	link := single(t, recording.OfType("azure-native:network:VirtualNetworkLink"), "vault zone link", func(*harness.Resource) bool { return true })
	assert.Equal(t, "privatelink.vaultcore.azure.net", link.InputString("privateZoneName"), "Application Gateway resolves the vault only through a zone linked to its network")
	assert.Equal(t, harness.SpokeNetworkID, link.InputString("virtualNetwork.id"))
	linked := runSpoke(t, "prod", nil, harness.Set("privateDns.vaultZoneLinked", true))
	assert.Empty(t, linked.OfType("azure-native:network:VirtualNetworkLink"), "the landing zone links it already: Azure refuses a second link")
	groups := recording.OfType("azure-native:network:PrivateDnsZoneGroup")
	require.Len(t, groups, len(recording.OfType("azure-native:network:PrivateEndpoint")))
	for _, group := range groups {
		zoneID := group.InputString("privateDnsZoneConfigs[0].privateDnsZoneId")
		assert.Contains(t, []string{harness.CentralZoneID("privatelink.vaultcore.azure.net"), harness.CentralZoneID("privatelink.azurecr.io")}, zoneID, group.Name)
	}
	records := map[string]*harness.Resource{}
	for _, record := range recording.OfType("azure-native:network:PrivateRecordSet") {
		assert.Equal(t, "internal.contoso.com", record.InputString("privateZoneName"))
		assert.Equal(t, "rg-private-dns", record.InputString("resourceGroupName"))
		assert.Contains(t, record.ID, "/subscriptions/"+harness.ConnectivitySubscriptionID+"/", "written through the connectivity subscription's provider")
		records[record.InputString("relativeRecordSetName")] = record
	}
	require.Contains(t, records, "gateway")
	require.Contains(t, records, "echo")
	assert.Equal(t, "10.60.7.254", records["echo"].InputString("aRecords[0].ipv4Address"))
	apim := single(t, recording.OfType("azure-native:apimanagement:ApiManagementService"), "API Management", func(*harness.Resource) bool { return true })
	assert.True(t, recording.WaitsFor(records["gateway"], apim), "the gateway's record holds the address Azure gives API Management")

	cluster := stackCluster(t, recording)
	aksZone := harness.CentralZoneID("privatelink.westeurope.azmk8s.io")
	assert.Equal(t, aksZone, cluster.InputString("apiServerAccessProfile.privateDNSZone"))
	var zoneGrant *harness.Resource
	for _, grant := range recording.OfType("azure-native:authorization:RoleAssignment") {
		if grant.InputString("scope") == aksZone {
			zoneGrant = grant
		}
	}
	require.NotNil(t, zoneGrant, "AKS writes the API server's record into the given zone")
	assert.Contains(t, zoneGrant.InputString("roleDefinitionId"), components.PrivateDNSZoneContributorRole)
	assert.True(t, recording.WaitsFor(cluster, zoneGrant))
}

// TestCentralPrivateDNSOfACreatedNetwork checks central zones with the stack's own network and the
// hub's DNS servers: the network uses them, and Key Vault's central zone is linked to the network,
// because Application Gateway resolves Key Vault only through zones linked to its own network.
func TestCentralPrivateDNSOfACreatedNetwork(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev", harness.Set("network.dnsServers", []any{harness.HubResolverAddress}),
		harness.Set("privateDns.mode", "central"), harness.Set("privateDns.centralZones", spokeZones()),
		harness.Set("hostNames.apiGateway", "gateway.internal.contoso.com"), harness.Set("hostNames.backend", "echo.internal.contoso.com"))
	network := virtualNetwork(t, recording)
	assert.Equal(t, []any{harness.HubResolverAddress}, network.Input("dhcpOptions.dnsServers"))
	assert.Empty(t, recording.OfType("azure-native:network:PrivateZone"))
	link := single(t, recording.OfType("azure-native:network:VirtualNetworkLink"), "vault zone link", func(*harness.Resource) bool { return true })
	assert.Equal(t, "privatelink.vaultcore.azure.net", link.InputString("privateZoneName"))
	assert.Equal(t, network.ID, link.InputString("virtualNetwork.id"))
	assert.Contains(t, link.ID, "/subscriptions/"+harness.ConnectivitySubscriptionID+"/")
	assert.True(t, strings.HasSuffix(link.InputString("virtualNetworkLinkName"), "-"+recording.Outputs["nameSuffix"].Value.(string)),
		"every spoke links the shared zone: the link's name is the stack's own")
	gateway := single(t, recording.OfType("azure-native:network:ApplicationGateway"), "gateway", func(*harness.Resource) bool { return true })
	assert.True(t, recording.WaitsFor(gateway, link), "the gateway reads its certificate once the vault resolves in its network")
}

// TestPolicyWrittenRecordsAreAwaited checks privateDns.policyCreatesRecords: the program creates no
// zone group, and the gateway, which reads its certificate from Key Vault by name, gets its listener
// only after Azure Policy has given the vault's endpoint its zone group (the mock's policy acts on
// the third read, as deployIfNotExists acts minutes after the endpoint exists).
func TestPolicyWrittenRecordsAreAwaited(t *testing.T) {
	t.Parallel()
	zone := harness.SpokeLandingZone()
	zone.PolicyZoneGroupName, zone.PolicyActsAfterReads = "deployedByPolicy", 2
	recording := runSpoke(t, "dev", zone, harness.Set("privateDns.policyCreatesRecords", true),
		harness.Set("privateDns.centralZones", []any{
			map[string]any{"name": "privatelink.vaultcore.azure.net", "id": harness.CentralZoneID("privatelink.vaultcore.azure.net")},
			map[string]any{"name": "privatelink.westeurope.azmk8s.io", "id": harness.CentralZoneID("privatelink.westeurope.azmk8s.io")},
			map[string]any{"name": "internal.contoso.com", "id": harness.CentralZoneID("internal.contoso.com")},
		}))
	assert.Empty(t, recording.OfType("azure-native:network:PrivateDnsZoneGroup"), "an endpoint holds one zone group: the policy's")
	reads := 0
	for _, invoke := range recording.Invokes {
		if harness.TypeMatches(invoke.Token, "azure-native:network:getPrivateDnsZoneGroup") && invoke.Args["privateEndpointName"].StringValue() == "apiplat-dev-pe-kv" {
			reads++
		}
	}
	assert.Equal(t, 3, reads, "read until the policy's group exists, then no more")
	gateway := single(t, recording.OfType("azure-native:network:ApplicationGateway"), "gateway", func(*harness.Resource) bool { return true })
	assert.NotEmpty(t, gateway.InputString("sslCertificates[0].keyVaultSecretId"))
}

// withoutEdit returns edits without the one at index.
func withoutEdit(edits []harness.Edit, index int) []harness.Edit {
	return append(edits[:index:index], edits[index+1:]...)
}

// withoutItem returns a list without the item at index.
func withoutItem(items []any, index int) []any {
	return append(items[:index:index], items[index+1:]...)
}

// TestBroughtNetworkIsCheckedBeforeAnythingIsCreated changes one thing of the landing zone per case and
// checks that the program refuses it from what Azure reports, naming the setting and the fix, with
// nothing registered but the providers: a preview fails the same way, before the first resource.
func TestBroughtNetworkIsCheckedBeforeAnythingIsCreated(t *testing.T) {
	t.Parallel()
	spoke := harness.SpokeNetworkID
	subnet := func(zone *harness.LandingZone, name string, change func(*harness.LandingZoneSubnet)) {
		network := zone.VirtualNetworks[spoke]
		current := network.Subnets[name]
		change(&current)
		network.Subnets[name] = current
	}
	for _, tc := range []struct {
		name      string
		change    func(zone *harness.LandingZone)
		edits     []harness.Edit
		key, text string
	}{
		{"subnet not found", func(zone *harness.LandingZone) { delete(zone.VirtualNetworks[spoke].Subnets, "snet-pe") }, nil,
			"network.existing.subnetIds.privateEndpoints", "could not be read: ResourceNotFound"},
		{"network not found", func(zone *harness.LandingZone) { delete(zone.VirtualNetworks, spoke) }, nil,
			"network.existing.virtualNetworkId", "could not be read: ResourceNotFound"},
		{"node subnet too small", func(zone *harness.LandingZone) {
			subnet(zone, "snet-aks", func(s *harness.LandingZoneSubnet) { s.AddressPrefix, s.AddressPrefixes = "", []string{"10.60.4.0/29"} })
		}, nil, "network.existing.subnetIds.kubernetesNodes", "is 10.60.4.0/29, too small: AKS with kubernetes.systemPool.maxCount 1"},
		{"node subnet delegated", func(zone *harness.LandingZone) {
			subnet(zone, "snet-aks", func(s *harness.LandingZoneSubnet) { s.Delegations = []string{"Microsoft.Web/serverFarms"} })
		}, nil, "network.existing.subnetIds.kubernetesNodes", "is delegated to Microsoft.Web/serverFarms"},
		{"subnet without a security group", func(zone *harness.LandingZone) {
			subnet(zone, "snet-apim", func(s *harness.LandingZoneSubnet) { s.SecurityGroupID = "" })
		}, nil, "network.existing.subnetIds.apiManagement", "has no network security group"},
		{"gateway subnet shared with a virtual machine", func(zone *harness.LandingZone) {
			subnet(zone, "snet-appgw", func(s *harness.LandingZoneSubnet) {
				s.IPConfigurations = []string{harness.SpokeGroupID + "/providers/Microsoft.Network/networkInterfaces/vm-nic/ipConfigurations/ipconfig1"}
			})
		}, nil, "network.existing.subnetIds.applicationGateway", "Application Gateway needs a subnet of its own"},
		{"Bastion subnet with a route table", func(zone *harness.LandingZone) {
			subnet(zone, "AzureBastionSubnet", func(s *harness.LandingZoneSubnet) { s.RouteTableID = harness.SpokeRouteTableID })
		}, nil, "network.existing.subnetIds.bastion", "Azure Bastion does not support one on AzureBastionSubnet"},
		{"API Management tunnelled without its control plane's route", func(zone *harness.LandingZone) {
			subnet(zone, "snet-apim", func(s *harness.LandingZoneSubnet) { s.RouteTableID = harness.SpokeRouteTableID })
		}, nil, "network.existing.subnetIds.apiManagement", "without a route for the ApiManagement service tag to the Internet"},
		{"gateway subnet denying outbound Internet", func(zone *harness.LandingZone) {
			zone.SecurityGroups[harness.SpokeSecurityGroupID("snet-appgw")] = []harness.LandingZoneRule{{Name: "deny-internet-out", Priority: 3900, Direction: "Outbound", Access: "Deny", Source: "*", Destination: "Internet"}}
		}, nil, "network.existing.subnetIds.applicationGateway", "Application Gateway v2 must reach the Internet"},
		{"brought rules without the gateway's infrastructure ports", func(*harness.LandingZone) {}, []harness.Edit{harness.Set("network.existing.securityRules", "brought")},
			"network.existing.subnetIds.applicationGateway", "allowing GatewayManager inbound on port 65200"},
		{"brought rules denying API Management's load balancer", func(zone *harness.LandingZone) {
			zone.SecurityGroups[harness.SpokeSecurityGroupID("snet-apim")] = []harness.LandingZoneRule{
				{Name: "allow-apim-management", Priority: 100, Direction: "Inbound", Access: "Allow", Source: "ApiManagement", Ports: []string{"3443"}},
				{Name: "deny-all-inbound", Priority: 4000, Direction: "Inbound", Access: "Deny", Source: "*"}}
		}, []harness.Edit{harness.Set("network.existing.securityRules", "brought")},
			"network.existing.subnetIds.apiManagement", "allowing AzureLoadBalancer inbound on port 6390"},
		{"gateway open to the Internet behind Front Door", func(zone *harness.LandingZone) {
			zone.SecurityGroups[harness.SpokeSecurityGroupID("snet-appgw")] = []harness.LandingZoneRule{{Name: "allow-https", Priority: 300, Direction: "Inbound", Access: "Allow", Source: "Internet", Ports: []string{"443"}}}
		}, frontDoorInFront, "network.existing.subnetIds.applicationGateway", "which admits the Internet"},
		{"network in another region", func(*harness.LandingZone) {}, []harness.Edit{harness.Set("location", "northeurope")},
			"network.existing.virtualNetworkId", "is in westeurope, but location is northeurope"},
		{"gateway routed to an appliance", func(zone *harness.LandingZone) {
			subnet(zone, "snet-appgw", func(s *harness.LandingZoneSubnet) { s.RouteTableID = harness.SpokeRouteTableID })
		}, nil, "network.existing.subnetIds.applicationGateway", "Application Gateway v2 needs 0.0.0.0/0 to the Internet"},
		{"hub route to another firewall", func(zone *harness.LandingZone) {
			zone.RouteTables[harness.SpokeRouteTableID] = []harness.LandingZoneRoute{{Name: "default", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: "10.100.9.4"}}
		}, nil, "network.existing.subnetIds.kubernetesNodes", "not to perimeter.hubNextHopIp 10.100.1.4"},
		{"routed egress without a route table", func(zone *harness.LandingZone) {
			subnet(zone, "snet-aks", func(s *harness.LandingZoneSubnet) { s.RouteTableID = "" })
		}, nil, "network.existing.subnetIds.kubernetesNodes", "has no route table"},
		{"hub route without hub egress", func(*harness.LandingZone) {}, []harness.Edit{harness.Set("perimeter.egress", "none"), harness.Remove("perimeter.hubNextHopIp")},
			"network.existing.subnetIds.kubernetesNodes", "but perimeter.egress is none"},
		{"rule at one of the program's priorities", func(zone *harness.LandingZone) {
			zone.SecurityGroups[harness.SpokeSecurityGroupID("snet-aks")] = []harness.LandingZoneRule{{Name: "allow-monitoring", Priority: 100, Direction: "Inbound", Access: "Allow", Source: "10.100.2.0/24"}}
		}, nil, "network.existing.subnetIds.kubernetesNodes", "Azure refuses two rules with one priority and direction"},
		{"rule admitting the Internet", func(zone *harness.LandingZone) {
			zone.SecurityGroups[harness.SpokeSecurityGroupID("snet-apim")] = []harness.LandingZoneRule{{Name: "allow-any", Priority: 200, Direction: "Inbound", Access: "Allow", Source: "Internet"}}
		}, []harness.Edit{harness.Set("network.existing.securityRules", "brought")}, "network.existing.subnetIds.apiManagement", "which admits the Internet"},
		{"hub DNS with the stack's own zones", func(*harness.LandingZone) {}, []harness.Edit{harness.Set("privateDns.mode", "create"), harness.Remove("privateDns.centralZones"),
			harness.Set("hostNames.apiGateway", "gateway.internal.contoso.com")},
			"network.existing.virtualNetworkId", "uses the DNS servers [10.100.0.4]"},
		{"pod range inside the landing zone's network", func(zone *harness.LandingZone) {
			network := zone.VirtualNetworks[spoke]
			network.AddressPrefixes = append(network.AddressPrefixes, "10.244.0.0/16")
			zone.VirtualNetworks[spoke] = network
		}, []harness.Edit{harness.Set("kubernetes.podCidr", "10.244.0.0/16")}, "kubernetes.podCidr", "overlaps the address space 10.244.0.0/16 of network.existing.virtualNetworkId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			zone := harness.SpokeLandingZone().Clone()
			tc.change(zone)
			recording, err := harness.RunStackIn(projectDir, "dev", spokeSurroundings(zone), append(intoSpoke("dev"), tc.edits...)...)
			require.Error(t, err)
			problem := findProblem(t, problemsOf(t, err), key(tc.key), tc.text)
			assert.Contains(t, err.Error(), problem.String())
			for _, res := range recording.Resources {
				assert.True(t, strings.HasPrefix(res.Type, "pulumi:providers:"), "nothing but providers before the network is accepted, got %s", res.Type)
			}
		})
	}
}

// TestBroughtNetworkAcceptsItsOwnEarlierRun runs each egress mode a second time against the landing
// zone as the first run left it: the rules and the default route the program added are in the
// landing zone's group and table then, and must read as the program's, not as conflicts, so the
// second run registers the same rules and routes.
func TestBroughtNetworkAcceptsItsOwnEarlierRun(t *testing.T) {
	t.Parallel()
	withoutHubRoute := harness.SpokeLandingZone()
	withoutHubRoute.RouteTables[harness.SpokeRouteTableID] = nil
	firewallSubnet := func(zone *harness.LandingZone) *harness.LandingZone {
		zone = zone.Clone()
		zone.VirtualNetworks[harness.SpokeNetworkID].Subnets["AzureFirewallSubnet"] = harness.LandingZoneSubnet{AddressPrefix: "10.60.3.128/26"}
		return zone
	}
	for _, tc := range []struct {
		name   string
		zone   *harness.LandingZone
		edits  []harness.Edit
		routes int
	}{
		{"hub route brought", harness.SpokeLandingZone(), nil, 0},
		{"hub route added", withoutHubRoute, nil, 1},
		{"stack firewall", firewallSubnet(withoutHubRoute), []harness.Edit{harness.Set("perimeter.egress", "firewall"), harness.Remove("perimeter.hubNextHopIp"),
			harness.Set("network.existing.subnetIds.firewall", harness.SpokeSubnetID("AzureFirewallSubnet"))}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := runSpoke(t, "prod", tc.zone, tc.edits...)
			for _, firewall := range first.OfType("azure-native:network:AzureFirewall") {
				assert.Equal(t, "rg-spoke-network", firewall.InputString("resourceGroupName"), "Azure Firewall must be in its network's resource group")
			}
			for _, policy := range first.OfType("azure-native:network:FirewallPolicy") {
				assert.Equal(t, "apiplat-prod-rg", policy.InputString("resourceGroupName"), "the policy may be anywhere: it stays the stack's")
			}
			second := runSpoke(t, "prod", tc.zone.AfterDeploy(first), tc.edits...)
			for _, recording := range []*harness.Recording{first, second} {
				assert.Len(t, recording.OfType("azure-native:network:Route"), tc.routes)
			}
			assert.Equal(t, len(first.OfType("azure-native:network:SecurityRule")), len(second.OfType("azure-native:network:SecurityRule")))
		})
	}
}

// TestBroughtNetworkWarnsOfWhatItNeedNotFix checks what Azure reports that the program accepts with a
// warning: private endpoints outside their group's rules, and no Key Vault service endpoint.
func TestBroughtNetworkWarnsOfWhatItNeedNotFix(t *testing.T) {
	t.Parallel()
	zone := harness.SpokeLandingZone().Clone()
	network := zone.VirtualNetworks[harness.SpokeNetworkID]
	endpoints, apim := network.Subnets["snet-pe"], network.Subnets["snet-apim"]
	endpoints.PrivateEndpointNetworkPolicies, apim.ServiceEndpoints = "Disabled", nil
	// Forced through the hub, with the regional tag of API Management's control plane to the Internet.
	apimTable := harness.SpokeGroupID + "/providers/Microsoft.Network/routeTables/rt-apim"
	zone.RouteTables[apimTable] = []harness.LandingZoneRoute{
		{Name: "to-hub-firewall", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: harness.HubFirewallAddress},
		{Name: "apim-control-plane", AddressPrefix: "ApiManagement.WestEurope", NextHopType: "Internet"}}
	apim.RouteTableID = apimTable
	network.Subnets["snet-pe"], network.Subnets["snet-apim"] = endpoints, apim
	recording := runSpoke(t, "dev", zone)
	warnings := strings.Join(recording.Warnings, "\n")
	assert.Contains(t, warnings, `network.existing.subnetIds.privateEndpoints `+harness.SpokeSubnetID("snet-pe")+` has privateEndpointNetworkPolicies "Disabled"`)
	assert.Contains(t, warnings, "network.existing.subnetIds.apiManagement "+harness.SpokeSubnetID("snet-apim")+" has no Microsoft.KeyVault service endpoint")
}

// TestReviewShowsTheLandingZoneAsBrought checks the review of a stack in the spoke: the network, its
// subnets, the landing zone's groups and route table and the central zones are brought, the rules and
// records the stack writes into them are created, the network policies say what they could not
// evaluate, and without a landing zone to read the review says it assumed one.
func TestReviewShowsTheLandingZoneAsBrought(t *testing.T) {
	t.Parallel()
	report, err := review.Run(context.Background(), review.Options{ProjectDir: projectDir, Stack: "prod", Edits: intoSpoke("prod"), LandingZone: harness.SpokeLandingZone()})
	require.NoError(t, err)
	assert.False(t, report.LandingZoneAssumed)
	kinds := map[string]string{}
	for _, part := range review.Brought(report.Recording) {
		kinds[part.What] = part.Kind
	}
	for id, kind := range map[string]string{
		harness.SpokeNetworkID:                                   "Microsoft.Network/virtualNetworks",
		harness.SpokeSubnetID("snet-aks"):                        "Microsoft.Network/virtualNetworks/subnets",
		harness.SpokeSecurityGroupID("snet-apim"):                "Microsoft.Network/networkSecurityGroups",
		harness.SpokeRouteTableID:                                "Microsoft.Network/routeTables",
		harness.CentralZoneID("internal.contoso.com"):            "Microsoft.Network/privateDnsZones",
		harness.CentralZoneID("privatelink.vaultcore.azure.net"): "Microsoft.Network/privateDnsZones",
	} {
		assert.Equal(t, kind, kinds[id], "%s is brought", id)
	}
	var rendered bytes.Buffer
	report.Render(&rendered)
	assert.Contains(t, rendered.String(), "part  network-internet-inbound  not evaluated for what the stack brings")
	assert.NotContains(t, rendered.String(), "assumed one that meets every check")

	assumed, err := review.Run(context.Background(), review.Options{ProjectDir: projectDir, Stack: "prod", Edits: intoSpoke("prod")})
	require.NoError(t, err)
	assert.True(t, assumed.LandingZoneAssumed)
	rendered.Reset()
	assumed.Render(&rendered)
	assert.Contains(t, rendered.String(), "assumed one that meets every check; pulumi preview reads the real one")
}

// securityRulesBlock is README's generated list of the rules a landing zone's groups hold with
// network.existing.securityRules brought.
var securityRulesBlock = regexp.MustCompile(`(?s)<!-- landing-zone-security-rules[^\n]*-->\n(.*?)<!-- /landing-zone-security-rules -->`)

// TestREADMEListsTheSecurityRules keeps README's list of the platform's security rules the program's
// own (netrules.For over every subnet); `go test ./tests -run TestREADMEListsTheSecurityRules -update`
// rewrites it.
func TestREADMEListsTheSecurityRules(t *testing.T) {
	want := netrules.Markdown(naming.SubnetRoles(), netrules.PlaceholderPlan(netrules.EdgeSourcesInternet))
	assert.Contains(t, want, "| application-gateway | 100 | allow-gateway-manager-inbound | Inbound | Allow | Tcp | GatewayManager | * | 65200-65535 |")
	requireGeneratedREADMEBlock(t, securityRulesBlock, want, "security rules")
}

// requireGeneratedREADMEBlock checks that README's block matching pattern (its first group) is want,
// or with -update writes want into it.
func requireGeneratedREADMEBlock(t *testing.T, pattern *regexp.Regexp, want, what string) {
	t.Helper()
	path := filepath.Join(projectDir, "README.md")
	readme, err := os.ReadFile(path)
	require.NoError(t, err)
	match := pattern.FindSubmatchIndex(readme)
	require.NotNil(t, match, "README has the generated %s", what)
	if *updateGolden {
		updated := string(readme[:match[2]]) + want + string(readme[match[3]:])
		require.NoError(t, os.WriteFile(path, []byte(updated), 0o644))
		return
	}
	assert.Equal(t, want, string(readme[match[2]:match[3]]), "README's %s are the program's: run the test with -update", what)
}
