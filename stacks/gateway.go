// Edge layer of the stack: the WAF Application Gateway in front of API Management.

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// edge is the edge layer: the service in front of API Management, the WAF Application Gateway.
type edge struct {
	cfg     *config.Config
	gateway components.Edge
}

// deployEdge creates the gateway once its prerequisites exist: the API Management gateway host
// resolves privately, the identity may read the vault, and the vault resolves to its private endpoint.
func (p *platform) deployEdge(trust *trust, vault *keyVault, endpoints *privateEndpoints, apim *apiManagement) (*edge, error) {
	cfg := p.cfg
	listener := pulumi.String(cfg.Certificates.ListenerKeyVaultSecretID).ToStringOutput()
	if cfg.ListenerGenerated() {
		listener = vault.vault.SecretURIs.MapIndex(pulumi.String(string(pki.Listener)))
	}
	waitFor := append([]pulumi.Resource{}, apim.service.GatewayDNS...)
	waitFor = append(waitFor, vault.vault.Grants[gatewayReader])
	waitFor = append(waitFor, endpoints.endpoints.ReadyFor(keyVaultEndpoint)...)
	settings := cfg.ApplicationGateway
	var callerCA pulumi.StringInput // nil: callers need no certificate
	if trust.callerMutualTLSRequired {
		callerCA = trust.callerCAPEM
	}
	gateway, err := components.NewApplicationGateway(p.ctx, p.base, &components.ApplicationGatewayArgs{
		ResourceGroupName:           p.resourceGroup.Name,
		ResourceGroupID:             p.resourceGroup.ID(),
		Location:                    cfg.Location,
		SubnetID:                    p.network.SubnetID(naming.SubnetApplicationGateway),
		Zones:                       settings.Zones,
		MinCapacity:                 settings.MinCapacity,
		MaxCapacity:                 settings.MaxCapacity,
		WAFMode:                     string(settings.WAFMode),
		IdentityID:                  trust.gatewayIdentity.ID(),
		PublicHostName:              cfg.HostNames.Public,
		ListenerCertificateSecretID: listener,
		BackendHostName:             cfg.HostNames.APIGateway,
		TrustedRootCertificatePEM:   trust.certificates.CACertificatePEM,
		CallerCACertificatePEM:      callerCA,
		RateLimitPerMinute:          settings.RateLimitPerMinute,
		DNSLabel:                    p.globalName(naming.RoleGatewayDNSLabel),
		WaitFor:                     waitFor,
		LogAnalyticsWorkspaceID:     p.monitoring.WorkspaceID,
		Tags:                        p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &edge{cfg: cfg, gateway: gateway}, nil
}

// addOutputs adds the public endpoint, the edge's public face and the end-to-end query, which starts
// from the edge's access log.
func (e *edge) addOutputs(outputs pulumi.Map) {
	outputs["publicEndpoint"] = pulumi.String("https://" + e.cfg.HostNames.Public)
	for name, value := range e.gateway.PublicOutputs() {
		outputs[name] = value
	}
	outputs["endToEndQuery"] = pulumi.String(components.EndToEndQuery(e.gateway.AccessLogStep(), ingressNamespaces(e.cfg)))
}
