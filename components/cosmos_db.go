// CosmosDB component: an Azure Cosmos DB for NoSQL account with Microsoft Entra-only access, reachable
// only privately, one database and container, and a workload identity that AKS pods read and write with.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// CosmosDBType is the CosmosDB component's type token.
const CosmosDBType = Project + ":data:CosmosDB"

// CosmosDBAPIVersion is the Microsoft.DocumentDB REST API version of the account and its children: the
// newest GA version in the ARM specs (specification/cosmos-db/.../stable/2025-04-15). They are generic
// resources because no azure-native documentdb module is served to this project.
const CosmosDBAPIVersion = "2025-04-15"

// CosmosDataContributorRoleID is the Cosmos DB Built-in Data Contributor's role definition name: read
// and write items, query and manage containers' items, no control-plane rights
// (https://learn.microsoft.com/azure/cosmos-db/nosql/security/reference-data-plane-roles).
const CosmosDataContributorRoleID = "00000000-0000-0000-0000-000000000002"

// CosmosBackup is an account's backup policy in ARM's words.
type CosmosBackup string

// The Cosmos DB backup policies.
const (
	// CosmosBackupContinuous7Days restores to any second of the last 7 days, at no extra cost.
	CosmosBackupContinuous7Days CosmosBackup = "Continuous7Days"
	// CosmosBackupContinuous30Days restores to any second of the last 30 days.
	CosmosBackupContinuous30Days CosmosBackup = "Continuous30Days"
	// CosmosBackupPeriodic keeps two backups taken every four hours, restored through a support request.
	CosmosBackupPeriodic CosmosBackup = "Periodic"
)

// CosmosDBArgs configures the CosmosDB component.
type CosmosDBArgs struct {
	// ResourceGroupName holds the account and the client identity.
	ResourceGroupName pulumi.StringInput
	// Location is the account's only region.
	Location string
	// AccountName is the account's globally unique name (the host <name>.documents.azure.com).
	AccountName pulumi.StringInput
	// DatabaseName and ContainerName name the NoSQL database and its container.
	DatabaseName, ContainerName string
	// PartitionKeyPath is the container's partition key, e.g. /tenantId.
	PartitionKeyPath string
	// Serverless bills requests instead of provisioned throughput.
	Serverless bool
	// AutoscaleMaxThroughput is the container's autoscale maximum in RU/s (not serverless).
	AutoscaleMaxThroughput int
	// ZoneRedundant spreads the region across availability zones (settable only at creation).
	ZoneRedundant bool
	// Backup is the account's backup policy.
	Backup CosmosBackup
	// Protected sets Pulumi's protect on the account, the database and the container.
	Protected bool
	// Client is the workload identity pods connect with.
	Client WorkloadIdentityArgs
	// LogAnalyticsWorkspaceID receives the account's resource logs and metrics.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// Tags are put on every taggable resource.
	Tags map[string]string
}

// CosmosDB is the account, its database and container, and the client identity.
type CosmosDB struct {
	pulumi.ResourceState

	// AccountID is the account's ARM ID (the private endpoint target and the role's scope).
	AccountID pulumi.StringOutput `pulumi:"accountId"`
	// Endpoint is the account's document endpoint, as Azure reports it; it resolves privately through
	// the private endpoint.
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	// ClientID is the client identity's client ID, the service account's azure.workload.identity/client-id.
	ClientID pulumi.StringOutput `pulumi:"clientId"`
	// DatabaseName and ContainerName are what the client reads and writes.
	DatabaseName pulumi.StringOutput `pulumi:"databaseName"`
	// ContainerName is the container in the database.
	ContainerName pulumi.StringOutput `pulumi:"containerName"`
}

// cosmosScope is what every resource of one CosmosDB component is created with.
type cosmosScope struct {
	scope
	// args configures the component.
	args *CosmosDBArgs
	// protect sets Pulumi's protect on the stateful resources (args.Protected).
	protect pulumi.ResourceOption
}

// NewCosmosDB creates the account (keys off, public access off, TLS 1.2), its database and container,
// its diagnostic setting, and the federated client identity with the data contributor role on the
// account. The private endpoint is created by the PrivateEndpoints component with group ID Sql.
func NewCosmosDB(ctx *pulumi.Context, name string, args *CosmosDBArgs, opts ...pulumi.ResourceOption) (*CosmosDB, error) {
	if args == nil {
		return nil, errors.New("creating Cosmos DB: args are required")
	}
	component := &CosmosDB{}
	if err := ctx.RegisterComponentResource(CosmosDBType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Cosmos DB %s: %w", name, err)
	}
	s := cosmosScope{scope: scope{ctx: ctx, name: name, parent: pulumi.Parent(component), tags: pulumi.ToStringMap(args.Tags)},
		args: args, protect: pulumi.Protect(args.Protected)}

	account, err := s.newAccount()
	if err != nil {
		return nil, err
	}
	if err := s.newDatabaseAndContainer(account); err != nil {
		return nil, err
	}
	identity, err := newWorkloadIdentity(s.scope, naming.Child(name, naming.RoleCosmosIdentity), args.ResourceGroupName, args.Location, args.Client)
	if err != nil {
		return nil, err
	}
	if err := s.newDataContributor(account, identity); err != nil {
		return nil, err
	}

	component.AccountID = account.ID().ToStringOutput()
	component.Endpoint = pulumi.All(account.Properties, account.Name).ApplyT(func(values []any) string {
		return documentEndpoint(values[0], values[1].(string))
	}).(pulumi.StringOutput)
	component.ClientID = identity.ClientId
	component.DatabaseName = pulumi.String(args.DatabaseName).ToStringOutput()
	component.ContainerName = pulumi.String(args.ContainerName).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Cosmos DB %s outputs: %w", name, err)
	}
	return component, nil
}

// documentEndpoint is the account's endpoint as Azure reports it, or the documented form of it
// (https://<account>.documents.azure.com:443/) when the provider has only the create response: v2 reads a
// generic resource back after creation with the wrong API version and keeps what the PUT returned
// (pulumi/pulumi-azure-native#4337).
func documentEndpoint(properties any, accountName string) string {
	values, _ := properties.(map[string]any)
	if endpoint, _ := values["documentEndpoint"].(string); endpoint != "" {
		return endpoint
	}
	return "https://" + accountName + ".documents.azure.com:443/"
}

// cosmosAccountProperties are the account's ARM properties (databaseAccounts, 2025-04-15).
type cosmosAccountProperties struct {
	DatabaseAccountOfferType string                  `json:"databaseAccountOfferType"`
	Locations                []cosmosLocation        `json:"locations"`
	ConsistencyPolicy        cosmosConsistencyPolicy `json:"consistencyPolicy"`
	// PublicNetworkAccess Disabled: only the private endpoint reaches the account.
	PublicNetworkAccess string `json:"publicNetworkAccess"`
	// DisableLocalAuth: no primary or secondary keys, Microsoft Entra tokens only
	// (https://learn.microsoft.com/azure/cosmos-db/how-to-setup-rbac#disable-local-auth).
	DisableLocalAuth bool `json:"disableLocalAuth"`
	// DisableKeyBasedMetadataWriteAccess: databases and containers change only through ARM.
	DisableKeyBasedMetadataWriteAccess bool `json:"disableKeyBasedMetadataWriteAccess"`
	// MinimalTLSVersion Tls12 refuses TLS 1.0 and 1.1.
	MinimalTLSVersion string `json:"minimalTlsVersion"`
	// NetworkACLBypass None: no Azure service bypasses the network rules.
	NetworkACLBypass string             `json:"networkAclBypass"`
	Capabilities     []cosmosCapability `json:"capabilities"`
	BackupPolicy     cosmosBackupPolicy `json:"backupPolicy"`
}

// cosmosLocation is one region of the account.
type cosmosLocation struct {
	LocationName     string `json:"locationName"`
	FailoverPriority int    `json:"failoverPriority"`
	// IsZoneRedundant can only be chosen when the account is created.
	IsZoneRedundant bool `json:"isZoneRedundant"`
}

// cosmosConsistencyPolicy is the account's default consistency.
type cosmosConsistencyPolicy struct {
	DefaultConsistencyLevel string `json:"defaultConsistencyLevel"`
}

// cosmosCapability turns on an account capability such as EnableServerless.
type cosmosCapability struct {
	Name string `json:"name"`
}

// cosmosBackupPolicy is continuous (with its tier) or periodic.
type cosmosBackupPolicy struct {
	Type                     string                `json:"type"`
	ContinuousModeProperties *cosmosContinuousMode `json:"continuousModeProperties,omitempty"`
	PeriodicModeProperties   *cosmosPeriodicMode   `json:"periodicModeProperties,omitempty"`
}

// cosmosContinuousMode is the continuous backup's retention tier.
type cosmosContinuousMode struct {
	Tier string `json:"tier"`
}

// cosmosPeriodicMode is the periodic backup's schedule: Azure's defaults, kept in geo-redundant storage.
type cosmosPeriodicMode struct {
	BackupIntervalInMinutes        int    `json:"backupIntervalInMinutes"`
	BackupRetentionIntervalInHours int    `json:"backupRetentionIntervalInHours"`
	BackupStorageRedundancy        string `json:"backupStorageRedundancy"`
}

// backupPolicy is the ARM form of a backup choice.
func backupPolicy(backup CosmosBackup) cosmosBackupPolicy {
	if backup == CosmosBackupPeriodic {
		return cosmosBackupPolicy{Type: "Periodic", PeriodicModeProperties: &cosmosPeriodicMode{
			BackupIntervalInMinutes: 240, BackupRetentionIntervalInHours: 8, BackupStorageRedundancy: "Geo"}}
	}
	return cosmosBackupPolicy{Type: "Continuous", ContinuousModeProperties: &cosmosContinuousMode{Tier: string(backup)}}
}

// newAccount creates the account in one region with session consistency.
func (s cosmosScope) newAccount() (*resources.Resource, error) {
	args := s.args
	properties := cosmosAccountProperties{
		DatabaseAccountOfferType:           "Standard",
		Locations:                          []cosmosLocation{{LocationName: args.Location, FailoverPriority: 0, IsZoneRedundant: args.ZoneRedundant}},
		ConsistencyPolicy:                  cosmosConsistencyPolicy{DefaultConsistencyLevel: "Session"},
		PublicNetworkAccess:                "Disabled",
		DisableLocalAuth:                   true,
		DisableKeyBasedMetadataWriteAccess: true,
		MinimalTLSVersion:                  "Tls12",
		NetworkACLBypass:                   "None",
		Capabilities:                       []cosmosCapability{},
		BackupPolicy:                       backupPolicy(args.Backup),
	}
	if args.Serverless {
		properties.Capabilities = append(properties.Capabilities, cosmosCapability{Name: "EnableServerless"})
	}
	encoded, err := propertiesOf(properties)
	if err != nil {
		return nil, err
	}
	accountResourceName := naming.Child(s.name, naming.RoleCosmosAccount)
	return newARMResource(s.ctx, accountResourceName, armResource{
		resourceGroupName: args.ResourceGroupName, namespace: "Microsoft.DocumentDB", parentPath: pulumi.String(""),
		resourceType: "databaseAccounts", name: args.AccountName, apiVersion: CosmosDBAPIVersion,
		location: args.Location, kind: "GlobalDocumentDB", properties: encoded, tags: s.tags,
	}, s.parent, s.protect)
}

// cosmosResourceProperties are a database's or container's ARM properties: the resource and, for a
// container with provisioned throughput, its options.
type cosmosResourceProperties struct {
	Resource cosmosResource `json:"resource"`
	Options  *cosmosOptions `json:"options,omitempty"`
}

// cosmosResource is a database or container definition.
type cosmosResource struct {
	ID           string              `json:"id"`
	PartitionKey *cosmosPartitionKey `json:"partitionKey,omitempty"`
}

// cosmosPartitionKey is a container's hash partition key (version 2: keys up to 2 KB).
type cosmosPartitionKey struct {
	Paths   []string `json:"paths"`
	Kind    string   `json:"kind"`
	Version int      `json:"version"`
}

// cosmosOptions carry a container's autoscale throughput.
type cosmosOptions struct {
	AutoscaleSettings cosmosAutoscale `json:"autoscaleSettings"`
}

// cosmosAutoscale is the autoscale maximum in RU/s.
type cosmosAutoscale struct {
	MaxThroughput int `json:"maxThroughput"`
}

// newDatabaseAndContainer creates the database (no shared throughput) and the container, with
// autoscale throughput unless the account is serverless, and the account's diagnostic setting.
func (s cosmosScope) newDatabaseAndContainer(account *resources.Resource) error {
	args := s.args
	accountName := account.Name
	database, err := propertiesOf(cosmosResourceProperties{Resource: cosmosResource{ID: args.DatabaseName}})
	if err != nil {
		return err
	}
	accountResourceName := naming.Child(s.name, naming.RoleCosmosAccount)
	if _, err := newARMResource(s.ctx, accountResourceName+"-"+args.DatabaseName, armResource{
		resourceGroupName: args.ResourceGroupName, namespace: "Microsoft.DocumentDB", parentPath: pulumi.Sprintf("databaseAccounts/%s", accountName),
		resourceType: "sqlDatabases", name: pulumi.String(args.DatabaseName), apiVersion: CosmosDBAPIVersion, properties: database,
	}, s.parent, s.protect); err != nil {
		return err
	}
	container := cosmosResourceProperties{Resource: cosmosResource{ID: args.ContainerName,
		PartitionKey: &cosmosPartitionKey{Paths: []string{args.PartitionKeyPath}, Kind: "Hash", Version: 2}}}
	if !args.Serverless {
		container.Options = &cosmosOptions{AutoscaleSettings: cosmosAutoscale{MaxThroughput: args.AutoscaleMaxThroughput}}
	}
	encoded, err := propertiesOf(container)
	if err != nil {
		return err
	}
	if _, err := newARMResource(s.ctx, accountResourceName+"-"+args.DatabaseName+"-"+args.ContainerName, armResource{
		resourceGroupName: args.ResourceGroupName, namespace: "Microsoft.DocumentDB",
		parentPath:   pulumi.Sprintf("databaseAccounts/%s/sqlDatabases/%s", accountName, args.DatabaseName),
		resourceType: "containers", name: pulumi.String(args.ContainerName), apiVersion: CosmosDBAPIVersion, properties: encoded,
	}, s.parent, s.protect); err != nil {
		return err
	}
	_, err = newDiagnosticSetting(s.ctx, accountResourceName, ResourceTypeCosmosDBAccount, account.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, s.parent)
	return err
}

// cosmosRoleAssignmentProperties are a data-plane role assignment's ARM properties (sqlRoleAssignments).
type cosmosRoleAssignmentProperties struct {
	RoleDefinitionID string `json:"roleDefinitionId"`
	PrincipalID      string `json:"principalId"`
	Scope            string `json:"scope"`
}

// newDataContributor grants the client identity the Cosmos DB Built-in Data Contributor role on the
// account. It is a data-plane assignment (Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments), not
// an Azure RBAC one: Azure RBAC roles give no access to items when keys are off. Cosmos DB looks the
// principal up in Microsoft Entra ID and refuses one that has not replicated yet
// (pulumi/pulumi-azure-native#2816); the assignment waits for the account, minutes after the identity.
func (s cosmosScope) newDataContributor(account *resources.Resource, identity *managedidentity.UserAssignedIdentity) error {
	accountID := account.ID().ToStringOutput()
	properties := pulumi.All(accountID, identity.PrincipalId).ApplyT(func(values []any) (map[string]any, error) {
		id, principal := values[0].(string), values[1].(string)
		return armProperties(cosmosRoleAssignmentProperties{
			RoleDefinitionID: id + "/sqlRoleDefinitions/" + CosmosDataContributorRoleID, PrincipalID: principal, Scope: id})
	})
	assignmentName := naming.Child(s.name, naming.RoleCosmosIdentity) + "-data-contributor"
	_, err := newARMResource(s.ctx, assignmentName, armResource{
		resourceGroupName: s.args.ResourceGroupName, namespace: "Microsoft.DocumentDB", parentPath: pulumi.Sprintf("databaseAccounts/%s", account.Name),
		resourceType: "sqlRoleAssignments", name: pulumi.String(NameGUID(s.name + "/cosmos-data-contributor")), apiVersion: CosmosDBAPIVersion,
		properties: properties,
	}, s.parent)
	return err
}
