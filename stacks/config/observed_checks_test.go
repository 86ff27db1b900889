// Unit tests of the checks of a brought network's security rules and routes.

package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAllowedFirst checks the order in which a brought group's inbound rules meet a flow: the first
// rule by priority that matches its source and port decides, and Azure's defaults admit only the load
// balancer of what the platform asks.
func TestAllowedFirst(t *testing.T) {
	t.Parallel()
	allow := func(priority int, source string, ports ...string) ObservedSecurityRule {
		return ObservedSecurityRule{Name: "allow", Priority: priority, Direction: "Inbound", Access: "Allow", SourcePrefixes: []string{source}, DestinationPorts: ports}
	}
	deny := func(priority int, source string, ports ...string) ObservedSecurityRule {
		rule := allow(priority, source, ports...)
		rule.Access, rule.Name = "Deny", "deny"
		return rule
	}
	for _, tc := range []struct {
		name   string
		rules  []ObservedSecurityRule
		source string
		port   int
		want   bool
	}{
		{"allowed in a range", []ObservedSecurityRule{allow(100, "GatewayManager", "65200-65535")}, "GatewayManager", 65535, true},
		{"outside the range", []ObservedSecurityRule{allow(100, "GatewayManager", "65200-65534")}, "GatewayManager", 65535, false},
		{"deny of everything first", []ObservedSecurityRule{allow(200, "ApiManagement", "3443"), deny(100, "*", "*")}, "ApiManagement", 3443, false},
		{"allow before the deny", []ObservedSecurityRule{deny(4000, "*", "*"), allow(100, "ApiManagement", "3443")}, "ApiManagement", 3443, true},
		{"load balancer by Azure's default", nil, "AzureLoadBalancer", 6390, true},
		{"load balancer denied", []ObservedSecurityRule{deny(4000, "Any", "*")}, "AzureLoadBalancer", 6390, false},
		{"service tag only by a rule", nil, "ApiManagement", 3443, false},
		{"outbound rules do not count", []ObservedSecurityRule{{Priority: 100, Direction: "Outbound", Access: "Allow", SourcePrefixes: []string{"ApiManagement"}, DestinationPorts: []string{"*"}}}, "ApiManagement", 3443, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, allowedFirst(tc.rules, tc.source, tc.port))
		})
	}
}

// TestLandingZoneDefaultRoute checks that a default route the program added in an earlier run is not
// taken for the landing zone's.
func TestLandingZoneDefaultRoute(t *testing.T) {
	t.Parallel()
	ours := ObservedRoute{Name: "default-to-hub", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: "10.100.1.4"}
	theirs := ObservedRoute{Name: "to-hub", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: "10.100.1.4"}
	_, found := landingZoneDefaultRoute([]ObservedRoute{ours})
	assert.False(t, found)
	route, found := landingZoneDefaultRoute([]ObservedRoute{ours, theirs})
	assert.True(t, found)
	assert.Equal(t, "to-hub", route.Name)
}
