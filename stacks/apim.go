// API Management layer of the stack: the internal service, and the API that calls the cluster over mTLS.

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// echoAPIPath is the sample API's path; the echo workload in the cluster answers it.
const echoAPIPath = "echo"

// apiManagement is the API Management layer: the internal service.
type apiManagement struct {
	service *components.APIManagement
}

// deployAPIManagement creates the service with its custom domain and trusted CA from the certificate
// layer (not from Key Vault, so it is created once and waits for nothing but the network and the
// certificates).
func (p *platform) deployAPIManagement(trust *trust) (*apiManagement, error) {
	cfg, network, certificates := p.cfg, p.network, trust.certificates
	apim := cfg.APIManagement
	service, err := components.NewAPIManagement(p.ctx, p.base, &components.APIManagementArgs{
		ResourceGroupName:       p.resourceGroup.Name,
		Location:                cfg.Location,
		ServiceName:             p.globalName(naming.RoleAPIManagement),
		SKU:                     string(apim.SKU),
		Capacity:                apim.Capacity,
		Zones:                   apim.Zones,
		PublisherName:           apim.PublisherName,
		PublisherEmail:          apim.PublisherEmail,
		SubnetID:                network.SubnetID(naming.SubnetAPIManagement),
		VirtualNetworkID:        network.VirtualNetworkID,
		PublicIPAddressID:       apim.PublicIPAddressID,
		GatewayHostName:         cfg.HostNames.APIGateway,
		CentralDNS:              p.centralDNS,
		GatewayCertificatePFX:   certificates.Issued[pki.APIMGateway].PFX,
		CACertificatePEM:        certificates.CACertificatePEM,
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		Tags:                    p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &apiManagement{service: service}, nil
}

// addOutputs adds the service's name, gateway URL and private address.
func (a *apiManagement) addOutputs(outputs pulumi.Map) {
	outputs["apiManagementName"] = a.service.ServiceName
	outputs["apiManagementGatewayUrl"] = a.service.GatewayURL
	outputs["apiManagementPrivateIp"] = a.service.PrivateIPAddress
}

// backendAPI is the sample API layer: the API that calls the cluster over mutual TLS.
type backendAPI struct {
	cfg *config.Config
	api *components.BackendAPI
}

// deployBackendAPI creates the client certificate entity (from the certificate layer), the mTLS backend,
// the sample API and its policy.
func (p *platform) deployBackendAPI(service *apiManagement, trust *trust) (*backendAPI, error) {
	cfg, monitoring := p.cfg, p.monitoring
	policy, err := backendAPIPolicy(cfg)
	if err != nil {
		return nil, err
	}
	api, err := components.NewBackendAPI(p.ctx, p.base+"-"+echoAPIPath, &components.BackendAPIArgs{
		ResourceGroupName:    p.resourceGroup.Name,
		ServiceName:          service.service.ServiceName,
		ClientCertificatePFX: trust.certificates.Issued[pki.APIMClient].PFX,
		BackendHostName:      cfg.HostNames.Backend,
		Path:                 echoAPIPath,
		DisplayName:          "Echo (sample)",
		Policy:               policy,
		ApplicationInsights: &components.ApplicationInsightsLogger{
			ResourceID:       monitoring.ApplicationInsightsID,
			ConnectionString: monitoring.ApplicationInsightsConnectionString,
		},
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &backendAPI{cfg: cfg, api: api}, nil
}

// addOutputs adds how to call the sample API: its path, the credential it takes, the subscription key
// (secret) when that is the credential, and the token audience when tokens are checked.
func (b *backendAPI) addOutputs(outputs pulumi.Map) {
	apim := b.cfg.APIManagement
	outputs["apiPath"] = pulumi.String("/" + echoAPIPath + "/")
	outputs["apiCredential"] = pulumi.String(apim.Credential())
	outputs["tokenAudience"] = pulumi.String(tokenAudience(apim))
	if apim.Credential() == apimpolicy.CredentialSubscriptionKey {
		outputs["apiSubscriptionKey"] = b.api.SubscriptionKey
		outputs["apiSubscriptionKeyHeader"] = pulumi.String(apimpolicy.SubscriptionKeyHeader)
	}
}

// backendAPIPolicy chooses the sample API's policy from the configuration: the caller's credential
// (a token when a tenant and audience are set, nothing when anonymous access is allowed, a
// subscription key otherwise), only the Application Gateway subnet as caller, the edge's certificate
// verdict when caller mutual TLS is required, and the rate limits.
func backendAPIPolicy(cfg *config.Config) (apimpolicy.BackendAPIOptions, error) {
	apim := cfg.APIManagement
	edge, err := apimpolicy.RangeOf(cfg.Network.Subnets.ApplicationGateway)
	if err != nil {
		return apimpolicy.BackendAPIOptions{}, fmt.Errorf("admitting the Application Gateway subnet to the sample API: %w", err)
	}
	options := apimpolicy.BackendAPIOptions{
		Credential:                apim.Credential(),
		EdgeRanges:                []apimpolicy.AddressRange{edge},
		CallerCertificateRequired: cfg.ApplicationGateway.MutualTLS == config.MutualTLSRequired,
		RateLimitCalls:            apim.RateLimitCalls,
		RateLimitPeriodSeconds:    apim.RateLimitPeriodSeconds,
	}
	if options.Credential == apimpolicy.CredentialEntraToken {
		options.TenantID, options.Audiences, options.ClientApplicationIDs = apim.EntraTenantID, apim.EntraAudiences(), apim.EntraClientApplicationIDs
	}
	return options, nil
}

// tokenAudience is the audience a caller's token must carry for the sample API ("" when token
// validation is off): the smoke check asks for a token with it.
func tokenAudience(apim config.APIManagement) string {
	if !apim.TokenValidationEnabled() {
		return ""
	}
	return apim.EntraAudience
}
