// Package review is the offline review: it runs the real stack program under mocks, runs the policy
// pack over what it registered, and models how long the first `make deploy` takes, with no cloud access
// and no Pulumi CLI.
package review

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
	stackconfig "github.com/apiplatform/azure-api-platform/stacks/config"
)

// Options configure a review.
type Options struct {
	// ProjectDir holds Pulumi.yaml and the stack files.
	ProjectDir string
	// Stack is the stack file to review (Pulumi.<Stack>.yaml).
	Stack string
	// PolicyConfigFile optionally holds policy configuration in `--policy-pack-config` format.
	PolicyConfigFile string
	// Edits change the stack's configuration before the run (tests use them for broken variants).
	Edits []harness.Edit
	// LandingZone is what exists in Azure for a stack with network.mode existing; nil assumes one that
	// meets every check (harness.AssumedLandingZone), since the review cannot read Azure.
	LandingZone *harness.LandingZone
}

// Report is everything a review found.
type Report struct {
	// Stack is the reviewed stack.
	Stack string
	// Recording is what the program registered.
	Recording *harness.Recording
	// Evaluation is how long the program took to run under mocks.
	Evaluation time.Duration
	// Violations are the policy violations.
	Violations []pack.Violation
	// Model and Alternative are the deploy-time models of this design and of the common alternative.
	Model, Alternative *Model
	// Races are the Key Vault reads the model starts before their grant can have taken effect.
	Races []Race
	// NotEvaluated are the policies that need what the stack does not create.
	NotEvaluated []pack.Unevaluated
	// LandingZoneAssumed says the brought network was not read but assumed to meet every check.
	LandingZoneAssumed bool
}

// MandatoryViolations counts the violations that block a deployment.
func (r *Report) MandatoryViolations() int {
	count := 0
	for _, violation := range r.Violations {
		if violation.Level == pack.Mandatory {
			count++
		}
	}
	return count
}

// Run reviews a stack. Bad input (an unknown stack, invalid stack configuration, invalid policy
// configuration) is an error and nothing is reviewed.
func Run(ctx context.Context, options Options) (*Report, error) {
	stacks := harness.Stacks(options.ProjectDir)
	if !slices.Contains(stacks, options.Stack) {
		return nil, fmt.Errorf("unknown stack %q: no Pulumi.%s.yaml in %s (stacks: %s)", options.Stack, options.Stack, options.ProjectDir, strings.Join(stacks, ", "))
	}
	var config pack.Config
	if options.PolicyConfigFile != "" {
		data, err := os.ReadFile(options.PolicyConfigFile)
		if err != nil {
			return nil, fmt.Errorf("reading policy configuration: %w", err)
		}
		if config, err = pack.ParseConfig(data); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(options.PolicyConfigFile), err)
		}
	}
	started := time.Now()
	project, raw, err := harness.LoadStackConfig(options.ProjectDir, options.Stack, options.Edits...)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", options.Stack, err)
	}
	// Run every time, not shared with earlier runs in the process: Evaluation is the program's time.
	surroundings, assumed := reviewSurroundings(project, options, raw)
	recording, err := harness.RunConfigOnce(project, options.Stack, raw, surroundings)
	evaluation := time.Since(started)
	var problems *stackconfig.Problems
	switch {
	case errors.As(err, &problems):
		return nil, err // the problems' own header names the stack
	case err != nil:
		return nil, fmt.Errorf("stack %s: %w", options.Stack, err)
	}
	violations, err := pack.Evaluate(ctx, Resources(recording), config)
	if err != nil {
		return nil, err
	}
	model, err := BuildModel(recording)
	if err != nil {
		return nil, err
	}
	alternative, err := AlternativeModel(recording)
	if err != nil {
		return nil, err
	}
	resources := Resources(recording)
	return &Report{Stack: options.Stack, Recording: recording, Evaluation: evaluation, Violations: violations,
		Model: model, Alternative: alternative, Races: Races(recording, model), NotEvaluated: pack.NotEvaluated(resources), LandingZoneAssumed: assumed}, nil
}

// reviewSurroundings are make deploy's, in the given landing zone or, for a stack that brings its
// network and none was given, in one assumed to meet every check; assumed says which. A configuration
// that does not load is left for the run to report.
func reviewSurroundings(project string, options Options, raw map[string]string) (harness.Surroundings, bool) {
	surroundings := harness.DeploySurroundings()
	surroundings.LandingZone = options.LandingZone
	if options.LandingZone != nil {
		return surroundings, false
	}
	cfg, err := stackconfig.LoadFor(project, options.Stack, raw, surroundings.Runner)
	if err != nil || cfg.Network.Mode != stackconfig.NetworkExisting {
		return surroundings, false
	}
	surroundings.LandingZone = harness.AssumedLandingZone(cfg)
	return surroundings, true
}

// Resources converts a recording to the policy pack's view: every custom resource (not providers) with
// its inputs, physical ID and property dependencies.
func Resources(recording *harness.Recording) []pack.Resource {
	var resources []pack.Resource
	for _, res := range recording.Resources {
		if !res.Custom || strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		resources = append(resources, pack.Resource{
			Type: res.Type, Name: res.Name, URN: res.URN, ID: res.ID,
			Properties:           resource.FromResourcePropertyMap(res.Inputs),
			PropertyDependencies: res.PropertyDependencies,
		})
	}
	return resources
}
