// Offline evaluation: the pack's policyx policies run over recorded resources exactly as the engine
// runs them, with the same configuration format as `pulumi preview --policy-pack-config`.

package pack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

// Violation is one policy violation.
type Violation struct {
	// Policy is the violated policy's name.
	Policy string
	// Level is its enforcement level (after configuration).
	Level policyx.EnforcementLevel
	// URN is the resource the violation is about.
	URN string
	// Message says what is wrong and how to fix it.
	Message string
}

// Config is the policy configuration: per policy, its enforcement level and properties.
type Config map[string]policyx.PolicyConfig

// collector is the PolicyManager the offline evaluation hands to policies.
type collector struct {
	report func(message, urn string)
}

// ReportViolation records a violation.
func (c collector) ReportViolation(message, urn string) { c.report(message, urn) }

// Evaluate runs every enabled policy: resource policies over each resource, stack policies over all.
func Evaluate(ctx context.Context, resources []Resource, config Config) ([]Violation, error) {
	// The engine's view of each resource, built once and shared: policies only read it.
	analyzed := make([]policyx.AnalyzerResource, 0, len(resources))
	for _, resource := range resources {
		analyzed = append(analyzed, toAnalyzer(resource))
	}
	var violations []Violation
	for _, policy := range Policies() {
		level := policy.EnforcementLevel()
		settings, configured := config[policy.Name()]
		if configured {
			level = settings.EnforcementLevel
		}
		if level == policyx.EnforcementLevelDisabled {
			continue
		}
		switch typed := policy.(type) {
		case policyx.ResourceValidationPolicy:
			for i, resource := range resources {
				report := collector{func(message, urn string) {
					if urn == "" {
						urn = resource.URN
					}
					violations = append(violations, Violation{policy.Name(), level, urn, message})
				}}
				err := typed.Validate(ctx, policyx.ResourceValidationArgs{Manager: report, Resource: analyzed[i], Config: settings.Properties})
				if err != nil {
					return nil, fmt.Errorf("policy %s on %s: %w", policy.Name(), resource.URN, err)
				}
			}
		case policyx.StackValidationPolicy:
			// As the engine does before analyzing the stack: a configured stack policy learns its
			// configuration from a (no-op) remediation call.
			if configurable, ok := policy.(policyx.ResourceRemediationPolicy); ok {
				if _, err := configurable.Remediate(ctx, policyx.ResourceRemediationArgs{Config: settings.Properties}); err != nil {
					return nil, fmt.Errorf("policy %s: %w", policy.Name(), err)
				}
			}
			report := collector{func(message, urn string) {
				violations = append(violations, Violation{policy.Name(), level, urn, message})
			}}
			if err := typed.Validate(ctx, policyx.StackValidationArgs{Manager: report, Resources: analyzed}); err != nil {
				return nil, fmt.Errorf("policy %s: %w", policy.Name(), err)
			}
		}
	}
	return violations, nil
}

// toAnalyzer converts a resource to the engine's view, with its ID as the "id" property.
func toAnalyzer(resource Resource) policyx.AnalyzerResource {
	properties := resource.Properties
	if resource.ID != "" {
		properties = properties.Set("id", propertyString(resource.ID))
	}
	return policyx.AnalyzerResource{
		Type: resource.Type, Name: resource.Name, URN: resource.URN, Properties: properties,
		PropertyDependencies: resource.PropertyDependencies,
	}
}

// levels are the enforcement level names of the configuration format.
var levels = map[string]policyx.EnforcementLevel{
	"advisory": policyx.EnforcementLevelAdvisory, "mandatory": policyx.EnforcementLevelMandatory, "disabled": policyx.EnforcementLevelDisabled,
}

// ParseConfig reads a policy configuration in the format of `pulumi preview --policy-pack-config`:
// {"all": "advisory", "<policy>": "mandatory" | {"enforcementLevel": "...", "<property>": ...}}. Every
// problem (unknown policy, unknown level, property not in the policy's schema or of the wrong type) is
// reported at once.
func ParseConfig(data []byte) (Config, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("policy configuration is not a JSON object: %w", err)
	}
	policies := map[string]policyx.Policy{}
	for _, policy := range Policies() {
		policies[policy.Name()] = policy
	}
	config := Config{}
	var problems []string
	if all, ok := raw["all"]; ok {
		level, err := parseLevel(all)
		if err != nil {
			problems = append(problems, "all: "+err.Error())
		}
		for name := range policies {
			config[name] = policyx.PolicyConfig{EnforcementLevel: level}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if name == "all" {
			continue
		}
		policy, known := policies[name]
		if !known {
			problems = append(problems, fmt.Sprintf("%s: no such policy (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(policies)), ", ")))
			continue
		}
		settings := policyx.PolicyConfig{EnforcementLevel: policy.EnforcementLevel(), Properties: map[string]any{}}
		if current, ok := config[name]; ok {
			settings.EnforcementLevel = current.EnforcementLevel
		}
		switch value := raw[name].(type) {
		case string:
			level, err := parseLevel(value)
			if err != nil {
				problems = append(problems, name+": "+err.Error())
			}
			settings.EnforcementLevel = level
		case map[string]any:
			for _, key := range slices.Sorted(maps.Keys(value)) {
				if key == "enforcementLevel" {
					level, err := parseLevel(value[key])
					if err != nil {
						problems = append(problems, name+".enforcementLevel: "+err.Error())
					}
					settings.EnforcementLevel = level
					continue
				}
				if err := checkProperty(policy.ConfigSchema(), key, value[key]); err != nil {
					problems = append(problems, fmt.Sprintf("%s.%s: %v", name, key, err))
					continue
				}
				settings.Properties[key] = value[key]
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: must be an enforcement level or an object", name))
		}
		config[name] = settings
	}
	if len(problems) > 0 {
		return nil, errors.New("invalid policy configuration:\n  - " + strings.Join(problems, "\n  - "))
	}
	return config, nil
}

// parseLevel reads an enforcement level name.
func parseLevel(value any) (policyx.EnforcementLevel, error) {
	name, _ := value.(string)
	level, ok := levels[name]
	if !ok {
		return 0, fmt.Errorf("enforcement level %v is not advisory, mandatory or disabled", value)
	}
	return level, nil
}

// checkProperty checks a configuration property against a policy's schema: known, and of the type the
// schema declares (string, boolean, number, array of strings).
func checkProperty(schema *policyx.ConfigSchema, key string, value any) error {
	if schema == nil {
		return errors.New("the policy takes no configuration")
	}
	definition, ok := schema.Properties[key]
	if !ok {
		return fmt.Errorf("not a property of the policy (known: %s)", strings.Join(slices.Sorted(maps.Keys(schema.Properties)), ", "))
	}
	switch definition["type"] {
	case "string":
		if _, ok := value.(string); !ok {
			return errors.New("must be a string")
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			return errors.New("must be true or false")
		}
	case "number", "integer":
		if _, ok := value.(float64); !ok {
			return errors.New("must be a number")
		}
	case "array":
		items, ok := value.([]any)
		if !ok {
			return errors.New("must be an array of strings")
		}
		for _, item := range items {
			if _, ok := item.(string); !ok {
				return errors.New("must be an array of strings")
			}
		}
	}
	return nil
}
