// HubEgress component: the default route of the egress subnets to a hub network's firewall, and the
// allow list that firewall must hold for the platform.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// HubEgressType is the HubEgress component's type token.
const HubEgressType = Project + ":perimeter:HubEgress"

// HubEgressArgs configures the HubEgress component.
type HubEgressArgs struct {
	// ResourceGroupName holds the route table (the stack's group, or a landing zone's).
	ResourceGroupName pulumi.StringInput
	// RouteTableName is the egress subnets' route table (Network's), which gets the default route.
	RouteTableName pulumi.StringInput
	// RouteBrought says the route table already sends 0.0.0.0/0 to NextHopIP (a landing zone's
	// table): the component adds no route.
	RouteBrought bool
	// NextHopIP is the hub firewall's private address.
	NextHopIP string
	// Sources maps each routed subnet to its CIDR block, for the allow list.
	Sources map[EgressSource]string
	// Plan is what the allow list depends on.
	Plan EgressPlan
	// PeeringReady are the peering's resources, when the stack creates them: the hub is reached only
	// once both sides exist, so whatever needs egress at creation waits for them too.
	PeeringReady []pulumi.Resource
}

// HubEgress is the default route to the hub and the allow list the hub firewall needs.
type HubEgress struct {
	pulumi.ResourceState

	// Ready is the default route and the peering the stack creates: whatever must reach the Internet at
	// creation (the cluster, whose nodes bootstrap through the hub, and the jumpbox) waits for them. The
	// hub firewall's rules are the hub owner's: nothing can wait for them.
	Ready []pulumi.Resource
	// AllowList is what the hub firewall must allow, one entry per rule (from, rule, fqdnTags, hosts,
	// ports): the same rules the stack's own firewall would hold (EgressRules).
	AllowList pulumi.ArrayOutput `pulumi:"allowList"`
}

// NewHubEgress adds the default route to the hub's firewall.
func NewHubEgress(ctx *pulumi.Context, name string, args *HubEgressArgs, opts ...pulumi.ResourceOption) (*HubEgress, error) {
	if args == nil {
		return nil, errors.New("creating hub egress: args are required")
	}
	component := &HubEgress{}
	if err := ctx.RegisterComponentResource(HubEgressType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering hub egress %s: %w", name, err)
	}
	component.Ready = args.PeeringReady
	if !args.RouteBrought {
		route, err := newDefaultRoute(scope{ctx: ctx, name: name, parent: pulumi.Parent(component)}, "default-to-hub",
			args.ResourceGroupName, args.RouteTableName, pulumi.String(args.NextHopIP))
		if err != nil {
			return nil, err
		}
		component.Ready = append([]pulumi.Resource{route}, args.PeeringReady...)
	}
	allowList := pulumi.Array{}
	for _, rule := range EgressRules(args.Plan) {
		ports := []int{443}
		if rule.HTTP {
			ports = []int{80, 443}
		}
		allowList = append(allowList, pulumi.Map{
			"from": pulumi.String(args.Sources[rule.Source]), "rule": pulumi.String(rule.Name),
			"fqdnTags": pulumi.ToStringArray(rule.FQDNTags), "hosts": pulumi.ToStringArray(rule.Hosts), "ports": pulumi.ToIntArray(ports),
		})
	}
	component.AllowList = allowList.ToArrayOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering hub egress %s outputs: %w", name, err)
	}
	return component, nil
}
