// SQLDatabase component: an Azure SQL server with Entra-only authentication, audited, reachable only
// privately, and a workload identity that AKS pods connect with.

package components

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/sql/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// SQLDatabaseType is the SQLDatabase component's type token.
const SQLDatabaseType = Project + ":data:SQLDatabase"

// WorkloadIdentityAudience is the token audience AKS workload identity federation uses
// (https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster).
const WorkloadIdentityAudience = "api://AzureADTokenExchange"

// WorkloadIdentityArgs names the Kubernetes service account that may act as the database client.
type WorkloadIdentityArgs struct {
	// IssuerURL is the cluster's OIDC issuer.
	IssuerURL pulumi.StringInput
	// Namespace and ServiceAccount identify the pods' service account.
	Namespace, ServiceAccount string
}

// SQLDatabaseArgs configures the SQLDatabase component.
type SQLDatabaseArgs struct {
	// ResourceGroupName holds the server, database and client identity.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// ServerName is the logical server's globally unique name.
	ServerName pulumi.StringInput
	// TenantID is the Microsoft Entra tenant of the administrator group.
	TenantID pulumi.StringInput
	// AdministratorGroupName and AdministratorGroupObjectID identify the Entra group that administers
	// the server: the only administrators, since SQL authentication is off.
	AdministratorGroupName, AdministratorGroupObjectID string
	// DatabaseName is the application database.
	DatabaseName string
	// DatabaseSKU is its service objective (e.g. GP_S_Gen5_1).
	DatabaseSKU string
	// ZoneRedundant spreads the database across availability zones.
	ZoneRedundant bool
	// Protected sets Pulumi's protect on the server and database.
	Protected bool
	// Client is the workload identity pods connect with.
	Client WorkloadIdentityArgs
	// LogAnalyticsWorkspaceID receives the audit records and the database's diagnostics.
	LogAnalyticsWorkspaceID pulumi.StringInput
	// AlertEmail receives Microsoft Defender for SQL's threat alerts (SQL injection, anomalous access,
	// brute force, data exfiltration).
	AlertEmail string
	// Tags are put on every taggable resource.
	Tags map[string]string
}

// SQLDatabase is the server, its database and the client identity.
type SQLDatabase struct {
	pulumi.ResourceState

	// ServerID is the logical server's ARM ID (the private endpoint target).
	ServerID pulumi.StringOutput `pulumi:"serverId"`
	// ServerFQDN is the server's host name; it resolves privately through the private endpoint.
	ServerFQDN pulumi.StringOutput `pulumi:"serverFqdn"`
	// ClientID is the client identity's client ID, the service account's azure.workload.identity/client-id.
	ClientID pulumi.StringOutput `pulumi:"clientId"`
	// ClientName is the client identity's name, the database user an administrator creates.
	ClientName pulumi.StringOutput `pulumi:"clientName"`
	// ConnectionString is a password-free ADO.NET connection string for workload identity.
	ConnectionString pulumi.StringOutput `pulumi:"connectionString"`
	// GrantScript is the T-SQL an administrator runs once in the database to let the client in.
	GrantScript pulumi.StringOutput `pulumi:"grantScript"`
}

// sqlScope is what every resource of one SQLDatabase component is created with.
type sqlScope struct {
	scope
	// args configures the component.
	args *SQLDatabaseArgs
	// protect sets Pulumi's protect on the server and the database (args.Protected).
	protect pulumi.ResourceOption
}

// serverResourceName is the logical server's resource name, the base of its children's names.
func (s sqlScope) serverResourceName() string {
	return naming.Child(s.name, naming.RoleSQLServer)
}

// NewSQLDatabase creates the server (Entra-only, public access disabled, TLS 1.2, outbound restricted),
// its auditing to Log Analytics, the database, and the federated client identity. The private endpoint
// is created by the PrivateEndpoints component with group ID sqlServer.
func NewSQLDatabase(ctx *pulumi.Context, name string, args *SQLDatabaseArgs, opts ...pulumi.ResourceOption) (*SQLDatabase, error) {
	if args == nil {
		return nil, errors.New("creating SQL database: args are required")
	}
	component := &SQLDatabase{}
	if err := ctx.RegisterComponentResource(SQLDatabaseType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering SQL database %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)
	s := sqlScope{scope: scope{ctx: ctx, name: name, parent: parent, tags: tags}, args: args, protect: pulumi.Protect(args.Protected)}

	server, err := s.newServer()
	if err != nil {
		return nil, err
	}
	if err := s.newServerPolicies(server); err != nil {
		return nil, err
	}
	if err := s.newDatabase(server); err != nil {
		return nil, err
	}
	identity, err := s.newClientIdentity()
	if err != nil {
		return nil, err
	}

	component.ServerID = server.ID().ToStringOutput()
	component.ServerFQDN = server.FullyQualifiedDomainName
	component.ClientID = identity.ClientId
	component.ClientName = identity.Name
	component.ConnectionString = pulumi.Sprintf("Server=tcp:%s,1433;Database=%s;Authentication=Active Directory Workload Identity;Encrypt=True;TrustServerCertificate=False",
		server.FullyQualifiedDomainName, args.DatabaseName)
	component.GrantScript = identity.Name.ApplyT(GrantScript).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering SQL database %s outputs: %w", name, err)
	}
	return component, nil
}

// newServer creates the logical server: the Entra group as its only administrator, public network
// access disabled, TLS 1.2, outbound access restricted, and a system-assigned identity.
func (s sqlScope) newServer() (*sql.Server, error) {
	ctx, args, parent, tags := s.ctx, s.args, s.parent, s.tags
	serverResourceName := s.serverResourceName()
	server, err := sql.NewServer(ctx, serverResourceName, &sql.ServerArgs{
		ServerName:        args.ServerName,
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Version:           pulumi.String("12.0"),
		// No SQL logins: the Entra group is the only administrator
		// (https://learn.microsoft.com/azure/azure-sql/database/authentication-azure-ad-only-authentication-create-server).
		Administrators: &sql.ServerExternalAdministratorArgs{
			AdministratorType:         pulumi.String("ActiveDirectory"),
			AzureADOnlyAuthentication: pulumi.Bool(true),
			PrincipalType:             pulumi.String("Group"),
			Login:                     pulumi.String(args.AdministratorGroupName),
			Sid:                       pulumi.String(args.AdministratorGroupObjectID),
			TenantId:                  args.TenantID,
		},
		PublicNetworkAccess:           pulumi.String("Disabled"),
		MinimalTlsVersion:             pulumi.String("1.2"),
		RestrictOutboundNetworkAccess: pulumi.String("Enabled"),
		Identity:                      &sql.ResourceIdentityArgs{Type: pulumi.String("SystemAssigned")},
		Tags:                          tags,
	}, parent, s.protect)
	if err != nil {
		return nil, fmt.Errorf("creating SQL server %s: %w", serverResourceName, err)
	}
	return server, nil
}

// newServerPolicies creates the server's settings that are child resources: Entra-only authentication,
// auditing to Azure Monitor with the master database's diagnostic setting, and Defender for SQL's
// threat alerts.
func (s sqlScope) newServerPolicies(server *sql.Server) error {
	ctx, args, parent := s.ctx, s.args, s.parent
	serverResourceName := s.serverResourceName()
	// Later changes to Entra-only authentication go through this child resource, never the inline
	// property, so it is declared to keep the setting enforced and visible in every preview.
	if _, err := sql.NewServerAzureADOnlyAuthentication(ctx, serverResourceName+"-entra-only", &sql.ServerAzureADOnlyAuthenticationArgs{
		AuthenticationName:        pulumi.String("Default"),
		ServerName:                server.Name,
		ResourceGroupName:         args.ResourceGroupName,
		AzureADOnlyAuthentication: pulumi.Bool(true),
	}, parent); err != nil {
		return fmt.Errorf("enforcing Entra-only authentication on %s: %w", serverResourceName, err)
	}

	// Server auditing to Azure Monitor writes through the master database's diagnostic setting
	// (https://learn.microsoft.com/azure/azure-sql/database/auditing-setup#remarks).
	if _, err := sql.NewServerBlobAuditingPolicy(ctx, serverResourceName+"-auditing", &sql.ServerBlobAuditingPolicyArgs{
		BlobAuditingPolicyName:      pulumi.String("default"),
		ServerName:                  server.Name,
		ResourceGroupName:           args.ResourceGroupName,
		State:                       sql.BlobAuditingPolicyStateEnabled,
		IsAzureMonitorTargetEnabled: pulumi.Bool(true),
	}, parent); err != nil {
		return fmt.Errorf("enabling auditing on %s: %w", serverResourceName, err)
	}
	// Advanced Threat Protection (Microsoft Defender for SQL at server level): every alert type on,
	// mailed to the platform's alert address. Alerts also reach Defender for Cloud; no storage account
	// is needed (https://learn.microsoft.com/azure/azure-sql/database/threat-detection-configure).
	if _, err := sql.NewServerSecurityAlertPolicy(ctx, serverResourceName+"-threat-alerts", &sql.ServerSecurityAlertPolicyArgs{
		SecurityAlertPolicyName: pulumi.String("Default"),
		ServerName:              server.Name,
		ResourceGroupName:       args.ResourceGroupName,
		State:                   sql.SecurityAlertsPolicyStateEnabled,
		DisabledAlerts:          pulumi.StringArray{},
		EmailAddresses:          pulumi.StringArray{pulumi.String(args.AlertEmail)},
		EmailAccountAdmins:      pulumi.Bool(false),
	}, parent); err != nil {
		return fmt.Errorf("enabling threat alerts on %s: %w", serverResourceName, err)
	}
	masterID := pulumi.Sprintf("%s/databases/master", server.ID().ToStringOutput())
	if _, err := newDiagnosticSettingWith(ctx, naming.Child(serverResourceName, naming.RoleSQLAudit), sqlAuditProfile, masterID, args.LogAnalyticsWorkspaceID, parent); err != nil {
		return err
	}
	return nil
}

// newDatabase creates the application database of args.DatabaseSKU (zone-redundant with zone-redundant
// backups when asked, auto-pausing when serverless) and its diagnostic setting.
func (s sqlScope) newDatabase(server *sql.Server) error {
	ctx, args, parent, tags := s.ctx, s.args, s.parent, s.tags
	sku, err := ParseDatabaseSKU(args.DatabaseSKU)
	if err != nil {
		return fmt.Errorf("creating database %s: %w", args.DatabaseName, err)
	}
	databaseArgs := &sql.DatabaseArgs{
		DatabaseName:      pulumi.String(args.DatabaseName),
		ServerName:        server.Name,
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Sku: &sql.SkuArgs{
			Name: pulumi.String(sku.Name), Tier: pulumi.String(sku.Tier), Family: pulumi.String(sku.Family), Capacity: pulumi.Int(sku.Capacity),
		},
		ZoneRedundant: pulumi.Bool(args.ZoneRedundant),
		Tags:          tags,
	}
	if args.ZoneRedundant {
		databaseArgs.RequestedBackupStorageRedundancy = pulumi.String("Zone")
	}
	if sku.Serverless {
		// Serverless: pause after an idle hour, resume on the first connection; scale down to the
		// smallest minimum the size allows.
		databaseArgs.AutoPauseDelay = pulumi.Int(60)
		databaseArgs.MinCapacity = pulumi.Float64(sku.MinCapacity())
	}
	databaseResourceName := naming.Child(s.serverResourceName(), naming.RoleSQLDatabase)
	database, err := sql.NewDatabase(ctx, databaseResourceName, databaseArgs, parent, s.protect)
	if err != nil {
		return fmt.Errorf("creating database %s: %w", args.DatabaseName, err)
	}
	if _, err := newDiagnosticSetting(ctx, databaseResourceName, ResourceTypeSQLDatabase, database.ID().ToStringOutput(), args.LogAnalyticsWorkspaceID, parent); err != nil {
		return err
	}
	return nil
}

// newClientIdentity creates the identity pods connect to the database as.
func (s sqlScope) newClientIdentity() (*managedidentity.UserAssignedIdentity, error) {
	return newWorkloadIdentity(s.scope, naming.Child(s.name, naming.RoleSQLIdentity), s.args.ResourceGroupName, s.args.Location, s.args.Client)
}

// newWorkloadIdentity creates a user-assigned identity federated with the cluster's OIDC issuer for
// one service account, so its pods get the identity's tokens without a secret.
func newWorkloadIdentity(s scope, identityName string, resourceGroupName pulumi.StringInput, location string, client WorkloadIdentityArgs,
) (*managedidentity.UserAssignedIdentity, error) {
	identity, err := managedidentity.NewUserAssignedIdentity(s.ctx, identityName, &managedidentity.UserAssignedIdentityArgs{
		ResourceName:      pulumi.String(identityName),
		ResourceGroupName: resourceGroupName,
		Location:          pulumi.String(location),
		Tags:              s.tags,
	}, s.parent)
	if err != nil {
		return nil, fmt.Errorf("creating client identity %s: %w", identityName, err)
	}
	if _, err := managedidentity.NewFederatedIdentityCredential(s.ctx, identityName+"-federation", &managedidentity.FederatedIdentityCredentialArgs{
		FederatedIdentityCredentialResourceName: pulumi.String(naming.KubernetesFederatedCredential(client.Namespace, client.ServiceAccount)),
		ResourceName:                            identity.Name,
		ResourceGroupName:                       resourceGroupName,
		Issuer:                                  client.IssuerURL,
		Subject:                                 pulumi.String(ServiceAccountSubject(client.Namespace, client.ServiceAccount)),
		Audiences:                               pulumi.StringArray{pulumi.String(WorkloadIdentityAudience)},
	}, s.parent); err != nil {
		return nil, fmt.Errorf("federating client identity %s: %w", identityName, err)
	}
	return identity, nil
}

// ServiceAccountSubject is the token subject of a Kubernetes service account.
func ServiceAccountSubject(namespace, serviceAccount string) string {
	return "system:serviceaccount:" + namespace + ":" + serviceAccount
}

// GrantScript returns the T-SQL that makes a managed identity a database user with read and write
// access (https://learn.microsoft.com/azure/azure-sql/database/authentication-aad-configure#create-contained-users-mapped-to-microsoft-entra-identities).
// Only an Entra principal can run it, so it cannot be part of the deployment.
func GrantScript(identityName string) string {
	user := "[" + strings.ReplaceAll(identityName, "]", "]]") + "]"
	return "CREATE USER " + user + " FROM EXTERNAL PROVIDER;\n" +
		"ALTER ROLE db_datareader ADD MEMBER " + user + ";\n" +
		"ALTER ROLE db_datawriter ADD MEMBER " + user + ";\n"
}

// DatabaseSKU is a vCore service objective split into the fields ARM returns, so a refresh never shows
// a difference between GP_S_Gen5_1 as written and {GP_S_Gen5, GeneralPurpose, Gen5, 1} as read.
type DatabaseSKU struct {
	// Name is the SKU name without the vCore count, e.g. GP_S_Gen5.
	Name string
	// Tier is DatabaseTierGeneralPurpose, DatabaseTierBusinessCritical or DatabaseTierHyperscale.
	Tier DatabaseTier
	// Family is the hardware, Gen5.
	Family string
	// Capacity is the (maximum) vCore count.
	Capacity int
	// Serverless marks General Purpose serverless compute.
	Serverless bool
}

// DatabaseTier is a vCore database's service tier, as ARM returns it in sku.tier.
type DatabaseTier string

// The vCore service tiers.
const (
	// DatabaseTierGeneralPurpose is remote storage, provisioned or serverless compute.
	DatabaseTierGeneralPurpose DatabaseTier = "GeneralPurpose"
	// DatabaseTierBusinessCritical is local SSD storage with replicas.
	DatabaseTierBusinessCritical DatabaseTier = "BusinessCritical"
	// DatabaseTierHyperscale is distributed storage that grows to 128 TB.
	DatabaseTierHyperscale DatabaseTier = "Hyperscale"
)

// objectivePrefix is the part of a vCore service objective before the hardware, which names its tier
// and compute model.
type objectivePrefix string

// The service objective prefixes.
const (
	// prefixServerless is General Purpose serverless compute.
	prefixServerless objectivePrefix = "GP_S"
	// prefixGeneralPurpose is General Purpose provisioned compute.
	prefixGeneralPurpose objectivePrefix = "GP"
	// prefixBusinessCritical is Business Critical.
	prefixBusinessCritical objectivePrefix = "BC"
	// prefixHyperscale is Hyperscale.
	prefixHyperscale objectivePrefix = "HS"
)

// databaseTiers maps a service objective's prefix to its tier.
var databaseTiers = map[objectivePrefix]DatabaseTier{
	prefixServerless: DatabaseTierGeneralPurpose, prefixGeneralPurpose: DatabaseTierGeneralPurpose,
	prefixBusinessCritical: DatabaseTierBusinessCritical, prefixHyperscale: DatabaseTierHyperscale,
}

// ParseDatabaseSKU splits a service objective such as GP_S_Gen5_2 (validated by the stack config).
func ParseDatabaseSKU(objective string) (DatabaseSKU, error) {
	cut := strings.LastIndex(objective, "_")
	if cut < 0 {
		return DatabaseSKU{}, fmt.Errorf("service objective %q has no vCore count", objective)
	}
	name, count := objective[:cut], objective[cut+1:]
	prefix, family, ok := strings.Cut(name, "_Gen")
	tier, known := databaseTiers[objectivePrefix(prefix)]
	capacity, err := strconv.Atoi(count)
	if !ok || !known || err != nil || capacity < 1 {
		return DatabaseSKU{}, fmt.Errorf("service objective %q is not <GP_S|GP|BC|HS>_Gen5_<vCores>", objective)
	}
	return DatabaseSKU{Name: name, Tier: tier, Family: "Gen" + family, Capacity: capacity, Serverless: objectivePrefix(prefix) == prefixServerless}, nil
}

// MinCapacity is the lowest minimum vCore count serverless compute allows for the size: 0.5, or an
// eighth of the maximum above 4 vCores (0.75 for 6, 1.25 for 10)
// (https://learn.microsoft.com/azure/azure-sql/database/resource-limits-vcore-single-databases#general-purpose---serverless-compute---standard-series-gen5).
func (s DatabaseSKU) MinCapacity() float64 {
	return max(0.5, float64(s.Capacity)/8)
}
