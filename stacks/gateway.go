// Edge layer of the stack: the WAF Application Gateway in front of API Management, and optionally Azure
// Front Door in front of the gateway.

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// edge is the edge layer: the service in front of API Management, the WAF Application Gateway, and
// Front Door in front of it when frontDoor.enabled is true (nil otherwise).
type edge struct {
	cfg       *config.Config
	gateway   components.Edge
	frontDoor *components.FrontDoor
}

// alertWatched is what the alerting layer needs from an edge service.
type alertWatched interface {
	AlertScope() (components.AlertTarget, pulumi.StringInput)
}

// alertScopes are the edge services the alerts watch: the gateway, and Front Door when there is one.
func (e *edge) alertScopes() []alertWatched {
	watched := []alertWatched{e.gateway}
	if e.frontDoor != nil {
		watched = append(watched, e.frontDoor)
	}
	return watched
}

// deployEdge creates the gateway once its prerequisites exist: the API Management gateway host
// resolves privately, the identity may read the vault, and the vault resolves to its private endpoint.
func (p *platform) deployEdge(trust *trust, vault *keyVault, endpoints *privateEndpoints, apim *apiManagement) (*edge, error) {
	cfg := p.cfg
	listener := pulumi.String(cfg.Certificates.ListenerKeyVaultSecretID).ToStringOutput()
	if cfg.ListenerGenerated() {
		listener = vault.vault.SecretURIs.MapIndex(pulumi.String(string(pki.Listener)))
	}
	// With records Azure Policy writes, no resource of the stack stands for the vault's name
	// resolving: the listener's secret reaches the gateway only once the policy's zone group exists.
	listener = endpoints.endpoints.AfterResolving(listener, keyVaultEndpoint)
	waitFor := append([]pulumi.Resource{}, apim.service.GatewayDNS...)
	waitFor = append(waitFor, vault.vault.Grants[gatewayReader])
	waitFor = append(waitFor, endpoints.endpoints.ReadyFor(keyVaultEndpoint)...)
	settings := cfg.ApplicationGateway
	var callerCA pulumi.StringInput // nil: callers need no certificate
	if trust.callerMutualTLSRequired {
		callerCA = trust.callerCAPEM
	}
	frontDoor, err := p.deployFrontDoor()
	if err != nil {
		return nil, err
	}
	var frontDoorID pulumi.StringInput // nil: the gateway faces the Internet
	gatewayRateLimit := settings.RateLimitPerMinute
	if frontDoor != nil {
		// Behind Front Door the gateway sees Front Door's addresses, so the per-address limit is
		// Front Door's.
		frontDoorID, gatewayRateLimit = frontDoor.FrontDoorID, 0
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
		PublicHostName:              cfg.GatewayHostName(),
		ListenerCertificateSecretID: listener,
		BackendHostName:             cfg.HostNames.APIGateway,
		TrustedRootCertificatePEM:   trust.certificates.CACertificatePEM,
		CallerCACertificatePEM:      callerCA,
		RateLimitPerMinute:          gatewayRateLimit,
		FrontDoorID:                 frontDoorID,
		DNSLabel:                    p.globalName(naming.RoleGatewayDNSLabel),
		WaitFor:                     waitFor,
		LogAnalyticsWorkspaceID:     p.monitoring.WorkspaceID,
		Tags:                        p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &edge{cfg: cfg, gateway: gateway, frontDoor: frontDoor}, nil
}

// deployFrontDoor creates Front Door when frontDoor.enabled is true (nil otherwise). Its origin is
// frontDoor.originHostName, a name of the user's that resolves to the gateway, so Front Door waits for
// nothing of the gateway's, and the gateway's WAF waits only for Front Door's profile and its ID.
func (p *platform) deployFrontDoor() (*components.FrontDoor, error) {
	cfg := p.cfg
	if !cfg.FrontDoor.Enabled {
		return nil, nil
	}
	p.warnings.warn(fmt.Sprintf("frontDoor.enabled: Front Door serves %[1]s only once DNS says so: publish the stack output frontDoorValidationToken as TXT _dnsauth.%[1]s, "+
		"point %[1]s's CNAME at frontDoorEndpointHostName, and %[2]s's CNAME at applicationGatewayFqdn; the managed certificate is issued after the validation "+
		"(https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-add-custom-domain)", cfg.HostNames.Public, cfg.FrontDoor.OriginHostName))
	return components.NewFrontDoor(p.ctx, p.base, &components.FrontDoorArgs{
		ResourceGroupName:       p.resourceGroup.Name,
		PublicHostName:          cfg.HostNames.Public,
		OriginHostName:          cfg.FrontDoor.OriginHostName,
		ProbePath:               components.APIManagementStatusPath,
		WAFMode:                 string(cfg.FrontDoor.WAFMode),
		RateLimitPerMinute:      cfg.ApplicationGateway.RateLimitPerMinute,
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		Tags:                    p.tags,
	}, p.providers.all())
}

// addOutputs adds the public endpoint, the edge's public face and the end-to-end query, which starts
// from the edge's access log.
func (e *edge) addOutputs(outputs pulumi.Map) {
	outputs["publicEndpoint"] = pulumi.String("https://" + e.cfg.HostNames.Public)
	for name, value := range e.gateway.PublicOutputs() {
		outputs[name] = value
	}
	if e.frontDoor != nil {
		for name, value := range e.frontDoor.PublicOutputs() {
			outputs[name] = value
		}
	}
	outputs["endToEndQuery"] = pulumi.String(components.EndToEndQuery(e.gateway.AccessLogStep(), ingressNamespaces(e.cfg)))
}
