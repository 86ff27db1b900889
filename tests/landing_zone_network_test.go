// Landing zones (issue 20): a brought network and central private DNS.

package tests

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
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

func TestSpokeRuns(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		_, err := harness.RunStackIn(projectDir, stack, spokeSurroundings(harness.SpokeLandingZone()), intoSpoke(stack)...)
		require.NoError(t, err, stack)
	}
}
