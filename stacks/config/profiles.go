// Environment profiles: the defaults that differ between dev and prod, as config paths and values.

package config

// profiles holds, per environment, every setting whose default depends on the environment. Settings
// whose default is the same everywhere are declared with that default in Pulumi.yaml instead (a test
// proves the two sets are disjoint and together cover every setting). Values are written as a user
// would write them in a stack file and decoded by the same code.
var profiles = map[Environment]map[string]any{
	Development: {
		// Developer is the cheapest tier that supports internal VNet mode; it has no SLA and no zones.
		"apiManagement.sku":      "Developer",
		"apiManagement.capacity": 1,
		"apiManagement.zones":    []any{},

		"applicationGateway.minCapacity": 1,
		"applicationGateway.maxCapacity": 2,
		"applicationGateway.zones":       []any{},

		"kubernetes.zones":               []any{},
		"kubernetes.tier":                "Free",
		"kubernetes.systemPool.minCount": 1,
		"kubernetes.systemPool.maxCount": 1,
		"kubernetes.userPool.minCount":   1,
		"kubernetes.userPool.maxCount":   3,

		"perimeter.egress":         "none",
		"perimeter.jumpboxEnabled": false,

		"protection.statefulResourcesProtected": false,

		"workload.replicas":        1,
		"monitoring.retentionDays": 30,

		"sql.zoneRedundant": false,

		// Serverless bills only the requests of a development account; 7 days of continuous backup
		// cost nothing extra (https://learn.microsoft.com/azure/cosmos-db/continuous-backup-restore-introduction).
		"cosmosDb.capacityMode":  "serverless",
		"cosmosDb.zoneRedundant": false,
		"cosmosDb.backupPolicy":  "Continuous7Days",

		"monitoring.sentinelEnabled": false,
	},
	Production: {
		// Two Premium units pinned to two zones: units must be a multiple of the zone count so each
		// zone holds the same number (https://learn.microsoft.com/azure/api-management/high-availability).
		"apiManagement.sku":      "Premium",
		"apiManagement.capacity": 2,
		"apiManagement.zones":    []any{"1", "2"},

		// Two instances are the minimum covered by the SLA
		// (https://learn.microsoft.com/azure/application-gateway/application-gateway-autoscaling-zone-redundant).
		"applicationGateway.minCapacity": 2,
		"applicationGateway.maxCapacity": 10,
		"applicationGateway.zones":       []any{"1", "2", "3"},

		"kubernetes.zones":               []any{"1", "2", "3"},
		"kubernetes.tier":                "Standard",
		"kubernetes.systemPool.minCount": 3,
		"kubernetes.systemPool.maxCount": 5,
		"kubernetes.userPool.minCount":   3,
		"kubernetes.userPool.maxCount":   10,

		"perimeter.egress":         "firewall",
		"perimeter.jumpboxEnabled": true,

		"protection.statefulResourcesProtected": true,

		"workload.replicas":        2,
		"monitoring.retentionDays": 90,

		// Zone-redundant databases keep serving through a zone outage
		// (https://learn.microsoft.com/azure/azure-sql/database/high-availability-sla-local-zone-redundancy).
		"sql.zoneRedundant": true,

		"cosmosDb.capacityMode":  "provisioned",
		"cosmosDb.zoneRedundant": true,
		"cosmosDb.backupPolicy":  "Continuous30Days",

		// The platform's SIEM: Sentinel on the workspace the whole platform logs to.
		"monitoring.sentinelEnabled": true,
	},
}

// profile returns the profile defaults of an environment.
func profile(environment Environment) map[string]any {
	return profiles[environment]
}

// ProfilePaths returns the setting paths whose defaults come from the environment profile, and the
// profile value of each, per environment.
func ProfilePaths() map[Environment]map[string]any {
	copied := map[Environment]map[string]any{}
	for environment, values := range profiles {
		copied[environment] = map[string]any{}
		for path, value := range values {
			copied[environment][path] = value
		}
	}
	return copied
}
