// What a stack uses but does not create: resources of other owners it references by ARM ID (a hub
// network, a bring-your-own data store) and appliances it routes to.

package review

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// BroughtPart is one thing the stack relies on without creating it.
type BroughtPart struct {
	// What is the reference: an ARM ID or an address.
	What string
	// Kind says what it is, e.g. Microsoft.Network/virtualNetworks or a virtual appliance.
	Kind string
	// UsedBy names the recorded resources that reference it.
	UsedBy []string
}

// resourceGroupScoped matches an ARM ID inside a resource group, and captures the group's path and the
// resource type's namespace and first type.
var resourceGroupScoped = regexp.MustCompile(`(?i)^(/subscriptions/[^/]+/resourceGroups/[^/]+)/providers/([^/]+/[^/]+)/[^/]+`)

// Brought lists what the recording references but does not create: ARM IDs outside the resource groups
// the stack creates (its own, and the cluster's node group, which Azure creates for it), and the next
// hops of routes that are none of the stack's firewalls. A resource the stack creates in another's
// group (the hub's side of a peering) does not make that group the stack's.
func Brought(recording *harness.Recording) []BroughtPart {
	own := map[string]bool{}
	for _, res := range recording.Resources {
		if harness.TypeMatches(res.Type, "azure-native:resources:ResourceGroup") {
			own[strings.ToLower(res.ID)] = true
		}
		if group := res.InputString("nodeResourceGroup"); group != "" {
			own[strings.ToLower("/subscriptions/"+harness.SubscriptionID+"/resourceGroups/"+group)] = true
		}
	}
	parts := map[string]*BroughtPart{}
	note := func(what, kind, user string) {
		part, seen := parts[what]
		if !seen {
			part = &BroughtPart{What: what, Kind: kind}
			parts[what] = part
		}
		if !slices.Contains(part.UsedBy, user) {
			part.UsedBy = append(part.UsedBy, user)
		}
	}
	created := map[string]bool{}
	for _, res := range recording.Resources {
		if res.Custom && res.ID != "" {
			created[strings.ToLower(res.ID)] = true
		}
	}
	vaults := map[string]bool{}
	for _, vault := range recording.OfType("azure-native:keyvault:Vault") {
		vaults[strings.ToLower(vault.InputString("vaultName"))] = true
	}
	for _, res := range recording.Resources {
		if !res.Custom || !strings.HasPrefix(res.Type, "azure-native:") {
			continue
		}
		for _, id := range referencedIDs(resource.NewObjectProperty(res.Inputs)) {
			if match := resourceGroupScoped.FindStringSubmatch(id); match != nil && !own[strings.ToLower(match[1])] && !createdBy(created, id) {
				note(id, armType(id), res.Name)
			}
			if match := vaultSecret.FindStringSubmatch(id); match != nil && !vaults[strings.ToLower(match[1])] {
				note(id, "Key Vault secret", res.Name)
			}
		}
		if parent, kind := parentElsewhere(res, own); parent != "" {
			note(parent, kind, res.Name)
		}
		if harness.TypeMatches(res.Type, "azure-native:network:Route") && res.InputString("nextHopType") == "VirtualAppliance" && !firewallAddress(recording, res.InputString("nextHopIpAddress")) {
			note(res.InputString("nextHopIpAddress"), "virtual appliance (next hop)", res.Name)
		}
	}
	var list []BroughtPart
	for _, what := range slices.Sorted(maps.Keys(parts)) {
		list = append(list, *parts[what])
	}
	return list
}

// parentInputs are the inputs that name a child resource's parent, with the parent's type: the stack
// adds rules to a landing zone's security groups and records to its central zones.
var parentInputs = map[string]string{
	"networkSecurityGroupName": "Microsoft.Network/networkSecurityGroups",
	"privateZoneName":          "Microsoft.Network/privateDnsZones",
	"routeTableName":           "Microsoft.Network/routeTables",
}

// parentElsewhere returns the ARM ID and type of the parent a child resource is created in, when that
// parent is in a resource group the stack does not create; "" otherwise.
func parentElsewhere(res *harness.Resource, own map[string]bool) (string, string) {
	group := res.InputString("resourceGroupName")
	match := resourceGroupScoped.FindStringSubmatch(res.ID)
	if group == "" || match == nil {
		return "", ""
	}
	subscription := strings.Split(strings.TrimPrefix(match[1], "/subscriptions/"), "/")[0]
	groupID := "/subscriptions/" + subscription + "/resourceGroups/" + group
	if own[strings.ToLower(groupID)] {
		return "", ""
	}
	for _, input := range slices.Sorted(maps.Keys(parentInputs)) {
		if name := res.InputString(input); name != "" {
			return groupID + "/providers/" + parentInputs[input] + "/" + name, parentInputs[input]
		}
	}
	return "", ""
}

// createdBy reports whether id is a resource the stack creates, or one of its children (the stack's
// Bastion and Firewall live in a landing zone's network group, as Azure requires).
func createdBy(created map[string]bool, id string) bool {
	for id = strings.ToLower(id); strings.Contains(id, "/providers/"); id = id[:strings.LastIndex(id, "/")] {
		if created[id] {
			return true
		}
	}
	return false
}

// armType is an ARM ID's full resource type, e.g. Microsoft.Network/virtualNetworks/subnets.
func armType(id string) string {
	_, path, found := strings.Cut(id, "/providers/")
	if !found {
		return ""
	}
	segments := strings.Split(path, "/")
	parts := []string{segments[0]}
	for index := 1; index < len(segments); index += 2 {
		parts = append(parts, segments[index])
	}
	return strings.Join(parts, "/")
}

// firewallAddress reports whether address is a recorded firewall's private address.
func firewallAddress(recording *harness.Recording, address string) bool {
	for _, firewall := range recording.OfType("azure-native:network:AzureFirewall") {
		if configurations, ok := firewall.Outputs["ipConfigurations"]; ok && strings.Contains(configurations.String(), address) {
			return true
		}
	}
	return false
}

// vaultSecret matches a Key Vault secret's URI and captures the vault's name.
var vaultSecret = regexp.MustCompile(`(?i)^https://([a-z0-9-]+)\.vault\.azure\.net/secrets/`)

// referencedIDs are the strings in a value that look like ARM IDs or Key Vault secret URIs.
func referencedIDs(value resource.PropertyValue) []string {
	switch {
	case value.IsSecret():
		return referencedIDs(value.SecretValue().Element)
	case value.IsString() && (strings.HasPrefix(strings.ToLower(value.StringValue()), "/subscriptions/") || vaultSecret.MatchString(value.StringValue())):
		return []string{value.StringValue()}
	case value.IsArray():
		var ids []string
		for _, item := range value.ArrayValue() {
			ids = append(ids, referencedIDs(item)...)
		}
		return ids
	case value.IsObject():
		var ids []string
		for _, item := range value.ObjectValue() {
			ids = append(ids, referencedIDs(item)...)
		}
		return ids
	}
	return nil
}

// renderBrought lists what the stack uses without creating it.
func renderBrought(w io.Writer, recording *harness.Recording) {
	brought := Brought(recording)
	created := 0
	for _, res := range recording.Resources {
		if res.Custom && strings.HasPrefix(res.Type, "azure-native:") {
			created++
		}
	}
	if len(brought) == 0 {
		fmt.Fprintf(w, "\nBrought and created: the stack creates all %d Azure resources it uses\n", created)
		return
	}
	fmt.Fprintf(w, "\nBrought and created: the stack creates %d Azure resources and uses %d it does not create\n", created, len(brought))
	for _, part := range brought {
		fmt.Fprintf(w, "  brought  %s  %s (used by %s)\n", part.Kind, part.What, strings.Join(part.UsedBy, ", "))
	}
}
