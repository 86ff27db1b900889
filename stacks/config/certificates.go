// Certificate settings: key specifications per certificate, validity, early renewal, identities.

package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/pki"
)

// Certificates configures the private CA and the leaf certificates it signs.
type Certificates struct {
	// Keys holds the key specification of each certificate, e.g. RSA-3072 or ECDSA-P256.
	Keys CertificateKeys `json:"keys"`
	// ValidityHours is the lifetime of each leaf certificate.
	ValidityHours int `json:"validityHours"`
	// EarlyRenewalHours makes `pulumi up` replace a leaf this long before it expires.
	EarlyRenewalHours int `json:"earlyRenewalHours"`
	// CAValidityHours is the lifetime of the private CA; it must outlive every leaf.
	CAValidityHours int `json:"caValidityHours"`
	// CAEarlyRenewalHours makes `pulumi up` replace the CA (and so every leaf) this long before it expires.
	CAEarlyRenewalHours int `json:"caEarlyRenewalHours"`
	// Organization is the informational subject organization of every certificate.
	Organization string `json:"organization"`
	// ClientIdentity is the DNS SAN of API Management's client certificate; empty means hostNames.apiGateway.
	ClientIdentity string `json:"clientIdentity"`
	// ListenerKeyVaultSecretID brings your own public listener certificate: the versionless URI of a Key
	// Vault secret holding a PFX from a public CA. Empty generates one signed by the private CA.
	ListenerKeyVaultSecretID string `json:"listenerKeyVaultSecretId"`
	// PrivateListenerAccepted accepts, in the prod profile, a listener certificate signed by the
	// private CA: an edge only for clients that trust that CA. Without it such a stack is refused.
	PrivateListenerAccepted bool `json:"privateListenerAccepted"`
}

// CertificateKeys holds the key specification of each certificate.
type CertificateKeys struct {
	// CA is the private root CA's key (RSA: API Management loads the CA certificate).
	CA string `json:"ca"`
	// APIMGateway is the gateway custom-domain certificate's key (RSA: API Management loads it).
	APIMGateway string `json:"apimGateway"`
	// APIMClient is API Management's client certificate's key (RSA: API Management loads it).
	APIMClient string `json:"apimClient"`
	// IngressServer is the ingress server certificate's key (RSA or ECDSA).
	IngressServer string `json:"ingressServer"`
	// Listener is the generated public listener certificate's key (RSA or ECDSA).
	Listener string `json:"listener"`
}

// keyFields pairs each certificate with its key setting.
func (c *Config) keyFields() []struct {
	certificate pki.Certificate
	path, value string
} {
	k := c.Certificates.Keys
	return []struct {
		certificate pki.Certificate
		path, value string
	}{
		{pki.CA, "certificates.keys.ca", k.CA},
		{pki.APIMGateway, "certificates.keys.apimGateway", k.APIMGateway},
		{pki.APIMClient, "certificates.keys.apimClient", k.APIMClient},
		{pki.IngressServer, "certificates.keys.ingressServer", k.IngressServer},
		{pki.Listener, "certificates.keys.listener", k.Listener},
	}
}

// KeySpec returns the parsed key specification of a certificate (valid after Load succeeded).
func (c *Config) KeySpec(certificate pki.Certificate) pki.KeySpec {
	for _, field := range c.keyFields() {
		if field.certificate == certificate {
			spec, _ := pki.ParseKeySpec(field.value)
			return spec
		}
	}
	return pki.KeySpec{}
}

// ClientCertificateIdentity is the DNS SAN of API Management's client certificate.
func (c *Config) ClientCertificateIdentity() string {
	if c.Certificates.ClientIdentity != "" {
		return c.Certificates.ClientIdentity
	}
	return c.HostNames.APIGateway
}

// ListenerGenerated reports whether the platform generates the public listener certificate.
func (c *Config) ListenerGenerated() bool {
	return c.Certificates.ListenerKeyVaultSecretID == ""
}

// keyVaultSecretURI matches a versionless Key Vault secret URI in the public and sovereign clouds.
var keyVaultSecretURI = regexp.MustCompile(`^https://[a-z][a-z0-9-]{1,22}[a-z0-9]\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)/secrets/[A-Za-z0-9-]{1,127}/?$`)

// validateCertificates checks key specifications, lifetimes, the client identity and a brought
// listener certificate.
func validateCertificates(c *Config, problems *problemList) {
	for _, field := range c.keyFields() {
		spec, err := pki.ParseKeySpec(field.value)
		switch {
		case err != nil:
			problems.add(field.path, field.value, "%v", err)
		case spec.Algorithm != "RSA" && pki.LoadedByAPIManagement(field.certificate):
			problems.add(field.path, field.value,
				"must be RSA (RSA-2048, RSA-3072 or RSA-4096): API Management loads the %s certificate, and EC keys break API Management redeployments", field.certificate)
		}
	}
	certificates := c.Certificates
	if certificates.EarlyRenewalHours < 1 || certificates.EarlyRenewalHours >= certificates.ValidityHours {
		problems.add("certificates.earlyRenewalHours", certificates.EarlyRenewalHours,
			"must be at least 1 and shorter than certificates.validityHours (%d), or certificates would be replaced on every run", certificates.ValidityHours)
	}
	if certificates.CAEarlyRenewalHours < 1 || certificates.CAEarlyRenewalHours >= certificates.CAValidityHours {
		problems.add("certificates.caEarlyRenewalHours", certificates.CAEarlyRenewalHours,
			"must be at least 1 and shorter than certificates.caValidityHours (%d)", certificates.CAValidityHours)
	}
	if certificates.CAValidityHours-certificates.CAEarlyRenewalHours <= certificates.ValidityHours {
		problems.add("certificates.caValidityHours", certificates.CAValidityHours,
			"minus certificates.caEarlyRenewalHours (%d) must exceed certificates.validityHours (%d): a leaf must never outlive the CA that signed it",
			certificates.CAEarlyRenewalHours, certificates.ValidityHours)
	}
	if certificates.ClientIdentity != "" {
		if err := checkHostName(certificates.ClientIdentity); err != nil {
			problems.add("certificates.clientIdentity", certificates.ClientIdentity, "%v", err)
		}
	}
	if id := certificates.ListenerKeyVaultSecretID; id != "" && !keyVaultSecretURI.MatchString(id) {
		message := "is not a versionless Key Vault secret URI such as https://contoso-kv.vault.azure.net/secrets/api-contoso-com"
		if parts := strings.Split(strings.TrimSuffix(id, "/"), "/"); len(parts) == 6 && parts[3] == "secrets" {
			message = fmt.Sprintf("names the version %s; use the versionless URI %s so Application Gateway picks up renewed certificates",
				parts[5], strings.Join(parts[:5], "/"))
		}
		problems.add("certificates.listenerKeyVaultSecretId", id, "%s", message)
	}
	if c.Environment == Production && c.ListenerGenerated() && !certificates.PrivateListenerAccepted {
		problems.add("certificates.listenerKeyVaultSecretId", "",
			"is required in the prod profile: without it the public listener presents a certificate of the platform's private CA, which no Internet client trusts. "+
				"Set it to the Key Vault secret of a public CA certificate, or set certificates.privateListenerAccepted to true for an edge only your own clients call")
	}
	if certificates.Organization == "" || len(certificates.Organization) > 64 {
		problems.add("certificates.organization", certificates.Organization, "must be 1-64 characters (an X.509 organization name)")
	}
}
