// Data-tier checks: the optional Azure SQL database, bring-your-own private endpoints, and private DNS
// zones that would shadow one another.

package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/privatelink"
)

var (
	// endpointNamePattern keeps a bring-your-own endpoint's name usable in resource names.
	endpointNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	// databaseSKUPattern accepts the vCore service objectives on standard-series (Gen5) hardware:
	// General Purpose (GP), its serverless compute (GP_S, Gen5 only), Business Critical (BC) and
	// Hyperscale (HS), each followed by the (maximum) vCore count. All of them can be zone-redundant.
	databaseSKUPattern = regexp.MustCompile(`^(GP_S|GP|BC|HS)_Gen5_([1-9][0-9]{0,2})$`)
	// databaseNamePattern is a conservative database name: it is written into T-SQL and connection strings.
	databaseNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,127}$`)
	// cosmosNamePattern is a Cosmos DB database or container ID the platform accepts: Cosmos DB refuses
	// / \ # ? and trailing spaces in IDs of up to 255 characters; letters, digits, hyphens and
	// underscores keep the IDs usable in URLs and role scopes.
	cosmosNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,254}$`)
	// partitionKeyPathPattern is a single-property partition key path such as /tenantId.
	partitionKeyPathPattern = regexp.MustCompile(`^/[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// PlatformPrivateEndpoints are the endpoint names the platform uses itself, so a bring-your-own entry
// cannot take them.
var PlatformPrivateEndpoints = []string{"kv", "acr", "sql", "cosmos"}

// systemDatabases cannot be used as the application database.
var systemDatabases = []string{"master", "model", "msdb", "tempdb"}

// validateSQL checks the SQL settings when SQL is enabled.
func validateSQL(c *Config, problems *problemList) {
	sql := c.SQL
	if !sql.Enabled {
		return
	}
	if strings.TrimSpace(sql.AdministratorGroupName) == "" {
		problems.add("sql.administratorGroupName", sql.AdministratorGroupName,
			"is required when sql.enabled is true: the display name of the Microsoft Entra group that administers the server (authentication is Entra-only)")
	}
	if !guidPattern.MatchString(sql.AdministratorGroupObjectID) {
		problems.add("sql.administratorGroupObjectId", sql.AdministratorGroupObjectID,
			"must be the object ID (a GUID) of the Microsoft Entra group named by sql.administratorGroupName")
	}
	switch {
	case !databaseNamePattern.MatchString(sql.DatabaseName):
		problems.add("sql.databaseName", sql.DatabaseName, "must be 1-128 letters, digits, hyphens and underscores, starting with a letter")
	case slices.Contains(systemDatabases, strings.ToLower(sql.DatabaseName)):
		problems.add("sql.databaseName", sql.DatabaseName, "is a system database name (%s); choose another", strings.Join(systemDatabases, ", "))
	}
	if !databaseSKUPattern.MatchString(sql.DatabaseSKU) {
		problems.add("sql.databaseSku", sql.DatabaseSKU,
			"is not a vCore service objective on standard-series hardware: use GP_S_Gen5_<vCores> (serverless), GP_Gen5_<vCores>, BC_Gen5_<vCores> or HS_Gen5_<vCores>, e.g. GP_S_Gen5_1")
	}
}

// validateCosmosDB checks the Cosmos DB settings when the account is enabled.
func validateCosmosDB(c *Config, problems *problemList) {
	cosmos := c.CosmosDB
	if !cosmos.Enabled {
		return
	}
	for _, id := range []struct{ key, value string }{{"cosmosDb.databaseName", cosmos.DatabaseName}, {"cosmosDb.containerName", cosmos.ContainerName}} {
		if !cosmosNamePattern.MatchString(id.value) {
			problems.add(id.key, id.value, "must be 1-255 letters, digits, hyphens and underscores, starting with a letter")
		}
	}
	if !partitionKeyPathPattern.MatchString(cosmos.PartitionKeyPath) {
		problems.add("cosmosDb.partitionKeyPath", cosmos.PartitionKeyPath, "must be a property path starting with /, e.g. /tenantId or /id")
	}
	if !oneOf(cosmos.CapacityMode, CosmosCapacityModes) {
		problems.add("cosmosDb.capacityMode", cosmos.CapacityMode, "must be %s", alternatives(CosmosCapacityModes, " or "))
	}
	if !oneOf(cosmos.BackupPolicy, CosmosBackupPolicies) {
		problems.add("cosmosDb.backupPolicy", cosmos.BackupPolicy, "must be %s", alternatives(CosmosBackupPolicies, " or "))
	}
	// Autoscale runs between a tenth of its maximum and the maximum, which starts at 1,000 RU/s and
	// grows in steps of 1,000 (https://learn.microsoft.com/azure/cosmos-db/provision-throughput-autoscale).
	if cosmos.CapacityMode == CosmosProvisioned && (cosmos.AutoscaleMaxThroughput < 1000 || cosmos.AutoscaleMaxThroughput%1000 != 0) {
		problems.add("cosmosDb.autoscaleMaxThroughput", cosmos.AutoscaleMaxThroughput, "must be 1000 RU/s or more, in steps of 1000 (autoscale runs between a tenth of it and it)")
	}
}

// validatePrivateEndpoints checks every bring-your-own target: a known group ID, a valid resource ID
// of a type that offers it, and a name that is free.
func validatePrivateEndpoints(c *Config, problems *problemList) {
	for _, name := range slices.Sorted(maps.Keys(c.PrivateEndpoints)) {
		endpoint := c.PrivateEndpoints[name]
		path := "privateEndpoints." + name
		switch {
		case slices.Contains(PlatformPrivateEndpoints, name):
			problems.add(path, name, "is a name the platform uses for its own endpoints (%s); choose another", strings.Join(PlatformPrivateEndpoints, ", "))
		case !endpointNamePattern.MatchString(name):
			problems.add(path, name, "must be a short name (1-24 lower-case letters, digits and hyphens, starting with a letter): it is part of resource names")
		}
		if err := privatelink.CheckGroup(endpoint.GroupID); err != nil {
			problems.add(path+".groupId", endpoint.GroupID, "%v", err)
		}
		if err := privatelink.CheckTarget(endpoint.ResourceID, endpoint.GroupID); err != nil {
			problems.add(path+".resourceId", endpoint.ResourceID, "%v", err)
		}
	}
}

// PrivateLinkGroups returns the distinct group IDs of the stack's private endpoints, sorted: each is
// one private DNS zone.
func (c *Config) PrivateLinkGroups() []string {
	used := slices.Clone(c.privateEndpointGroups())
	slices.Sort(used)
	return slices.Compact(used)
}

// validatePrivateDNSZones refuses host names whose private zones would overlap another private zone or
// the public domain of an Azure service. A private zone linked to the network answers every name below
// it, so a host zone such as core.windows.net would make every storage account in the network
// unresolvable, and two overlapping zones would hide each other's names.
func validatePrivateDNSZones(c *Config, problems *problemList) {
	hostZones := []struct{ path, zone string }{
		{"hostNames.apiGateway", c.HostNames.APIGateway},
		{"hostNames.backend", c.HostNames.Backend},
	}
	for i, host := range hostZones {
		if checkHostName(host.zone) != nil {
			continue // reported by validateHostNames
		}
		for _, other := range hostZones[:i] {
			if other.zone != host.zone && privatelink.Overlaps(host.zone, other.zone) {
				problems.add(host.path, host.zone, "overlaps the private DNS zone of %s (%s): each host gets its own zone, and one inside the other would shadow its records; use sibling names such as gateway.internal.contoso.com and echo.internal.contoso.com",
					other.path, other.zone)
			}
		}
		for _, zone := range privatelink.Zones() {
			if privatelink.Overlaps(host.zone, zone) || privatelink.Overlaps(host.zone, privatelink.ServiceDomain(zone)) {
				problems.add(host.path, host.zone, "overlaps the private link DNS zone %s: the host's private zone would take over name resolution of that Azure service in the network; use a name in your own domain",
					zone)
				break
			}
		}
	}
}
