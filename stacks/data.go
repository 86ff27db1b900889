// Data layer of the stack: the optional Azure SQL database and every private endpoint.

package stacks

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// keyVaultEndpoint names Key Vault's private endpoint: the gateway waits for it alone.
const keyVaultEndpoint = "kv"

// sqlClientServiceAccount is the service account, in the workload's namespace, whose pods connect to
// the database with workload identity.
const sqlClientServiceAccount = "sql-client"

// cosmosClientServiceAccount is the service account, in the workload's namespace, whose pods read and
// write the Cosmos DB container with workload identity.
const cosmosClientServiceAccount = "cosmos-client"

// cosmosEndpoint names the Cosmos DB account's private endpoint.
const cosmosEndpoint = "cosmos"

// data is the data layer: the optional Azure SQL database and Cosmos DB account (nil when off).
type data struct {
	database *components.SQLDatabase
	cosmos   *components.CosmosDB
}

// deployData creates the database when sql.enabled is true and the Cosmos DB account when
// cosmosDb.enabled is true.
func (p *platform) deployData(cluster *cluster) (*data, error) {
	created := &data{}
	var err error
	if p.cfg.SQL.Enabled {
		if created.database, err = p.deploySQL(cluster); err != nil {
			return nil, err
		}
	}
	if p.cfg.CosmosDB.Enabled {
		if created.cosmos, err = p.deployCosmosDB(cluster); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// deployCosmosDB creates the Cosmos DB account, its database and container, and its client identity.
func (p *platform) deployCosmosDB(cluster *cluster) (*components.CosmosDB, error) {
	cosmos := p.cfg.CosmosDB
	return components.NewCosmosDB(p.ctx, p.base, &components.CosmosDBArgs{
		ResourceGroupName:      p.resourceGroup.Name,
		Location:               p.cfg.Location,
		AccountName:            p.globalName(naming.RoleCosmosAccount),
		DatabaseName:           cosmos.DatabaseName,
		ContainerName:          cosmos.ContainerName,
		PartitionKeyPath:       cosmos.PartitionKeyPath,
		Serverless:             cosmos.CapacityMode == config.CosmosServerless,
		AutoscaleMaxThroughput: cosmos.AutoscaleMaxThroughput,
		ZoneRedundant:          cosmos.ZoneRedundant,
		Backup:                 components.CosmosBackup(cosmos.BackupPolicy),
		Protected:              p.cfg.Protection.StatefulResourcesProtected,
		Client: components.WorkloadIdentityArgs{
			IssuerURL: cluster.cluster.OIDCIssuerURL, Namespace: echoNamespace, ServiceAccount: cosmosClientServiceAccount,
		},
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		Tags:                    p.tags,
	}, p.providers.all())
}

// deploySQL creates the SQL server, its database and its client identity.
func (p *platform) deploySQL(cluster *cluster) (*components.SQLDatabase, error) {
	cfg := p.cfg
	clientConfig := authorization.GetClientConfigOutput(p.ctx, pulumi.Provider(p.providers.azure))
	database, err := components.NewSQLDatabase(p.ctx, p.base, &components.SQLDatabaseArgs{
		ResourceGroupName:          p.resourceGroup.Name,
		Location:                   cfg.Location,
		ServerName:                 p.globalName(naming.RoleSQLServer),
		TenantID:                   clientConfig.TenantId(),
		AdministratorGroupName:     cfg.SQL.AdministratorGroupName,
		AdministratorGroupObjectID: cfg.SQL.AdministratorGroupObjectID,
		DatabaseName:               cfg.SQL.DatabaseName,
		DatabaseSKU:                cfg.SQL.DatabaseSKU,
		ZoneRedundant:              cfg.SQL.ZoneRedundant,
		Protected:                  cfg.Protection.StatefulResourcesProtected,
		Client: components.WorkloadIdentityArgs{
			IssuerURL: cluster.cluster.OIDCIssuerURL, Namespace: echoNamespace, ServiceAccount: sqlClientServiceAccount,
		},
		LogAnalyticsWorkspaceID: p.monitoring.WorkspaceID,
		AlertEmail:              cfg.AlertRecipient(),
		Tags:                    p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return database, nil
}

// addOutputs adds how a workload connects to the database and the Cosmos DB account.
func (d *data) addOutputs(outputs pulumi.Map) {
	addSQLOutputs(outputs, d.database)
	if d.cosmos != nil {
		outputs["cosmosDbEndpoint"] = d.cosmos.Endpoint
		outputs["cosmosDbAccountId"] = d.cosmos.AccountID
		outputs["cosmosDbClientId"] = d.cosmos.ClientID
		outputs["cosmosDbDatabaseName"] = d.cosmos.DatabaseName
		outputs["cosmosDbContainerName"] = d.cosmos.ContainerName
		outputs["cosmosDbServiceAccount"] = pulumi.String(echoNamespace + "/" + cosmosClientServiceAccount)
	}
}

// PolicyZoneGroupWait is how long the program waits for Azure Policy to give a private endpoint its
// zone group (privateDns.policyCreatesRecords): the policy acts 10 minutes after the endpoint's
// creation by default, and its remediation runs can queue behind others.
const PolicyZoneGroupWait = 30 * time.Minute

// centralZonesLinked are the central zones the stack links to the network it creates: Key Vault's, which
// Application Gateway resolves through Azure's resolver, answering only from zones linked to the
// gateway's own network, whatever the network's DNS servers (https://learn.microsoft.com/azure/application-gateway/key-vault-certs).
// A landing zone may link it to the brought network already (privateDns.vaultZoneLinked).
func centralZonesLinked(cfg *config.Config) []string {
	if cfg.PrivateDNS.Mode != config.PrivateDNSCentral || cfg.PrivateDNS.VaultZoneLinked {
		return nil
	}
	return []string{"privatelink.vaultcore.azure.net"}
}

// privateEndpoints is the private endpoint layer: every PaaS service the platform reaches privately.
type privateEndpoints struct {
	platform  *platform
	endpoints *components.PrivateEndpoints
}

// deployPrivateEndpoints creates the endpoints of Key Vault, the registry, SQL when enabled, and the
// bring-your-own targets, each with its private DNS zone.
func (p *platform) deployPrivateEndpoints(vault *keyVault, cluster *cluster, data *data) (*privateEndpoints, error) {
	endpoints, err := components.NewPrivateEndpoints(p.ctx, p.base, &components.PrivateEndpointsArgs{
		ResourceGroupName:  p.resourceGroup.Name,
		Location:           p.cfg.Location,
		SubnetID:           p.network.SubnetID(naming.SubnetPrivateEndpoints),
		VirtualNetworkID:   p.network.VirtualNetworkID,
		Targets:            privateEndpointTargets(p.cfg, vault.vault, cluster.registry, data),
		CentralDNS:         p.centralDNS,
		CentralZonesLinked: centralZonesLinked(p.cfg),
		CentralLinkSuffix:  p.suffix,
		PolicyWait:         PolicyZoneGroupWait,
		Tags:               p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &privateEndpoints{platform: p, endpoints: endpoints}, nil
}

// addOutputs adds the endpoint IDs and how each bring-your-own endpoint's connection gets approved.
func (e *privateEndpoints) addOutputs(outputs pulumi.Map) {
	outputs["privateEndpointIds"] = e.endpoints.EndpointIDs
	addApprovalOutputs(e.platform, outputs)
}

// privateEndpointTargets lists every private endpoint: Key Vault, the registry, SQL when enabled, and
// the bring-your-own targets from config in name order.
func privateEndpointTargets(cfg *config.Config, vault *components.KeyVault, registry *components.ContainerRegistry, data *data) []components.PrivateEndpointTarget {
	targets := []components.PrivateEndpointTarget{
		{Name: keyVaultEndpoint, ResourceID: vault.VaultID, GroupID: "vault"},
		{Name: "acr", ResourceID: registry.RegistryID, GroupID: "registry"},
	}
	if data.database != nil {
		targets = append(targets, components.PrivateEndpointTarget{Name: "sql", ResourceID: data.database.ServerID, GroupID: "sqlServer"})
	}
	if data.cosmos != nil {
		targets = append(targets, components.PrivateEndpointTarget{Name: cosmosEndpoint, ResourceID: data.cosmos.AccountID, GroupID: "Sql"})
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.PrivateEndpoints)) {
		endpoint := cfg.PrivateEndpoints[name]
		targets = append(targets, components.PrivateEndpointTarget{Name: name, ResourceID: pulumi.String(endpoint.ResourceID), GroupID: endpoint.GroupID,
			ManualApproval: endpoint.ManualApproval})
	}
	return targets
}

// addApprovalOutputs adds, for every bring-your-own endpoint, how its connection gets approved: the
// command its target's owner runs for a manual one, the permission the deployer needs for an automatic
// one (creating it fails with LinkedAuthorizationFailed without it), which is a warning: the deployer
// must act on it before the first deployment.
func addApprovalOutputs(p *platform, outputs pulumi.Map) {
	cfg, base := p.cfg, p.base
	approvals := pulumi.StringMap{}
	for _, name := range slices.Sorted(maps.Keys(cfg.PrivateEndpoints)) {
		endpoint := cfg.PrivateEndpoints[name]
		action, err := privatelink.ApprovalAction(endpoint.ResourceID)
		if err != nil {
			continue // validated before anything is created
		}
		if endpoint.ManualApproval {
			approvals[name] = pulumi.String(fmt.Sprintf("pending until the owner of the target approves: az network private-endpoint-connection approve --id "+
				"$(az network private-endpoint-connection list --id %s --query \"[?contains(properties.privateEndpoint.id, '%s')].id\" -o tsv)",
				endpoint.ResourceID, components.PrivateEndpointName(base, name)))
			continue
		}
		approvals[name] = pulumi.String("approved at creation with the deployer's " + action + " on the target")
		p.warnings.warn(fmt.Sprintf("privateEndpoints.%s: the deploying identity needs %s on %s (e.g. Contributor on it), or the endpoint fails with LinkedAuthorizationFailed; "+
			"without that access set privateEndpoints.%s.manualApproval to true and have the target's owner approve the connection", name, action, endpoint.ResourceID, name))
	}
	if len(approvals) > 0 {
		outputs["privateEndpointApprovals"] = approvals
	}
}

// addSQLOutputs adds how a workload connects to the database to the stack outputs.
func addSQLOutputs(outputs pulumi.Map, database *components.SQLDatabase) {
	if database == nil {
		return
	}
	outputs["sqlServerFqdn"] = database.ServerFQDN
	outputs["sqlConnectionString"] = database.ConnectionString
	outputs["sqlClientId"] = database.ClientID
	outputs["sqlGrantScript"] = database.GrantScript
}
