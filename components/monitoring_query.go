// The ready-made Kusto query that follows requests through Application Gateway, API Management and AKS.

package components

import (
	"fmt"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
)

// apimTraceID is the Kusto step that reads, in ApiManagementGatewayLogs, the Application Gateway trace
// ID API Management recorded (the gateway log records that request header).
var apimTraceID = fmt.Sprintf(`| extend TraceId = tolower(tostring(parse_json(tostring(RequestHeaders))["%s"]))`, apimpolicy.TraceHeader)

// clusterTraceID is the Kusto expression that finds the trace ID in a cluster log line held in column:
// the X-Request-ID API Management forwards, 32 hex digits in quotes.
func clusterTraceID(column string) string {
	return `tolower(extract(@'"([0-9a-fA-F]{32})"', 1, ` + column + `))`
}

// EndToEndQuery returns a Log Analytics query that shows the last hour's requests end to end, newest
// first: the edge's access log (edgeAccessLog, an Edge's AccessLogStep), API Management's
// gateway log (which records the trace header), and the log lines of the Istio ingress gateway and the
// workload pods (which see it as X-Request-ID, 32 hex digits in quotes). The logs use resource-specific
// tables (diagnostic settings with the Dedicated destination) and Container insights' ContainerLogV2.
func EndToEndQuery(edgeAccessLog string, clusterNamespaces []string) string {
	quoted := make([]string, len(clusterNamespaces))
	for i, namespace := range clusterNamespaces {
		quoted[i] = fmt.Sprintf("%q", namespace)
	}
	return strings.Join([]string{
		`let since = ago(1h);`,
		edgeAccessLog,
		`let apim = ApiManagementGatewayLogs`,
		`| where TimeGenerated > since`,
		apimTraceID,
		`| project TraceId, ApimCorrelationId = CorrelationId, ApiId, ApimStatus = ResponseCode, AksStatus = BackendResponseCode, BackendUrl, ApimMs = TotalTime, AksMs = BackendTime;`,
		`let cluster = ContainerLogV2`,
		`| where TimeGenerated > since and PodNamespace in (` + strings.Join(quoted, ", ") + `)`,
		`| extend TraceId = ` + clusterTraceID(`tostring(LogMessage)`),
		`| where isnotempty(TraceId)`,
		`| summarize ClusterLines = make_list(bag_pack("time", TimeGenerated, "namespace", PodNamespace, "pod", PodName, "log", LogMessage), 20) by TraceId;`,
		`gateway`,
		`| join kind=leftouter apim on TraceId`,
		`| join kind=leftouter cluster on TraceId`,
		`| project-away TraceId1, TraceId2`,
		`| order by GatewayTime desc`,
		`| take 50`,
	}, "\n")
}

// APIManagementErrorsQuery returns a Log Analytics query of the last hour's failed API Management
// requests, newest first, with the error API Management recorded: a refused or untrusted backend TLS
// connection shows as LastErrorReason BackendConnectionFailure with the TLS reason in
// LastErrorMessage (columns: https://learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewaylogs).
func APIManagementErrorsQuery() string {
	return strings.Join([]string{
		`ApiManagementGatewayLogs`,
		`| where TimeGenerated > ago(1h)`,
		`| where IsRequestSuccess == false or ResponseCode >= 500 or isnotempty(LastErrorReason)`,
		apimTraceID,
		`| project TimeGenerated, TraceId, CorrelationId, ApiId, Method, Url, ResponseCode, BackendUrl, BackendResponseCode,`,
		`    LastErrorSource, LastErrorReason, LastErrorMessage`,
		`| order by TimeGenerated desc`,
		`| take 50`,
	}, "\n")
}

// IngressLogQuery returns a Log Analytics query of the last hour's log lines of the cluster ingress
// (the Istio gateway's Envoy access log), newest first, with the status
// code and the X-Request-ID trace ID extracted where the line has them. A handshake the ingress
// refuses (no client certificate, another CA) never becomes a request, so it has no access-log line:
// API Management's error log shows it.
func IngressLogQuery(ingressNamespace string) string {
	return strings.Join([]string{
		`ContainerLogV2`,
		fmt.Sprintf(`| where TimeGenerated > ago(1h) and PodNamespace == %q`, ingressNamespace),
		`| extend Line = tostring(LogMessage)`,
		`| extend Status = toint(extract(@'" (\d{3}) ', 1, Line)), TraceId = ` + clusterTraceID(`Line`),
		`| project TimeGenerated, PodName, Status, TraceId, Line`,
		`| order by TimeGenerated desc`,
		`| take 100`,
	}, "\n")
}
