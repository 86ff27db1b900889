// FrontDoor component: Azure Front Door Premium in front of Application Gateway, with its own WAF
// policy, the public host on a managed certificate, and Application Gateway as its only origin.

package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/cdn/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// FrontDoorType is the FrontDoor component's type token.
const FrontDoorType = Project + ":edge:FrontDoor"

// FrontDoorSKU is the profile's tier: Premium has the managed WAF rule sets and bot protection
// (https://learn.microsoft.com/azure/frontdoor/standard-premium/tier-comparison).
const FrontDoorSKU = "Premium_AzureFrontDoor"

// The Front Door WAF's managed rule sets: the Microsoft default rule set 2.1 (anomaly scoring, the
// rule set action applies once a request scores 5) and the bot manager 1.1
// (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-drs).
const (
	// FrontDoorDefaultRuleSetType is the default rule set.
	FrontDoorDefaultRuleSetType = "Microsoft_DefaultRuleSet"
	// FrontDoorDefaultRuleSetVersion is its version.
	FrontDoorDefaultRuleSetVersion = "2.1"
	// FrontDoorBotRuleSetType is the bot manager rule set.
	FrontDoorBotRuleSetType = "Microsoft_BotManagerRuleSet"
	// FrontDoorBotRuleSetVersion is its version.
	FrontDoorBotRuleSetVersion = "1.1"
)

// RateLimitRule names the WAF custom rule that limits each client address, on the edge that sees the
// caller's address: Application Gateway alone, or Front Door in front of it.
const RateLimitRule = "ratelimitperclientaddress"

// FrontDoorIDHeader is the header Front Door sends every origin request with: the profile's ID, which
// the origin compares with its own profile's, because the service tag AzureFrontDoor.Backend admits
// every Front Door customer (https://learn.microsoft.com/azure/frontdoor/origin-security).
const FrontDoorIDHeader = "X-Azure-FDID"

// FrontDoorSocketAddressHeader is the header in which Front Door tells the origin the address of the
// TCP connection the request came on: unlike X-Azure-ClientIP, which follows the caller's
// X-Forwarded-For, the caller cannot choose it (frontdoor/front-door-http-headers-protocol.md).
const FrontDoorSocketAddressHeader = "X-Azure-SocketIP"

// FrontDoorArgs configures the FrontDoor component.
type FrontDoorArgs struct {
	// ResourceGroupName holds the profile and its WAF policy (both global).
	ResourceGroupName pulumi.StringInput
	// PublicHostName is the host callers use: Front Door's custom domain.
	PublicHostName string
	// OriginHostName is the name Front Door calls Application Gateway by, as TLS name and Host header:
	// the gateway listener's host, resolving to the gateway, on the listener certificate.
	OriginHostName string
	// ProbePath is the origin's health probe path (API Management's status endpoint through the gateway).
	ProbePath string
	// WAFMode is Prevention or Detection.
	WAFMode string
	// RateLimitPerMinute is the WAF's limit of requests per client address and minute (0: none).
	RateLimitPerMinute int
	// LogAnalyticsWorkspaceID receives the access, health probe and WAF logs.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on the profile and the WAF policy.
	Tags map[string]string
}

// FrontDoor is the profile with its endpoint, custom domain, WAF, origin and route.
type FrontDoor struct {
	pulumi.ResourceState

	// ProfileID is the profile's ARM ID (its alerts' scope).
	ProfileID pulumi.StringOutput `pulumi:"profileId"`
	// FrontDoorID is the profile's X-Azure-FDID value, which only this profile sends.
	FrontDoorID pulumi.StringOutput `pulumi:"frontDoorId"`
	// EndpointHostName is the endpoint's *.azurefd.net name: the public host's CNAME target.
	EndpointHostName pulumi.StringOutput `pulumi:"endpointHostName"`
	// ValidationToken is the value of the TXT record _dnsauth.<public host> that proves the domain.
	ValidationToken pulumi.StringOutput `pulumi:"validationToken"`
}

// frontDoorScope is what every resource of one FrontDoor component is created with.
type frontDoorScope struct {
	scope
	// args configures the component.
	args *FrontDoorArgs
}

// NewFrontDoor creates the WAF policy, the profile, its endpoint and custom domain, the security
// policy binding the WAF to both, the origin group with Application Gateway, the route and the
// profile's diagnostic setting. Nothing waits for Application Gateway: Front Door only needs its name.
func NewFrontDoor(ctx *pulumi.Context, name string, args *FrontDoorArgs, opts ...pulumi.ResourceOption) (*FrontDoor, error) {
	if args == nil {
		return nil, errors.New("creating Front Door: args are required")
	}
	component := &FrontDoor{}
	if err := ctx.RegisterComponentResource(FrontDoorType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Front Door %s: %w", name, err)
	}
	s := frontDoorScope{scope: scope{ctx: ctx, name: name, parent: pulumi.Parent(component), tags: pulumi.ToStringMap(args.Tags)}, args: args}
	policy, err := s.newWAFPolicy()
	if err != nil {
		return nil, err
	}
	profileName := naming.Child(name, naming.RoleFrontDoor)
	profile, err := cdn.NewProfile(ctx, profileName, &cdn.ProfileArgs{
		ProfileName:                  pulumi.String(profileName),
		ResourceGroupName:            args.ResourceGroupName,
		Location:                     pulumi.String("Global"),
		Sku:                          &cdn.SkuArgs{Name: pulumi.String(FrontDoorSKU)},
		OriginResponseTimeoutSeconds: pulumi.Int(60),
		Tags:                         s.tags,
	}, s.parent)
	if err != nil {
		return nil, fmt.Errorf("creating Front Door profile %s: %w", profileName, err)
	}
	endpoint, domain, err := s.newEndpoint(profile, policy)
	if err != nil {
		return nil, err
	}
	if err := s.newRoute(profile, endpoint, domain); err != nil {
		return nil, err
	}
	if _, err := newDiagnosticSetting(ctx, profileName, ResourceTypeFrontDoor, profile.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, s.parent); err != nil {
		return nil, err
	}

	component.ProfileID = profile.ID().ToStringOutput()
	component.FrontDoorID = profile.FrontDoorId
	component.EndpointHostName = endpoint.HostName
	component.ValidationToken = domain.ValidationProperties.ValidationToken()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Front Door %s outputs: %w", name, err)
	}
	return component, nil
}

// newWAFPolicy creates the Front Door WAF policy: both managed rule sets blocking in args.WAFMode, the
// request body inspected, and the per-address rate limit. Front Door's rate limit counts the socket
// address by default, which the caller cannot choose.
func (s frontDoorScope) newWAFPolicy() (*network.Policy, error) {
	args := s.args
	policyName := naming.Name(s.name, naming.RoleFrontDoorWAFPolicy)
	rules := network.CustomRuleArray{}
	if args.RateLimitPerMinute > 0 {
		rules = append(rules, &network.CustomRuleArgs{
			Name: pulumi.String(RateLimitRule), Priority: pulumi.Int(10), EnabledState: pulumi.String("Enabled"),
			RuleType: pulumi.String("RateLimitRule"), Action: pulumi.String("Block"),
			RateLimitDurationInMinutes: pulumi.Int(1), RateLimitThreshold: pulumi.Int(args.RateLimitPerMinute),
			// A rate-limit rule needs a condition; "not from 255.255.255.255/32" matches every request.
			MatchConditions: network.FrontDoorMatchConditionArray{&network.FrontDoorMatchConditionArgs{
				MatchVariable: pulumi.String("SocketAddr"), Operator: pulumi.String("IPMatch"), NegateCondition: pulumi.Bool(true),
				MatchValue: pulumi.StringArray{pulumi.String("255.255.255.255/32")},
			}},
		})
	}
	policy, err := network.NewPolicy(s.ctx, naming.Child(s.name, naming.RoleFrontDoorWAFPolicy), &network.PolicyArgs{
		PolicyName:        pulumi.String(policyName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String("Global"),
		Sku:               &network.SkuArgs{Name: pulumi.String(FrontDoorSKU)},
		PolicySettings: &network.FrontDoorPolicySettingsArgs{
			EnabledState: pulumi.String("Enabled"), Mode: pulumi.String(args.WAFMode), RequestBodyCheck: pulumi.String("Enabled"),
		},
		CustomRules: &network.CustomRuleListArgs{Rules: rules},
		ManagedRules: &network.ManagedRuleSetListArgs{ManagedRuleSets: network.FrontDoorManagedRuleSetArray{
			&network.FrontDoorManagedRuleSetArgs{RuleSetType: pulumi.String(FrontDoorDefaultRuleSetType), RuleSetVersion: pulumi.String(FrontDoorDefaultRuleSetVersion),
				RuleSetAction: pulumi.String("Block")},
			&network.FrontDoorManagedRuleSetArgs{RuleSetType: pulumi.String(FrontDoorBotRuleSetType), RuleSetVersion: pulumi.String(FrontDoorBotRuleSetVersion)},
		}},
		Tags: s.tags,
	}, s.parent)
	if err != nil {
		return nil, fmt.Errorf("creating Front Door WAF policy %s: %w", policyName, err)
	}
	return policy, nil
}

// newEndpoint creates the endpoint, the public host as custom domain with a Front Door managed
// certificate (TLS 1.2 or later), and the security policy that puts the WAF in front of both.
func (s frontDoorScope) newEndpoint(profile *cdn.Profile, policy *network.Policy) (*cdn.AFDEndpoint, *cdn.AFDCustomDomain, error) {
	args := s.args
	endpointName := naming.Child(s.name, naming.RoleFrontDoorEndpoint)
	endpoint, err := cdn.NewAFDEndpoint(s.ctx, endpointName, &cdn.AFDEndpointArgs{
		EndpointName:                      pulumi.String(endpointName),
		ProfileName:                       profile.Name,
		ResourceGroupName:                 args.ResourceGroupName,
		Location:                          pulumi.String("Global"),
		EnabledState:                      pulumi.String("Enabled"),
		AutoGeneratedDomainNameLabelScope: pulumi.String("TenantReuse"),
		Tags:                              s.tags,
	}, s.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating Front Door endpoint %s: %w", endpointName, err)
	}
	// A custom domain's name takes letters, digits and hyphens: the host with its dots replaced.
	domainName := strings.ReplaceAll(args.PublicHostName, ".", "-")
	domain, err := cdn.NewAFDCustomDomain(s.ctx, naming.Child(s.name, naming.RoleFrontDoor)+"-"+domainName, &cdn.AFDCustomDomainArgs{
		CustomDomainName:  pulumi.String(domainName),
		ProfileName:       profile.Name,
		ResourceGroupName: args.ResourceGroupName,
		HostName:          pulumi.String(args.PublicHostName),
		TlsSettings: &cdn.AFDDomainHttpsParametersArgs{
			CertificateType: pulumi.String("ManagedCertificate"), MinimumTlsVersion: cdn.AfdMinimumTlsVersionTLS12,
		},
	}, s.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating Front Door custom domain %s: %w", args.PublicHostName, err)
	}
	securityPolicyName := naming.Child(s.name, naming.RoleFrontDoor) + "-waf"
	if _, err := cdn.NewSecurityPolicy(s.ctx, securityPolicyName, &cdn.SecurityPolicyArgs{
		SecurityPolicyName: pulumi.String("waf"),
		ProfileName:        profile.Name,
		ResourceGroupName:  args.ResourceGroupName,
		Parameters: &cdn.SecurityPolicyWebApplicationFirewallParametersArgs{
			Type:      pulumi.String("WebApplicationFirewall"),
			WafPolicy: &cdn.ResourceReferenceArgs{Id: policy.ID().ToStringOutput()},
			Associations: cdn.SecurityPolicyWebApplicationFirewallAssociationArray{&cdn.SecurityPolicyWebApplicationFirewallAssociationArgs{
				Domains: cdn.ActivatedResourceReferenceArray{
					&cdn.ActivatedResourceReferenceArgs{Id: endpoint.ID().ToStringOutput()},
					&cdn.ActivatedResourceReferenceArgs{Id: domain.ID().ToStringOutput()},
				},
				PatternsToMatch: pulumi.StringArray{pulumi.String("/*")},
			}},
		},
	}, s.parent); err != nil {
		return nil, nil, fmt.Errorf("creating Front Door security policy %s: %w", securityPolicyName, err)
	}
	return endpoint, domain, nil
}

// newRoute creates the origin group (probing API Management's status endpoint through the gateway), the
// gateway as its origin, and the route: every path of the custom domain and the endpoint's own name,
// HTTP redirected to HTTPS, forwarded over HTTPS only, never cached.
func (s frontDoorScope) newRoute(profile *cdn.Profile, endpoint *cdn.AFDEndpoint, domain *cdn.AFDCustomDomain) error {
	args := s.args
	base := naming.Child(s.name, naming.RoleFrontDoor)
	group, err := cdn.NewAFDOriginGroup(s.ctx, base+"-gateway", &cdn.AFDOriginGroupArgs{
		OriginGroupName:   pulumi.String("gateway"),
		ProfileName:       profile.Name,
		ResourceGroupName: args.ResourceGroupName,
		HealthProbeSettings: &cdn.HealthProbeParametersArgs{
			ProbePath: pulumi.String(args.ProbePath), ProbeProtocol: cdn.ProbeProtocolHttps,
			ProbeRequestType: cdn.HealthProbeRequestTypeGET, ProbeIntervalInSeconds: pulumi.Int(30),
		},
		LoadBalancingSettings: &cdn.LoadBalancingSettingsParametersArgs{
			SampleSize: pulumi.Int(4), SuccessfulSamplesRequired: pulumi.Int(3), AdditionalLatencyInMilliseconds: pulumi.Int(50),
		},
		SessionAffinityState: pulumi.String("Disabled"),
	}, s.parent)
	if err != nil {
		return fmt.Errorf("creating Front Door origin group %s-gateway: %w", base, err)
	}
	// The origin is called by a name of the user's: Front Door sends the origin's host name as TLS name
	// and checks the certificate's chain to a public CA and its name against it
	// (https://learn.microsoft.com/azure/frontdoor/end-to-end-tls), and the same name as Host header
	// selects the gateway's listener.
	origin, err := cdn.NewAFDOrigin(s.ctx, base+"-gateway-origin", &cdn.AFDOriginArgs{
		OriginName:                  pulumi.String("application-gateway"),
		OriginGroupName:             group.Name,
		ProfileName:                 profile.Name,
		ResourceGroupName:           args.ResourceGroupName,
		HostName:                    pulumi.String(args.OriginHostName),
		OriginHostHeader:            pulumi.String(args.OriginHostName),
		HttpPort:                    pulumi.Int(80),
		HttpsPort:                   pulumi.Int(443),
		Priority:                    pulumi.Int(1),
		Weight:                      pulumi.Int(1000),
		EnabledState:                pulumi.String("Enabled"),
		EnforceCertificateNameCheck: pulumi.Bool(true),
	}, s.parent)
	if err != nil {
		return fmt.Errorf("creating Front Door origin %s-gateway-origin: %w", base, err)
	}
	if _, err := cdn.NewRoute(s.ctx, base+"-route", &cdn.RouteArgs{
		RouteName:           pulumi.String("api"),
		EndpointName:        endpoint.Name,
		ProfileName:         profile.Name,
		ResourceGroupName:   args.ResourceGroupName,
		CustomDomains:       cdn.ActivatedResourceReferenceArray{&cdn.ActivatedResourceReferenceArgs{Id: domain.ID().ToStringOutput()}},
		OriginGroup:         &cdn.ResourceReferenceArgs{Id: group.ID().ToStringOutput()},
		SupportedProtocols:  pulumi.StringArray{pulumi.String("Http"), pulumi.String("Https")},
		PatternsToMatch:     pulumi.StringArray{pulumi.String("/*")},
		ForwardingProtocol:  pulumi.String("HttpsOnly"),
		HttpsRedirect:       pulumi.String("Enabled"),
		LinkToDefaultDomain: pulumi.String("Enabled"),
		EnabledState:        pulumi.String("Enabled"),
	}, s.parent, pulumi.DependsOn([]pulumi.Resource{origin})); err != nil {
		return fmt.Errorf("creating Front Door route %s-route: %w", base, err)
	}
	return nil
}

// FrontDoorAccessLogQuery is the Kusto query over Front Door's access and WAF logs of the last hour:
// what callers sent, what the WAF did, and what the gateway answered.
const FrontDoorAccessLogQuery = "AzureDiagnostics\n" +
	"| where TimeGenerated > ago(1h) and ResourceProvider == \"MICROSOFT.CDN\"\n" +
	"| where Category in (\"FrontDoorAccessLog\", \"FrontDoorWebApplicationFirewallLog\")\n" +
	"| project TimeGenerated, Category, trackingReference_s, clientIp_s, socketIp_s, requestUri_s, httpStatusCode_s, action_s, ruleName_s, originName_s\n" +
	"| order by TimeGenerated desc"

// AlertScope files Front Door's alerts under AlertFrontDoor, on the profile.
func (f *FrontDoor) AlertScope() (AlertTarget, pulumi.StringInput) {
	return AlertFrontDoor, f.ProfileID
}

// PublicOutputs are what the public host's DNS needs: the CNAME target and the validation token, and
// the profile's ID the gateway admits.
func (f *FrontDoor) PublicOutputs() map[string]pulumi.Input {
	return map[string]pulumi.Input{
		"frontDoorEndpointHostName": f.EndpointHostName,
		"frontDoorValidationToken":  f.ValidationToken,
		"frontDoorId":               f.FrontDoorID,
		"frontDoorLogQuery":         pulumi.String(FrontDoorAccessLogQuery),
	}
}
