// Stack policies: relations between resources that no single resource shows.

package pack

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

const (
	virtualNetworkType    = "azure-native:network:VirtualNetwork"
	securityGroupType     = "azure-native:network:NetworkSecurityGroup"
	securityRuleType      = "azure-native:network:SecurityRule"
	privateEndpointType   = "azure-native:network:PrivateEndpoint"
	diagnosticSettingType = "azure-native:insights:DiagnosticSetting"
	bastionSubnetName     = "AzureBastionSubnet"
)

// internetSources are the NSG source prefixes that mean "anyone on the Internet".
var internetSources = []string{"Internet", "*", "0.0.0.0/0", "Any"}

// privateLinkTypes are the PaaS types the platform deploys that offer private endpoints; each needs one.
var privateLinkTypes = []string{
	keyVaultType, registryType, sqlServerType,
	"azure-native:storage:StorageAccount", "azure-native:documentdb:DatabaseAccount", "azure-native:cache:Redis",
}

// diagnosableTypes are the types whose resources must send diagnostics (the supported-logs reference,
// https://learn.microsoft.com/azure/azure-monitor/reference/logs-index).
var diagnosableTypes = []string{
	applicationGatewayType, apimServiceType, managedClusterType, keyVaultType, registryType, securityGroupType,
	"azure-native:network:PublicIPAddress", virtualNetworkType, "azure-native:network:AzureFirewall",
	"azure-native:network:BastionHost", "azure-native:operationalinsights:Workspace", "azure-native:sql:Database",
	"azure-native:compute:VirtualMachine", cosmosAccountType, frontDoorProfileType,
}

var internetInboundRule = stackRule{
	name:        "network-internet-inbound",
	description: "No network security group admits Internet traffic except the Application Gateway's subnet on 443/80 (and AzureBastionSubnet on 443, which Bastion requires).",
	remediation: "remove the rule, or narrow it to the Application Gateway subnet's ports 443 and 80.",
	level:       Mandatory,
	check: func(resources []Resource, _ map[string]any) []finding {
		gatewaySubnets := gatewaySubnetNames(resources)
		type subnet struct{ name, prefix string }
		attachedTo := map[string]subnet{}
		var gatewayPrefixes []string
		for _, network := range ofType(resources, virtualNetworkType) {
			for _, entry := range network.Array("subnets") {
				current := subnet{stringOf(at(entry, "name")), stringOf(at(entry, "addressPrefix"))}
				if group := stringOf(at(entry, "networkSecurityGroup", "id")); group != "" {
					attachedTo[group] = current
				}
				if gatewaySubnets[current.name] {
					gatewayPrefixes = append(gatewayPrefixes, current.prefix)
				}
			}
		}
		var findings []finding
		for _, group := range ofType(resources, securityGroupType) {
			attached, known := attachedTo[group.ID]
			for _, rule := range group.Array("securityRules") {
				if !admitsInternet(rule) {
					continue
				}
				ports := destinationPorts(rule)
				name := stringOf(at(rule, "name"))
				var problem string
				switch {
				case known && gatewaySubnets[attached.name]:
					problem = portsOutside(ports, 80, 443)
				case known && attached.name == bastionSubnetName:
					problem = portsOutside(ports, 443)
				case known:
					problem = fmt.Sprintf("admits the Internet to subnet %s, which holds no Application Gateway", attached.name)
				default:
					// A first preview does not know which subnet the group is attached to.
					problem = unattachedRuleProblem(rule, ports, gatewayPrefixes)
				}
				if problem != "" {
					findings = append(findings, finding{group.URN, fmt.Sprintf("Rule %q of %s %s.", name, group.Name, problem)})
				}
			}
		}
		// Rules the stack adds to a landing zone's groups: their subnets are not the stack's to see.
		for _, rule := range ofType(resources, securityRuleType) {
			value := property.New(rule.Properties)
			if !admitsInternet(value) {
				continue
			}
			if problem := unattachedRuleProblem(value, destinationPorts(value), gatewayPrefixes); problem != "" {
				findings = append(findings, finding{rule.URN, fmt.Sprintf("Rule %q added to %s %s.", rule.String("securityRuleName"), rule.String("networkSecurityGroupName"), problem)})
			}
		}
		return findings
	},
}

var privateEndpointRule = stackRule{
	name:        "paas-private-endpoint",
	description: "Every PaaS resource that supports a private endpoint has one.",
	remediation: "add the resource to the PrivateEndpoints component (its group ID picks the private DNS zone).",
	level:       Mandatory,
	check: func(resources []Resource, _ map[string]any) []finding {
		return unreferenced(resources, privateLinkTypes, privateEndpointType, "privateLinkServiceConnections", "has no private endpoint",
			func(endpoint Resource, id string) bool {
				return slices.ContainsFunc(endpoint.Array("privateLinkServiceConnections"), func(connection property.Value) bool {
					return stringOf(at(connection, "privateLinkServiceId")) == id
				})
			})
	},
}

var diagnosticsRule = stackRule{
	name:        "diagnostics-everywhere",
	description: "Every resource of a type that supports diagnostic settings sends its logs and metrics to Log Analytics.",
	remediation: "create a diagnostic setting for it (components/diagnostics.go lists the categories per type).",
	level:       Mandatory,
	check: func(resources []Resource, _ map[string]any) []finding {
		return unreferenced(resources, diagnosableTypes, diagnosticSettingType, "resourceUri", "has no diagnostic setting",
			func(setting Resource, id string) bool { return setting.String("resourceUri") == id })
	},
}

// unattachedRuleProblem judges an Internet-admitting rule whose subnet is unknown by the rule itself:
// it must target the gateway subnet on 443 or 80 (or, for Bastion's group, any address on 443).
func unattachedRuleProblem(rule property.Value, ports []portRange, gatewayPrefixes []string) string {
	problem := portsOutside(ports, 80, 443)
	destination := stringOf(at(rule, "destinationAddressPrefix"))
	if problem == "" && destination != "*" && len(gatewayPrefixes) > 0 && !slices.Contains(gatewayPrefixes, destination) {
		problem = fmt.Sprintf("admits the Internet to %s, which is not the Application Gateway subnet", destination)
	}
	return problem
}

// gatewaySubnetNames are the names of the subnets that hold an Application Gateway.
func gatewaySubnetNames(resources []Resource) map[string]bool {
	names := map[string]bool{}
	for _, gateway := range ofType(resources, applicationGatewayType) {
		for _, configuration := range gateway.Array("gatewayIPConfigurations") {
			if id := stringOf(at(configuration, "subnet", "id")); id != "" {
				names[lastSegment(id)] = true
			}
		}
	}
	return names
}

// unreferenced reports every resource of targetTypes that no resource of coveringType points at
// through property: by property dependency (which a first preview already knows), or, where the
// target's ID is known, by pointsAt.
func unreferenced(resources []Resource, targetTypes []string, coveringType, property, missing string,
	pointsAt func(covering Resource, id string) bool,
) []finding {
	covering := ofType(resources, coveringType)
	var findings []finding
	for _, target := range resources {
		if !target.Is(targetTypes...) {
			continue
		}
		covered := slices.ContainsFunc(covering, func(candidate Resource) bool {
			return candidate.DependsThrough(property, target.URN) || (target.ID != "" && pointsAt(candidate, target.ID))
		})
		if !covered {
			findings = append(findings, finding{target.URN, fmt.Sprintf("%s %s %s.", shortType(target.Type), target.Name, missing)})
		}
	}
	return findings
}

// ofType returns the resources of a type.
func ofType(resources []Resource, token string) []Resource {
	var matching []Resource
	for _, resource := range resources {
		if resource.Is(token) {
			matching = append(matching, resource)
		}
	}
	return matching
}

// admitsInternet reports whether an NSG rule allows inbound traffic from the Internet.
func admitsInternet(rule property.Value) bool {
	if stringOf(at(rule, "direction")) != "Inbound" || stringOf(at(rule, "access")) != "Allow" {
		return false
	}
	sources := append(stringsOf(at(rule, "sourceAddressPrefixes")), stringOf(at(rule, "sourceAddressPrefix")))
	return slices.ContainsFunc(sources, func(source string) bool { return slices.Contains(internetSources, source) })
}

// portRange is an inclusive range of ports.
type portRange struct{ from, to int }

// destinationPorts returns a rule's destination port ranges; "*" is every port.
func destinationPorts(rule property.Value) []portRange {
	specs := append(stringsOf(at(rule, "destinationPortRanges")), stringOf(at(rule, "destinationPortRange")))
	var ranges []portRange
	for _, spec := range specs {
		switch spec {
		case "":
		case "*":
			ranges = append(ranges, portRange{0, 65535})
		default:
			low, high, isRange := strings.Cut(spec, "-")
			from, err1 := strconv.Atoi(low)
			to := from
			var err2 error
			if isRange {
				to, err2 = strconv.Atoi(high)
			}
			if err1 != nil || err2 != nil {
				ranges = append(ranges, portRange{0, 65535}) // unreadable: assume the worst
				continue
			}
			ranges = append(ranges, portRange{from, to})
		}
	}
	return ranges
}

// portsOutside describes the ports of ranges not in allowed, or "".
func portsOutside(ranges []portRange, allowed ...int) string {
	for _, r := range ranges {
		if r.from != r.to || !slices.Contains(allowed, r.from) {
			return fmt.Sprintf("admits the Internet on port(s) %d-%d; only %v are allowed there", r.from, r.to, allowed)
		}
	}
	return ""
}

// shortType drops the provider and API version from a type token: network:PrivateEndpoint.
func shortType(token string) string {
	base := BaseType(token)
	if _, rest, found := strings.Cut(base, ":"); found && strings.Count(base, ":") == 2 {
		return rest
	}
	return token
}
