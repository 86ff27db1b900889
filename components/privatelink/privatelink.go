// Package privatelink knows Azure Private Link: which private DNS zone each sub-resource (group ID)
// registers in, which resource types offer it, and what a valid target resource ID looks like.
//
// It is pure Go (no Pulumi), so the stack configuration can validate bring-your-own targets before
// anything is created, and the PrivateEndpoints component uses the same table to create the zones.
package privatelink

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Group is one private link sub-resource: the zone its endpoints register in and the resource types
// that offer it.
type Group struct {
	// Zone is the private DNS zone name in the Azure public cloud.
	Zone string
	// ResourceTypes are the ARM resource types (Namespace/type) that offer this group ID.
	ResourceTypes []string
}

// groups maps each supported group ID to its zone and resource types
// (https://learn.microsoft.com/azure/private-link/private-endpoint-dns#azure-services-dns-zone-configuration).
// Group IDs are matched exactly: Sql (Cosmos DB) and sqlServer (Azure SQL) differ only by case and
// meaning.
var groups = map[string]Group{
	"vault":               {"privatelink.vaultcore.azure.net", []string{"Microsoft.KeyVault/vaults"}},
	"registry":            {"privatelink.azurecr.io", []string{"Microsoft.ContainerRegistry/registries"}},
	"sqlServer":           {"privatelink.database.windows.net", []string{"Microsoft.Sql/servers"}},
	"Sql":                 {"privatelink.documents.azure.com", []string{"Microsoft.DocumentDB/databaseAccounts"}},
	"MongoDB":             {"privatelink.mongo.cosmos.azure.com", []string{"Microsoft.DocumentDB/databaseAccounts"}},
	"blob":                {"privatelink.blob.core.windows.net", []string{"Microsoft.Storage/storageAccounts"}},
	"dfs":                 {"privatelink.dfs.core.windows.net", []string{"Microsoft.Storage/storageAccounts"}},
	"file":                {"privatelink.file.core.windows.net", []string{"Microsoft.Storage/storageAccounts"}},
	"queue":               {"privatelink.queue.core.windows.net", []string{"Microsoft.Storage/storageAccounts"}},
	"table":               {"privatelink.table.core.windows.net", []string{"Microsoft.Storage/storageAccounts"}},
	"namespace":           {"privatelink.servicebus.windows.net", []string{"Microsoft.ServiceBus/namespaces", "Microsoft.EventHub/namespaces"}},
	"redisCache":          {"privatelink.redis.cache.windows.net", []string{"Microsoft.Cache/Redis"}},
	"configurationStores": {"privatelink.azconfig.io", []string{"Microsoft.AppConfiguration/configurationStores"}},
	"postgresqlServer":    {"privatelink.postgres.database.azure.com", []string{"Microsoft.DBforPostgreSQL/flexibleServers"}},
}

// Lookup returns the group with the given ID, and whether it is supported.
func Lookup(groupID string) (Group, bool) {
	group, ok := groups[groupID]
	return group, ok
}

// SupportedGroups lists the supported group IDs, sorted.
func SupportedGroups() []string {
	return slices.Sorted(maps.Keys(groups))
}

// Zones lists every zone of the table, sorted.
func Zones() []string {
	var zones []string
	for _, group := range groups {
		if !slices.Contains(zones, group.Zone) {
			zones = append(zones, group.Zone)
		}
	}
	slices.Sort(zones)
	return zones
}

// ServiceDomain is the public domain whose names a zone's records answer for: clients resolve
// <name>.<ServiceDomain>, which Azure CNAMEs to <name>.privatelink.<ServiceDomain>.
func ServiceDomain(zone string) string {
	return strings.TrimPrefix(zone, "privatelink.")
}

// resourceIDPattern matches a top-level ARM resource ID: subscription GUID, resource group, provider
// namespace, type and name.
var resourceIDPattern = regexp.MustCompile(`^/subscriptions/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/resourceGroups/([-\w._()]{1,90})/providers/([A-Za-z]+\.[A-Za-z]+)/([A-Za-z]+)/([A-Za-z0-9][-\w.]*)$`)

// ResourceType returns the Namespace/type of a top-level ARM resource ID, or an error saying what a
// valid one looks like.
func ResourceType(resourceID string) (string, error) {
	match := resourceIDPattern.FindStringSubmatch(resourceID)
	if match == nil {
		return "", fmt.Errorf("is not an Azure resource ID: expected /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/<Namespace>/<type>/<name>")
	}
	return match[3] + "/" + match[4], nil
}

// CheckGroup returns an error naming the supported group IDs when groupID is not one of them.
func CheckGroup(groupID string) error {
	if _, ok := groups[groupID]; ok {
		return nil
	}
	message := "is not a supported group ID; supported: " + strings.Join(SupportedGroups(), ", ")
	for _, known := range SupportedGroups() {
		if strings.EqualFold(known, groupID) {
			message += fmt.Sprintf(" (group IDs are case-sensitive: did you mean %s?)", known)
		}
	}
	return errors.New(message)
}

// CheckTarget checks that resourceID is a valid ARM ID and, when groupID is supported, that its
// resource type offers that group.
func CheckTarget(resourceID, groupID string) error {
	resourceType, err := ResourceType(resourceID)
	if err != nil {
		return err
	}
	group, ok := groups[groupID]
	if !ok {
		return nil // CheckGroup reports it
	}
	for _, offered := range group.ResourceTypes {
		if strings.EqualFold(offered, resourceType) {
			return nil
		}
	}
	return fmt.Errorf("is a %s, which does not offer group ID %s (offered by %s)", resourceType, groupID, strings.Join(group.ResourceTypes, ", "))
}

// Overlaps reports whether two DNS zones overlap: equal, or one a parent domain of the other. A private
// zone linked to a network answers every name below it, so an overlapping zone shadows the other's names.
func Overlaps(a, b string) bool {
	a, b = strings.TrimSuffix(strings.ToLower(a), "."), strings.TrimSuffix(strings.ToLower(b), ".")
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// ApprovalAction is the permission that lets a private endpoint's creator have its connection to the
// target approved automatically: Microsoft.<Provider>/<type>/privateEndpointConnectionsApproval/action
// on the target (private-link/rbac-permissions.md). Without it the endpoint's creation fails with
// LinkedAuthorizationFailed, unless the connection is requested for manual approval.
func ApprovalAction(resourceID string) (string, error) {
	resourceType, err := ResourceType(resourceID)
	if err != nil {
		return "", err
	}
	return resourceType + "/privateEndpointConnectionsApproval/action", nil
}

// ZoneHolding returns, of zones, the one a resolver answers host from: the longest zone name equal to
// host or to one of its parent domains, compared case-insensitively; found is false for none.
func ZoneHolding(host string, zones []string) (zone string, found bool) {
	host = strings.ToLower(host)
	for _, candidate := range zones {
		name := strings.ToLower(candidate)
		if (host == name || strings.HasSuffix(host, "."+name)) && (!found || len(name) > len(zone)) {
			zone, found = candidate, true
		}
	}
	return zone, found
}
