// Unit tests of the rule table: what every group ends with, and who may reach each subnet.
package netrules

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// plan is an address plan with every subnet.
var plan = Plan{
	Subnets: map[naming.SubnetRole]string{
		naming.SubnetApplicationGateway: "10.42.0.0/24",
		naming.SubnetAPIManagement:      "10.42.1.0/27",
		naming.SubnetKubernetesNodes:    "10.42.2.0/23",
		naming.SubnetPrivateEndpoints:   "10.42.4.0/27",
		naming.SubnetBastion:            "10.42.5.0/26",
		naming.SubnetFirewall:           "10.42.6.0/26",
		naming.SubnetJumpbox:            "10.42.7.0/28",
	},
	ClusterPodCIDR: "192.168.0.0/16",
}

// inboundAllows lists, per rule name, the sources a subnet's group allows in.
func inboundAllows(rules []Rule) map[string]string {
	allows := map[string]string{}
	for _, rule := range rules {
		if rule.Direction == Inbound && rule.Access == Allow {
			allows[rule.Name] = rule.Source
		}
	}
	return allows
}

// TestEveryGroupEndsWithTheInternetDeny checks each subnet's rules: unique names and priorities per
// direction within Azure's range, and the explicit deny of Internet traffic last.
func TestEveryGroupEndsWithTheInternetDeny(t *testing.T) {
	for role := range plan.Subnets {
		t.Run(string(role), func(t *testing.T) {
			rules := For(role, plan)
			require.NotEmpty(t, rules)
			last := rules[len(rules)-1]
			assert.Equal(t, Rule{Name: "deny-internet-inbound", Priority: 4096, Direction: Inbound, Access: Deny, Protocol: AnyProtocol,
				Source: "Internet", Destination: "*", DestinationPorts: []string{"*"}, Description: "Nothing else is reachable from the Internet"}, last)
			names, priorities := map[string]bool{}, map[Direction]map[int]bool{Inbound: {}, Outbound: {}}
			for _, rule := range rules {
				assert.False(t, names[rule.Name], "rule name %s used twice", rule.Name)
				names[rule.Name] = true
				assert.False(t, priorities[rule.Direction][rule.Priority], "priority %d used twice (%s)", rule.Priority, rule.Direction)
				priorities[rule.Direction][rule.Priority] = true
				assert.GreaterOrEqual(t, rule.Priority, 100)
				assert.LessOrEqual(t, rule.Priority, 4096)
				assert.NotEmpty(t, rule.Description, "%s says why it exists", rule.Name)
				assert.NotEmpty(t, rule.DestinationPorts, "%s names its ports", rule.Name)
			}
		})
	}
}

// TestWhoReachesEachSubnet pins the sources each subnet admits: the Internet reaches only the
// gateway's listeners and Bastion, API Management only from the gateway (and its own platform tags),
// the jumpbox only from Bastion.
func TestWhoReachesEachSubnet(t *testing.T) {
	cases := []struct {
		name     string
		role     naming.SubnetRole
		admitted []string // sources allowed in, among others the service requires
		refused  []string // sources that must not be allowed in
	}{
		{"the gateway takes clients on its listeners", naming.SubnetApplicationGateway, []string{"Internet", "GatewayManager"}, []string{plan.Subnets[naming.SubnetJumpbox]}},
		{"API Management takes the gateway", naming.SubnetAPIManagement, []string{plan.Subnets[naming.SubnetApplicationGateway]}, []string{"Internet"}},
		{"the jumpbox takes Bastion only", naming.SubnetJumpbox, []string{plan.Subnets[naming.SubnetBastion]}, []string{"Internet", plan.Subnets[naming.SubnetApplicationGateway]}},
		{"private endpoints add nothing", naming.SubnetPrivateEndpoints, nil, []string{"Internet"}},
		{"the nodes take no Internet traffic", naming.SubnetKubernetesNodes, []string{plan.Subnets[naming.SubnetAPIManagement]}, []string{"Internet"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sources := map[string]bool{}
			for _, source := range inboundAllows(For(tc.role, plan)) {
				sources[source] = true
			}
			for _, source := range tc.admitted {
				assert.True(t, sources[source], "%s admits %s", tc.role, source)
			}
			for _, source := range tc.refused {
				assert.False(t, sources[source], "%s must not admit %s", tc.role, source)
			}
		})
	}
}

// TestInternetReachesOnlyTheListeners checks the only Internet allows of the whole table: the
// gateway's 443 and 80 (80 only redirects) and Bastion's 443 (Microsoft Entra sign-in first).
func TestInternetReachesOnlyTheListeners(t *testing.T) {
	var internet []string
	for role := range plan.Subnets {
		for _, rule := range For(role, plan) {
			if rule.Direction == Inbound && rule.Access == Allow && rule.Source == "Internet" {
				internet = append(internet, string(role)+" "+rule.DestinationPorts[0])
			}
		}
	}
	assert.ElementsMatch(t, []string{"application-gateway 443", "application-gateway 80", "bastion 443"}, internet)
}
