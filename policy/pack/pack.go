// Package pack is the platform's policy pack: every rule of its security line, written once and run
// both by `pulumi preview --policy-pack policy` (through policyx) and by the offline review.
package pack

import (
	"context"
	"fmt"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Name is the policy pack's name, as `pulumi preview --policy-pack` reports it.
const Name = "apiplatform-security"

// Version is the policy pack's version.
var Version = semver.MustParse("1.0.0")

// Mandatory and Advisory are the two enforcement levels the pack uses.
const (
	// Mandatory violations stop a deployment and fail the review.
	Mandatory = policyx.EnforcementLevelMandatory
	// Advisory violations are reported and do not block.
	Advisory = policyx.EnforcementLevelAdvisory
)

// resourceRule checks resources of some types one at a time.
type resourceRule struct {
	name        string
	description string
	remediation string
	level       policyx.EnforcementLevel
	// types are the type tokens the rule applies to; none means every resource.
	types  []string
	schema *policyx.ConfigSchema
	// check returns one message per problem found (none when the resource complies).
	check func(r Resource, config map[string]any) []string
}

// finding is one problem a stack rule found, on one resource.
type finding struct {
	urn     string
	message string
}

// stackRule checks the stack as a whole: relations between resources.
type stackRule struct {
	name        string
	description string
	remediation string
	level       policyx.EnforcementLevel
	// schema declares the rule's configuration, which reaches it through configuredStackPolicy.
	schema *policyx.ConfigSchema
	// check returns the problems found across the stack's resources.
	check func(resources []Resource, config map[string]any) []finding
}

// resourceRules and stackRules are every rule of the pack, in the order they are reported.
func resourceRules() []resourceRule {
	var rules []resourceRule
	for _, area := range [][]resourceRule{edgeRules, apimRules, clusterRules, kubernetesRules, dataRules, frontDoorRules, secretRules} {
		rules = append(rules, area...)
	}
	return rules
}

func stackRules() []stackRule {
	return []stackRule{internetInboundRule, privateEndpointRule, diagnosticsRule, apiCredentialRule, apiPolicyOrderRule, frontDoorOriginRule}
}

// Policies returns the pack's policies as policyx values: the same objects serve the Pulumi engine and
// the offline review.
func Policies() []policyx.Policy {
	var policies []policyx.Policy
	for _, rule := range resourceRules() {
		policies = append(policies, rule.policy())
	}
	for _, rule := range stackRules() {
		policies = append(policies, rule.policy())
	}
	return policies
}

// New builds the policy pack; policyx.Main calls it once the engine has configured the stack.
func New(*pulumi.Context) (policyx.PolicyPack, error) {
	pack, err := policyx.NewPolicyPack(Name, Version, Mandatory, Policies())
	if err != nil {
		return nil, fmt.Errorf("creating policy pack %s: %w", Name, err)
	}
	return pack, nil
}

// policy wraps a resource rule as a policyx resource validation policy.
func (rule resourceRule) policy() policyx.Policy {
	return policyx.NewResourceValidationPolicy(rule.name, policyx.ResourceValidationPolicyArgs{
		Description:      rule.description,
		EnforcementLevel: rule.level,
		ConfigSchema:     rule.schema,
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			resource := fromAnalyzer(args.Resource)
			if len(rule.types) > 0 && !resource.Is(rule.types...) {
				return nil
			}
			for _, message := range rule.check(resource, args.Config) {
				args.Manager.ReportViolation(withRemedy(message, rule.remediation), "")
			}
			return nil
		},
	})
}

// policy wraps a stack rule as a policyx stack validation policy that takes configuration (see
// configuredStackPolicy).
func (rule stackRule) policy() policyx.Policy {
	configured := &configuredStackPolicy{}
	validation := policyx.NewStackValidationPolicy(rule.name, policyx.StackValidationPolicyArgs{
		Description:      rule.description,
		EnforcementLevel: rule.level,
		ConfigSchema:     rule.schema,
		ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
			resources := make([]Resource, 0, len(args.Resources))
			for _, analyzed := range args.Resources {
				resources = append(resources, fromAnalyzer(analyzed))
			}
			for _, problem := range rule.check(resources, configured.current()) {
				args.Manager.ReportViolation(withRemedy(problem.message, rule.remediation), problem.urn)
			}
			return nil
		},
	})
	if rule.schema == nil {
		return validation // takes no configuration, so needs no remediation calls
	}
	configured.StackValidationPolicy = validation
	return configured
}

// configuredStackPolicy is a stack policy that receives its configuration. policyx hands stack
// policies none (StackValidationArgs has no Config), but it hands a remediation policy its
// configuration on every Remediate call, and the engine asks every analyzer for remediations of each
// resource before it analyzes that resource, and analyzes the stack last. So the policy is also a
// remediation policy that never remediates: Remediate only remembers the configuration, and the stack
// check reads the latest. The engine validates `--policy-pack-config` against the schema as for any
// policy. A stack with no resource is checked with the defaults; Evaluate calls Remediate itself.
type configuredStackPolicy struct {
	policyx.StackValidationPolicy
	mu     sync.Mutex
	config map[string]any
}

// Remediate records the policy's configuration and leaves the resource as it is.
func (p *configuredStackPolicy) Remediate(_ context.Context, args policyx.ResourceRemediationArgs) (*property.Map, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.config = args.Config
	return nil, nil
}

// current returns the configuration last recorded (nil: the defaults).
func (p *configuredStackPolicy) current() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.config
}

// withRemedy appends the remediation hint to a violation message.
func withRemedy(message, remediation string) string {
	return message + " Fix: " + remediation
}

// fromAnalyzer converts the engine's view of a resource.
func fromAnalyzer(analyzed policyx.AnalyzerResource) Resource {
	resource := Resource{
		Type: analyzed.Type, Name: analyzed.Name, URN: analyzed.URN,
		Properties: analyzed.Properties, PropertyDependencies: analyzed.PropertyDependencies,
	}
	if id := analyzed.Properties.Get("id"); id.IsString() {
		resource.ID = id.AsString()
	}
	return resource
}
