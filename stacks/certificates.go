// Certificate layer of the stack: the chain of trust and the Application Gateway identity that reads it.

package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// trust is the certificate layer: the chain every hop presents or validates, and the identity the
// edge reads its listener certificate with.
type trust struct {
	certificates    *components.Certificates
	gatewayIdentity *managedidentity.UserAssignedIdentity
	// callers is the generated callers' CA with its sample caller (nil unless caller mutual TLS is
	// required and no CA is brought).
	callers *components.Certificates
	// callerMutualTLSRequired says the edge verifies callers' certificates, against callerCAPEM.
	callerMutualTLSRequired bool
	// callerCAPEM is the callers' CA (PEM); unset without caller mutual TLS.
	callerCAPEM pulumi.StringOutput
}

// deployTrust issues the certificate chain and creates the Application Gateway identity. The
// identity exists before the gateway, so its Key Vault grant is in place before the gateway first reads
// its listener certificate.
func (p *platform) deployTrust() (*trust, error) {
	ctx, cfg := p.ctx, p.cfg
	identityName := naming.Child(p.base, naming.RoleGatewayIdentity)
	gatewayIdentity, err := managedidentity.NewUserAssignedIdentity(ctx, identityName, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(identityName),
		ResourceGroupName: p.resourceGroup.Name,
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(p.tags),
	}, pulumi.Provider(p.providers.azure))
	if err != nil {
		return nil, fmt.Errorf("creating identity %s: %w", identityName, err)
	}

	leaves := map[pki.Certificate]components.LeafArgs{
		pki.APIMGateway:   {DNSName: cfg.HostNames.APIGateway, Key: cfg.KeySpec(pki.APIMGateway), Usage: "server_auth"},
		pki.APIMClient:    {DNSName: cfg.ClientCertificateIdentity(), Key: cfg.KeySpec(pki.APIMClient), Usage: "client_auth"},
		pki.IngressServer: {DNSName: cfg.HostNames.Backend, Key: cfg.KeySpec(pki.IngressServer), Usage: "server_auth"},
	}
	if cfg.ListenerGenerated() {
		leaves[pki.Listener] = components.LeafArgs{DNSName: cfg.GatewayHostName(), Key: cfg.KeySpec(pki.Listener), Usage: "server_auth"}
		if cfg.Environment == config.Production {
			p.warnings.warn("certificates.privateListenerAccepted is true: the public listener uses a certificate signed by the platform's private CA, which Internet clients do not trust; bring a public CA certificate (certificates.listenerKeyVaultSecretId) before serving them")
		}
	}
	certificates, err := components.NewCertificates(ctx, p.base, &components.CertificatesArgs{
		Organization:        cfg.Certificates.Organization,
		CAKey:               cfg.KeySpec(pki.CA),
		CAValidityHours:     cfg.Certificates.CAValidityHours,
		CAEarlyRenewalHours: cfg.Certificates.CAEarlyRenewalHours,
		Leaves:              leaves,
		ValidityHours:       cfg.Certificates.ValidityHours,
		EarlyRenewalHours:   cfg.Certificates.EarlyRenewalHours,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	result := &trust{certificates: certificates, gatewayIdentity: gatewayIdentity}
	return result, p.deployCallerTrust(result)
}

// deployCallerTrust sets the CA the edge verifies callers against when caller mutual TLS is required:
// the brought one, or (dev) a generated callers' CA with one sample caller certificate. The callers'
// CA is not the private CA: a certificate the private CA issued for a hop must not open the edge.
func (p *platform) deployCallerTrust(result *trust) error {
	cfg := p.cfg
	gateway := cfg.ApplicationGateway
	switch {
	case gateway.MutualTLS != config.MutualTLSRequired:
		return nil
	case !gateway.CallerCAGenerated():
		result.callerMutualTLSRequired = true
		result.callerCAPEM = pulumi.String(gateway.CallerCACertificatePEM).ToStringOutput()
		return nil
	}
	callers, err := components.NewCertificates(p.ctx, p.base+"-callers", &components.CertificatesArgs{
		CAName:              pki.CallersCA,
		Organization:        cfg.Certificates.Organization,
		CAKey:               cfg.KeySpec(pki.CA),
		CAValidityHours:     cfg.Certificates.CAValidityHours,
		CAEarlyRenewalHours: cfg.Certificates.CAEarlyRenewalHours,
		Leaves: map[pki.Certificate]components.LeafArgs{
			pki.SampleCaller: {DNSName: sampleCallerName(cfg), Key: cfg.KeySpec(pki.APIMClient), Usage: components.UsageClientAuth},
		},
		ValidityHours:     cfg.Certificates.ValidityHours,
		EarlyRenewalHours: cfg.Certificates.EarlyRenewalHours,
	}, p.providers.all())
	if err != nil {
		return err
	}
	result.callerMutualTLSRequired, result.callers, result.callerCAPEM = true, callers, callers.CACertificatePEM
	return nil
}

// sampleCallerName is the sample caller certificate's DNS SAN: a name under the public host, which
// says what it is in the edge's logs (the certificate's subject).
func sampleCallerName(cfg *config.Config) string {
	return string(pki.SampleCaller) + "." + cfg.HostNames.Public
}

// addOutputs adds the chain's public parts and expiry dates, and the gateway identity.
func (t *trust) addOutputs(outputs pulumi.Map) {
	expiries := pulumi.StringMap{string(pki.CA): t.certificates.CAExpiresAt}
	for certificate, issued := range t.certificates.Issued {
		expiries[string(certificate)] = issued.ExpiresAt
	}
	outputs["caCertificatePem"] = t.certificates.CACertificatePEM
	outputs["certificateExpiry"] = expiries
	outputs["apiManagementClientCertificatePem"] = t.certificates.Issued[pki.APIMClient].CertificatePEM
	outputs["applicationGatewayIdentityId"] = t.gatewayIdentity.ID()
	outputs["applicationGatewayIdentityClientId"] = t.gatewayIdentity.ClientId
	if t.callerMutualTLSRequired {
		outputs["callerCaCertificatePem"] = t.callerCAPEM
	}
	if t.callers != nil {
		sample := t.callers.Issued[pki.SampleCaller]
		expiries[string(pki.CallersCA)] = t.callers.CAExpiresAt
		expiries[string(pki.SampleCaller)] = sample.ExpiresAt
		outputs["sampleCallerCertificatePem"] = sample.CertificatePEM
		outputs["sampleCallerPrivateKeyPem"] = sample.PrivateKeyPEM
	}
}
