// The rule table as Markdown, for the README's list of the rules a landing zone's groups must hold.

package netrules

import (
	"fmt"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// PlaceholderPlan is a plan whose blocks are the subnets' names in angle brackets, for documentation
// that holds whatever address plan a landing zone has.
func PlaceholderPlan(sources EdgeSources) Plan {
	subnets := map[naming.SubnetRole]string{}
	for _, role := range naming.SubnetRoles() {
		subnets[role] = "<" + string(role) + " subnet>"
	}
	return Plan{Subnets: subnets, ClusterPodCIDR: "<kubernetes.podCidr>", EdgeSources: sources}
}

// Markdown is a table of the rules of the given subnets' groups, in their order, one row per rule.
func Markdown(roles []naming.SubnetRole, plan Plan) string {
	var b strings.Builder
	b.WriteString("| subnet | priority | rule | direction | access | protocol | source | destination | ports |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, role := range roles {
		for _, rule := range For(role, plan) {
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", role, rule.Priority, rule.Name, rule.Direction, rule.Access,
				rule.Protocol, rule.Source, rule.Destination, strings.Join(rule.DestinationPorts, ", "))
		}
	}
	return b.String()
}
