// Diagnostic settings: which logs and metrics each resource type sends to the Log Analytics workspace.

package components

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// ResourceType is an Azure Resource Manager resource type, such as
// Microsoft.Network/applicationGateways: what a diagnostic setting's categories depend on, and the
// namespace of the type's platform metrics.
type ResourceType string

// The resource types the platform sends diagnostics for (see diagnosticProfiles).
const (
	// ResourceTypeApplicationGateway is an Application Gateway.
	ResourceTypeApplicationGateway ResourceType = "Microsoft.Network/applicationGateways"
	// ResourceTypeAPIManagement is an API Management service.
	ResourceTypeAPIManagement ResourceType = "Microsoft.ApiManagement/service"
	// ResourceTypeManagedCluster is an AKS cluster.
	ResourceTypeManagedCluster ResourceType = "Microsoft.ContainerService/managedClusters"
	// ResourceTypeKeyVault is a key vault.
	ResourceTypeKeyVault ResourceType = "Microsoft.KeyVault/vaults"
	// ResourceTypeContainerRegistry is a container registry.
	ResourceTypeContainerRegistry ResourceType = "Microsoft.ContainerRegistry/registries"
	// ResourceTypeNetworkSecurityGroup is a network security group.
	ResourceTypeNetworkSecurityGroup ResourceType = "Microsoft.Network/networkSecurityGroups"
	// ResourceTypePublicIPAddress is a public IP address.
	ResourceTypePublicIPAddress ResourceType = "Microsoft.Network/publicIPAddresses"
	// ResourceTypeVirtualNetwork is a virtual network.
	ResourceTypeVirtualNetwork ResourceType = "Microsoft.Network/virtualNetworks"
	// ResourceTypeFirewall is an Azure Firewall.
	ResourceTypeFirewall ResourceType = "Microsoft.Network/azureFirewalls"
	// ResourceTypeBastionHost is an Azure Bastion host.
	ResourceTypeBastionHost ResourceType = "Microsoft.Network/bastionHosts"
	// ResourceTypeLogAnalyticsWorkspace is a Log Analytics workspace.
	ResourceTypeLogAnalyticsWorkspace ResourceType = "Microsoft.OperationalInsights/workspaces"
	// ResourceTypeVirtualMachine is a virtual machine.
	ResourceTypeVirtualMachine ResourceType = "Microsoft.Compute/virtualMachines"
	// ResourceTypeSQLDatabase is an Azure SQL database.
	ResourceTypeSQLDatabase ResourceType = "Microsoft.Sql/servers/databases"
	// ResourceTypeCosmosDBAccount is an Azure Cosmos DB account.
	ResourceTypeCosmosDBAccount ResourceType = "Microsoft.DocumentDB/databaseAccounts"
	// ResourceTypeFrontDoor is an Azure Front Door Standard/Premium profile.
	ResourceTypeFrontDoor ResourceType = "Microsoft.Cdn/profiles"
)

// diagnosticProfile is what one resource type exports through a diagnostic setting.
type diagnosticProfile struct {
	// logs are the log categories sent to the workspace.
	logs []string
	// metrics are the metric categories ("AllMetrics" for most types).
	metrics []string
	// resourceSpecific sends logs to the type's own tables (AGWAccessLogs, ApiManagementGatewayLogs,
	// AKSAuditAdmin, AZFW*, ...) instead of the shared AzureDiagnostics table: typed columns, cheaper
	// queries (https://learn.microsoft.com/azure/azure-monitor/essentials/resource-logs#resource-specific).
	resourceSpecific bool
}

// allMetrics is the metric category of every type that exports platform metrics.
var allMetrics = []string{"AllMetrics"}

// diagnosticProfiles maps each resource type the platform deploys that supports diagnostic settings to
// what it exports. Category names come from the supported-logs reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/logs-index). Types without diagnostic
// export (private endpoints, private DNS zones, route tables, firewall policies, identities, SQL
// logical servers) are absent; Application Insights is absent on purpose: workspace-based, its
// telemetry is already in the workspace and a setting would store it twice.
var diagnosticProfiles = map[ResourceType]diagnosticProfile{
	// Azure accepts the performance log for every SKU but only v1 gateways write it; it is kept so the
	// setting matches the documented category list, and v2 performance is in the metrics
	// (https://learn.microsoft.com/azure/application-gateway/application-gateway-diagnostics).
	ResourceTypeApplicationGateway: {
		logs: []string{"ApplicationGatewayAccessLog", "ApplicationGatewayPerformanceLog", "ApplicationGatewayFirewallLog"}, metrics: allMetrics, resourceSpecific: true,
	},
	ResourceTypeAPIManagement: {
		logs: []string{"GatewayLogs", "WebSocketConnectionLogs", "DeveloperPortalAuditLogs"}, metrics: allMetrics, resourceSpecific: true,
	},
	// kube-audit (every read) is left out: kube-audit-admin keeps every change at a fraction of the cost
	// (https://learn.microsoft.com/azure/aks/monitor-aks#aks-control-planeresource-logs).
	ResourceTypeManagedCluster: {
		logs:    []string{"kube-apiserver", "kube-audit-admin", "guard", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager"},
		metrics: allMetrics, resourceSpecific: true,
	},
	ResourceTypeKeyVault: {
		logs: []string{"AuditEvent"}, metrics: allMetrics, resourceSpecific: true,
	},
	ResourceTypeContainerRegistry: {
		logs: []string{"ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"}, metrics: allMetrics, resourceSpecific: true,
	},
	// Network security groups export no metrics.
	ResourceTypeNetworkSecurityGroup: {
		logs: []string{"NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"},
	},
	ResourceTypePublicIPAddress: {
		logs: []string{"DDoSProtectionNotifications", "DDoSMitigationFlowLogs", "DDoSMitigationReports"}, metrics: allMetrics,
	},
	ResourceTypeVirtualNetwork: {
		logs: []string{"VMProtectionAlerts"}, metrics: allMetrics,
	},
	// The structured AZFW* categories replace the legacy AzureFirewall* ones
	// (https://learn.microsoft.com/azure/firewall/firewall-structured-logs).
	ResourceTypeFirewall: {
		logs:    []string{"AZFWApplicationRule", "AZFWNetworkRule", "AZFWNatRule", "AZFWDnsQuery", "AZFWThreatIntel", "AZFWIdpsSignature", "AZFWFqdnResolveFailure"},
		metrics: allMetrics, resourceSpecific: true,
	},
	ResourceTypeBastionHost: {
		logs: []string{"BastionAuditLogs"}, metrics: allMetrics,
	},
	// Audit records every query run against the workspace (LAQueryLogs).
	ResourceTypeLogAnalyticsWorkspace: {
		logs: []string{"Audit"}, metrics: allMetrics, resourceSpecific: true,
	},
	// Virtual machines export only update-assessment logs; guest logs need the Azure Monitor agent.
	ResourceTypeVirtualMachine: {
		logs: []string{"SoftwareUpdateProfile", "SoftwareUpdates"},
	},
	// SQL databases: application database telemetry. Server-wide audit records go through the master
	// database's setting (sqlAuditProfile).
	// Cosmos DB: requests, queries and partition statistics in resource-specific tables (CDB*), which
	// the service recommends over AzureDiagnostics (cosmos-db/monitor-resource-logs.md); Requests is
	// its metric category.
	ResourceTypeCosmosDBAccount: {
		logs:             []string{"DataPlaneRequests", "QueryRuntimeStatistics", "PartitionKeyStatistics", "PartitionKeyRUConsumption", "ControlPlaneRequests"},
		metrics:          []string{"Requests"},
		resourceSpecific: true,
	},
	// Front Door: access, health probe and WAF logs (frontdoor/front-door-diagnostics.md), which go to
	// AzureDiagnostics.
	ResourceTypeFrontDoor: {
		logs:    []string{"FrontDoorAccessLog", "FrontDoorHealthProbeLog", "FrontDoorWebApplicationFirewallLog"},
		metrics: allMetrics,
	},
	ResourceTypeSQLDatabase: {
		logs:    []string{"SQLInsights", "AutomaticTuning", "QueryStoreRuntimeStatistics", "QueryStoreWaitStatistics", "Errors", "DatabaseWaitStatistics", "Timeouts", "Blocks", "Deadlocks"},
		metrics: []string{"Basic", "InstanceAndAppAdvanced", "WorkloadManagement"},
	},
}

// sqlAuditProfile is the master database's setting, where server-level auditing sends its records when
// isAzureMonitorTargetEnabled is on (https://learn.microsoft.com/azure/azure-sql/database/auditing-setup).
var sqlAuditProfile = diagnosticProfile{logs: []string{"SQLSecurityAuditEvents"}}

// DiagnosticResourceTypes lists the resource types the platform sends diagnostics for, sorted.
func DiagnosticResourceTypes() []ResourceType {
	types := slices.Collect(maps.Keys(diagnosticProfiles))
	slices.Sort(types)
	return types
}

// newDiagnosticSetting sends a resource's logs and metrics to the workspace, as resource name
// name+"-diagnostics". resourceType selects the categories from diagnosticProfiles.
func newDiagnosticSetting(ctx *pulumi.Context, name string, resourceType ResourceType, resourceID, workspaceID pulumi.StringInput,
	parent pulumi.ResourceOption,
) (*insights.DiagnosticSetting, error) {
	profile, ok := diagnosticProfiles[resourceType]
	if !ok {
		return nil, fmt.Errorf("creating diagnostic setting of %s: no diagnostic profile for %s", name, resourceType)
	}
	return newDiagnosticSettingWith(ctx, name, profile, resourceID, workspaceID, parent)
}

// newDiagnosticSettingWith creates a diagnostic setting with an explicit profile.
func newDiagnosticSettingWith(ctx *pulumi.Context, name string, profile diagnosticProfile, resourceID, workspaceID pulumi.StringInput,
	parent pulumi.ResourceOption,
) (*insights.DiagnosticSetting, error) {
	settingName := naming.Child(name, naming.RoleDiagnosticSetting)
	args := &insights.DiagnosticSettingArgs{
		Name:        pulumi.String(settingName),
		ResourceUri: resourceID,
		WorkspaceId: workspaceID,
	}
	logs := insights.LogSettingsArray{}
	for _, category := range profile.logs {
		logs = append(logs, &insights.LogSettingsArgs{Category: pulumi.String(category), Enabled: pulumi.Bool(true)})
	}
	metrics := insights.MetricSettingsArray{}
	for _, category := range profile.metrics {
		metrics = append(metrics, &insights.MetricSettingsArgs{Category: pulumi.String(category), Enabled: pulumi.Bool(true)})
	}
	args.Logs, args.Metrics = logs, metrics
	if profile.resourceSpecific {
		args.LogAnalyticsDestinationType = pulumi.String("Dedicated")
	}
	setting, err := insights.NewDiagnosticSetting(ctx, settingName, args, parent)
	if err != nil {
		return nil, fmt.Errorf("creating diagnostic setting %s: %w", settingName, err)
	}
	return setting, nil
}
