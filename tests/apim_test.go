// API Management: created once in internal mode with its domain and CA, hardened, and calling the
// cluster over mutual TLS with chain and name validation.

package tests

import (
	"encoding/base64"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const apimServiceType = "azure-native:apimanagement:ApiManagementService"

// apimService returns the stack's one API Management service.
func apimService(t *testing.T, recording *harness.Recording) *harness.Resource {
	t.Helper()
	services := recording.OfType(apimServiceType)
	require.Len(t, services, 1, "API Management is registered exactly once")
	return services[0]
}

// apimEntity returns the one API Management child entity of the given type.
func apimEntity(t *testing.T, recording *harness.Recording, kind string) *harness.Resource {
	t.Helper()
	entities := recording.OfType("azure-native:apimanagement:" + kind)
	require.Len(t, entities, 1, kind)
	return entities[0]
}

// TestAPIManagementService checks the service of both stacks: tier, units, zones, internal mode in its
// subnet, system identity, no customer public IP, and the newest GA API version.
func TestAPIManagementService(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			recording := runStack(t, stack)
			service := apimService(t, recording)
			assert.Equal(t, "azure-native:apimanagement/v20240501:ApiManagementService", service.Type)
			assert.Equal(t, string(cfg.APIManagement.SKU), service.InputString("sku.name"))
			assert.Equal(t, float64(cfg.APIManagement.Capacity), service.Input("sku.capacity"))
			if len(cfg.APIManagement.Zones) == 0 {
				assert.Nil(t, service.Input("zones"))
			} else {
				assert.Equal(t, toAny(cfg.APIManagement.Zones), service.Input("zones"))
			}
			assert.Equal(t, "Internal", service.InputString("virtualNetworkType"))
			assert.Equal(t, virtualNetwork(t, recording).ID+"/subnets/api-management", service.InputString("virtualNetworkConfiguration.subnetResourceId"))
			assert.Equal(t, "SystemAssigned", service.InputString("identity.type"))
			assert.Nil(t, service.Input("publicIpAddressId"), "no customer public IP unless configured")
			assert.Regexp(t, "^apiplat-"+stack+"-apim[a-z0-9]{6}$", service.InputString("serviceName"))
		})
	}
	withIP := "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/net/providers/Microsoft.Network/publicIPAddresses/apim-pip"
	service := apimService(t, runStack(t, "prod", harness.Set("apiManagement.publicIpAddressId", withIP)))
	assert.Equal(t, withIP, service.InputString("publicIpAddressId"))
}

// TestAPIManagementCarriesItsDomainAndCAFromCreation checks the custom domain and the private CA are in
// the creating request, from the certificate layer, so no second update is needed.
func TestAPIManagementCarriesItsDomainAndCAFromCreation(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev")
	recording := runStack(t, "dev")
	service := apimService(t, recording)
	c := recordedChain(t, recording, cfg)

	require.Len(t, service.Input("hostnameConfigurations"), 1)
	assert.Equal(t, "Proxy", service.InputString("hostnameConfigurations[0].type"))
	assert.Equal(t, cfg.HostNames.APIGateway, service.InputString("hostnameConfigurations[0].hostName"))
	assert.Equal(t, true, service.Input("hostnameConfigurations[0].defaultSslBinding"))
	assert.Nil(t, service.Input("hostnameConfigurations[0].keyVaultId"), "not from Key Vault: that would need a second update")
	assert.Nil(t, service.Input("hostnameConfigurations[0].certificatePassword"), "a passwordless PFX")
	assert.True(t, service.IsSecretInput("hostnameConfigurations[0].encodedCertificate"))
	pfx, err := base64.StdEncoding.DecodeString(service.InputString("hostnameConfigurations[0].encodedCertificate"))
	require.NoError(t, err)
	_, certificate, _, err := pkcs12.DecodeChain(pfx, "")
	require.NoError(t, err)
	assert.Equal(t, c.leaves[pki.APIMGateway].Raw, certificate.Raw, "the gateway certificate issued for the gateway host")

	assert.Equal(t, "Root", service.InputString("certificates[0].storeName"))
	ca, err := base64.StdEncoding.DecodeString(service.InputString("certificates[0].encodedCertificate"))
	require.NoError(t, err)
	assert.Equal(t, c.ca.Raw, ca, "the private CA, as DER, so backend chains validate")
	assert.Nil(t, service.Input("certificates[0].certificatePassword"))
}

// TestAPIManagementIsHardened checks protocols, ciphers, HTTP/2 and the operation timeouts.
func TestAPIManagementIsHardened(t *testing.T) {
	t.Parallel()
	service := apimService(t, runStack(t, "prod"))
	properties, ok := service.Input("customProperties").(map[string]any)
	require.True(t, ok)
	for _, side := range []string{"", "Backend."} {
		for _, protocol := range []string{"Tls10", "Tls11", "Ssl30"} {
			assert.Equal(t, "False", properties["Microsoft.WindowsAzure.ApiManagement.Gateway.Security."+side+"Protocols."+protocol], side+protocol)
		}
	}
	assert.Equal(t, "False", properties["Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168"])
	assert.Equal(t, "True", properties["Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2"])
	for key, value := range properties {
		if strings.Contains(key, ".Ciphers.TLS_RSA_") {
			assert.Equal(t, "False", value, "%s has no forward secrecy", key)
		}
	}
	for key, value := range components.HardenedProtocols() {
		assert.Equal(t, value, properties[key], key)
	}
	for name, timeout := range map[string]string{"create": service.CustomTimeouts.Create, "update": service.CustomTimeouts.Update} {
		duration, err := time.ParseDuration(timeout)
		require.NoError(t, err, "%s timeout %q", name, timeout)
		assert.GreaterOrEqual(t, duration, 2*time.Hour, "%s can take up to 90 minutes; the timeout must outlast it", name)
	}
}

// TestREADMEClaimsOnlyTheRSASuitesThatAreOff checks README's cipher claim against the settings: every
// TLS_RSA suite Schannel offers with TLS 1.2 is either switched off by a customProperties key or named
// in README as staying enabled, so README never says "every TLS_RSA_* suite" while one is left on.
func TestREADMEClaimsOnlyTheRSASuitesThatAreOff(t *testing.T) {
	t.Parallel()
	readme := readFile(t, projectDir+"/README.md")
	row := ""
	for _, line := range strings.Split(readme, "\n") {
		if strings.HasPrefix(line, "| API Management | internal mode only") {
			row = line
		}
	}
	require.NotEmpty(t, row, "README's hop table has the API Management row")
	assert.NotContains(t, row, "every `TLS_RSA_*` suite off")
	// The TLS 1.2 TLS_RSA suites of Windows Schannel, which the API Management gateway runs on
	// (learn.microsoft.com/windows/win32/secauthn/tls-cipher-suites-in-windows-server-2022).
	for _, suite := range []string{"TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256",
		"TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"} {
		disabled := components.HardenedProtocols()["Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers."+suite] == "False"
		assert.True(t, disabled || strings.Contains(row, "`"+suite+"` has no documented setting"),
			"%s is neither switched off nor named in README as staying enabled", suite)
	}
}

// TestBackendPresentsTheClientCertificateAndValidatesTheIngress checks the certificate entity, the
// backend and their order.
func TestBackendPresentsTheClientCertificateAndValidatesTheIngress(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	certificate := apimEntity(t, recording, "Certificate")
	assert.Equal(t, components.ClientCertificateID, certificate.InputString("certificateId"))
	assert.Nil(t, certificate.Input("keyVault"), "not read from Key Vault: the service's identity would be granted seconds before")
	assert.True(t, certificate.IsSecretInput("data"), "the PFX is a Pulumi secret")
	pfx, err := base64.StdEncoding.DecodeString(certificate.InputString("data"))
	require.NoError(t, err)
	_, client, _, err := pkcs12.DecodeChain(pfx, "")
	require.NoError(t, err, "a passwordless PFX, like the custom domain's")
	assert.Equal(t, recordedChain(t, recording, cfg).leaves[pki.APIMClient].Raw, client.Raw, "the client certificate the ingress admits")
	for _, assignment := range recording.OfType(roleAssignmentType) {
		assert.NotEqual(t, apimService(t, recording).OutputString("identity.principalId"), assignment.InputString("principalId"),
			"API Management's identity needs no role: it reads nothing from Key Vault")
	}

	backend := apimEntity(t, recording, "Backend")
	assert.Equal(t, "https://"+cfg.HostNames.Backend, backend.InputString("url"))
	assert.Equal(t, "http", backend.InputString("protocol"))
	assert.Equal(t, true, backend.Input("tls.validateCertificateChain"))
	assert.Equal(t, true, backend.Input("tls.validateCertificateName"))
	assert.Equal(t, []any{certificate.ID}, backend.Input("credentials.certificateIds"))

	api := apimEntity(t, recording, "Api")
	assert.Equal(t, "echo", api.InputString("path"))
	assert.Equal(t, []any{"https"}, api.Input("protocols"))
	var methods []string
	for _, operation := range recording.OfType("azure-native:apimanagement:ApiOperation") {
		methods = append(methods, operation.InputString("method"))
		assert.Equal(t, "/*", operation.InputString("urlTemplate"))
	}
	assert.ElementsMatch(t, []string{"GET", "POST", "DELETE"}, methods)
}

// policyElement is a generic XML element for reading policy documents back.
type policyElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr      `xml:",any,attr"`
	Children []policyElement `xml:",any"`
	Text     string          `xml:",chardata"`
}

func (e policyElement) attr(name string) string {
	for _, attribute := range e.Attrs {
		if attribute.Name.Local == name {
			return attribute.Value
		}
	}
	return ""
}

func (e policyElement) child(name string) *policyElement {
	for i := range e.Children {
		if e.Children[i].XMLName.Local == name {
			return &e.Children[i]
		}
	}
	return nil
}

func (e policyElement) names() []string {
	var names []string
	for _, child := range e.Children {
		names = append(names, child.XMLName.Local)
	}
	return names
}

// parsePolicy reads a policy document back.
func parsePolicy(t *testing.T, document string) policyElement {
	t.Helper()
	var root policyElement
	require.NoError(t, xml.Unmarshal([]byte(document), &root))
	require.Equal(t, "policies", root.XMLName.Local)
	assert.Equal(t, []string{"inbound", "backend", "outbound", "on-error"}, root.names())
	for _, section := range root.Children {
		require.NotEmpty(t, section.Children, section.XMLName.Local)
		assert.Equal(t, "base", section.Children[0].XMLName.Local, "%s inherits first", section.XMLName.Local)
	}
	return root
}

// TestPolicyValuesAreEscaped renders hostile values and reads them back unchanged.
func TestPolicyValuesAreEscaped(t *testing.T) {
	t.Parallel()
	audience := `api://x"/><set-backend-service base-url="https://evil.example"/>&<`
	document, err := apimpolicy.Render(apimpolicy.BackendAPI(apimpolicy.BackendAPIOptions{
		BackendID: "echo-backend", Credential: apimpolicy.CredentialEntraToken, TenantID: "contoso.onmicrosoft.com", Audiences: []string{audience}, ClientApplicationIDs: []string{entraClientID},
		RateLimitCalls: 5, RateLimitPeriodSeconds: 10,
	}))
	require.NoError(t, err)
	root := parsePolicy(t, document)
	assert.Equal(t, audience, root.child("inbound").child("validate-azure-ad-token").child("audiences").child("audience").Text)
	count := 0
	for _, child := range root.child("inbound").Children {
		if child.XMLName.Local == "set-backend-service" {
			count++
		}
	}
	assert.Equal(t, 1, count, "an injected element must not appear")
}

// TestAPIManagementGatewayResolvesPrivately checks the gateway host's own zone, its link, and the A
// record pointing at the service's private address.
func TestAPIManagementGatewayResolvesPrivately(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	service := apimService(t, recording)
	zone := zoneNamed(t, recording, cfg.HostNames.APIGateway)
	assert.NotEqual(t, "azure-api.net", zone.InputString("privateZoneName"), "never the shared apex")
	links := linksOf(recording, zone)
	require.Len(t, links, 1)
	assert.Equal(t, virtualNetwork(t, recording).ID, links[0].InputString("virtualNetwork.id"))
	record := recordIn(t, recording, zone)
	assert.Equal(t, zone.OutputString("name"), record.InputString("privateZoneName"))
	assert.Equal(t, "A", record.InputString("recordType"))
	assert.Equal(t, "@", record.InputString("relativeRecordSetName"))
	address := service.Output("privateIPAddresses").([]any)[0]
	assert.Equal(t, address, record.Input("aRecords[0].ipv4Address"))
	assert.Regexp(t, `^10\.43\.1\.\d+$`, address, "inside the API Management subnet")
	assert.True(t, record.DependsOn(service))
}

func toAny(values []string) []any {
	converted := make([]any, len(values))
	for i, value := range values {
		converted[i] = value
	}
	return converted
}

// TestBackendAPIWithApplicationInsights runs the component with a logger: telemetry goes to
// Application Insights through a logger whose connection string stays secret.
func TestBackendAPIWithApplicationInsights(t *testing.T) {
	t.Parallel()
	recording, err := harness.Run(func(ctx *pulumi.Context) error {
		_, err := components.NewBackendAPI(ctx, "unit", &components.BackendAPIArgs{
			ResourceGroupName:    pulumi.String("rg"),
			ServiceName:          pulumi.String("apim"),
			ClientCertificatePFX: pulumi.String("MIIunit"),
			BackendHostName:      "echo.internal.example",
			Path:                 "echo",
			DisplayName:          "Echo",
			Policy:               apimpolicy.BackendAPIOptions{RateLimitCalls: 1, RateLimitPeriodSeconds: 1},
			ApplicationInsights: &components.ApplicationInsightsLogger{
				ResourceID:       pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/appi"),
				ConnectionString: pulumi.String("InstrumentationKey=00000000-0000-0000-0000-000000000000"),
			},
		})
		return err
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)
	logger := apimEntity(t, recording, "Logger")
	assert.Equal(t, "applicationInsights", logger.InputString("loggerType"))
	assert.Equal(t, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/appi", logger.InputString("resourceId"))
	assert.True(t, logger.IsSecretInput("credentials.connectionString"))
	diagnostic := apimEntity(t, recording, "ApiDiagnostic")
	assert.Equal(t, logger.ID, diagnostic.InputString("loggerId"))
	assert.Equal(t, "W3C", diagnostic.InputString("httpCorrelationProtocol"))
}

// TestBackendAPIRequiresTheClientCertificate checks the component refuses a backend without the
// certificate it presents.
func TestBackendAPIRequiresTheClientCertificate(t *testing.T) {
	t.Parallel()
	_, err := harness.Run(func(ctx *pulumi.Context) error {
		_, err := components.NewBackendAPI(ctx, "unit", &components.BackendAPIArgs{Path: "echo"})
		return err
	}, "unit", "test", map[string]string{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ClientCertificatePFX")
}

// recordIn returns the one record set of a private zone.
func recordIn(t *testing.T, recording *harness.Recording, zone *harness.Resource) *harness.Resource {
	t.Helper()
	return single(t, recording.OfType("azure-native:network:PrivateRecordSet"), "record in "+zone.OutputString("name"), func(record *harness.Resource) bool {
		return record.InputString("privateZoneName") == zone.OutputString("name")
	})
}
