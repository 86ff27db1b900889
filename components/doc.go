// Package components holds the platform's Pulumi component resources, one file per concern.
//
// Every component follows the same shape: a documented XArgs struct, a struct embedding
// pulumi.ResourceState with exported outputs, and NewX(ctx, name, args, opts...) that registers the
// component first, parents every child to it, builds its children's physical names with package
// naming (globally unique names arrive in the args, built by stacks with naming.Global), and ends with
// RegisterResourceOutputs. Helpers that create one child each take the component's scope (scope.go). Outputs are declared once, on the struct: an exported field with a
// `pulumi:"name"` tag is an output, and every component registers ctx.RegisterResourceOutputs(component,
// outputs.Of(component)), which reads those fields (see package outputs), so there is no second list to
// keep in step. Fields that only Go callers use (dependencies such as Ready []pulumi.Resource, secrets
// such as a connection string) carry no tag. Components never read stack configuration: package
// stacks reads it once and passes plain values in. Providers arrive through resource options.
package components

// Project is the first segment of every component type token (`<project>:<area>:<Type>`).
const Project = "apiplatform"
