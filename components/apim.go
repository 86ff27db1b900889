// APIManagement component: the internal-mode API Management service, created once with its custom
// domain and trusted CA, and the private DNS record of its gateway host.

package components

import (
	"errors"
	"fmt"
	"maps"

	apimanagement "github.com/pulumi/pulumi-azure-native-sdk/apimanagement/v2/v20240501"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// APIManagementType is the APIManagement component's type token.
const APIManagementType = Project + ":apim:APIManagement"

// APIManagementTimeout bounds API Management operations: creation takes 30-90 minutes and updates
// 15-45, well past the provider's defaults.
const APIManagementTimeout = "3h"

// hardenedProtocols switches off TLS 1.0/1.1 and SSL 3.0 on both sides, 3DES, the TLS_RSA_* suites (no
// forward secrecy) and the ECDHE CBC-SHA1 suites that API Management lets customers disable (the GCM
// and SHA-2 ECDHE suites cannot be disabled), and switches HTTP/2 on for clients
// (https://learn.microsoft.com/azure/api-management/api-management-howto-manage-protocols-ciphers).
// TLS_RSA_WITH_AES_256_GCM_SHA384 is not among the ciphers the customProperties reference lets
// customers disable, so it stays enabled; an undocumented key is not sent, because a rejected update
// of the service costs 15-45 minutes.
var hardenedProtocols = map[string]string{
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10":                              "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11":                              "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30":                              "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10":                      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11":                      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30":                      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168":                         "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA":         "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA":         "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_CBC_SHA256":      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_256_CBC_SHA256":      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_RSA_WITH_AES_128_GCM_SHA256":      "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":   "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":   "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "False",
	"Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2":                                "True",
}

// HardenedProtocols returns the protocol and cipher settings every service gets, for tests and policy.
func HardenedProtocols() map[string]string {
	return maps.Clone(hardenedProtocols)
}

// APIManagementArgs configures the APIManagement component.
type APIManagementArgs struct {
	// ResourceGroupName holds the service and its DNS zone.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// ServiceName is the globally unique service name.
	ServiceName pulumi.StringInput
	// SKU is Developer or Premium, the tiers that support internal VNet mode.
	SKU string
	// Capacity is the number of units.
	Capacity int
	// Zones pins the units to availability zones (Premium only); empty lets Azure place them.
	Zones []string
	// PublisherName and PublisherEmail identify the publisher.
	PublisherName, PublisherEmail string
	// SubnetID is the dedicated API Management subnet.
	SubnetID pulumi.StringInput
	// VirtualNetworkID is linked to the gateway host's private DNS zone.
	VirtualNetworkID pulumi.StringInput
	// PublicIPAddressID optionally gives the service a customer-managed public IP; empty lets Azure
	// manage one for control-plane traffic, as internal mode allows since May 2024.
	PublicIPAddressID string
	// GatewayHostName is the gateway's internal custom domain.
	GatewayHostName string
	// CentralDNS, when set, writes the host's record into the landing zone's zone instead of a zone of its own.
	CentralDNS *CentralDNS
	// GatewayCertificatePFX is the custom domain's certificate: base64 PKCS#12 without a password (secret).
	GatewayCertificatePFX pulumi.StringInput
	// CACertificatePEM is the private CA, trusted for backend certificate chains.
	CACertificatePEM pulumi.StringInput
	// LogAnalyticsWorkspaceID, when set, receives the gateway logs (with the trace header) and metrics.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on the service, the zone and its link.
	Tags map[string]string
}

// APIManagement is the service in internal VNet mode and the private DNS of its gateway host.
type APIManagement struct {
	pulumi.ResourceState

	// ServiceID is the service's ARM ID.
	ServiceID pulumi.StringOutput `pulumi:"serviceId"`
	// ServiceName is the service's name.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// PrincipalID is the service's system-assigned identity, the only identity API Management can use
	// with a firewalled Key Vault.
	PrincipalID pulumi.StringOutput `pulumi:"principalId"`
	// PrivateIPAddress is the gateway's private address in the subnet.
	PrivateIPAddress pulumi.StringOutput `pulumi:"privateIpAddress"`
	// GatewayURL is https://<gateway host>, reachable inside the virtual network.
	GatewayURL pulumi.StringOutput `pulumi:"gatewayUrl"`
	// GatewayDNS lists the gateway host's zone link and A record: what a client must wait for before
	// the host name resolves, and the only part of API Management Application Gateway waits for.
	GatewayDNS []pulumi.Resource
}

// NewAPIManagement creates the service exactly once, already carrying its gateway custom domain and the
// private CA. Both come from the program's own (secret) state rather than from Key Vault: a custom
// domain referencing Key Vault needs the system-assigned identity, which exists only after creation,
// and would force a second 15-45 minute update on the first deployment. The certificate is uploaded
// inline (https://learn.microsoft.com/azure/api-management/configure-custom-domain), so rotating it is an
// update of the service during the `pulumi up` that renews it (once a year by default), unlike
// Key Vault references, which the service polls.
func NewAPIManagement(ctx *pulumi.Context, name string, args *APIManagementArgs, opts ...pulumi.ResourceOption) (*APIManagement, error) {
	if args == nil {
		return nil, errors.New("creating API Management: args are required")
	}
	component := &APIManagement{}
	if err := ctx.RegisterComponentResource(APIManagementType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering API Management %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)

	caDER := args.CACertificatePEM.ToStringOutput().ApplyT(pki.CertificateDERBase64).(pulumi.StringOutput)
	serviceArgs := &apimanagement.ApiManagementServiceArgs{
		ServiceName:       args.ServiceName,
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Sku: &apimanagement.ApiManagementServiceSkuPropertiesArgs{
			Name:     pulumi.String(args.SKU),
			Capacity: pulumi.Int(args.Capacity),
		},
		PublisherName:               pulumi.String(args.PublisherName),
		PublisherEmail:              pulumi.String(args.PublisherEmail),
		Identity:                    &apimanagement.ApiManagementServiceIdentityArgs{Type: pulumi.String("SystemAssigned")},
		VirtualNetworkType:          pulumi.String("Internal"),
		VirtualNetworkConfiguration: &apimanagement.VirtualNetworkConfigurationArgs{SubnetResourceId: args.SubnetID},
		HostnameConfigurations: apimanagement.HostnameConfigurationArray{&apimanagement.HostnameConfigurationArgs{
			Type:                       pulumi.String("Proxy"),
			HostName:                   pulumi.String(args.GatewayHostName),
			EncodedCertificate:         pulumi.ToSecret(args.GatewayCertificatePFX).(pulumi.StringOutput),
			DefaultSslBinding:          pulumi.Bool(true),
			NegotiateClientCertificate: pulumi.Bool(false),
		}},
		// The private CA in the Root store is what backend certificate chain validation trusts
		// (https://learn.microsoft.com/azure/api-management/api-management-howto-ca-certificates).
		Certificates: apimanagement.CertificateConfigurationArray{&apimanagement.CertificateConfigurationArgs{
			EncodedCertificate: caDER,
			StoreName:          pulumi.String("Root"),
		}},
		CustomProperties: pulumi.ToStringMap(hardenedProtocols),
		Tags:             tags,
	}
	if len(args.Zones) > 0 {
		serviceArgs.Zones = pulumi.ToStringArray(args.Zones)
	}
	if args.PublicIPAddressID != "" {
		serviceArgs.PublicIpAddressId = pulumi.String(args.PublicIPAddressID)
	}
	serviceName := naming.Child(name, naming.RoleAPIManagement)
	service, err := apimanagement.NewApiManagementService(ctx, serviceName, serviceArgs, parent,
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: APIManagementTimeout, Update: APIManagementTimeout, Delete: APIManagementTimeout}))
	if err != nil {
		return nil, fmt.Errorf("creating API Management service %s: %w", serviceName, err)
	}
	privateIP := service.PrivateIPAddresses.Index(pulumi.Int(0))
	if args.LogAnalyticsWorkspaceID != nil {
		if err := newGatewayLogging(ctx, serviceName, service, args, parent); err != nil {
			return nil, err
		}
	}

	gatewayDNS, err := newPrivateHostRecord(ctx, naming.Child(name, naming.RoleGatewayPrivateZone), args.GatewayHostName, privateIP,
		privateZoneArgs{resourceGroupName: args.ResourceGroupName, virtualNetworkID: args.VirtualNetworkID, tags: tags, central: args.CentralDNS}, parent)
	if err != nil {
		return nil, err
	}

	component.ServiceID = service.ID().ToStringOutput()
	component.ServiceName = service.Name
	component.PrincipalID = service.Identity.PrincipalId().Elem()
	component.PrivateIPAddress = privateIP
	component.GatewayURL = pulumi.Sprintf("https://%s", args.GatewayHostName)
	component.GatewayDNS = gatewayDNS
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering API Management %s outputs: %w", name, err)
	}
	return component, nil
}

// newGatewayLogging sends the service's logs to the workspace and makes its gateway log record the
// trace header, so ApiManagementGatewayLogs joins AGWAccessLogs on one request. Request headers
// appear in the gateway log only when listed in the service's azuremonitor diagnostic
// (https://learn.microsoft.com/azure/api-management/api-management-howto-use-azure-monitor), which uses
// the built-in azuremonitor logger.
func newGatewayLogging(ctx *pulumi.Context, serviceName string, service *apimanagement.ApiManagementService, args *APIManagementArgs,
	parent pulumi.ResourceOption,
) error {
	serviceID := service.ID().ToStringOutput()
	setting, err := newDiagnosticSetting(ctx, serviceName, ResourceTypeAPIManagement, serviceID, args.LogAnalyticsWorkspaceID, parent)
	if err != nil {
		return err
	}
	headers := func(names ...string) *apimanagement.PipelineDiagnosticSettingsArgs {
		return &apimanagement.PipelineDiagnosticSettingsArgs{Request: &apimanagement.HttpMessageDiagnosticArgs{Headers: pulumi.ToStringArray(names)}}
	}
	if _, err := apimanagement.NewDiagnostic(ctx, serviceName+"-azuremonitor", &apimanagement.DiagnosticArgs{
		DiagnosticId:      pulumi.String("azuremonitor"),
		ServiceName:       service.Name,
		ResourceGroupName: args.ResourceGroupName,
		LoggerId:          pulumi.Sprintf("%s/loggers/azuremonitor", serviceID),
		LogClientIp:       pulumi.Bool(true),
		Verbosity:         pulumi.String("information"),
		Sampling:          &apimanagement.SamplingSettingsArgs{SamplingType: pulumi.String("fixed"), Percentage: pulumi.Float64(100)},
		Frontend:          headers(apimpolicy.TraceHeader),
		Backend:           headers(apimpolicy.RequestIDHeader),
		// The built-in azuremonitor logger feeds the resource logs: turn those on first.
	}, parent, pulumi.DependsOn([]pulumi.Resource{setting})); err != nil {
		return fmt.Errorf("creating gateway log settings of %s: %w", serviceName, err)
	}
	return nil
}
