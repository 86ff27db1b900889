// Package harness runs the real stack program under Pulumi mocks and records every resource it registers.
//
// It is the one offline stand-in for `pulumi up`: stack config is loaded from Pulumi.yaml and
// Pulumi.<stack>.yaml the way the CLI does it, the program runs unchanged, and the mocks answer like
// Azure would where the program consumes the answer (ARM IDs, identity principal IDs, APIM private IPs,
// random strings, and real keys and certificates for pulumi-tls resources). Tests and review tools then
// query the recording: type token, name, inputs, outputs, parent, provider, dependencies, protect flag
// and custom timeouts of every resource.
package harness

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// Resource is one registered resource as the engine would have seen it.
type Resource struct {
	// URN is the resource's URN.
	URN string
	// Type is the type token as registered, with an API version segment where the program chose one.
	Type string
	// Name is the logical name.
	Name string
	// Custom is false for component resources.
	Custom bool
	// ID is the physical ID the mocks assigned (empty for components).
	ID string
	// Inputs are the registered inputs; secret values stay wrapped as secrets.
	Inputs resource.PropertyMap
	// Outputs are the outputs the mocks returned.
	Outputs resource.PropertyMap
	// Parent is the parent's URN ("" for the stack itself).
	Parent string
	// Provider is the provider reference (`<provider URN>::<provider ID>`), "" for the default provider.
	Provider string
	// Providers are the per-package provider references given to a component.
	Providers map[string]string
	// Dependencies are the URNs of every resource this one waits for.
	Dependencies []string
	// PropertyDependencies are the URNs each input property waits for.
	PropertyDependencies map[string][]string
	// Protect is the protect flag.
	Protect bool
	// RetainOnDelete is the retainOnDelete flag.
	RetainOnDelete bool
	// IgnoreChanges are the ignored input properties.
	IgnoreChanges []string
	// CustomTimeouts are the create/update/delete timeouts ("" when unset).
	CustomTimeouts Timeouts
	// AdditionalSecretOutputs are the outputs the program asked to be treated as secrets.
	AdditionalSecretOutputs []string
}

// Timeouts are a resource's custom operation timeouts, as Go duration strings.
type Timeouts struct {
	// Create bounds resource creation.
	Create string
	// Update bounds in-place updates.
	Update string
	// Delete bounds deletion.
	Delete string
}

// Invoke is one provider function call the program made.
type Invoke struct {
	// Token is the function's token.
	Token string
	// Args are its arguments.
	Args resource.PropertyMap
}

// Recording is everything one run registered, in registration order.
type Recording struct {
	// Project is the Pulumi project name the run used.
	Project string
	// Stack is the stack name the run used.
	Stack string
	// Config is the raw config the program received.
	Config map[string]string
	// Resources are the registered resources in registration order.
	Resources []*Resource
	// Invokes are the function calls in call order.
	Invokes []Invoke
	// Outputs are the stack outputs, resolved (recorded by RunConfig).
	Outputs map[string]StackOutput
	// Warnings are the warnings the program logged, in order (recorded by RunConfig): what the user
	// should act on, which `pulumi up` would show.
	Warnings []string
}

// StackOutput is one resolved stack output.
type StackOutput struct {
	// Value is the plain value (strings, numbers, bools, []any, map[string]any).
	Value any
	// Secret reports whether the engine would store and show it as a secret.
	Secret bool
}

// Run executes program under mocks and returns what it registered. config is the raw config of the
// run: the SDK's config (pulumi/config) answers from it, and it is recorded as Recording.Config (the
// platform program takes it through stacks.Options, see RunConfig). Nothing process-wide is touched,
// so runs may go side by side. The
// program's error, if any, is returned together with the partial recording, so tests can also assert
// what was (not) registered before a failure.
func Run(program pulumi.RunFunc, project, stack string, config map[string]string) (*Recording, error) {
	return RunIn(program, project, stack, config, nil)
}

// RunIn is Run in a landing zone: its network and policies exist before the program runs (nil: none).
func RunIn(program pulumi.RunFunc, project, stack string, config map[string]string, landingZone *LandingZone) (*Recording, error) {
	recording := &Recording{Project: project, Stack: stack, Config: config}
	mocks := newMocks(recording, landingZone)
	withConfig := func(info *pulumi.RunInfo) { info.Config, info.ConfigSecretKeys = config, nil }
	err := pulumi.RunErr(program, pulumi.WithMocks(project, stack, mocks), withConfig)
	return recording, err
}

// OfType returns the resources whose type token matches token (see TypeMatches), in registration order.
func (r *Recording) OfType(token string) []*Resource {
	var found []*Resource
	for _, res := range r.Resources {
		if TypeMatches(res.Type, token) {
			found = append(found, res)
		}
	}
	return found
}

// Find returns the resource of the given type and logical name, or nil.
func (r *Recording) Find(token, name string) *Resource {
	for _, res := range r.OfType(token) {
		if res.Name == name {
			return res
		}
	}
	return nil
}

// ByURN returns the resource with the given URN, or nil.
func (r *Recording) ByURN(urn string) *Resource {
	for _, res := range r.Resources {
		if res.URN == urn {
			return res
		}
	}
	return nil
}

// Children returns the resources whose parent is the given resource.
func (r *Recording) Children(parent *Resource) []*Resource {
	var children []*Resource
	for _, res := range r.Resources {
		if res.Parent == parent.URN {
			children = append(children, res)
		}
	}
	return children
}

// Upstream returns every resource res waits for, directly or through others (by URN). Parents are not
// dependencies: a component's registration does not wait for anything.
func (r *Recording) Upstream(res *Resource) map[string]*Resource {
	found := map[string]*Resource{}
	var visit func(*Resource)
	visit = func(current *Resource) {
		for _, urn := range current.directDependencies() {
			if _, seen := found[urn]; seen {
				continue
			}
			if dependency := r.ByURN(urn); dependency != nil {
				found[urn] = dependency
				visit(dependency)
			}
		}
	}
	visit(res)
	return found
}

// WaitsFor reports whether res waits for other, directly or through others.
func (r *Recording) WaitsFor(res, other *Resource) bool {
	_, ok := r.Upstream(res)[other.URN]
	return ok
}

// directDependencies lists the URNs res waits for directly: explicit and property dependencies.
func (res *Resource) directDependencies() []string {
	urns := append([]string{}, res.Dependencies...)
	for _, property := range res.PropertyDependencies {
		urns = append(urns, property...)
	}
	return urns
}

// TypeKey is the token the resource is known by in the tables keyed by type (pack.TypeKey): its type
// without an API version, or for a generic resource the typed resource it stands for.
func (res *Resource) TypeKey() string {
	return pack.TypeKey(res.Type, res.InputString("resourceProviderNamespace"), res.InputString("parentResourcePath"), res.InputString("resourceType"))
}
