// Package naming is the one naming scheme of the platform: how every Azure resource name is built and which rules it must obey.
//
// Components build their children's names with it and stack validation checks the same names before
// anything is created, so a prefix that would make a Key Vault name too long fails at `pulumi preview`
// time with the config key in the message, not forty minutes into a deployment.
//
// Rules follow Microsoft Learn, "Naming rules and restrictions for Azure resources"
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
package naming

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Role is the part of a resource name that says what the resource is (the last segment of
// `<prefix>-<stack>-<role>`).
type Role string

// The roles of every resource the platform names once per stack, each with its service's rule (names
// composed below these are in children.go). Network security groups add the subnet role after
// RoleNetworkSecurityGroup (see SubnetSecurityGroup).
const (
	RoleResourceGroup        Role = "rg"
	RoleVirtualNetwork       Role = "vnet"
	RoleNetworkSecurityGroup Role = "nsg"
	RoleApplicationGateway   Role = "agw"
	RoleGatewayPublicIP      Role = "agw-pip"
	RoleWAFPolicy            Role = "waf"
	RoleGatewayIdentity      Role = "agw-id"
	RoleAPIManagement        Role = "apim"
	RoleKeyVault             Role = "kv"
	RoleContainerRegistry    Role = "acr"
	RoleKubernetesCluster    Role = "aks"
	RoleLogAnalytics         Role = "log"
	RoleApplicationInsights  Role = "appi"
	RoleSQLServer            Role = "sql"
	RoleFirewall             Role = "afw"
	RoleFirewallPolicy       Role = "afwp"
	RoleFirewallPublicIP     Role = "afw-pip"
	RoleBastion              Role = "bas"
	RoleBastionPublicIP      Role = "bas-pip"
	RoleJumpbox              Role = "jumpbox"
	RoleGatewayDNSLabel      Role = "agw-dns"
	RoleClusterIdentity      Role = "aks-id"
	RoleClusterNodes         Role = "aks-nodes-rg"
	RoleRouteTable           Role = "rt"
	RoleJumpboxNIC           Role = "jumpbox-nic"
	RoleSQLIdentity          Role = "sql-client-id"
	RoleActionGroup          Role = "alerts"
	RoleCosmosAccount        Role = "cosmos"
	RoleCosmosIdentity       Role = "cosmos-client-id"
	RoleFrontDoor            Role = "afd"
	RoleFrontDoorEndpoint    Role = "afd-ep"
	RoleFrontDoorWAFPolicy   Role = "afdwaf"
)

// SuffixLength is the length of the random suffix (lower-case letters and digits) appended to names
// that must be globally unique. Six characters give 36^6 ≈ 2.2 billion values.
const SuffixLength = 6

// Rule is one Azure service's naming restriction.
type Rule struct {
	// Service is the Azure resource type the rule belongs to, for messages.
	Service string
	// MinLength and MaxLength bound the name's length in characters.
	MinLength, MaxLength int
	// Pattern is the full-name regular expression the service accepts.
	Pattern *regexp.Regexp
	// Allowed describes Pattern in words, for error messages.
	Allowed string
	// GloballyUnique marks names that must be unique across Azure (or a region); they get the random suffix.
	GloballyUnique bool
	// AlphanumericOnly marks services that reject hyphens; their names are joined without separators.
	AlphanumericOnly bool
	// Values, when set, are the only names the service accepts (a SQL server's single auditing
	// policy is always "default"); length and Pattern are then not used.
	Values []string
}

var (
	networkPattern      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)
	resourceGroupRegex  = regexp.MustCompile(`^[-\w._()]*[-\w_()]$`)
	keyVaultPattern     = regexp.MustCompile(`^[A-Za-z](-?[A-Za-z0-9])*$`)
	apimPattern         = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$`)
	alphanumeric        = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	aksPattern          = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$`)
	hyphenatedAlnum     = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)
	identityPattern     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	sqlPattern          = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	dnsLabelPattern     = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	linuxVMPattern      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	frontDoorWAFPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

// excluding matches names of any characters but the given ones and control characters, not ending in a
// space or period: the form Microsoft.Insights and Microsoft.Sql give the names they allow freely.
// Every excluded character is written as a code point, so none of them can change the class.
func excluding(characters string) *regexp.Regexp {
	var class strings.Builder
	for _, character := range characters {
		fmt.Fprintf(&class, `\x{%x}`, character)
	}
	class.WriteString(`\x00-\x1f\x7f`)
	return regexp.MustCompile(`^[^` + class.String() + `]*[^` + class.String() + `. ]$`)
}

const networkAllowed = "letters, digits, underscores, periods and hyphens; start with a letter or digit; end with a letter, digit or underscore"

// networkRule is the rule Microsoft.Network gives most of its resources: letters, digits, underscores,
// periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore.
func networkRule(service string, minLength, maxLength int) Rule {
	return Rule{Service: service, MinLength: minLength, MaxLength: maxLength, Pattern: networkPattern, Allowed: networkAllowed}
}

// The rules of the services the platform names per stack; resourceTypeRules reuses them for the
// recorded resources, so validation and the recording's check cannot disagree.
var (
	// Resource groups take 90 characters and virtual networks 64, but with Azure CNI Overlay the
	// cluster's virtual network, its resource group and its subnet become node labels and must be 63 or
	// fewer (aks/concepts-network-azure-cni-overlay.md, Limitations).
	resourceGroupRule = Rule{Service: "resource group", MinLength: 1, MaxLength: 63, Pattern: resourceGroupRegex,
		Allowed: "letters, digits, underscores, periods, hyphens and parentheses; not ending in a period"}
	virtualNetworkRule       = networkRule("virtual network", 2, 63)
	networkSecurityGroupRule = networkRule("network security group", 1, 80)
	applicationGatewayRule   = networkRule("application gateway", 1, 80)
	publicIPAddressRule      = networkRule("public IP address", 1, 80)
	// The web application firewall policy's name is not in Microsoft's table; 128 is the REST API's
	// maximum for policyName (ApplicationGatewayWebApplicationFirewallPolicies).
	wafPolicyRule = networkRule("web application firewall policy", 1, 128)
	identityRule  = Rule{Service: "user-assigned managed identity", MinLength: 3, MaxLength: 128, Pattern: identityPattern,
		Allowed: "letters, digits, hyphens and underscores; start with a letter or digit"}
	apiManagementRule = Rule{Service: "API Management service", MinLength: 1, MaxLength: 50, Pattern: apimPattern,
		Allowed: "letters, digits and hyphens; start with a letter; end with a letter or digit", GloballyUnique: true}
	keyVaultRule = Rule{Service: "key vault", MinLength: 3, MaxLength: 24, Pattern: keyVaultPattern,
		Allowed: "letters, digits and single hyphens; start with a letter; end with a letter or digit", GloballyUnique: true}
	containerRegistryRule = Rule{Service: "container registry", MinLength: 5, MaxLength: 50, Pattern: alphanumeric,
		Allowed: "letters and digits only", GloballyUnique: true, AlphanumericOnly: true}
	kubernetesClusterRule = Rule{Service: "AKS cluster", MinLength: 1, MaxLength: 63, Pattern: aksPattern,
		Allowed: "letters, digits, underscores and hyphens; start and end with a letter or digit"}
	logAnalyticsRule = Rule{Service: "Log Analytics workspace", MinLength: 4, MaxLength: 63, Pattern: hyphenatedAlnum,
		Allowed: "letters, digits and hyphens; start and end with a letter or digit"}
	applicationInsightsRule = Rule{Service: "Application Insights component", MinLength: 1, MaxLength: 260,
		Pattern: excluding(`%&\?/`), Allowed: `any characters but %&\?/ and control characters; not ending in a space or period`}
	sqlServerRule = Rule{Service: "SQL logical server", MinLength: 1, MaxLength: 63, Pattern: sqlPattern,
		Allowed: "lower-case letters, digits and hyphens; not starting or ending with a hyphen", GloballyUnique: true}
	// Microsoft's table says 80; the ARM API refuses more than 56 (azureFirewall.json, azureFirewallName
	// maxLength, since 2019-12-01).
	firewallRule       = networkRule("Azure Firewall", 1, 56)
	firewallPolicyRule = networkRule("firewall policy", 1, 80)
	bastionRule        = networkRule("Azure Bastion", 1, 80)
	linuxVMRule        = Rule{Service: "Linux virtual machine", MinLength: 1, MaxLength: 64, Pattern: linuxVMPattern,
		Allowed: "letters, digits, periods and hyphens; start and end with a letter or digit"}
	clusterNodesRule = Rule{Service: "resource group", MinLength: 1, MaxLength: 80, Pattern: resourceGroupRegex,
		Allowed: "letters, digits, underscores, periods, hyphens and parentheses; not ending in a period (at most 80 for an AKS node resource group)"}
	routeTableRule       = networkRule("route table", 1, 80)
	networkInterfaceRule = networkRule("network interface", 1, 80)
	actionGroupRule      = Rule{Service: "action group", MinLength: 1, MaxLength: 260,
		Pattern: excluding(`:<>+/&%\?|`), Allowed: `any characters but :<>+/&%\?| and control characters; not ending in a space or period`}
	// Cosmos DB account names are DNS labels under documents.azure.com.
	cosmosAccountRule = Rule{Service: "Cosmos DB account", MinLength: 3, MaxLength: 44, Pattern: sqlPattern,
		Allowed: "lower-case letters, digits and hyphens; not starting or ending with a hyphen", GloballyUnique: true}
	frontDoorRule = Rule{Service: "Front Door profile", MinLength: 1, MaxLength: 260, Pattern: hyphenatedAlnum,
		Allowed: "letters, digits and hyphens; start and end with a letter or digit"}
	// An endpoint's name is the first label of its <name>-<hash>.z01.azurefd.net host name.
	frontDoorEndpointRule = Rule{Service: "Front Door endpoint", MinLength: 1, MaxLength: 46, Pattern: hyphenatedAlnum,
		Allowed: "letters, digits and hyphens; start and end with a letter or digit"}
	// A Front Door WAF policy takes letters and digits only, starting with a letter (the REST API's
	// policyName pattern, webapplicationfirewall.json).
	frontDoorWAFPolicyRule = Rule{Service: "Front Door WAF policy", MinLength: 1, MaxLength: 128, Pattern: frontDoorWAFPattern,
		Allowed: "letters and digits only, starting with a letter", AlphanumericOnly: true}
	gatewayDNSLabelRule = Rule{Service: "public IP DNS label", MinLength: 3, MaxLength: 63, Pattern: dnsLabelPattern,
		Allowed: "lower-case letters, digits and hyphens; start with a letter; end with a letter or digit", GloballyUnique: true}
)

// rules maps every role to its service's naming rule.
var rules = map[Role]Rule{
	RoleResourceGroup:        resourceGroupRule,
	RoleVirtualNetwork:       virtualNetworkRule,
	RoleNetworkSecurityGroup: networkSecurityGroupRule,
	RoleApplicationGateway:   applicationGatewayRule,
	RoleGatewayPublicIP:      publicIPAddressRule,
	RoleWAFPolicy:            wafPolicyRule,
	RoleGatewayIdentity:      identityRule,
	RoleAPIManagement:        apiManagementRule,
	RoleKeyVault:             keyVaultRule,
	RoleContainerRegistry:    containerRegistryRule,
	RoleKubernetesCluster:    kubernetesClusterRule,
	RoleLogAnalytics:         logAnalyticsRule,
	RoleApplicationInsights:  applicationInsightsRule,
	RoleSQLServer:            sqlServerRule,
	RoleFirewall:             firewallRule,
	RoleFirewallPolicy:       firewallPolicyRule,
	RoleFirewallPublicIP:     publicIPAddressRule,
	RoleBastion:              bastionRule,
	RoleBastionPublicIP:      publicIPAddressRule,
	RoleJumpbox:              linuxVMRule,
	RoleClusterIdentity:      identityRule,
	RoleClusterNodes:         clusterNodesRule,
	RoleRouteTable:           routeTableRule,
	RoleJumpboxNIC:           networkInterfaceRule,
	RoleSQLIdentity:          identityRule,
	RoleActionGroup:          actionGroupRule,
	RoleGatewayDNSLabel:      gatewayDNSLabelRule,
	RoleCosmosAccount:        cosmosAccountRule,
	RoleCosmosIdentity:       identityRule,
	RoleFrontDoor:            frontDoorRule,
	RoleFrontDoorEndpoint:    frontDoorEndpointRule,
	RoleFrontDoorWAFPolicy:   frontDoorWAFPolicyRule,
}

// Base is the shared start of every name in one stack: `<prefix>-<stack>`.
func Base(prefix, stack string) string {
	return prefix + "-" + stack
}

// Child is the name of a resource with the given role under base: `<base>-<role>`. Components call it
// with their own name, or a child's name, as base.
func Child(base string, role Role) string {
	return base + "-" + string(role)
}

// SubnetSecurityGroup is the name of the network security group of one subnet: `<base>-nsg-<subnet>`.
func SubnetSecurityGroup(base string, subnet SubnetRole) string {
	return Child(base, RoleNetworkSecurityGroup) + "-" + string(subnet)
}

// Global is the name of a globally unique resource: `<base>-<role><suffix>`, or the same without
// hyphens for services that accept only letters and digits. The suffix follows the role without a
// hyphen because Key Vault allows only 24 characters: this way `apiplat-staging-kv` plus the suffix
// still fits.
func Global(base string, role Role, suffix string) string {
	name := Child(base, role) + suffix
	if rules[role].AlphanumericOnly {
		return strings.ReplaceAll(name, "-", "")
	}
	return name
}

// RuleFor returns the naming rule of a role and whether one is known.
func RuleFor(role Role) (Rule, bool) {
	rule, ok := rules[role]
	return rule, ok
}

// Roles returns every role that names exactly one resource per stack, sorted, so validation can check
// them all. RoleNetworkSecurityGroup is left out: its names carry a subnet (see SubnetSecurityGroup)
// and are checked per subnet.
func Roles() []Role {
	roles := make([]Role, 0, len(rules))
	for role := range rules {
		if role != RoleNetworkSecurityGroup {
			roles = append(roles, role)
		}
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i] < roles[j] })
	return roles
}

// Name returns the full name a role gets under base. Globally unique names carry a placeholder suffix
// of the real suffix's length, which is enough to check length and characters before the real random
// suffix exists.
func Name(base string, role Role) string {
	rule := rules[role]
	switch {
	case rule.GloballyUnique:
		return Global(base, role, strings.Repeat("x", SuffixLength))
	case rule.AlphanumericOnly:
		return strings.ReplaceAll(Child(base, role), "-", "")
	}
	return Child(base, role)
}

// Check reports whether name obeys the rule of role, with a message that says what is allowed.
func Check(role Role, name string) error {
	rule, ok := rules[role]
	if !ok {
		return fmt.Errorf("no naming rule for role %q", role)
	}
	return rule.Check(name)
}

// ReservedWord returns the word Azure reserves that name contains, if any: MICROSOFT or WINDOWS
// anywhere, LOGIN at the start, in any case. Azure refuses them in the names of resources with an
// accessible endpoint with ReservedResourceName
// (https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-reserved-resource-name).
func ReservedWord(name string) (string, bool) {
	upper := strings.ToUpper(name)
	for _, word := range []string{"MICROSOFT", "WINDOWS"} {
		if strings.Contains(upper, word) {
			return word, true
		}
	}
	if strings.HasPrefix(upper, "LOGIN") {
		return "LOGIN", true
	}
	return "", false
}

// Check reports whether name obeys the rule, with a message that says what is allowed.
func (rule Rule) Check(name string) error {
	// Globally unique names are the ones with a public endpoint (a DNS name under an Azure domain).
	if word, reserved := ReservedWord(name); reserved && rule.GloballyUnique {
		return fmt.Errorf("%s name %q contains %s, which Azure reserves in the names of resources with a public endpoint", rule.Service, name, word)
	}
	if len(rule.Values) > 0 {
		if slices.Contains(rule.Values, name) {
			return nil
		}
		return fmt.Errorf("%s name %q is not allowed; %s names must be one of %s",
			rule.Service, name, rule.Service, strings.Join(rule.Values, ", "))
	}
	if n := len(name); n < rule.MinLength || n > rule.MaxLength {
		return fmt.Errorf("%s name %q is %d characters; %s names must be %d-%d characters",
			rule.Service, name, n, rule.Service, rule.MinLength, rule.MaxLength)
	}
	if rule.Pattern == nil || !rule.Pattern.MatchString(name) {
		return fmt.Errorf("%s name %q is not allowed; %s names may contain %s", rule.Service, name, rule.Service, rule.Allowed)
	}
	return nil
}
