// Diagnostic settings: which logs and metrics each resource type sends to the Log Analytics workspace.
package components

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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
var diagnosticProfiles = map[string]diagnosticProfile{
	// Azure accepts the performance log for every SKU but only v1 gateways write it; it is kept so the
	// setting matches the documented category list, and v2 performance is in the metrics
	// (https://learn.microsoft.com/azure/application-gateway/application-gateway-diagnostics).
	"Microsoft.Network/applicationGateways": {
		logs: []string{"ApplicationGatewayAccessLog", "ApplicationGatewayPerformanceLog", "ApplicationGatewayFirewallLog"}, metrics: allMetrics, resourceSpecific: true,
	},
	"Microsoft.ApiManagement/service": {
		logs: []string{"GatewayLogs", "WebSocketConnectionLogs", "DeveloperPortalAuditLogs"}, metrics: allMetrics, resourceSpecific: true,
	},
	// kube-audit (every read) is left out: kube-audit-admin keeps every change at a fraction of the cost
	// (https://learn.microsoft.com/azure/aks/monitor-aks#aks-control-planeresource-logs).
	"Microsoft.ContainerService/managedClusters": {
		logs:    []string{"kube-apiserver", "kube-audit-admin", "guard", "kube-controller-manager", "kube-scheduler", "cluster-autoscaler", "cloud-controller-manager"},
		metrics: allMetrics, resourceSpecific: true,
	},
	"Microsoft.KeyVault/vaults": {
		logs: []string{"AuditEvent"}, metrics: allMetrics, resourceSpecific: true,
	},
	"Microsoft.ContainerRegistry/registries": {
		logs: []string{"ContainerRegistryRepositoryEvents", "ContainerRegistryLoginEvents"}, metrics: allMetrics, resourceSpecific: true,
	},
	// Network security groups export no metrics.
	"Microsoft.Network/networkSecurityGroups": {
		logs: []string{"NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"},
	},
	"Microsoft.Network/publicIPAddresses": {
		logs: []string{"DDoSProtectionNotifications", "DDoSMitigationFlowLogs", "DDoSMitigationReports"}, metrics: allMetrics,
	},
	"Microsoft.Network/virtualNetworks": {
		logs: []string{"VMProtectionAlerts"}, metrics: allMetrics,
	},
	// The structured AZFW* categories replace the legacy AzureFirewall* ones
	// (https://learn.microsoft.com/azure/firewall/firewall-structured-logs).
	"Microsoft.Network/azureFirewalls": {
		logs:    []string{"AZFWApplicationRule", "AZFWNetworkRule", "AZFWNatRule", "AZFWDnsQuery", "AZFWThreatIntel", "AZFWIdpsSignature", "AZFWFqdnResolveFailure"},
		metrics: allMetrics, resourceSpecific: true,
	},
	"Microsoft.Network/bastionHosts": {
		logs: []string{"BastionAuditLogs"}, metrics: allMetrics,
	},
	// Audit records every query run against the workspace (LAQueryLogs).
	"Microsoft.OperationalInsights/workspaces": {
		logs: []string{"Audit"}, metrics: allMetrics, resourceSpecific: true,
	},
	// Virtual machines export only update-assessment logs; guest logs need the Azure Monitor agent.
	"Microsoft.Compute/virtualMachines": {
		logs: []string{"SoftwareUpdateProfile", "SoftwareUpdates"},
	},
	// SQL databases: application database telemetry. Server-wide audit records go through the master
	// database's setting (sqlAuditProfile).
	"Microsoft.Sql/servers/databases": {
		logs:    []string{"SQLInsights", "AutomaticTuning", "QueryStoreRuntimeStatistics", "QueryStoreWaitStatistics", "Errors", "DatabaseWaitStatistics", "Timeouts", "Blocks", "Deadlocks"},
		metrics: []string{"Basic", "InstanceAndAppAdvanced", "WorkloadManagement"},
	},
}

// sqlAuditProfile is the master database's setting, where server-level auditing sends its records when
// isAzureMonitorTargetEnabled is on (https://learn.microsoft.com/azure/azure-sql/database/auditing-setup).
var sqlAuditProfile = diagnosticProfile{logs: []string{"SQLSecurityAuditEvents"}}

// DiagnosticResourceTypes lists the resource types the platform sends diagnostics for, sorted.
func DiagnosticResourceTypes() []string {
	types := make([]string, 0, len(diagnosticProfiles))
	for resourceType := range diagnosticProfiles {
		types = append(types, resourceType)
	}
	sort.Strings(types)
	return types
}

// newDiagnosticSetting sends a resource's logs and metrics to the workspace, as resource name
// name+"-diagnostics". resourceType selects the categories from diagnosticProfiles.
func newDiagnosticSetting(ctx *pulumi.Context, name, resourceType string, resourceID, workspaceID pulumi.StringInput,
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
	settingName := name + "-diagnostics"
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
