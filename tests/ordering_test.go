// Deployment order: API Management starts at once and is created once; only what needs it waits for it.

package tests

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// TestAPIManagementStartsEarlyAndIsCreatedOnce checks API Management waits only for the network and
// the certificates (never for Key Vault, role assignments or the gateway), and that no second resource
// updates it.
func TestAPIManagementStartsEarlyAndIsCreatedOnce(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			service := apimService(t, recording)
			allowed := []string{"azure-native:resources:ResourceGroup", "random:", "azure-native:network:NetworkSecurityGroup",
				"azure-native:network:RouteTable", "azure-native:network:VirtualNetwork", "tls:"}
			for _, upstream := range recording.Upstream(service) {
				ok := false
				for _, prefix := range allowed {
					ok = ok || strings.HasPrefix(upstream.Type, prefix)
				}
				assert.True(t, ok, "API Management must not wait for %s %s", upstream.Type, upstream.Name)
			}
			for _, res := range recording.Resources {
				if res.URN != service.URN && strings.HasSuffix(res.Type, ":ApiManagementService") {
					t.Errorf("%s would update API Management a second time", res.Name)
				}
			}
		})
	}
}

// TestOnlyWhatNeedsAPIManagementWaitsForIt lists every resource that waits for API Management. A new
// entry must be a conscious decision: each one can lengthen the deployment by API Management's
// 30-90 minute creation.
func TestOnlyWhatNeedsAPIManagementWaitsForIt(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", entraValidation...)
	service := apimService(t, recording)
	var waiting []string
	for _, res := range recording.Resources {
		if res.Custom && recording.WaitsFor(res, service) {
			waiting = append(waiting, res.Name)
		}
	}
	sort.Strings(waiting)
	assert.Equal(t, []string{
		"apiplat-prod-agw",                       // through the A record only (next test)
		"apiplat-prod-agw-diagnostics",           // leaves that watch the gateway and API Management:
		"apiplat-prod-apim-azuremonitor",         // nothing waits for them
		"apiplat-prod-apim-backend-failures",     //
		"apiplat-prod-apim-capacity",             //
		"apiplat-prod-apim-diagnostics",          //
		"apiplat-prod-dns-gateway-a",             // the record needs the private address
		"apiplat-prod-echo-api",                  // API Management's own entities, created in seconds
		"apiplat-prod-echo-api-delete",           //
		"apiplat-prod-echo-api-diagnostic",       //
		"apiplat-prod-echo-api-get",              //
		"apiplat-prod-echo-api-policy",           //
		"apiplat-prod-echo-api-post",             //
		"apiplat-prod-echo-backend",              //
		"apiplat-prod-echo-client-certificate",   //
		"apiplat-prod-echo-logger",               //
		"apiplat-prod-gateway-5xx",               // alerts on the gateway, which waits for the A record
		"apiplat-prod-gateway-unhealthy-backend", //
	}, waiting)
}

// TestGatewayWaitsForAPIManagementOnlyThroughItsDNSRecord checks the gateway's direct dependencies:
// of everything that waits for API Management, only the gateway host's A record. The backend pool
// names the host, so the gateway needs the record to resolve and nothing else of API Management.
func TestGatewayWaitsForAPIManagementOnlyThroughItsDNSRecord(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	service := apimService(t, recording)
	gateway := applicationGateway(t, recording)
	var throughService []string
	for _, urn := range gateway.Dependencies {
		dependency := recording.ByURN(urn)
		require.NotNil(t, dependency)
		if dependency.URN == service.URN || recording.WaitsFor(dependency, service) {
			throughService = append(throughService, dependency.Name)
		}
	}
	assert.Equal(t, []string{"apiplat-prod-dns-gateway-a"}, throughService)
	for _, name := range []string{"apiplat-prod-dns-gateway-link", "apiplat-prod-kv-reader-application-gateway", "apiplat-prod-pe-kv-dns", "apiplat-prod-dns-vault-link"} {
		found := false
		for _, urn := range gateway.Dependencies {
			found = found || recording.ByURN(urn).Name == name
		}
		assert.True(t, found, "the gateway waits for %s", name)
	}
}

// TestGatewayWaitsOnlyForTheKeyVaultEndpoint checks the gateway waits for Key Vault's private endpoint
// (it loads its certificate through it) and for no other endpoint, so a SQL server or a
// bring-your-own store never sits on the gateway's path.
func TestGatewayWaitsOnlyForTheKeyVaultEndpoint(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", everyFeature...)
	gateway := applicationGateway(t, recording)
	for _, zoneGroup := range recording.OfType("azure-native:network:PrivateDnsZoneGroup") {
		isKeyVault := zoneGroup.InputString("privateEndpointName") == "apiplat-prod-pe-kv"
		assert.Equal(t, isKeyVault, gateway.DependsOn(zoneGroup), "the gateway waits for %s: %v", zoneGroup.Name, isKeyVault)
	}
	for _, res := range recording.Resources {
		if strings.HasPrefix(res.Type, "azure-native:sql") || harness.TypeMatches(res.Type, "azure-native:containerservice:ManagedCluster") {
			assert.False(t, recording.WaitsFor(gateway, res), "the gateway does not wait for %s", res.Name)
		}
	}
}
