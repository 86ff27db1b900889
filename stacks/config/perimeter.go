// Perimeter and alerting checks: firewall tier and egress allow list, jumpbox size, alert e-mail.

package config

import (
	"regexp"
)

// egressHostPattern is a host name with an optional leading `*.` wildcard, as Azure Firewall
// application rules accept it.
var egressHostPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// validatePerimeter checks the perimeter options that are switched on, and the alert recipient.
func validatePerimeter(c *Config, problems *problemList) {
	p := c.Perimeter
	if p.FirewallEnabled {
		if !oneOf(p.FirewallSKU, FirewallSKUs) {
			problems.add("perimeter.firewallSku", p.FirewallSKU, "must be one of %s (Basic lacks the DNS proxy the egress design relies on)", alternatives(FirewallSKUs, ", "))
		}
		for _, host := range p.EgressAllowList {
			if !egressHostPattern.MatchString(host) {
				problems.add("perimeter.egressAllowList", host, "is not a host name or *.wildcard host name such as ghcr.io or *.blob.core.windows.net (lower-case, no scheme, port or path)")
			}
		}
	}
	if p.JumpboxEnabled && !vmSizePattern.MatchString(p.JumpboxVMSize) {
		problems.add("perimeter.jumpboxVmSize", p.JumpboxVMSize, "is not an Azure VM size such as Standard_B2als_v2")
	}
	if c.Monitoring.AlertEmail != "" {
		if err := checkEmail(c.Monitoring.AlertEmail); err != nil {
			problems.add("monitoring.alertEmail", c.Monitoring.AlertEmail, "%v (empty means apiManagement.publisherEmail)", err)
		}
	}
}
