// Monitoring: every resource that can send diagnostics does, alerts watch every hop, and the outputs
// a user needs (endpoints, workspace, end-to-end query, certificate expiry) are there.

package tests

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	diagnosticSettingType = "azure-native:insights:DiagnosticSetting"
	workspaceType         = "azure-native:operationalinsights:Workspace"
	metricAlertType       = "azure-native:insights:MetricAlert"
	actionGroupType       = "azure-native:insights:ActionGroup"
)

// diagnosticExpectation is what one resource type must send, or why it sends nothing.
type diagnosticExpectation struct {
	// logs are the categories its setting must include.
	logs []string
	// exemption says why the type has no diagnostic setting; empty means it must have one.
	exemption string
}

// diagnosable classifies every azure-native type the platform creates: the log categories its
// diagnostic setting must include (an empty list: metrics only), or why it has none. Written from the
// supported-logs reference independently of the component table, so a type added without a setting,
// or a setting that drops a required category, fails here.
var diagnosable = map[string]diagnosticExpectation{
	"azure-native:network:ApplicationGateway":               {logs: []string{"ApplicationGatewayAccessLog", "ApplicationGatewayFirewallLog"}},
	"azure-native:apimanagement:ApiManagementService":       {logs: []string{"GatewayLogs", "WebSocketConnectionLogs"}},
	"azure-native:containerservice:ManagedCluster":          {logs: []string{"kube-apiserver", "kube-audit-admin", "guard"}},
	"azure-native:keyvault:Vault":                           {logs: []string{"AuditEvent"}},
	"azure-native:containerregistry:Registry":               {logs: []string{"ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"}},
	"azure-native:network:NetworkSecurityGroup":             {logs: []string{"NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"}},
	"azure-native:network:PublicIPAddress":                  {logs: []string{"DDoSProtectionNotifications"}},
	"azure-native:network:VirtualNetwork":                   {logs: []string{"VMProtectionAlerts"}},
	"azure-native:network:AzureFirewall":                    {logs: []string{"AZFWApplicationRule", "AZFWNetworkRule", "AZFWDnsQuery"}},
	"azure-native:network:BastionHost":                      {logs: []string{"BastionAuditLogs"}},
	"azure-native:operationalinsights:Workspace":            {logs: []string{"Audit"}},
	"azure-native:compute:VirtualMachine":                   {logs: []string{"SoftwareUpdates"}},
	"azure-native:sql:Database":                             {logs: []string{"SQLInsights", "Errors"}},
	"azure-native:sql:Server":                               {exemption: "server-level: audit records go through the master database's setting (checked below)"},
	"azure-native:insights:Component":                       {exemption: "workspace-based: its telemetry already lands in the workspace"},
	"azure-native:network:PrivateEndpoint":                  {exemption: "metrics are not exportable through diagnostic settings"},
	"azure-native:network:PrivateZone":                      {exemption: "metrics are not exportable through diagnostic settings"},
	"azure-native:network:NetworkInterface":                 {exemption: "metrics are not exportable through diagnostic settings"},
	"azure-native:network:RouteTable":                       {exemption: "no logs or metrics"},
	"azure-native:network:FirewallPolicy":                   {exemption: "no logs or metrics (the firewall logs its rule hits)"},
	"azure-native:managedidentity:UserAssignedIdentity":     {exemption: "no logs or metrics"},
	"azure-native:resources:ResourceGroup":                  {exemption: "activity log, not resource logs"},
	"azure-native:network:WebApplicationFirewallPolicy":     {exemption: "no logs (the gateway's firewall log records its matches)"},
	"azure-native:insights:ActionGroup":                     {exemption: "no logs or metrics"},
	"azure-native:insights:MetricAlert":                     {exemption: "no logs or metrics"},
	"azure-native:insights:DataCollectionRule":              {exemption: "what it collects is the workspace's data; its own error logs are a preview feature"},
	"azure-native:documentdb:DatabaseAccount":               {logs: []string{"DataPlaneRequests", "ControlPlaneRequests"}},
	"azure-native:cdn:Profile":                              {logs: []string{"FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog", "FrontDoorHealthProbeLog"}},
	"azure-native:network:Policy":                           {exemption: "no logs (the profile's WAF log records its matches)"},
	"azure-native:cdn:AFDEndpoint":                          {exemption: "logs and metrics are the profile's"},
	"azure-native:securityinsights:SentinelOnboardingState": {exemption: "Sentinel runs on the workspace, whose audit log is exported"},
	"azure-native:insights:SubscriptionDiagnosticSetting":   {exemption: "it is the subscription's diagnostic setting (the activity log)"},
}

// childResourceTypes are settings and sub-resources of another resource: they have no diagnostics of
// their own.
var childResourceTypes = []string{
	"azure-native:insights:DiagnosticSetting", "azure-native:authorization:RoleAssignment", "azure-native:keyvault:Secret",
	"azure-native:network:PrivateDnsZoneGroup", "azure-native:network:VirtualNetworkLink", "azure-native:network:PrivateRecordSet",
	"azure-native:network:FirewallPolicyRuleCollectionGroup", "azure-native:containerservice:MaintenanceConfiguration",
	"azure-native:compute:VirtualMachineExtension", "azure-native:managedidentity:FederatedIdentityCredential",
	"azure-native:sql:ServerAzureADOnlyAuthentication", "azure-native:sql:ServerBlobAuditingPolicy", "azure-native:sql:ServerSecurityAlertPolicy",
	"azure-native:apimanagement:Api", "azure-native:apimanagement:ApiOperation", "azure-native:apimanagement:ApiPolicy",
	"azure-native:apimanagement:ApiDiagnostic", "azure-native:apimanagement:Backend", "azure-native:apimanagement:Certificate",
	"azure-native:apimanagement:Logger", "azure-native:apimanagement:Diagnostic", "azure-native:apimanagement:Product",
	"azure-native:apimanagement:ProductApi", "azure-native:apimanagement:Subscription", "azure-native:insights:DataCollectionRuleAssociation", "azure-native:network:Route", "azure-native:network:SecurityRule",
	"azure-native:documentdb:SqlResourceSqlDatabase", "azure-native:documentdb:SqlResourceSqlContainer", "azure-native:documentdb:SqlResourceSqlRoleAssignment",
	"azure-native:securityinsights:ASCDataConnector", "azure-native:cdn:AFDCustomDomain", "azure-native:cdn:AFDOriginGroup", "azure-native:cdn:AFDOrigin",
	"azure-native:cdn:Route", "azure-native:cdn:SecurityPolicy", "azure-native:network:VirtualNetworkPeering",
}

// TestEveryDiagnosableResourceSendsDiagnostics is the coverage test: in every stack variant, each
// recorded resource of a type that supports diagnostic settings has one, to the platform's workspace,
// with the required categories, and every other type is exempt for a stated reason.
func TestEveryDiagnosableResourceSendsDiagnostics(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runVariant(t, variant)
			workspaces := recording.OfType(workspaceType)
			require.Len(t, workspaces, 1)
			settings := map[string]*harness.Resource{}
			for _, setting := range recording.OfType(diagnosticSettingType) {
				assert.Equal(t, workspaces[0].ID, setting.InputString("workspaceId"), "%s sends to the platform workspace", setting.Name)
				_, duplicate := settings[setting.InputString("resourceUri")]
				assert.False(t, duplicate, "one setting per resource (%s)", setting.InputString("resourceUri"))
				settings[setting.InputString("resourceUri")] = setting
			}
			covered := 0
			for _, res := range recording.Resources {
				if !strings.HasPrefix(res.Type, "azure-native:") || isChildResource(res.TypeKey()) {
					continue
				}
				expectation, known := classify(res.TypeKey())
				require.True(t, known, "classify %s as diagnosable or exempt in this test", res.TypeKey())
				if expectation.exemption != "" {
					continue
				}
				setting, ok := settings[res.ID]
				if !assert.True(t, ok, "%s %s has no diagnostic setting", res.Type, res.Name) {
					continue
				}
				covered++
				categories := enabledCategories(setting, "logs")
				for _, category := range expectation.logs {
					assert.Contains(t, categories, category, "%s sends %s", res.Name, category)
				}
			}
			// A landing zone's network and groups are its own, with its own settings.
			assert.Greater(t, covered, 8, "the coverage test saw the platform's resources")
		})
	}
}

// TestSQLServerAuditGoesToTheWorkspace checks server auditing: Azure Monitor as the target, and the
// master database's diagnostic setting carrying SQLSecurityAuditEvents.
func TestSQLServerAuditGoesToTheWorkspace(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", everyFeature...)
	servers := recording.OfType("azure-native:sql:Server")
	require.Len(t, servers, 1)
	auditing := recording.OfType("azure-native:sql:ServerBlobAuditingPolicy")
	require.Len(t, auditing, 1)
	assert.Equal(t, "Enabled", auditing[0].InputString("state"))
	assert.Equal(t, true, auditing[0].Input("isAzureMonitorTargetEnabled"))
	var master *harness.Resource
	for _, setting := range recording.OfType(diagnosticSettingType) {
		if setting.InputString("resourceUri") == servers[0].ID+"/databases/master" {
			master = setting
		}
	}
	require.NotNil(t, master, "the master database has a diagnostic setting")
	assert.Equal(t, []string{"SQLSecurityAuditEvents"}, enabledCategories(master, "logs"))
}

// TestResourceSpecificTablesFeedTheEndToEndQuery checks the query's sources exist: the gateway and API
// Management log to their own tables (the query reads AGWAccessLogs and ApiManagementGatewayLogs), API
// Management records the trace header the query joins on, and the policy forwards it to the cluster.
func TestResourceSpecificTablesFeedTheEndToEndQuery(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	for _, target := range []*harness.Resource{applicationGateway(t, recording), apimService(t, recording)} {
		var setting *harness.Resource
		for _, candidate := range recording.OfType(diagnosticSettingType) {
			if candidate.InputString("resourceUri") == target.ID {
				setting = candidate
			}
		}
		require.NotNil(t, setting)
		assert.Equal(t, "Dedicated", setting.InputString("logAnalyticsDestinationType"), "%s logs to resource-specific tables", target.Name)
	}
	gatewayLog := apimEntity(t, recording, "Diagnostic")
	assert.Equal(t, "azuremonitor", gatewayLog.InputString("diagnosticId"))
	assert.Equal(t, apimService(t, recording).ID+"/loggers/azuremonitor", gatewayLog.InputString("loggerId"))
	assert.Equal(t, []any{apimpolicy.TraceHeader}, gatewayLog.Input("frontend.request.headers"), "the gateway log records the trace header")
	serviceSetting := recording.Find(diagnosticSettingType, apimService(t, recording).Name+"-diagnostics")
	require.NotNil(t, serviceSetting)
	assert.True(t, gatewayLog.DependsOn(serviceSetting), "the resource logs the azuremonitor logger feeds are on first")

	query, ok := recording.Outputs["endToEndQuery"].Value.(string)
	require.True(t, ok, "the stack exports the end-to-end query")
	for _, want := range []string{"AGWAccessLogs", "TransactionId", "ApiManagementGatewayLogs", `RequestHeaders))["x-appgw-trace-id"]`,
		"ContainerLogV2", `PodNamespace in ("aks-istio-ingress", "echo")`, "join kind=leftouter apim on TraceId", "join kind=leftouter cluster on TraceId"} {
		assert.Contains(t, query, want)
	}
	assert.Equal(t, strings.Count(query, "("), strings.Count(query, ")"), "balanced parentheses")
	assert.Contains(t, components.EndToEndQuery(components.ApplicationGatewayAccessLogStep, []string{"app-routing-system", "echo"}), `PodNamespace in ("app-routing-system", "echo")`,
		"the query follows the ingress controller's namespace")
}

// queriedTables returns the Log Analytics tables a Kusto query reads: the table that starts the query
// or a let statement.
func queriedTables(query string) []string {
	var tables []string
	for _, match := range regexp.MustCompile(`(?m)^(?:let\s+\w+\s*=\s*)?([A-Z][A-Za-z0-9_]*)$`).FindAllStringSubmatch(query, -1) {
		if !slices.Contains(tables, match[1]) {
			tables = append(tables, match[1])
		}
	}
	return tables
}

// diagnosticTables maps the resource-specific tables the queries read to the resource type and
// diagnostic category that fill them (azure-monitor/reference/tables): filled only by a setting of that
// category with the Dedicated destination.
var diagnosticTables = map[string]struct{ resourceType, category string }{
	"AGWAccessLogs":            {"azure-native:network:ApplicationGateway", "ApplicationGatewayAccessLog"},
	"ApiManagementGatewayLogs": {"azure-native:apimanagement:ApiManagementService", "GatewayLogs"},
}

// TestEveryQueriedTableHasADataSource checks that every table a stack-output query reads is filled by
// something the stack configures: resource-specific tables by a Dedicated diagnostic setting of their
// category to the workspace; ContainerLogV2 by a Container insights data collection rule with the
// Microsoft-ContainerLogV2 stream to the workspace, associated with the cluster. A query over a table
// nothing writes returns nothing and looks like a quiet platform.
func TestEveryQueriedTableHasADataSource(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runVariant(t, variant)
			workspace := single(t, recording.OfType(workspaceType), "workspace", func(*harness.Resource) bool { return true })
			checked := 0
			for name, output := range recording.Outputs {
				query, ok := output.Value.(string)
				if !ok || !strings.HasSuffix(name, "Query") {
					continue
				}
				tables := queriedTables(query)
				require.NotEmpty(t, tables, "%s reads a table", name)
				for _, table := range tables {
					checked++
					if table == "ContainerLogV2" {
						assertContainerLogsAreCollected(t, recording, workspace)
						continue
					}
					if table == "AzureDiagnostics" {
						assertFrontDoorLogsAreCollected(t, recording, workspace, query)
						continue
					}
					source, known := diagnosticTables[table]
					require.True(t, known, "%s reads %s, which no known data source fills", name, table)
					target := single(t, recording.OfType(source.resourceType), source.resourceType, func(*harness.Resource) bool { return true })
					setting := single(t, recording.OfType(diagnosticSettingType), "setting of "+target.Name, func(res *harness.Resource) bool {
						return res.InputString("resourceUri") == target.ID
					})
					assert.Equal(t, workspace.ID, setting.InputString("workspaceId"))
					assert.Equal(t, "Dedicated", setting.InputString("logAnalyticsDestinationType"), "%s is a resource-specific table", table)
					assert.Contains(t, enabledCategories(setting, "logs"), source.category, "%s is filled by %s", table, source.category)
				}
			}
			assert.GreaterOrEqual(t, checked, 5, "the end-to-end, API Management errors and ingress queries were checked")
		})
	}
}

// assertFrontDoorLogsAreCollected checks that a query over AzureDiagnostics reads Front Door's rows and
// that the profile's setting writes them there: Front Door's access and WAF logs go to AzureDiagnostics
// (no Dedicated destination), and only a setting with those categories fills it.
func assertFrontDoorLogsAreCollected(t *testing.T, recording *harness.Recording, workspace *harness.Resource, query string) {
	t.Helper()
	assert.Contains(t, query, `ResourceProvider == "MICROSOFT.CDN"`, "the query reads Front Door's rows of the shared table")
	profile := single(t, recording.OfType("azure-native:cdn:Profile"), "Front Door profile", func(*harness.Resource) bool { return true })
	setting := single(t, recording.OfType(diagnosticSettingType), "setting of "+profile.Name, func(res *harness.Resource) bool {
		return res.InputString("resourceUri") == profile.ID
	})
	assert.Equal(t, workspace.ID, setting.InputString("workspaceId"))
	assert.Empty(t, setting.InputString("logAnalyticsDestinationType"), "Front Door's logs are in AzureDiagnostics")
	for _, category := range []string{"FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog"} {
		assert.Contains(t, enabledCategories(setting, "logs"), category)
	}
}

// assertContainerLogsAreCollected checks that ContainerLogV2 is filled: the monitoring add-on with
// managed identity authentication, a data collection rule sending Microsoft-ContainerLogV2 (with
// ContainerLogV2 on) to the workspace, and its association with the cluster.
func assertContainerLogsAreCollected(t *testing.T, recording *harness.Recording, workspace *harness.Resource) {
	t.Helper()
	cluster := stackCluster(t, recording)
	assert.Equal(t, true, cluster.Input("addonProfiles.omsagent.enabled"))
	assert.Equal(t, "true", cluster.InputString("addonProfiles.omsagent.config.useAADAuth"))
	rule := single(t, recording.OfType("azure-native:insights:DataCollectionRule"), "Container insights rule", func(*harness.Resource) bool { return true })
	assert.Equal(t, components.ContainerInsightsRuleName(cluster.InputString("location"), cluster.OutputString("name")), rule.InputString("dataCollectionRuleName"))
	assert.LessOrEqual(t, len(rule.InputString("dataCollectionRuleName")), 64)
	extension := rule.Input("dataSources.extensions[0]").(map[string]any)
	assert.Equal(t, "ContainerInsights", extension["extensionName"])
	assert.Contains(t, extension["streams"], "Microsoft-ContainerLogV2")
	assert.Equal(t, true, rule.Input("dataSources.extensions[0].extensionSettings.dataCollectionSettings.enableContainerLogV2"))
	destinations, _ := rule.Input("destinations.logAnalytics").([]any)
	require.Len(t, destinations, 1)
	assert.Equal(t, workspace.ID, destinations[0].(map[string]any)["workspaceResourceId"])
	flows, _ := rule.Input("dataFlows").([]any)
	require.Len(t, flows, 1)
	assert.Contains(t, flows[0].(map[string]any)["streams"], "Microsoft-ContainerLogV2")
	assert.Equal(t, []any{destinations[0].(map[string]any)["name"]}, flows[0].(map[string]any)["destinations"])
	association := single(t, recording.OfType("azure-native:insights:DataCollectionRuleAssociation"), "association", func(*harness.Resource) bool { return true })
	assert.Equal(t, cluster.ID, association.InputString("resourceUri"), "associated with the cluster")
	assert.Equal(t, rule.ID, association.InputString("dataCollectionRuleId"))
	assert.Equal(t, components.ContainerInsightsAssociation, association.InputString("associationName"))
}

// TestTroubleshootingQueries checks the two queries the runbook reads failures with: API Management's
// failed requests with their recorded error, and the ingress controller's log lines in the namespace of
// the configured controller.
func TestTroubleshootingQueries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		edits     []harness.Edit
		namespace string
	}{
		{"Istio", nil, components.IstioIngressNamespace},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recording := runStack(t, "dev", tc.edits...)
			errorsQuery, ok := recording.Outputs["apiManagementErrorsQuery"].Value.(string)
			require.True(t, ok, "the stack exports the API Management errors query")
			for _, want := range []string{"ApiManagementGatewayLogs", "LastErrorReason", "LastErrorMessage", "BackendResponseCode", `["x-appgw-trace-id"]`} {
				assert.Contains(t, errorsQuery, want)
			}
			ingressQuery, ok := recording.Outputs["ingressLogQuery"].Value.(string)
			require.True(t, ok, "the stack exports the ingress log query")
			assert.Contains(t, ingressQuery, "ContainerLogV2")
			assert.Contains(t, ingressQuery, fmt.Sprintf("PodNamespace == %q", tc.namespace))
			for _, query := range []string{errorsQuery, ingressQuery} {
				assert.Equal(t, strings.Count(query, "("), strings.Count(query, ")"), "balanced parentheses")
			}
		})
	}
}

// TestAlertsWatchEveryHop checks the action group and the metric alerts: one rule per hop signal, each
// scoped to its resource, evaluated against the documented metric, and sent to the action group.
func TestAlertsWatchEveryHop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		edits []harness.Edit
		email string
	}{
		{"dev alerts the publisher by default", "dev", nil, "platform-team@contoso.example"},
		{"prod with its own alert address", "prod", []harness.Edit{harness.Set("monitoring.alertEmail", "oncall@contoso.example")}, "oncall@contoso.example"},
		{"prod with front door", "prod", edgeAndData, "platform-team@contoso.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recording := runStack(t, tc.stack, tc.edits...)
			groups := recording.OfType(actionGroupType)
			require.Len(t, groups, 1)
			group := groups[0]
			assert.Equal(t, tc.email, group.InputString("emailReceivers[0].emailAddress"))
			assert.Equal(t, true, group.Input("emailReceivers[0].useCommonAlertSchema"))
			assert.LessOrEqual(t, len(group.InputString("groupShortName")), 12, "Azure limits short names to 12 characters")
			assert.Equal(t, tc.email, recording.Outputs["alertEmail"].Value)

			targets := map[components.AlertTarget]string{
				components.AlertApplicationGateway: applicationGateway(t, recording).ID,
				components.AlertAPIManagement:      apimService(t, recording).ID,
				components.AlertKubernetes:         single(t, recording.OfType(clusterType), "cluster", func(*harness.Resource) bool { return true }).ID,
			}
			for _, profile := range recording.OfType("azure-native:cdn:Profile") {
				targets[components.AlertFrontDoor] = profile.ID
			}
			var rules []components.MetricAlertRule
			for _, rule := range components.PlatformAlertRules {
				if _, watched := targets[rule.Target]; watched {
					rules = append(rules, rule)
				}
			}
			alerts := recording.OfType(metricAlertType)
			require.Len(t, alerts, len(rules), "a rule for every hop the stack has, and none for one it lacks")
			for _, rule := range rules {
				alert := recording.Find(metricAlertType, "apiplat-"+tc.stack+"-"+rule.Name)
				require.NotNil(t, alert, rule.Name)
				assert.Equal(t, []any{targets[rule.Target]}, alert.Input("scopes"), "%s watches its resource", rule.Name)
				assert.Equal(t, "global", alert.InputString("location"))
				assert.Equal(t, group.ID, alert.InputString("actions[0].actionGroupId"))
				assert.Equal(t, "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", alert.InputString("criteria.odataType"))
				assert.Equal(t, rule.MetricName, alert.InputString("criteria.allOf[0].metricName"))
				assert.Equal(t, rule.MetricNamespace, alert.InputString("criteria.allOf[0].metricNamespace"))
				assert.Equal(t, "StaticThresholdCriterion", alert.InputString("criteria.allOf[0].criterionType"))
				assert.True(t, strings.HasPrefix(rule.MetricNamespace, "Microsoft."), "the namespace is the watched resource's type")
				assert.Equal(t, armType(targets[rule.Target]), strings.ToLower(rule.MetricNamespace), "%s's metric belongs to its target's type", rule.Name)
			}
		})
	}
}

// TestAlertRulesWatchTheDocumentedSignals pins the signals the issue asks for, by metric and filter.
func TestAlertRulesWatchTheDocumentedSignals(t *testing.T) {
	t.Parallel()
	byName := map[string]components.MetricAlertRule{}
	for _, rule := range components.PlatformAlertRules {
		byName[rule.Name] = rule
	}
	cases := []struct {
		name, metric string
		dimensions   map[string][]string
		check        func(components.MetricAlertRule) bool
	}{
		{"gateway-unhealthy-backend", "UnhealthyHostCount", nil, func(r components.MetricAlertRule) bool { return r.Operator == "GreaterThan" && r.Threshold == 0 }},
		{"gateway-5xx", "ResponseStatus", map[string][]string{"HttpStatusGroup": {"5xx"}}, func(r components.MetricAlertRule) bool { return r.Aggregation == "Total" }},
		{"apim-backend-failures", "Requests", map[string][]string{"BackendResponseCodeCategory": {"5xx"}}, func(r components.MetricAlertRule) bool { return r.Aggregation == "Total" }},
		{"apim-capacity", "Capacity", nil, func(r components.MetricAlertRule) bool { return r.Aggregation == "Average" && r.Threshold == 80 }},
		{"aks-node-not-ready", "kube_node_status_condition", map[string][]string{"condition": {"Ready"}, "status2": {"NotReady"}, "node": {"*"}},
			func(r components.MetricAlertRule) bool { return r.Threshold == 0 }},
		// Front Door's own health of its origin, and its share of 5xx (frontdoor/front-door-diagnostics).
		{"frontdoor-origin-unhealthy", "OriginHealthPercentage", nil, func(r components.MetricAlertRule) bool {
			return r.Operator == "LessThan" && r.Threshold == 90 && r.Target == components.AlertFrontDoor
		}},
		{"frontdoor-5xx", "Percentage5XX", nil, func(r components.MetricAlertRule) bool {
			return r.Aggregation == "Average" && r.Operator == "GreaterThan"
		}},
	}
	require.Len(t, byName, len(cases), "every rule is pinned here")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rule, ok := byName[tc.name]
			require.True(t, ok)
			assert.Equal(t, tc.metric, rule.MetricName)
			assert.Equal(t, tc.dimensions, rule.Dimensions)
			assert.True(t, tc.check(rule), "%+v", rule)
			assert.Regexp(t, `^PT\d+M$`, rule.Window)
			assert.Regexp(t, `^PT\d+M$`, rule.Frequency)
			assert.NotEmpty(t, rule.Description)
		})
	}
}

// TestUserFacingOutputs checks the outputs a user needs after `pulumi up`, and that none of them leaks
// a secret in plain text.
func TestUserFacingOutputs(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			cfg := mustLoadConfig(t, stack)
			outputs := recording.Outputs
			assert.Equal(t, "https://"+cfg.HostNames.Public, outputs["publicEndpoint"].Value)
			assert.Equal(t, "https://"+cfg.HostNames.APIGateway, outputs["apiManagementGatewayUrl"].Value)
			assert.Equal(t, recording.OfType(workspaceType)[0].ID, outputs["logAnalyticsWorkspaceId"].Value)
			assert.Equal(t, recording.OfType(workspaceType)[0].OutputString("customerId"), outputs["logAnalyticsWorkspaceCustomerId"].Value)
			assert.NotEmpty(t, outputs["logAnalyticsWorkspaceCustomerId"].Value)
			expiry, ok := outputs["certificateExpiry"].Value.(map[string]string)
			require.True(t, ok, "certificateExpiry maps each certificate to its expiry, got %T", outputs["certificateExpiry"].Value)
			for _, certificate := range []string{"ca", "apim-gateway", "apim-client", "ingress-server", "listener"} {
				assert.Regexp(t, `^\d{4}-\d{2}-\d{2}T`, expiry[certificate], "%s's expiry is an RFC 3339 time", certificate)
			}
			for name, output := range outputs {
				text, _ := output.Value.(string)
				assert.NotContains(t, text, "PRIVATE KEY", "output %s", name)
				assert.NotContains(t, strings.ToLower(text), "password=", "output %s", name)
			}
		})
	}
}

// isChildResource reports whether a type is a setting or sub-resource of another resource.
func isChildResource(token string) bool {
	for _, child := range childResourceTypes {
		if harness.TypeMatches(token, child) {
			return true
		}
	}
	return false
}

// classify finds a type's diagnostics expectation, with or without an API version in the token.
func classify(token string) (diagnosticExpectation, bool) {
	for known, expectation := range diagnosable {
		if harness.TypeMatches(token, known) {
			return expectation, true
		}
	}
	return diagnosticExpectation{}, false
}

// enabledCategories lists the enabled categories of a setting's "logs" or "metrics".
func enabledCategories(setting *harness.Resource, kind string) []string {
	var categories []string
	entries, _ := setting.Input(kind).([]any)
	for _, entry := range entries {
		fields, _ := entry.(map[string]any)
		if fields["enabled"] == true {
			categories = append(categories, fields["category"].(string))
		}
	}
	return categories
}

// armType returns the lower-case Namespace/type of an ARM resource ID.
func armType(resourceID string) string {
	_, path, _ := strings.Cut(resourceID, "/providers/")
	parts := strings.Split(path, "/")
	if len(parts) < 2 {
		return ""
	}
	return strings.ToLower(parts[0] + "/" + parts[1])
}

// TestContainerInsightsRuleName checks the rule's name as Microsoft's onboarding writes it, cut to 64.
func TestContainerInsightsRuleName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "MSCI-westeurope-apiplat-dev-aks", components.ContainerInsightsRuleName("westeurope", "apiplat-dev-aks"))
	long := components.ContainerInsightsRuleName("australiasoutheast", strings.Repeat("c", 60))
	assert.Len(t, long, 64)
	assert.Equal(t, "MSCI-australiasoutheast-ccc", long[:27])
}
