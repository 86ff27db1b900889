// Validation of everything but the address plan: names, host names, e-mail, SKUs, zones and counts.

package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

var (
	locationPattern   = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	segmentPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	namePrefixPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	dnsLabelPattern   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	vmSizePattern     = regexp.MustCompile(`^Standard_[A-Za-z0-9_]+$`)
	guidPattern       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

	publicIPAddressIDPattern = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/publicIPAddresses/[-\w._]+$`)
)

// availabilityZones are the zone names Azure uses in every zonal region.
var availabilityZones = []string{"1", "2", "3"}

// validate runs every check and records the problems.
func validate(c *Config, problems *problemList) {
	validateIdentity(c, problems)
	validateNames(c, problems)
	validateNetwork(c, problems)
	validateHostNames(c, problems)
	validateAPIManagement(c, problems)
	validateApplicationGateway(c, problems)
	validateKubernetes(c, problems)
	validateTags(c, problems)
	validateCertificates(c, problems)
	validateKubernetesCluster(c, problems)
	validateIngress(c, problems)
	validateWorkloadAndMonitoring(c, problems)
	validateSQL(c, problems)
	validateCosmosDB(c, problems)
	validateFrontDoor(c, problems)
	validatePrivateEndpoints(c, problems)
	validatePrivateDNSZones(c, problems)
	validatePrivateDNS(c, problems)
	validatePerimeter(c, problems)
	validateHubPeering(c, problems)
	validateClusterAccess(c, problems)
	if c.Location != "" {
		validateZoneRegion(c, problems)
	}
}

// validateIdentity checks the location and the name segments.
func validateIdentity(c *Config, problems *problemList) {
	switch {
	case c.Location == "":
		problems.add("location", c.Location, "is required: set the Azure region, e.g. `pulumi config set location westeurope`")
	case !locationPattern.MatchString(c.Location):
		problems.add("location", c.Location, "is not an Azure region name: use the lower-case name without spaces, e.g. %q",
			strings.ToLower(strings.ReplaceAll(c.Location, " ", "")))
	}
	if !namePrefixPattern.MatchString(c.NamePrefix) {
		problems.add("namePrefix", c.NamePrefix, "must be lower-case letters, digits and single hyphens, starting with a letter (it starts every resource name)")
	}
	if !segmentPattern.MatchString(c.Stack) {
		problems.list = append(problems.list, Problem{Key: "stack name", Value: c.Stack,
			Message: "must be lower-case letters, digits and single hyphens: it is part of every resource name; create a stack with such a name"})
	}
	if word, reserved := naming.ReservedWord(c.NamePrefix); reserved {
		problems.add("namePrefix", c.NamePrefix, "contains %s, which Azure reserves in the names of resources with a public endpoint (Key Vault, API Management, the registry): choose another prefix", word)
	} else if word, reserved := naming.ReservedWord(naming.Base(c.NamePrefix, c.Stack)); reserved {
		problems.list = append(problems.list, Problem{Key: "stack name", Value: c.Stack,
			Message: fmt.Sprintf("contains %s, which Azure reserves in the names of resources with a public endpoint: create a stack with another name", word)})
	}
}

// validateNames builds every resource name the platform will use and checks it against its service's
// rules, so a long prefix fails here rather than halfway through a deployment.
func validateNames(c *Config, problems *problemList) {
	base := naming.Base(c.NamePrefix, c.Stack)
	if _, reserved := naming.ReservedWord(base); reserved || !namePrefixPattern.MatchString(c.NamePrefix) || !segmentPattern.MatchString(c.Stack) {
		return // the character and word problems are already reported; lengths would only repeat them
	}
	for _, role := range naming.Roles() {
		if err := naming.Check(role, naming.Name(base, role)); err != nil {
			note := ""
			if rule, _ := naming.RuleFor(role); rule.GloballyUnique {
				note = fmt.Sprintf(" (the last %d characters stand for the random suffix)", naming.SuffixLength)
			}
			problems.add("namePrefix", c.NamePrefix, "with stack %q gives an invalid name: %v%s; shorten namePrefix", c.Stack, err, note)
		}
	}
	for role := range c.Subnets() {
		if !naming.SubnetSupportsSecurityGroup(role) {
			continue
		}
		if err := naming.Check(naming.RoleNetworkSecurityGroup, naming.SubnetSecurityGroup(base, role)); err != nil {
			problems.add("namePrefix", c.NamePrefix, "with stack %q gives an invalid name: %v; shorten namePrefix", c.Stack, err)
		}
	}
}

// validateHostNames checks that each host name is a valid lower-case DNS name and that they differ.
func validateHostNames(c *Config, problems *problemList) {
	hosts := []struct{ path, value string }{
		{"hostNames.public", c.HostNames.Public},
		{"hostNames.apiGateway", c.HostNames.APIGateway},
		{"hostNames.backend", c.HostNames.Backend},
	}
	seen := map[string]string{}
	for _, host := range hosts {
		if err := checkHostName(host.value); err != nil {
			problems.add(host.path, host.value, "%v", err)
			continue
		}
		if other, dup := seen[host.value]; dup {
			problems.add(host.path, host.value, "is the same as %s; each hop needs its own host name", other)
		}
		seen[host.value] = host.path
	}
}

// checkHostName validates a fully qualified DNS host name (RFC 1123), lower-case, no wildcard.
func checkHostName(host string) error {
	if host == "" {
		return fmt.Errorf("is required: a DNS name such as api.contoso.com")
	}
	if host != strings.ToLower(host) {
		return fmt.Errorf("must be lower-case (certificates and DNS records use it verbatim): did you mean %q?", strings.ToLower(host))
	}
	if len(host) > 253 {
		return fmt.Errorf("is %d characters; DNS names are at most 253", len(host))
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return fmt.Errorf("is not a fully qualified DNS name: use at least two labels, e.g. api.contoso.com")
	}
	for _, label := range labels {
		if len(label) == 0 || len(label) > 63 || !dnsLabelPattern.MatchString(label) {
			return fmt.Errorf("has the invalid label %q: labels are 1-63 lower-case letters, digits or hyphens, not starting or ending with a hyphen (no wildcards)", label)
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("ends in a numeric label: use a DNS name, not an IP address")
	}
	return nil
}

// validateAPIManagement checks the tier, units, zones and publisher.
func validateAPIManagement(c *Config, problems *problemList) {
	apim := c.APIManagement
	switch {
	case apim.SKU == APIManagementPremiumV2:
		problems.add("apiManagement.sku", apim.SKU,
			"is not supported yet: Premium v2 can be injected into a virtual network, but no API version this program can send documents the whole request "+
				"(README, Choosing a tier); use Premium (production) or Developer")
	case !oneOf(apim.SKU, APIManagementSKUs):
		problems.add("apiManagement.sku", apim.SKU,
			"cannot run in internal VNet mode: only Developer and Premium can here (Basic, Standard, Consumption, Basic v2 and Standard v2 cannot; Premium v2 is not supported yet)")
	}
	if apim.Capacity < 1 {
		problems.add("apiManagement.capacity", apim.Capacity, "must be at least 1 unit")
	}
	if apim.SKU == APIManagementDeveloper && apim.Capacity > 1 {
		problems.add("apiManagement.capacity", apim.Capacity, "must be 1: the Developer tier has exactly one unit")
	}
	if validateZones("apiManagement.zones", apim.Zones, problems) && len(apim.Zones) > 0 {
		switch {
		case apim.SKU == APIManagementDeveloper:
			problems.add("apiManagement.zones", apim.Zones, "must be empty: the Developer tier has no availability zones (use Premium for zones)")
		case apim.SKU == APIManagementPremium && apim.Capacity >= 1 && apim.Capacity%len(apim.Zones) != 0:
			problems.add("apiManagement.capacity", apim.Capacity,
				"must be a multiple of the %d zones in apiManagement.zones so every zone holds the same number of units (e.g. %d)",
				len(apim.Zones), len(apim.Zones)*((apim.Capacity+len(apim.Zones)-1)/len(apim.Zones)))
		}
	}
	if apim.PublisherName == "" || len(apim.PublisherName) > 100 {
		problems.add("apiManagement.publisherName", apim.PublisherName, "must be 1-100 characters")
	}
	if err := checkEmail(apim.PublisherEmail); err != nil {
		problems.add("apiManagement.publisherEmail", apim.PublisherEmail, "%v", err)
	}
	switch {
	case apim.EntraTenantID != "" && apim.EntraAudience == "":
		problems.add("apiManagement.entraAudience", apim.EntraAudience,
			"is required because apiManagement.entraTenantId is set: token validation needs both (or neither, to turn it off)")
	case apim.EntraTenantID == "" && apim.EntraAudience != "":
		problems.add("apiManagement.entraTenantId", apim.EntraTenantID,
			"is required because apiManagement.entraAudience is set: token validation needs both (or neither, to turn it off)")
	}
	validateEntraApplications(apim, problems)
	if apim.AnonymousAccessAllowed && (apim.EntraTenantID != "" || apim.EntraAudience != "") {
		problems.add("apiManagement.anonymousAccessAllowed", apim.AnonymousAccessAllowed,
			"contradicts apiManagement.entraTenantId/entraAudience: callers either present a token or nothing; remove one of them")
	}
	if apim.EntraTenantID != "" && !guidPattern.MatchString(apim.EntraTenantID) && checkHostName(apim.EntraTenantID) != nil {
		problems.add("apiManagement.entraTenantId", apim.EntraTenantID, "must be a tenant ID (GUID) or a verified domain such as contoso.onmicrosoft.com")
	}
	// The audience is written into the policy document, where "@(" starts a policy expression and
	// "{{" a named value: refuse both rather than let configuration execute as policy code.
	if strings.HasPrefix(apim.EntraAudience, "@") || strings.Contains(apim.EntraAudience, "{{") {
		problems.add("apiManagement.entraAudience", apim.EntraAudience,
			"must be a plain application ID URI or client ID: values starting with @ or containing {{ are policy expressions or named values")
	}
	if apim.PublicIPAddressID != "" && !publicIPAddressIDPattern.MatchString(apim.PublicIPAddressID) {
		problems.add("apiManagement.publicIpAddressId", apim.PublicIPAddressID,
			"must be the ARM ID of a public IP, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/publicIPAddresses/<name>, or empty (Azure then manages one)")
	}
	if apim.RateLimitCalls < 1 {
		problems.add("apiManagement.rateLimitCalls", apim.RateLimitCalls, "must be at least 1 call")
	}
	// The rate-limit policy's renewal period is 1-300 seconds
	// (https://learn.microsoft.com/azure/api-management/rate-limit-policy).
	if apim.RateLimitPeriodSeconds < 1 || apim.RateLimitPeriodSeconds > 300 {
		problems.add("apiManagement.rateLimitPeriodSeconds", apim.RateLimitPeriodSeconds, "must be 1-300 seconds")
	}
}

// checkEmail validates a bare e-mail address (no display name) of at most 100 characters, the APIM limit.
func checkEmail(address string) error {
	if address == "" {
		return fmt.Errorf("is required: an e-mail address such as platform-team@contoso.com")
	}
	parsed, err := mail.ParseAddress(address)
	if err != nil || parsed.Address != address || !strings.Contains(address[strings.LastIndex(address, "@")+1:], ".") {
		return fmt.Errorf("is not a valid e-mail address: use a bare address such as platform-team@contoso.com")
	}
	if len(address) > 100 {
		return fmt.Errorf("is %d characters; at most 100 are allowed", len(address))
	}
	return nil
}

// validateApplicationGateway checks the autoscale bounds and zones.
func validateApplicationGateway(c *Config, problems *problemList) {
	gateway := c.ApplicationGateway
	// Autoscale bounds of the v2 SKU (https://learn.microsoft.com/azure/application-gateway/application-gateway-autoscaling-zone-redundant).
	if gateway.MinCapacity < 0 || gateway.MinCapacity > 125 {
		problems.add("applicationGateway.minCapacity", gateway.MinCapacity, "must be 0-125 instances")
	}
	if gateway.MaxCapacity < 2 || gateway.MaxCapacity > 125 {
		problems.add("applicationGateway.maxCapacity", gateway.MaxCapacity, "must be 2-125 instances")
	}
	if gateway.MinCapacity > gateway.MaxCapacity {
		problems.add("applicationGateway.minCapacity", gateway.MinCapacity, "must not exceed applicationGateway.maxCapacity (%d)", gateway.MaxCapacity)
	}
	validateZones("applicationGateway.zones", gateway.Zones, problems)
	if !oneOf(gateway.WAFMode, WAFModes) {
		problems.add("applicationGateway.wafMode", gateway.WAFMode, "must be Prevention (blocks attacks) or Detection (only logs them)")
	}
	if gateway.RateLimitPerMinute < 0 {
		problems.add("applicationGateway.rateLimitPerMinute", gateway.RateLimitPerMinute, "must be 0 (no WAF rate limit) or a number of requests per client address and minute")
	}
	validateCallerMutualTLS(c, problems)
}

// validateCallerMutualTLS checks the edge's caller mutual TLS: a known mode, and a callers' CA that is
// a CA, brought in the prod profile (a generated one would be a CA nobody outside the stack holds).
func validateCallerMutualTLS(c *Config, problems *problemList) {
	gateway := c.ApplicationGateway
	const key = "applicationGateway.callerCaCertificatePem"
	switch {
	case !oneOf(gateway.MutualTLS, MutualTLSModes):
		problems.add("applicationGateway.mutualTls", gateway.MutualTLS, "must be %s", alternatives(MutualTLSModes, " or "))
	case gateway.MutualTLS == MutualTLSOff && gateway.CallerCACertificatePEM != "":
		problems.add(key, "(a PEM)", "is set but applicationGateway.mutualTls is off: set applicationGateway.mutualTls to required to use it, or remove it")
	case gateway.CallerCAGenerated() && c.Environment == Production:
		problems.add(key, "", "is required in the prod profile when applicationGateway.mutualTls is required: the PEM of the CA that issues your callers' client certificates (a generated CA suits dev only)")
	}
	if gateway.CallerCACertificatePEM != "" {
		if err := pki.CheckCACertificates(gateway.CallerCACertificatePEM); err != nil {
			problems.add(key, "(a PEM)", "%v", err)
		}
	}
}

// validateKubernetes checks the node pools and zones.
func validateKubernetes(c *Config, problems *problemList) {
	validateZones("kubernetes.zones", c.Kubernetes.Zones, problems)
	validatePool("kubernetes.systemPool", c.Kubernetes.SystemPool, 1, problems)
	validatePool("kubernetes.userPool", c.Kubernetes.UserPool, 0, problems)
}

// validatePool checks one node pool's VM size and autoscaler bounds.
func validatePool(path string, pool NodePool, minimum int, problems *problemList) {
	if !vmSizePattern.MatchString(pool.VMSize) {
		problems.add(path+".vmSize", pool.VMSize, "is not an Azure VM size such as Standard_D4ds_v5")
	}
	if pool.MinCount < minimum {
		problems.add(path+".minCount", pool.MinCount, "must be at least %d", minimum)
	}
	// AKS allows at most 1000 nodes per node pool (https://learn.microsoft.com/azure/aks/quotas-skus-regions).
	if pool.MaxCount < 1 || pool.MaxCount > 1000 {
		problems.add(path+".maxCount", pool.MaxCount, "must be 1-1000 nodes")
	}
	if pool.MinCount > pool.MaxCount {
		problems.add(path+".minCount", pool.MinCount, "must not exceed %s.maxCount (%d)", path, pool.MaxCount)
	}
}

// validateZones checks a zone list and reports whether it is well-formed.
func validateZones(path string, zones []string, problems *problemList) bool {
	seen := map[string]bool{}
	for _, zone := range zones {
		if !slices.Contains(availabilityZones, zone) || seen[zone] {
			problems.add(path, zones, "must list distinct zones from 1, 2 and 3 (or be empty for no zones)")
			return false
		}
		seen[zone] = true
	}
	return true
}

// validateTags checks tag values against Azure's limit of 256 characters.
func validateTags(c *Config, problems *problemList) {
	tags := []struct{ path, value string }{{"tags.owner", c.Tags.Owner}, {"tags.costCenter", c.Tags.CostCenter}}
	for _, tag := range tags {
		if len(tag.value) > 256 {
			problems.add(tag.path, tag.value, "is %d characters; Azure tag values are at most 256", len(tag.value))
		}
	}
}

// validateEntraApplications checks the applications of token validation: validate-azure-ad-token
// refuses a policy without client-application-ids (validate-azure-ad-token-policy.md, "At least one
// application-id must be specified"; MicrosoftDocs/azure-docs#121338), and v2 tokens carry the API's
// client ID as audience, which must be known.
func validateEntraApplications(apim APIManagement, problems *problemList) {
	clients := apim.EntraClientApplicationIDs
	switch {
	case apim.EntraTenantID != "" && len(clients) == 0:
		problems.add("apiManagement.entraClientApplicationIds", clients,
			"is required because apiManagement.entraTenantId is set: name the client applications (their application IDs, GUIDs) whose tokens the API accepts; validate-azure-ad-token refuses a policy without them")
	case apim.EntraTenantID == "" && len(clients) > 0:
		problems.add("apiManagement.entraClientApplicationIds", clients, "is set but token validation is off: set apiManagement.entraTenantId and apiManagement.entraAudience too")
	}
	for _, client := range clients {
		if !guidPattern.MatchString(client) {
			problems.add("apiManagement.entraClientApplicationIds", clients, "%q is not an application (client) ID, a GUID", client)
		}
	}
	if id := apim.EntraAPIClientID; id != "" && !guidPattern.MatchString(id) {
		problems.add("apiManagement.entraApiClientId", id, "must be the API registration's application (client) ID, a GUID")
	}
	if apim.TokenValidationEnabled() && apim.EntraAPIClientID == "" && entraClientIDOf(apim.EntraAudience) == "" &&
		!strings.HasPrefix(apim.EntraAudience, "@") && !strings.Contains(apim.EntraAudience, "{{") {
		problems.add("apiManagement.entraApiClientId", "", "is required because apiManagement.entraAudience %q is a custom application ID URI: v2 tokens carry the API's client ID as audience, not the URI; set the API registration's application (client) ID",
			apim.EntraAudience)
	}
}
