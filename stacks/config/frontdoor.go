// Front Door checks: the settings of the optional Front Door edge and what it needs from the rest.

package config

// validateFrontDoor checks the Front Door settings when it is enabled: its WAF mode and origin name,
// the public certificate the gateway needs behind it, and the caller mutual TLS it cannot do there.
func validateFrontDoor(c *Config, problems *problemList) {
	frontDoor := c.FrontDoor
	if !frontDoor.Enabled {
		return
	}
	if !oneOf(frontDoor.WAFMode, WAFModes) {
		problems.add("frontDoor.wafMode", frontDoor.WAFMode, "must be %s", alternatives(WAFModes, " or "))
	}
	// Front Door sends the origin's host name as TLS name and checks the origin's certificate against
	// it (frontdoor/end-to-end-tls.md): the gateway's Azure DNS name is on no certificate a public CA
	// issues to you, so the origin needs a name of your own.
	origin := frontDoor.OriginHostName
	switch {
	case origin == "":
		problems.add("frontDoor.originHostName", origin, "is required when frontDoor.enabled is true: a name in your DNS zone (e.g. origin-%s) with a CNAME to the stack output applicationGatewayFqdn, which the listener certificate covers; Front Door calls and verifies the gateway by it", c.HostNames.Public)
	case checkHostName(origin) != nil:
		problems.add("frontDoor.originHostName", origin, "is not a valid lower-case DNS name: %v", checkHostName(origin))
	case origin == c.HostNames.Public || origin == c.HostNames.APIGateway || origin == c.HostNames.Backend:
		problems.add("frontDoor.originHostName", origin, "must differ from hostNames.public (Front Door's custom domain, whose CNAME points at Front Door), hostNames.apiGateway and hostNames.backend")
	}
	// Front Door connects to an origin over HTTPS only when the origin's certificate chains to a
	// publicly trusted CA: a private CA's listener certificate fails every request with 502
	// (https://learn.microsoft.com/azure/frontdoor/end-to-end-tls#supported-certificates).
	if c.ListenerGenerated() {
		problems.add("certificates.listenerKeyVaultSecretId", "",
			"is required when frontDoor.enabled is true: Front Door accepts only an origin certificate from a publicly trusted CA, for frontDoor.originHostName, and the generated listener certificate is signed by the private CA; store a public certificate for the origin host in Key Vault and set its secret ID")
	}
	// Front Door terminates the caller's TLS, so the caller's certificate never reaches Application
	// Gateway's SSL profile.
	if c.ApplicationGateway.MutualTLS == MutualTLSRequired {
		problems.add("applicationGateway.mutualTls", c.ApplicationGateway.MutualTLS,
			"cannot be required when frontDoor.enabled is true: Front Door terminates the caller's TLS and no caller certificate reaches Application Gateway; set it to off, or turn Front Door off")
	}
}
