// The state every child of one component is created with, so a component's helpers take it as one value
// instead of a long parameter list.

package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// scope is what a component hands the helpers that create its children: the Pulumi context, the
// component's name (the base of its children's names), the option that parents each child to the
// component, and the tags every taggable Azure child carries. Each component wraps it with its own
// args in a small per-component type (gatewayScope, clusterScope, ...) whose methods create one child
// or one concern each.
type scope struct {
	// ctx registers the children.
	ctx *pulumi.Context
	// name is the component's name.
	name string
	// parent makes the component the child's parent.
	parent pulumi.ResourceOption
	// tags are the component's Azure tags; components without taggable Azure children (the Kubernetes
	// ones, which label instead, BackendAPI, Certificates) leave them nil.
	tags pulumi.StringMap
}
