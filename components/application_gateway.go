// ApplicationGateway component: the public WAF_v2 edge that terminates TLS and re-encrypts to API Management.

package components

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// ApplicationGatewayType is the ApplicationGateway component's type token.
const ApplicationGatewayType = Project + ":edge:ApplicationGateway"

// Application Gateway settings the platform fixes.
const (
	// SSLPolicyName allows TLS 1.2 and 1.3 with strong ciphers only
	// (https://learn.microsoft.com/azure/application-gateway/application-gateway-ssl-policy-overview).
	SSLPolicyName = "AppGwSslPolicy20220101S"
	// APIManagementStatusPath is API Management's health endpoint; it answers 200 without a key
	// (https://learn.microsoft.com/azure/api-management/api-management-howto-integrate-internal-vnet-appgateway).
	APIManagementStatusPath = "/status-0123456789abcdef"
	// DefaultRuleSetType and DefaultRuleSetVersion are the current Microsoft default WAF rule set:
	// DRS 2.2, generally available since April 2026 and the latest recommended version (Microsoft Learn,
	// web-application-firewall/ruleset-support-policy, February 2026: N = DRS 2.2, N-1 = DRS 2.1).
	DefaultRuleSetType    = "Microsoft_DefaultRuleSet"
	DefaultRuleSetVersion = "2.2"
	// BotRuleSetType and BotRuleSetVersion are the bot protection rule set, the newest documented
	// version (web-application-firewall/ag/bot-protection-overview).
	BotRuleSetType    = "Microsoft_BotManagerRuleSet"
	BotRuleSetVersion = "1.1"
)

// RuleOverride pins the state and action of one managed rule.
type RuleOverride struct {
	// Group is the rule group's name in the rule set, e.g. PROTOCOL-ENFORCEMENT.
	Group string
	// RuleID is the rule's ID.
	RuleID string
	// Action is what a match does: RuleActionAnomalyScoring (adds to the score that blocks at 5 in
	// Prevention) or RuleActionBlock.
	Action RuleAction
}

// RuleAction is what a match of a managed WAF rule does, as a rule override names it.
type RuleAction string

// The managed rule actions the platform pins or the upgrade guidance uses.
const (
	// RuleActionAnomalyScoring adds the rule's severity to the request's anomaly score, which blocks
	// the request at 5 in Prevention mode.
	RuleActionAnomalyScoring RuleAction = "AnomalyScoring"
	// RuleActionBlock blocks a matching request outright.
	RuleActionBlock RuleAction = "Block"
	// RuleActionLog only logs a match, even in Prevention mode: the upgrade guidance's tuning mode.
	RuleActionLog RuleAction = "Log"
)

// DefaultRuleSetOverrides are the Paranoia Level 1 rules that DRS 2.2 added over DRS 2.1, enabled with
// an explicit blocking action. Microsoft's upgrade guidance has operators put a new version's new PL1
// rules in log mode while they tune them (web-application-firewall/ag/upgrade-ruleset-version.md,
// "Validate new rules safely", whose script adds Action "Log" overrides), and a rule in log mode never
// blocks, even in Prevention; the rule tables mark no PL1 rule as log-only by default. Pinning them
// keeps Prevention meaning what it says for every PL1 rule, whoever followed that guidance. Rule IDs and groups are from
// application-gateway-crs-rulegroups-rules.md (DRS 2.2 tab): an override of a rule the set does not
// contain fails the policy update ("The override Rule '<id>' is unknown for RuleGroup '<group>'").
// The CVE rule blocks outright: Microsoft's CVE rules do not all support anomaly scoring (99001017:
// "Anomaly Score not supported for this rule"). An override without a state disables the rule, so the
// state is always set (network/v2 ManagedRuleOverride: "Defaults to Disabled if not specified").
var DefaultRuleSetOverrides = []RuleOverride{
	{Group: "PROTOCOL-ENFORCEMENT", RuleID: "920530", Action: RuleActionAnomalyScoring}, // charset parameter more than once
	{Group: "PROTOCOL-ENFORCEMENT", RuleID: "920620", Action: RuleActionAnomalyScoring}, // multiple Content-Type headers
	{Group: "MS-ThreatIntel-CVEs", RuleID: "99001018", Action: RuleActionBlock},         // React2Shell, CVE-2025-55182
	{Group: "MS-ThreatIntel-XSS", RuleID: "99032001", Action: RuleActionAnomalyScoring}, // event handler XSS (replaces 941120)
}

// ruleGroupOverrides renders overrides grouped by rule group, in the order of their first rule.
func ruleGroupOverrides(overrides []RuleOverride) network.ManagedRuleGroupOverrideArray {
	var groups network.ManagedRuleGroupOverrideArray
	index := map[string]int{}
	var rules []network.ManagedRuleOverrideArray
	var names []string
	for _, override := range overrides {
		i, seen := index[override.Group]
		if !seen {
			i = len(names)
			index[override.Group] = i
			names = append(names, override.Group)
			rules = append(rules, nil)
		}
		rules[i] = append(rules[i], &network.ManagedRuleOverrideArgs{
			RuleId: pulumi.String(override.RuleID), State: pulumi.String("Enabled"), Action: pulumi.String(override.Action),
		})
	}
	for i, name := range names {
		groups = append(groups, &network.ManagedRuleGroupOverrideArgs{RuleGroupName: pulumi.String(name), Rules: rules[i]})
	}
	return groups
}

// ApplicationGatewayArgs configures the ApplicationGateway component.
type ApplicationGatewayArgs struct {
	// ResourceGroupName holds the gateway, its public IP and WAF policy.
	ResourceGroupName pulumi.StringInput
	// ResourceGroupID is the group's ARM ID: the gateway's parts reference each other by ID, so the
	// gateway's own ID is derived from it before the gateway exists.
	ResourceGroupID pulumi.StringInput
	// Location is the Azure region.
	Location string
	// SubnetID is the dedicated Application Gateway subnet.
	SubnetID pulumi.StringInput
	// Zones are the availability zones of the gateway and its public IP (empty: no zones).
	Zones []string
	// MinCapacity and MaxCapacity bound autoscaling.
	MinCapacity, MaxCapacity int
	// WAFMode is Prevention or Detection.
	WAFMode string
	// IdentityID is the user-assigned identity that reads the listener certificate from Key Vault.
	IdentityID pulumi.StringInput
	// PublicHostName is the host clients call; the HTTPS listener serves only it.
	PublicHostName string
	// ListenerCertificateSecretID is the versionless Key Vault secret URI of the listener's PFX.
	ListenerCertificateSecretID pulumi.StringInput
	// BackendHostName is API Management's gateway host: the backend pool addresses it by name, never by
	// API Management's IP output, so the gateway does not wait for API Management's creation.
	BackendHostName string
	// TrustedRootCertificatePEM is the private CA that signed API Management's gateway certificate.
	TrustedRootCertificatePEM pulumi.StringInput
	// CallerCACertificatePEM, when set, makes the HTTPS listener require caller certificates issued by
	// this CA (PEM, one or more certificates), and forward the verified details to API Management.
	CallerCACertificatePEM pulumi.StringInput
	// RateLimitPerMinute is the WAF's limit of requests per client address and minute (0: none).
	RateLimitPerMinute int
	// FrontDoorID, when set, is the X-Azure-FDID of the Front Door profile in front of the gateway: the
	// WAF blocks every request without it, and the caller's address is the one Front Door saw.
	FrontDoorID pulumi.StringInput
	// DNSLabel is the public IP's DNS label (globally unique in the region).
	DNSLabel pulumi.StringInput
	// LogAnalyticsWorkspaceID, when set, receives the gateway's access and firewall logs and the
	// public IP's DDoS logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// WaitFor are the resources the gateway needs in place at creation (see NewApplicationGateway).
	WaitFor []pulumi.Resource
	// Tags are put on the gateway, its public IP and its WAF policy.
	Tags map[string]string
}

// ApplicationGateway is the WAF_v2 gateway with its WAF policy and public IP.
type ApplicationGateway struct {
	pulumi.ResourceState

	// GatewayID is the gateway's ARM ID.
	GatewayID pulumi.StringOutput `pulumi:"gatewayId"`
	// PublicIPAddress is the gateway's public address.
	PublicIPAddress pulumi.StringOutput `pulumi:"publicIpAddress"`
	// PublicFQDN is the Azure DNS name of the public IP (point the public host's CNAME here).
	PublicFQDN pulumi.StringOutput `pulumi:"publicFqdn"`
}

// gatewayScope is what every part of one ApplicationGateway component is created with.
type gatewayScope struct {
	scope
	// args configures the component.
	args *ApplicationGatewayArgs
}

// gatewayPartKind is a collection of the gateway's parts, as a part's ARM ID names it:
// <gateway ID>/<kind>/<part name>. Parts reference each other by these IDs.
type gatewayPartKind string

// The kinds of gateway parts that other parts reference.
const (
	// frontendIPConfigurationParts are the addresses the listeners listen on.
	frontendIPConfigurationParts gatewayPartKind = "frontendIPConfigurations"
	// frontendPortParts are the ports the listeners listen on.
	frontendPortParts gatewayPartKind = "frontendPorts"
	// sslCertificateParts are the certificates the HTTPS listener presents.
	sslCertificateParts gatewayPartKind = "sslCertificates"
	// trustedRootCertificateParts are the CAs backend certificates must chain to.
	trustedRootCertificateParts gatewayPartKind = "trustedRootCertificates"
	// backendAddressPoolParts are the backends requests go to.
	backendAddressPoolParts gatewayPartKind = "backendAddressPools"
	// probeParts are the health probes of the backends.
	probeParts gatewayPartKind = "probes"
	// backendHTTPSettingsParts are how the gateway calls a backend.
	backendHTTPSettingsParts gatewayPartKind = "backendHttpSettingsCollection"
	// httpListenerParts are the listeners.
	httpListenerParts gatewayPartKind = "httpListeners"
	// redirectConfigurationParts are the redirects a rule answers with.
	redirectConfigurationParts gatewayPartKind = "redirectConfigurations"
	// rewriteRuleSetParts are the header rewrites a rule applies.
	rewriteRuleSetParts gatewayPartKind = "rewriteRuleSets"
	// sslProfileParts are the per-listener TLS settings, with client authentication.
	sslProfileParts gatewayPartKind = "sslProfiles"
	// trustedClientCertificateParts are the CAs caller certificates must chain to.
	trustedClientCertificateParts gatewayPartKind = "trustedClientCertificates"
)

// gatewayPartName is the name of one gateway part, unique within its kind.
type gatewayPartName string

// The gateway's parts.
const (
	// gatewaySubnetConfiguration places the gateway in its subnet.
	gatewaySubnetConfiguration gatewayPartName = "gateway"
	// gatewayPublicFrontend is the public IP the listeners listen on.
	gatewayPublicFrontend gatewayPartName = "public"
	// gatewayHTTPSPort is port 443.
	gatewayHTTPSPort gatewayPartName = "https"
	// gatewayHTTPPort is port 80.
	gatewayHTTPPort gatewayPartName = "http"
	// gatewayListenerCertificate is the HTTPS listener's certificate, read from Key Vault.
	gatewayListenerCertificate gatewayPartName = "listener"
	// gatewayPrivateCA is the private CA that signed API Management's gateway certificate.
	gatewayPrivateCA gatewayPartName = "private-ca"
	// gatewayAPIManagementPool is API Management's gateway host.
	gatewayAPIManagementPool gatewayPartName = "api-management"
	// gatewayAPIManagementProbe probes API Management's status endpoint.
	gatewayAPIManagementProbe gatewayPartName = "api-management-status"
	// gatewayAPIManagementSettings re-encrypt to API Management.
	gatewayAPIManagementSettings gatewayPartName = "api-management-https"
	// gatewayHTTPSListener serves the public host over HTTPS.
	gatewayHTTPSListener gatewayPartName = "https"
	// gatewayHTTPListener serves the public host over HTTP, only to redirect.
	gatewayHTTPListener gatewayPartName = "http"
	// gatewayHTTPToHTTPSRedirect sends HTTP requests to the HTTPS listener.
	gatewayHTTPToHTTPSRedirect gatewayPartName = "http-to-https"
	// gatewayHTTPSRule routes HTTPS requests to API Management.
	gatewayHTTPSRule gatewayPartName = "https-to-api-management"
	// gatewayHTTPRedirectRule answers HTTP requests with the redirect.
	gatewayHTTPRedirectRule gatewayPartName = "http-redirect"
	// gatewayCallerHeaders is the rewrite set that writes who the caller is, as the gateway saw it.
	gatewayCallerHeaders gatewayPartName = "caller-headers"
	// gatewayEdgeIdentityRewrite is its only rule.
	gatewayEdgeIdentityRewrite gatewayPartName = "edge-identity"
	// gatewayCallersProfile is the HTTPS listener's SSL profile with client authentication.
	gatewayCallersProfile gatewayPartName = "callers"
	// gatewayCallersCA is the CA caller certificates must chain to.
	gatewayCallersCA gatewayPartName = "callers-ca"
)

// gatewayProtocol is a protocol of a gateway listener, probe or backend setting.
type gatewayProtocol string

// The protocols the gateway uses.
const (
	// gatewayProtocolHTTPS is TLS, towards clients and towards API Management.
	gatewayProtocolHTTPS gatewayProtocol = "Https"
	// gatewayProtocolHTTP is plain HTTP, only for the redirect listener.
	gatewayProtocolHTTP gatewayProtocol = "Http"
)

// gatewayParts references the parts of one gateway by ID: the gateway's ID is derived from its resource
// group and name, so its parts can reference each other before the gateway exists.
type gatewayParts struct {
	// gatewayID is the gateway's ARM ID.
	gatewayID pulumi.StringOutput
}

// reference is the sub-resource reference of the part of the given kind and name.
func (p gatewayParts) reference(kind gatewayPartKind, name gatewayPartName) *network.SubResourceArgs {
	return &network.SubResourceArgs{Id: pulumi.Sprintf("%s/%s/%s", p.gatewayID, kind, name)}
}

// NewApplicationGateway creates the WAF policy, the public IP and the gateway.
//
// Ordering: the gateway waits for the API Management gateway host's private DNS zone link and A
// record (args.WaitFor), and for nothing else of API Management. Re-examined in December 2026: the
// gateway honours a backend record's TTL and, when a lookup fails, keeps using the last-known-good
// address (application-gateway-faq.yml, 4/30/2025; how-application-gateway-works.md, "Backend server
// DNS resolution"), but nothing documents what it does when the FQDN never resolved, so there is no
// last good address; and the older guidance still stands: restart the gateway when the private zone
// or its link came after the backend pool (app-service/networking/app-gateway-with-service-endpoints.md;
// application-gateway-backend-health-troubleshooting.md, "DNS resolution error";
// MicrosoftDocs/azure-docs#122197). With mixed evidence the safe order stays: created in parallel with
// API Management, the gateway could need a manual restart on the first deployment. Waiting for anything
// more of API Management's creation would only lengthen the deployment.
func NewApplicationGateway(ctx *pulumi.Context, name string, args *ApplicationGatewayArgs, opts ...pulumi.ResourceOption) (*ApplicationGateway, error) {
	if args == nil {
		return nil, errors.New("creating application gateway: args are required")
	}
	component := &ApplicationGateway{}
	if err := ctx.RegisterComponentResource(ApplicationGatewayType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering application gateway %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := gatewayScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args}

	policy, err := s.newWAFPolicy()
	if err != nil {
		return nil, err
	}

	address, err := newStandardPublicIP(ctx, naming.Child(name, naming.RoleGatewayPublicIP), publicIPArgs{
		resourceGroupName: args.ResourceGroupName, location: args.Location, zones: args.Zones,
		dnsLabel: args.DNSLabel, workspaceID: args.LogAnalyticsWorkspaceID, tags: tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	gateway, err := s.newGateway(policy, address)
	if err != nil {
		return nil, err
	}

	component.GatewayID = gateway.ID().ToStringOutput()
	component.PublicIPAddress = address.IpAddress.Elem()
	component.PublicFQDN = address.DnsSettings.Fqdn().Elem()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering application gateway %s outputs: %w", name, err)
	}
	return component, nil
}

// newWAFPolicy creates the WAF policy: the current default rule set with its pinned overrides and the
// bot rule set, with request body and file upload inspection enforced in args.WAFMode.
func (s gatewayScope) newWAFPolicy() (*network.WebApplicationFirewallPolicy, error) {
	ctx, name, args, parent, tags := s.ctx, s.name, s.args, s.parent, s.tags
	policyName := naming.Child(name, naming.RoleWAFPolicy)
	policy, err := network.NewWebApplicationFirewallPolicy(ctx, policyName, &network.WebApplicationFirewallPolicyArgs{
		PolicyName:        pulumi.String(policyName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		PolicySettings: &network.PolicySettingsArgs{
			State:                       pulumi.String("Enabled"),
			Mode:                        pulumi.String(args.WAFMode),
			RequestBodyCheck:            pulumi.Bool(true),
			RequestBodyEnforcement:      pulumi.Bool(true),
			RequestBodyInspectLimitInKB: pulumi.Int(128),
			MaxRequestBodySizeInKb:      pulumi.Int(128),
			FileUploadEnforcement:       pulumi.Bool(true),
			FileUploadLimitInMb:         pulumi.Int(100),
		},
		CustomRules: append(frontDoorRules(args.FrontDoorID), rateLimitRules(args.RateLimitPerMinute)...),
		ManagedRules: &network.ManagedRulesDefinitionArgs{
			ManagedRuleSets: network.ManagedRuleSetArray{
				&network.ManagedRuleSetArgs{RuleSetType: pulumi.String(DefaultRuleSetType), RuleSetVersion: pulumi.String(DefaultRuleSetVersion),
					RuleGroupOverrides: ruleGroupOverrides(DefaultRuleSetOverrides)},
				&network.ManagedRuleSetArgs{RuleSetType: pulumi.String(BotRuleSetType), RuleSetVersion: pulumi.String(BotRuleSetVersion)},
			},
		},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating WAF policy %s: %w", policyName, err)
	}
	return policy, nil
}

// frontDoorRules admit only the Front Door profile with the given ID (none without one): Microsoft's
// rule for an Application Gateway behind Front Door, which blocks a request whose X-Azure-FDID is not
// the profile's, compared in lower case (web-application-firewall/ag/create-custom-waf-rules.md,
// example 7; frontdoor/origin-security.md). The network security group admits only Front Door's
// addresses, and this rule only this profile among them.
func frontDoorRules(frontDoorID pulumi.StringInput) network.WebApplicationFirewallCustomRuleArray {
	if frontDoorID == nil {
		return nil
	}
	return network.WebApplicationFirewallCustomRuleArray{&network.WebApplicationFirewallCustomRuleArgs{
		Name:     pulumi.String(FrontDoorOnlyRule),
		Priority: pulumi.Int(5),
		RuleType: pulumi.String("MatchRule"),
		Action:   pulumi.String("Block"),
		State:    pulumi.String("Enabled"),
		MatchConditions: network.MatchConditionArray{&network.MatchConditionArgs{
			MatchVariables: network.MatchVariableArray{&network.MatchVariableArgs{
				VariableName: pulumi.String("RequestHeaders"), Selector: pulumi.String(FrontDoorIDHeader),
			}},
			Operator:         pulumi.String("Equal"),
			NegationConditon: pulumi.Bool(true),
			MatchValues:      pulumi.StringArray{frontDoorID.ToStringOutput().ApplyT(strings.ToLower).(pulumi.StringOutput)},
			Transforms:       pulumi.StringArray{pulumi.String("Lowercase")},
		}},
	}}
}

// FrontDoorOnlyRule is the name of the gateway's WAF rule that admits only its Front Door profile.
const FrontDoorOnlyRule = "frontdooronly"

// rateLimitRules is the WAF's rate limit: per client address, requests per minute beyond perMinute are
// blocked until the minute is over (none when perMinute is 0). A rate-limit rule needs a match
// condition; "not from 255.255.255.255/32" matches every request, as Microsoft's examples do
// (web-application-firewall/ag/rate-limiting-configure.md). It runs before the managed rules and
// counts what the caller cannot choose: the TCP peer, not a header.
func rateLimitRules(perMinute int) network.WebApplicationFirewallCustomRuleArray {
	if perMinute == 0 {
		return nil
	}
	return network.WebApplicationFirewallCustomRuleArray{&network.WebApplicationFirewallCustomRuleArgs{
		Name:               pulumi.String(RateLimitRule),
		Priority:           pulumi.Int(10),
		RuleType:           pulumi.String("RateLimitRule"),
		Action:             pulumi.String("Block"),
		State:              pulumi.String("Enabled"),
		RateLimitDuration:  pulumi.String("OneMin"),
		RateLimitThreshold: pulumi.Int(perMinute),
		GroupByUserSession: network.GroupByUserSessionArray{&network.GroupByUserSessionArgs{
			GroupByVariables: network.GroupByVariableArray{&network.GroupByVariableArgs{VariableName: pulumi.String("ClientAddr")}},
		}},
		MatchConditions: network.MatchConditionArray{&network.MatchConditionArgs{
			MatchVariables:   network.MatchVariableArray{&network.MatchVariableArgs{VariableName: pulumi.String("RemoteAddr")}},
			Operator:         pulumi.String("IPMatch"),
			NegationConditon: pulumi.Bool(true),
			MatchValues:      pulumi.StringArray{pulumi.String("255.255.255.255/32")},
		}},
	}}
}

// newGateway creates the WAF_v2 gateway on the policy and the public address: autoscaled, HTTP/2, the
// strong TLS policy, reading its listener certificate with the user-assigned identity, with its
// backend (backendParts) and listeners and rules (routingParts), and, given a workspace, its
// diagnostic setting. It waits for args.WaitFor (see NewApplicationGateway).
func (s gatewayScope) newGateway(policy *network.WebApplicationFirewallPolicy, address *network.PublicIPAddress) (*network.ApplicationGateway, error) {
	ctx, args, parent := s.ctx, s.args, s.parent
	var zones pulumi.StringArrayInput
	if len(args.Zones) > 0 {
		zones = pulumi.ToStringArray(args.Zones)
	}
	gatewayName := naming.Child(s.name, naming.RoleApplicationGateway)
	parts := gatewayParts{gatewayID: pulumi.Sprintf("%s/providers/%s/%s", args.ResourceGroupID, ResourceTypeApplicationGateway, gatewayName)}
	caDER := args.TrustedRootCertificatePEM.ToStringOutput().ApplyT(pki.CertificateDERBase64).(pulumi.StringOutput)
	gatewayArgs := &network.ApplicationGatewayArgs{
		ApplicationGatewayName: pulumi.String(gatewayName),
		ResourceGroupName:      args.ResourceGroupName,
		Location:               pulumi.String(args.Location),
		Sku:                    &network.ApplicationGatewaySkuArgs{Name: pulumi.String("WAF_v2"), Tier: pulumi.String("WAF_v2")},
		AutoscaleConfiguration: &network.ApplicationGatewayAutoscaleConfigurationArgs{
			MinCapacity: pulumi.Int(args.MinCapacity),
			MaxCapacity: pulumi.Int(args.MaxCapacity),
		},
		Zones:          zones,
		EnableHttp2:    pulumi.Bool(true),
		FirewallPolicy: &network.SubResourceArgs{Id: policy.ID().ToStringOutput()},
		Identity: &network.ManagedServiceIdentityArgs{
			Type:                   network.ResourceIdentityTypeUserAssigned,
			UserAssignedIdentities: pulumi.StringArray{args.IdentityID},
		},
		SslPolicy: &network.ApplicationGatewaySslPolicyArgs{PolicyType: pulumi.String("Predefined"), PolicyName: pulumi.String(SSLPolicyName)},
		GatewayIPConfigurations: network.ApplicationGatewayIPConfigurationArray{&network.ApplicationGatewayIPConfigurationArgs{
			Name: pulumi.String(gatewaySubnetConfiguration), Subnet: &network.SubResourceArgs{Id: args.SubnetID},
		}},
		FrontendIPConfigurations: network.ApplicationGatewayFrontendIPConfigurationArray{&network.ApplicationGatewayFrontendIPConfigurationArgs{
			Name: pulumi.String(gatewayPublicFrontend), PublicIPAddress: &network.SubResourceArgs{Id: address.ID().ToStringOutput()},
		}},
		FrontendPorts: network.ApplicationGatewayFrontendPortArray{
			&network.ApplicationGatewayFrontendPortArgs{Name: pulumi.String(gatewayHTTPSPort), Port: pulumi.Int(443)},
			&network.ApplicationGatewayFrontendPortArgs{Name: pulumi.String(gatewayHTTPPort), Port: pulumi.Int(80)},
		},
		SslCertificates: network.ApplicationGatewaySslCertificateArray{&network.ApplicationGatewaySslCertificateArgs{
			Name: pulumi.String(gatewayListenerCertificate), KeyVaultSecretId: args.ListenerCertificateSecretID,
		}},
		TrustedRootCertificates: network.ApplicationGatewayTrustedRootCertificateArray{&network.ApplicationGatewayTrustedRootCertificateArgs{
			Name: pulumi.String(gatewayPrivateCA), Data: caDER,
		}},
		Tags: s.tags,
	}
	backendParts(gatewayArgs, args, parts)
	routingParts(gatewayArgs, args, parts)
	callerParts(gatewayArgs, args, parts)
	gateway, err := network.NewApplicationGateway(ctx, gatewayName, gatewayArgs, parent, pulumi.DependsOn(args.WaitFor))
	if err != nil {
		return nil, fmt.Errorf("creating application gateway %s: %w", gatewayName, err)
	}

	if args.LogAnalyticsWorkspaceID != nil {
		if _, err := newDiagnosticSetting(ctx, gatewayName, ResourceTypeApplicationGateway, gateway.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
			return nil, err
		}
	}
	return gateway, nil
}

// backendParts sets the gateway's backend: API Management's gateway host by name, probed on its status
// endpoint, called over HTTPS with the host name it is addressed by and its certificate validated
// against the private CA.
func backendParts(gateway *network.ApplicationGatewayArgs, args *ApplicationGatewayArgs, parts gatewayParts) {
	gateway.BackendAddressPools = network.ApplicationGatewayBackendAddressPoolArray{&network.ApplicationGatewayBackendAddressPoolArgs{
		Name:             pulumi.String(gatewayAPIManagementPool),
		BackendAddresses: network.ApplicationGatewayBackendAddressArray{&network.ApplicationGatewayBackendAddressArgs{Fqdn: pulumi.String(args.BackendHostName)}},
	}}
	gateway.Probes = network.ApplicationGatewayProbeArray{&network.ApplicationGatewayProbeArgs{
		Name:                                pulumi.String(gatewayAPIManagementProbe),
		Protocol:                            pulumi.String(gatewayProtocolHTTPS),
		Path:                                pulumi.String(APIManagementStatusPath),
		PickHostNameFromBackendHttpSettings: pulumi.Bool(true),
		Interval:                            pulumi.Int(30),
		Timeout:                             pulumi.Int(30),
		UnhealthyThreshold:                  pulumi.Int(3),
		Match:                               &network.ApplicationGatewayProbeHealthResponseMatchArgs{StatusCodes: pulumi.StringArray{pulumi.String("200")}},
	}}
	gateway.BackendHttpSettingsCollection = network.ApplicationGatewayBackendHttpSettingsArray{&network.ApplicationGatewayBackendHttpSettingsArgs{
		Name:                           pulumi.String(gatewayAPIManagementSettings),
		Port:                           pulumi.Int(443),
		Protocol:                       pulumi.String(gatewayProtocolHTTPS),
		CookieBasedAffinity:            pulumi.String("Disabled"),
		PickHostNameFromBackendAddress: pulumi.Bool(true),
		RequestTimeout:                 pulumi.Int(60),
		Probe:                          parts.reference(probeParts, gatewayAPIManagementProbe),
		TrustedRootCertificates:        network.SubResourceArray{parts.reference(trustedRootCertificateParts, gatewayPrivateCA)},
	}}
}

// routingParts sets the gateway's listeners and rules: HTTPS for the public host only (with SNI, and the
// callers' SSL profile when there is one) routed to API Management through the caller-headers rewrite, and HTTP for the same host answered with a permanent redirect to HTTPS that keeps
// the path and query.
func routingParts(gateway *network.ApplicationGatewayArgs, args *ApplicationGatewayArgs, parts gatewayParts) {
	var callersProfile network.SubResourcePtrInput // the SSL profile requiring caller certificates (callerParts)
	if args.CallerCACertificatePEM != nil {
		callersProfile = parts.reference(sslProfileParts, gatewayCallersProfile)
	}
	gateway.HttpListeners = network.ApplicationGatewayHttpListenerArray{
		&network.ApplicationGatewayHttpListenerArgs{
			Name:                        pulumi.String(gatewayHTTPSListener),
			FrontendIPConfiguration:     parts.reference(frontendIPConfigurationParts, gatewayPublicFrontend),
			FrontendPort:                parts.reference(frontendPortParts, gatewayHTTPSPort),
			Protocol:                    pulumi.String(gatewayProtocolHTTPS),
			HostName:                    pulumi.String(args.PublicHostName),
			RequireServerNameIndication: pulumi.Bool(true),
			SslCertificate:              parts.reference(sslCertificateParts, gatewayListenerCertificate),
			SslProfile:                  callersProfile,
		},
		&network.ApplicationGatewayHttpListenerArgs{
			Name:                    pulumi.String(gatewayHTTPListener),
			FrontendIPConfiguration: parts.reference(frontendIPConfigurationParts, gatewayPublicFrontend),
			FrontendPort:            parts.reference(frontendPortParts, gatewayHTTPPort),
			Protocol:                pulumi.String(gatewayProtocolHTTP),
			HostName:                pulumi.String(args.PublicHostName),
		},
	}
	gateway.RedirectConfigurations = network.ApplicationGatewayRedirectConfigurationArray{&network.ApplicationGatewayRedirectConfigurationArgs{
		Name:               pulumi.String(gatewayHTTPToHTTPSRedirect),
		RedirectType:       pulumi.String("Permanent"),
		TargetListener:     parts.reference(httpListenerParts, gatewayHTTPSListener),
		IncludePath:        pulumi.Bool(true),
		IncludeQueryString: pulumi.Bool(true),
	}}
	gateway.RequestRoutingRules = network.ApplicationGatewayRequestRoutingRuleArray{
		&network.ApplicationGatewayRequestRoutingRuleArgs{
			Name:                pulumi.String(gatewayHTTPSRule),
			RuleType:            pulumi.String("Basic"),
			Priority:            pulumi.Int(100),
			HttpListener:        parts.reference(httpListenerParts, gatewayHTTPSListener),
			BackendAddressPool:  parts.reference(backendAddressPoolParts, gatewayAPIManagementPool),
			BackendHttpSettings: parts.reference(backendHTTPSettingsParts, gatewayAPIManagementSettings),
			RewriteRuleSet:      parts.reference(rewriteRuleSetParts, gatewayCallerHeaders),
		},
		&network.ApplicationGatewayRequestRoutingRuleArgs{
			Name:                  pulumi.String(gatewayHTTPRedirectRule),
			RuleType:              pulumi.String("Basic"),
			Priority:              pulumi.Int(200),
			HttpListener:          parts.reference(httpListenerParts, gatewayHTTPListener),
			RedirectConfiguration: parts.reference(redirectConfigurationParts, gatewayHTTPToHTTPSRedirect),
		},
	}
}

// callerParts sets who the caller is, as the gateway saw it, on every request routed to API Management:
// X-Forwarded-For becomes the client address alone (the gateway would otherwise keep what the caller
// wrote there and only append its own entry: how-application-gateway-works.md, "Modifications to the
// request"), and the certificate headers carry the gateway's verification of the caller's certificate
// or, without caller mutual TLS, are removed (an empty value deletes a header:
// rewrite-http-headers-url.md). A caller can therefore never write any of them. With a callers' CA,
// the HTTPS listener requires a certificate from it: an SSL profile with client authentication (strict
// by default, the issuer's name verified too) and the gateway's own TLS policy
// (mutual-authentication-overview.md).
func callerParts(gateway *network.ApplicationGatewayArgs, args *ApplicationGatewayArgs, parts gatewayParts) {
	headers := network.ApplicationGatewayHeaderConfigurationArray{&network.ApplicationGatewayHeaderConfigurationArgs{
		HeaderName: pulumi.String(apimpolicy.ClientAddressHeader), HeaderValue: pulumi.String(clientAddressValue(args)),
	}}
	for _, forwarded := range apimpolicy.ForwardedCertificateHeaders {
		value := ""
		if args.CallerCACertificatePEM != nil {
			value = "{var_" + forwarded.Variable + "}"
		}
		headers = append(headers, &network.ApplicationGatewayHeaderConfigurationArgs{
			HeaderName: pulumi.String(forwarded.Header), HeaderValue: pulumi.String(value),
		})
	}
	gateway.RewriteRuleSets = network.ApplicationGatewayRewriteRuleSetArray{&network.ApplicationGatewayRewriteRuleSetArgs{
		Name: pulumi.String(gatewayCallerHeaders),
		RewriteRules: network.ApplicationGatewayRewriteRuleArray{&network.ApplicationGatewayRewriteRuleArgs{
			Name:         pulumi.String(gatewayEdgeIdentityRewrite),
			RuleSequence: pulumi.Int(100),
			ActionSet:    &network.ApplicationGatewayRewriteRuleActionSetArgs{RequestHeaderConfigurations: headers},
		}},
	}}
	if args.CallerCACertificatePEM == nil {
		return
	}
	gateway.TrustedClientCertificates = network.ApplicationGatewayTrustedClientCertificateArray{&network.ApplicationGatewayTrustedClientCertificateArgs{
		Name: pulumi.String(gatewayCallersCA),
		// The CA certificate file's content, base64-encoded, as an uploaded .cer (PEM) is.
		Data: args.CallerCACertificatePEM.ToStringOutput().ApplyT(func(pem string) string {
			return base64.StdEncoding.EncodeToString([]byte(pem))
		}).(pulumi.StringOutput),
	}}
	gateway.SslProfiles = network.ApplicationGatewaySslProfileArray{&network.ApplicationGatewaySslProfileArgs{
		Name: pulumi.String(gatewayCallersProfile),
		ClientAuthConfiguration: &network.ApplicationGatewayClientAuthConfigurationArgs{
			VerifyClientCertIssuerDN: pulumi.Bool(true),
			VerifyClientRevocation:   pulumi.String("None"),
		},
		SslPolicy:                 &network.ApplicationGatewaySslPolicyArgs{PolicyType: pulumi.String("Predefined"), PolicyName: pulumi.String(SSLPolicyName)},
		TrustedClientCertificates: network.SubResourceArray{parts.reference(trustedClientCertificateParts, gatewayCallersCA)},
	}}
}

// clientAddressValue is what the gateway writes into X-Forwarded-For: the address of the connection it
// received, or behind Front Door the address of the connection Front Door received (X-Azure-SocketIP,
// set by Front Door; only Front Door reaches the gateway), so the caller never chooses the address
// API Management counts.
func clientAddressValue(args *ApplicationGatewayArgs) string {
	if args.FrontDoorID != nil {
		return "{http_req_" + FrontDoorSocketAddressHeader + "}"
	}
	return "{var_client_ip}"
}
