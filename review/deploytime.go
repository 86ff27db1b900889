// The deploy-time model: a first `make deploy` (its two runs of `pulumi up`) as a dependency graph of
// modeled creation times, its critical path, and the same model for the common alternative ordering
// of API Management.

package review

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// Step is one resource of the model.
type Step struct {
	// URN identifies the resource ("" for a modeled step that is not a resource).
	URN string
	// Type and Name describe it.
	Type, Name string
	// Duration is its modeled creation time.
	Duration time.Duration
	// Finish is when it is done, from the start of `pulumi up`, if everything runs as early as its
	// dependencies allow (Pulumi's default parallelism is unbounded).
	Finish time.Duration
	// after are the steps it waits for.
	after []*Step
}

// start is when a step can begin: once everything it waits for is done.
func (s *Step) start() time.Duration {
	start := time.Duration(0)
	for _, dependency := range s.after {
		start = max(start, dependency.Finish)
	}
	return start
}

// Model is the modeled first `make deploy`.
type Model struct {
	// Steps are every modeled step.
	Steps []*Step
	// CriticalPath is the chain of steps that bounds the wall-clock time, first to last.
	CriticalPath []*Step
	// Length is the critical path's length: the modeled duration of the deployment.
	Length time.Duration
	// UpdatedTwice lists resources that a second resource would update during the same deployment.
	UpdatedTwice []string
	// TwoRuns is true when the stack has an in-cluster layer, which make deploy deploys in a second
	// run of `pulumi up`.
	TwoRuns bool
}

// DurationFor returns the modeled creation time of a type token, and whether the table knows it: its
// own entry, or else the entry of its module.
func DurationFor(token string) (Duration, bool) {
	if duration, ok := durations[pack.BaseType(token)]; ok {
		return duration, true
	}
	for key, duration := range durations {
		if TypeUnder(token, key) {
			return duration, true
		}
	}
	return Duration{}, false
}

// TypeUnder reports whether a type token falls under a key of the durations table: a type (any API
// version), or, for a key ending in ":", any type of that module ("azure-native:apimanagement:").
func TypeUnder(token, key string) bool {
	if strings.HasSuffix(key, ":") {
		return strings.HasPrefix(pack.BaseType(token), key)
	}
	return pack.TypeIs(token, key)
}

// graph builds one step per custom resource of the recording, waiting for its dependencies (a
// dependency on a component is a dependency on everything inside it) and its provider.
func graph(recording *harness.Recording) ([]*Step, error) {
	byURN := map[string]*Step{}
	var steps []*Step
	var unknown []string
	for _, res := range recording.Resources {
		if !res.Custom {
			continue
		}
		duration, ok := DurationFor(res.TypeKey())
		if !ok && !slices.Contains(unknown, res.TypeKey()) {
			unknown = append(unknown, res.TypeKey())
		}
		step := &Step{URN: res.URN, Type: res.Type, Name: res.Name, Duration: duration.Create}
		byURN[res.URN] = step
		steps = append(steps, step)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("the deploy-time table has no figure for %s; add one with its source to review/durations.go", strings.Join(unknown, ", "))
	}
	linkDependencies(recording, byURN)
	return splitRuns(recording, steps), nil
}

// linkDependencies makes every step wait for its dependencies and its provider.
func linkDependencies(recording *harness.Recording, byURN map[string]*Step) {
	for _, res := range recording.Resources {
		step, ok := byURN[res.URN]
		if !ok {
			continue
		}
		dependencies := append([]string{}, res.Dependencies...)
		if provider := res.ProviderURN(); provider != "" {
			dependencies = append(dependencies, provider)
		}
		for _, urn := range dependencies {
			for _, waited := range customResourcesOf(recording, urn) {
				if dependency, ok := byURN[waited]; ok && dependency != step && !slices.Contains(step.after, dependency) {
					step.after = append(step.after, dependency)
				}
			}
		}
	}
}

// splitRuns models make deploy's two runs of `pulumi up`: the in-cluster layer starts only once the
// Azure layer's run is done and the second run has started (SecondRun), and the readiness Job waits
// for the Istio add-on, which deploys its objects after the cluster's creation returns (AddOnReady).
func splitRuns(recording *harness.Recording, steps []*Step) []*Step {
	layer := InClusterLayer(recording)
	if len(layer) == 0 {
		return steps
	}
	second := &Step{Type: "make deploy", Name: "second run: the Bastion tunnel, the program, the Azure layer's diff", Duration: SecondRun.Create}
	addOn := &Step{Type: "AKS Istio add-on", Name: "istiod, CRDs and gateways deployed after the cluster's creation", Duration: AddOnReady.Create}
	for _, step := range steps {
		switch {
		case !layer[step.URN]:
			second.after = append(second.after, step)
			if pack.TypeIs(step.Type, "azure-native:containerservice:ManagedCluster") {
				addOn.after = append(addOn.after, step)
			}
		default:
			step.after = append(step.after, second)
			if pack.TypeIs(step.Type, "kubernetes:batch/v1:Job") {
				step.after = append(step.after, addOn)
			}
		}
	}
	return append(steps, second, addOn)
}

// customResourcesOf returns urn itself for a custom resource, or every custom resource inside a component.
func customResourcesOf(recording *harness.Recording, urn string) []string {
	res := recording.ByURN(urn)
	if res == nil {
		return nil
	}
	if res.Custom {
		return []string{urn}
	}
	var inside []string
	for _, child := range recording.Children(res) {
		inside = append(inside, customResourcesOf(recording, child.URN)...)
	}
	return inside
}

// schedule computes every step's finish time and the critical path.
func schedule(steps []*Step) (*Model, error) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[*Step]int{}
	var visit func(*Step) error
	visit = func(step *Step) error {
		switch state[step] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("dependency cycle through %s %s", step.Type, step.Name)
		}
		state[step] = visiting
		for _, dependency := range step.after {
			if err := visit(dependency); err != nil {
				return err
			}
		}
		step.Finish = step.start() + step.Duration
		state[step] = done
		return nil
	}
	model := &Model{Steps: steps}
	var last *Step
	for _, step := range steps {
		if err := visit(step); err != nil {
			return nil, err
		}
		if last == nil || step.Finish > last.Finish {
			last = step
		}
	}
	for step := last; step != nil; {
		model.CriticalPath = append([]*Step{step}, model.CriticalPath...)
		var previous *Step
		for _, dependency := range step.after {
			if previous == nil || dependency.Finish > previous.Finish {
				previous = dependency
			}
		}
		step = previous
	}
	if last != nil {
		model.Length = last.Finish
	}
	return model, nil
}

// inlineChild is a resource type that is also a property of its parent: a resource of the type next to
// a parent that declares the property inline updates the parent a second time in the same deployment,
// and the parent's next update deletes it. Next to a parent that leaves the property out, azure-native
// keeps it (maintainSubResourceIfUnset, pulumi/pulumi-azure-native#2755).
type inlineChild struct {
	parentType, nameInput, property string
}

// inlineChildren maps each such child type to its parent: the parent type, the input both name the
// parent by, and the parent's inline property.
var inlineChildren = map[string]inlineChild{
	"azure-native:network:Subnet":       {"azure-native:network:VirtualNetwork", "virtualNetworkName", "subnets"},
	"azure-native:network:SecurityRule": {"azure-native:network:NetworkSecurityGroup", "networkSecurityGroupName", "securityRules"},
	"azure-native:network:Route":        {"azure-native:network:RouteTable", "routeTableName", "routes"},
}

// updatesInlineParent reports whether res is a child whose parent declares its children inline.
func updatesInlineParent(recording *harness.Recording, res *harness.Resource) bool {
	for childType, child := range inlineChildren {
		if !pack.TypeIs(res.Type, childType) {
			continue
		}
		for _, parent := range recording.OfType(child.parentType) {
			sameParent := parent.InputString(child.nameInput) == res.InputString(child.nameInput) &&
				parent.InputString("resourceGroupName") == res.InputString("resourceGroupName")
			if sameParent && parent.Input(child.property) != nil {
				return true
			}
		}
	}
	return false
}

// BuildModel models the first `make deploy` of a recording.
func BuildModel(recording *harness.Recording) (*Model, error) {
	steps, err := graph(recording)
	if err != nil {
		return nil, err
	}
	model, err := schedule(steps)
	if err != nil {
		return nil, err
	}
	model.TwoRuns = len(InClusterLayer(recording)) > 0
	seen := map[string]string{}
	for _, res := range recording.Resources {
		if !res.Custom || res.ID == "" || strings.HasPrefix(res.Type, "pulumi:providers:") {
			continue
		}
		// Only ARM IDs name one cloud object; pulumi-random's passwords all have the ID "none".
		if other, duplicate := seen[res.ID]; duplicate && strings.HasPrefix(res.Type, "azure-native:") {
			model.UpdatedTwice = append(model.UpdatedTwice, fmt.Sprintf("%s is declared by both %s and %s", res.ID, other, res.Name))
		}
		seen[res.ID] = res.Name
		if updatesInlineParent(recording, res) {
			model.UpdatedTwice = append(model.UpdatedTwice, fmt.Sprintf("%s %s updates a resource that declares its children inline", res.Type, res.Name))
		}
	}
	return model, nil
}

// AlternativeModel models the common alternative ordering: API Management created without its custom
// domain, then granted Key Vault access through its system identity, then updated to load the
// certificate from Key Vault, with everything that needs the service waiting for that update.
func AlternativeModel(recording *harness.Recording) (*Model, error) {
	steps, err := graph(recording)
	if err != nil {
		return nil, err
	}
	var service *Step
	var vaultSteps []*Step
	for _, step := range steps {
		switch {
		case pack.TypeIs(step.Type, "azure-native:apimanagement:ApiManagementService"):
			service = step
		case pack.TypeIs(step.Type, "azure-native:keyvault:Vault"), pack.TypeIs(step.Type, "azure-native:keyvault:Secret"):
			vaultSteps = append(vaultSteps, step)
		}
	}
	if service == nil {
		return nil, fmt.Errorf("the stack has no API Management service")
	}
	grant := &Step{Type: "azure-native:authorization:RoleAssignment", Name: "(alternative) API Management identity reads Key Vault",
		Duration: durations["azure-native:authorization:RoleAssignment"].Create, after: append([]*Step{service}, vaultSteps...)}
	update := &Step{Type: "azure-native:apimanagement:ApiManagementService", Name: "(alternative) API Management update: custom domain from Key Vault",
		Duration: APIManagementUpdate.Create, after: []*Step{grant}}
	for _, step := range steps {
		for i, dependency := range step.after {
			if dependency == service {
				step.after[i] = update
			}
		}
	}
	return schedule(append(steps, grant, update))
}
