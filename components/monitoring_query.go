// The ready-made Kusto query that follows requests through Application Gateway, API Management and AKS.
package components

import (
	"fmt"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
)

// EndToEndQuery returns a Log Analytics query that shows the last hour's requests end to end, newest
// first: Application Gateway's access log (the trace ID is its TransactionId), API Management's
// gateway log (which records the trace header), and the log lines of the Istio ingress gateway and the
// workload pods (which see it as X-Request-ID, 32 hex digits in quotes). The logs use resource-specific
// tables (diagnostic settings with the Dedicated destination) and Container insights' ContainerLogV2.
func EndToEndQuery(clusterNamespaces []string) string {
	quoted := make([]string, len(clusterNamespaces))
	for i, namespace := range clusterNamespaces {
		quoted[i] = fmt.Sprintf("%q", namespace)
	}
	return strings.Join([]string{
		`let since = ago(1h);`,
		`let gateway = AGWAccessLogs`,
		`| where TimeGenerated > since`,
		`| extend TraceId = tolower(replace_string(tostring(TransactionId), "-", ""))`,
		`| project TraceId, GatewayTime = TimeGenerated, ClientIp, Host, RequestUri, GatewayStatus = HttpStatus, BackendStatus = ServerStatus, GatewaySeconds = TimeTaken;`,
		`let apim = ApiManagementGatewayLogs`,
		`| where TimeGenerated > since`,
		fmt.Sprintf(`| extend TraceId = tolower(tostring(parse_json(tostring(RequestHeaders))["%s"]))`, apimpolicy.TraceHeader),
		`| project TraceId, ApimCorrelationId = CorrelationId, ApiId, ApimStatus = ResponseCode, AksStatus = BackendResponseCode, BackendUrl, ApimMs = TotalTime, AksMs = BackendTime;`,
		`let cluster = ContainerLogV2`,
		`| where TimeGenerated > since and PodNamespace in (` + strings.Join(quoted, ", ") + `)`,
		`| extend TraceId = tolower(extract(@'"([0-9a-fA-F]{32})"', 1, tostring(LogMessage)))`,
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
