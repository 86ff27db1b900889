// What the pack cannot judge from the stack's own resources: a landing zone's network, which the stack
// uses without creating it.

package pack

import (
	"slices"
	"strings"
)

// Unevaluated is a policy the pack did not evaluate, or evaluated only in part, and why.
type Unevaluated struct {
	// Policy is the policy's name.
	Policy string
	// Reason says what the pack could not see and who checks it instead.
	Reason string
}

// NotEvaluated lists the policies that need properties of resources the stack does not create: with a
// landing zone's network (subnets referenced, no virtual network of the stack's), the subnets' own
// security groups and their rules, and the network's diagnostics. Those policies then pass on what
// they see (the rules the stack adds) instead of failing on what they cannot.
func NotEvaluated(resources []Resource) []Unevaluated {
	if len(ofType(resources, virtualNetworkType)) > 0 || !referencesSubnets(resources) {
		return nil
	}
	unevaluated := []Unevaluated{
		{internetInboundRule.name, "the subnets' security groups are the landing zone's: only the rules the stack adds to them are evaluated; " +
			"the program refused any of the landing zone's own rules admitting the Internet to a private subnet when it read the network"},
		{diagnosticsRule.name, "the landing zone's network and security groups are not the stack's: their diagnostic settings are the landing zone's"},
	}
	if len(ofType(resources, frontDoorProfileType)) > 0 {
		unevaluated = append(unevaluated, Unevaluated{frontDoorOriginRule.name,
			"the gateway subnet's security group is the landing zone's: only the WAF rule and the rules the stack adds are evaluated"})
	}
	return unevaluated
}

// referencesSubnets reports whether a resource names a subnet by ARM ID.
func referencesSubnets(resources []Resource) bool {
	return slices.ContainsFunc(resources, func(resource Resource) bool {
		for _, id := range []string{resource.String("subnet.id"), resource.String("virtualNetworkConfiguration.subnetResourceId")} {
			if strings.Contains(strings.ToLower(id), "/subnets/") {
				return true
			}
		}
		return false
	})
}
