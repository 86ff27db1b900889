// The edge: what the rest of the platform needs from the service in front of API Management.

package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Edge is the Internet-facing service in front of API Management, as the rest of the platform uses
// it: the resource its alerts watch, the access log the end-to-end query starts from, and the stack
// outputs of its public face. ApplicationGateway implements it; another edge (Azure Front Door) would
// implement the same methods, and only its metric rules in PlatformAlertRules would be new. The network
// security rules and the address plan still name Application Gateway's subnet: an edge outside the
// virtual network reaches API Management another way (Private Link), which is its own design.
type Edge interface {
	pulumi.ComponentResource
	// AlertScope is the alert target the edge's metric rules are filed under (see PlatformAlertRules)
	// and the ARM ID they watch.
	AlertScope() (AlertTarget, pulumi.StringInput)
	// AccessLogStep is the edge's step of EndToEndQuery, after `let since = ago(1h);`: a Kusto
	// `let gateway = ...;` statement over the edge's access log since then, projecting TraceId, GatewayTime, ClientIp, Host, RequestUri,
	// GatewayStatus, BackendStatus and GatewaySeconds, where TraceId is the trace ID the edge sends
	// API Management (apimpolicy.TraceHeader).
	AccessLogStep() string
	// PublicOutputs are the stack outputs of the edge's public face, by output name.
	PublicOutputs() map[string]pulumi.Input
}

// ApplicationGateway is an Edge.
var _ Edge = (*ApplicationGateway)(nil)

// ApplicationGatewayAccessLogStep is Application Gateway's step of the end-to-end query: its access
// log (resource-specific table AGWAccessLogs), whose TransactionId is the trace ID the gateway's
// rewrite sends on (without hyphens, lower case).
const ApplicationGatewayAccessLogStep = "let gateway = AGWAccessLogs\n" +
	"| where TimeGenerated > since\n" +
	`| extend TraceId = tolower(replace_string(tostring(TransactionId), "-", ""))` + "\n" +
	"| project TraceId, GatewayTime = TimeGenerated, ClientIp, Host, RequestUri, GatewayStatus = HttpStatus, BackendStatus = ServerStatus, GatewaySeconds = TimeTaken;"

// AlertScope files the gateway's alerts under AlertApplicationGateway, on the gateway.
func (g *ApplicationGateway) AlertScope() (AlertTarget, pulumi.StringInput) {
	return AlertApplicationGateway, g.GatewayID
}

// AccessLogStep is ApplicationGatewayAccessLogStep.
func (g *ApplicationGateway) AccessLogStep() string {
	return ApplicationGatewayAccessLogStep
}

// PublicOutputs are the gateway's public address and the Azure DNS name the public host's CNAME
// points at.
func (g *ApplicationGateway) PublicOutputs() map[string]pulumi.Input {
	return map[string]pulumi.Input{
		"applicationGatewayPublicIp": g.PublicIPAddress,
		"applicationGatewayFqdn":     g.PublicFQDN,
	}
}
