// API Management policies: internal VNet mode, no weak protocols, and verified mTLS to every backend.

package pack

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	apimServiceType = "azure-native:apimanagement:ApiManagementService"
	apimBackendType = "azure-native:apimanagement:Backend"
)

// weakProtocolSettings are the API Management custom properties that must be "False": TLS 1.0/1.1
// and SSL 3.0 on both sides, 3DES and the TLS_RSA suites without forward secrecy
// (https://learn.microsoft.com/azure/api-management/api-management-howto-manage-protocols-ciphers).
var weakProtocolSettings = []string{
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA256",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA256",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_GCM_SHA256",
}

var apimRules = []resourceRule{
	{
		name:        "apim-internal-vnet",
		description: "API Management is Developer or Premium, injected into a virtual network in Internal mode.",
		remediation: "use apiManagement.sku Developer or Premium with virtualNetworkType Internal and a subnet.",
		level:       Mandatory,
		types:       []string{apimServiceType},
		check: func(r Resource, _ map[string]any) []string {
			var problems []string
			if sku := r.String("sku.name"); sku != "Developer" && sku != "Premium" {
				problems = append(problems, fmt.Sprintf("Tier %q cannot run in internal VNet mode.", sku))
			}
			if mode := r.String("virtualNetworkType"); mode != "Internal" {
				problems = append(problems, fmt.Sprintf("virtualNetworkType is %q: the gateway would be reachable from the Internet.", mode))
			}
			if r.Path("virtualNetworkConfiguration.subnetResourceId").IsNull() {
				problems = append(problems, "No subnet is configured (virtualNetworkConfiguration.subnetResourceId).")
			}
			return problems
		},
	},
	{
		name:        "apim-weak-protocols-off",
		description: "API Management has TLS 1.0/1.1, SSL 3.0, 3DES and the TLS_RSA cipher suites switched off on both sides.",
		remediation: "set each of these customProperties to \"False\".",
		level:       Mandatory,
		types:       []string{apimServiceType},
		check: func(r Resource, _ map[string]any) []string {
			var enabled []string
			for _, setting := range weakProtocolSettings {
				if value := stringOf(r.At("customProperties", setting)); !strings.EqualFold(value, "false") {
					enabled = append(enabled, strings.TrimPrefix(setting, "Microsoft.WindowsAzure.ApiManagement.Gateway.Security."))
				}
			}
			if len(enabled) > 0 {
				return []string{"Still allowed: " + strings.Join(enabled, ", ") + "."}
			}
			return nil
		},
	},
	{
		name:        "apim-backend-tls-validation",
		description: "Every API Management backend is called over HTTPS with certificate chain and name validation on.",
		remediation: "use an https:// backend URL with tls.validateCertificateChain and tls.validateCertificateName true (and the issuing CA in API Management's certificates).",
		level:       Mandatory,
		types:       []string{apimBackendType},
		check: func(r Resource, _ map[string]any) []string {
			if r.Unknown("url") {
				return nil
			}
			var problems []string
			if backend, err := url.Parse(r.String("url")); err != nil || backend.Scheme != "https" {
				problems = append(problems, fmt.Sprintf("Backend URL %q is not HTTPS.", r.String("url")))
			}
			for _, setting := range []string{"validateCertificateChain", "validateCertificateName"} {
				if on, _ := r.Bool("tls." + setting); !on {
					problems = append(problems, fmt.Sprintf("tls.%s is not true.", setting))
				}
			}
			return problems
		},
	},
	{
		name:        "apim-backend-client-certificate",
		description: "Every API Management backend that reaches the cluster presents a client certificate (mutual TLS).",
		remediation: "set credentials.certificateIds to the client certificate entity loaded from Key Vault.",
		level:       Mandatory,
		types:       []string{apimBackendType},
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"exemptHosts": {"type": "array", "items": map[string]any{"type": "string"},
				"description": "Backend host names outside the cluster that need no client certificate; default none."},
		}},
		check: func(r Resource, config map[string]any) []string {
			if backend, err := url.Parse(r.String("url")); err == nil && slices.Contains(stringList(config, "exemptHosts", nil), backend.Hostname()) {
				return nil
			}
			if ids := r.Path("credentials.certificateIds"); !ids.IsComputed() && (!ids.IsArray() || ids.AsArray().Len() == 0) {
				return []string{fmt.Sprintf("Backend %q presents no client certificate, so the cluster's mTLS ingress would refuse it.", r.Name)}
			}
			return nil
		},
	},
}
