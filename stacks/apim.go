// API Management layer of the stack: the internal service, and the API that calls the cluster over mTLS.
package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// echoAPIPath is the sample API's path; the echo workload in the cluster answers it.
const echoAPIPath = "echo"

// deployAPIManagement creates the service with its custom domain and trusted CA from the certificate
// layer (not from Key Vault, so it is created once and waits for nothing but the network and the
// certificates).
func deployAPIManagement(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	suffix pulumi.StringOutput, network *components.Network, certificates *components.Certificates, monitoring *components.Monitoring,
	providers *providers,
) (*components.APIManagement, error) {
	apim := cfg.APIManagement
	return components.NewAPIManagement(ctx, base, &components.APIManagementArgs{
		ResourceGroupName:       resourceGroupName,
		Location:                cfg.Location,
		ServiceName:             globalName(suffix, base, naming.RoleAPIManagement),
		SKU:                     apim.SKU,
		Capacity:                apim.Capacity,
		Zones:                   apim.Zones,
		PublisherName:           apim.PublisherName,
		PublisherEmail:          apim.PublisherEmail,
		SubnetID:                network.SubnetID(naming.SubnetAPIManagement),
		VirtualNetworkID:        network.VirtualNetworkID,
		PublicIPAddressID:       apim.PublicIPAddressID,
		GatewayHostName:         cfg.HostNames.APIGateway,
		GatewayCertificatePFX:   certificates.Issued[pki.APIMGateway].PFX,
		CACertificatePEM:        certificates.CACertificatePEM,
		LogAnalyticsWorkspaceID: monitoring.WorkspaceID,
		Tags:                    cfg.ResourceTags(),
	}, providers.all())
}

// deployBackendAPI creates the client certificate entity (from the certificate layer), the mTLS backend,
// the sample API and its policy.
func deployBackendAPI(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	service *components.APIManagement, certificates *components.Certificates, monitoring *components.Monitoring, providers *providers,
) (*components.BackendAPI, error) {
	apim := cfg.APIManagement
	return components.NewBackendAPI(ctx, base+"-"+echoAPIPath, &components.BackendAPIArgs{
		ResourceGroupName:    resourceGroupName,
		ServiceName:          service.ServiceName,
		ClientCertificatePFX: certificates.Issued[pki.APIMClient].PFX,
		BackendHostName:      cfg.HostNames.Backend,
		Path:                 echoAPIPath,
		DisplayName:          "Echo (sample)",
		Policy:               backendAPIPolicy(apim),
		ApplicationInsights: &components.ApplicationInsightsLogger{
			ResourceID:       monitoring.ApplicationInsightsID,
			ConnectionString: monitoring.ApplicationInsightsConnectionString,
		},
	}, providers.all())
}

// backendAPIPolicy chooses the sample API's policy from the configuration: token validation when a
// tenant and audience are set, and the rate limit.
func backendAPIPolicy(apim config.APIManagement) apimpolicy.BackendAPIOptions {
	options := apimpolicy.BackendAPIOptions{
		RateLimitCalls:         apim.RateLimitCalls,
		RateLimitPeriodSeconds: apim.RateLimitPeriodSeconds,
	}
	if apim.TokenValidationEnabled() {
		options.TenantID, options.Audiences, options.ClientApplicationIDs = apim.EntraTenantID, apim.EntraAudiences(), apim.EntraClientApplicationIDs
	}
	return options
}

// tokenAudience is the audience a caller's token must carry for the sample API ("" when token
// validation is off): the smoke check asks for a token with it.
func tokenAudience(apim config.APIManagement) string {
	if !apim.TokenValidationEnabled() {
		return ""
	}
	return apim.EntraAudience
}
