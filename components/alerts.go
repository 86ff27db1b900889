// Alerts component: an action group that e-mails the platform team, and metric alerts on every hop.

package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// AlertsType is the Alerts component's type token.
const AlertsType = Project + ":monitoring:Alerts"

// AlertTarget names the resource an alert watches.
type AlertTarget string

// The resources the platform alerts on.
const (
	// AlertApplicationGateway is the WAF Application Gateway.
	AlertApplicationGateway AlertTarget = "applicationGateway"
	// AlertAPIManagement is the API Management service.
	AlertAPIManagement AlertTarget = "apiManagement"
	// AlertKubernetes is the AKS cluster.
	AlertKubernetes AlertTarget = "kubernetes"
	// AlertFrontDoor is the Front Door profile, when there is one.
	AlertFrontDoor AlertTarget = "frontDoor"
)

// MetricAggregation is how a metric alert reduces its metric over the window: a static threshold
// criterion's timeAggregation (https://learn.microsoft.com/rest/api/monitor/metric-alerts/create-or-update).
type MetricAggregation string

// The time aggregations Azure Monitor offers.
const (
	// AggregationAverage is the mean of the window's values.
	AggregationAverage MetricAggregation = "Average"
	// AggregationTotal is the sum of the window's values.
	AggregationTotal MetricAggregation = "Total"
	// AggregationMaximum is the largest of the window's values.
	AggregationMaximum MetricAggregation = "Maximum"
	// AggregationMinimum is the smallest of the window's values.
	AggregationMinimum MetricAggregation = "Minimum"
	// AggregationCount is the number of the window's values.
	AggregationCount MetricAggregation = "Count"
)

// MetricOperator compares a metric alert's aggregated metric with its threshold: a static threshold
// criterion's operator (same reference as MetricAggregation).
type MetricOperator string

// The operators of a static threshold criterion.
const (
	// OperatorGreaterThan fires above the threshold.
	OperatorGreaterThan MetricOperator = "GreaterThan"
	// OperatorGreaterThanOrEqual fires at or above the threshold.
	OperatorGreaterThanOrEqual MetricOperator = "GreaterThanOrEqual"
	// OperatorLessThan fires below the threshold.
	OperatorLessThan MetricOperator = "LessThan"
	// OperatorLessThanOrEqual fires at or below the threshold.
	OperatorLessThanOrEqual MetricOperator = "LessThanOrEqual"
	// OperatorEquals fires at the threshold.
	OperatorEquals MetricOperator = "Equals"
)

// AlertSeverity is an alert's severity as Azure Monitor numbers it, from 0, the most severe, to 4
// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-overview).
type AlertSeverity int

// The alert severities.
const (
	// SeverityCritical (Sev0) needs someone now.
	SeverityCritical AlertSeverity = 0
	// SeverityError (Sev1) is a failure that users see.
	SeverityError AlertSeverity = 1
	// SeverityWarning (Sev2) is a degradation to look at soon.
	SeverityWarning AlertSeverity = 2
	// SeverityInformational (Sev3) is worth knowing.
	SeverityInformational AlertSeverity = 3
	// SeverityVerbose (Sev4) is detail.
	SeverityVerbose AlertSeverity = 4
)

// MetricAlertRule is one metric alert in plain values, so the table reads like the metric reference
// it comes from and tests compare it directly.
type MetricAlertRule struct {
	// Name is the rule's name suffix.
	Name string
	// Description says what fired and what to look at first.
	Description string
	// Target is the resource the rule watches.
	Target AlertTarget
	// MetricNamespace and MetricName identify the platform metric.
	MetricNamespace, MetricName string
	// Aggregation is how the metric is reduced over Window (Average, Total, Maximum, ...).
	Aggregation MetricAggregation
	// Operator and Threshold say when the rule fires.
	Operator MetricOperator
	// Threshold is the value compared with the aggregated metric.
	Threshold float64
	// Dimensions filter the metric: dimension name to included values ("*" splits per value).
	Dimensions map[string][]string
	// Severity is SeverityCritical (0) to SeverityVerbose (4).
	Severity AlertSeverity
	// Window and Frequency are ISO 8601 durations: the look-back period and how often it is evaluated.
	Window, Frequency string
}

// PlatformAlertRules are the platform's alerts. Metric names and dimensions follow the supported-metrics
// reference (https://learn.microsoft.com/azure/azure-monitor/reference/metrics-index).
var PlatformAlertRules = []MetricAlertRule{
	{
		Name: "gateway-unhealthy-backend", Target: AlertApplicationGateway,
		Description:     "Application Gateway sees an unhealthy API Management backend: check the health probe, the APIM gateway host's private DNS and the trusted root certificate.",
		MetricNamespace: string(ResourceTypeApplicationGateway), MetricName: "UnhealthyHostCount",
		Aggregation: AggregationAverage, Operator: OperatorGreaterThan, Threshold: 0, Severity: SeverityError, Window: "PT5M", Frequency: "PT1M",
	},
	{
		Name: "gateway-5xx", Target: AlertApplicationGateway,
		Description:     "Application Gateway returned more than 10 5xx responses in 5 minutes: see AGWAccessLogs and the end-to-end query.",
		MetricNamespace: string(ResourceTypeApplicationGateway), MetricName: "ResponseStatus",
		Dimensions:  map[string][]string{"HttpStatusGroup": {"5xx"}},
		Aggregation: AggregationTotal, Operator: OperatorGreaterThan, Threshold: 10, Severity: SeverityWarning, Window: "PT5M", Frequency: "PT1M",
	},
	{
		Name: "apim-backend-failures", Target: AlertAPIManagement,
		Description:     "The AKS backend answered API Management with more than 10 5xx responses in 5 minutes: check the ingress, the mTLS certificates and the pods.",
		MetricNamespace: string(ResourceTypeAPIManagement), MetricName: "Requests",
		Dimensions:  map[string][]string{"BackendResponseCodeCategory": {"5xx"}},
		Aggregation: AggregationTotal, Operator: OperatorGreaterThan, Threshold: 10, Severity: SeverityWarning, Window: "PT5M", Frequency: "PT1M",
	},
	{
		// Average, not Maximum: below Premium the maximum reads 0.
		Name: "apim-capacity", Target: AlertAPIManagement,
		Description:     "API Management capacity above 80% for 15 minutes: scale out (apiManagement.capacity) before requests queue.",
		MetricNamespace: string(ResourceTypeAPIManagement), MetricName: "Capacity",
		Aggregation: AggregationAverage, Operator: OperatorGreaterThan, Threshold: 80, Severity: SeverityWarning, Window: "PT15M", Frequency: "PT5M",
	},
	{
		Name: "frontdoor-origin-unhealthy", Target: AlertFrontDoor,
		Description:     "Front Door's probes of Application Gateway fail: check the gateway's certificate (a public CA, the public host's name), its NSG rule for AzureFrontDoor.Backend and its X-Azure-FDID rule.",
		MetricNamespace: string(ResourceTypeFrontDoor), MetricName: "OriginHealthPercentage",
		Aggregation: AggregationAverage, Operator: OperatorLessThan, Threshold: 90, Severity: SeverityError, Window: "PT5M", Frequency: "PT1M",
	},
	{
		Name: "frontdoor-5xx", Target: AlertFrontDoor,
		Description:     "More than 5% of Front Door's responses were 5xx over 5 minutes: see frontDoorLogQuery, then the end-to-end query.",
		MetricNamespace: string(ResourceTypeFrontDoor), MetricName: "Percentage5XX",
		Aggregation: AggregationAverage, Operator: OperatorGreaterThan, Threshold: 5, Severity: SeverityWarning, Window: "PT5M", Frequency: "PT1M",
	},
	{
		Name: "aks-node-not-ready", Target: AlertKubernetes,
		Description:     "An AKS node has been NotReady: run kubectl describe node from the jumpbox and check the node's egress.",
		MetricNamespace: string(ResourceTypeManagedCluster), MetricName: "kube_node_status_condition",
		Dimensions:  map[string][]string{"condition": {"Ready"}, "status2": {"NotReady"}, "node": {"*"}},
		Aggregation: AggregationAverage, Operator: OperatorGreaterThan, Threshold: 0, Severity: SeverityError, Window: "PT15M", Frequency: "PT5M",
	},
}

// AlertsArgs configures the Alerts component.
type AlertsArgs struct {
	// ResourceGroupName holds the action group and the rules.
	ResourceGroupName pulumi.StringInput
	// Email receives every alert.
	Email string
	// Targets maps each watched resource to its ARM ID; rules of absent targets are not created.
	Targets map[AlertTarget]pulumi.StringInput
	// Tags are put on every resource.
	Tags map[string]string
}

// Alerts is the action group and the metric alerts.
type Alerts struct {
	pulumi.ResourceState

	// ActionGroupID is the action group's ARM ID, for further alerts.
	ActionGroupID pulumi.StringOutput `pulumi:"actionGroupId"`
}

// NewAlerts creates the action group and one metric alert per rule whose target is present.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args == nil {
		return nil, errors.New("creating alerts: args are required")
	}
	component := &Alerts{}
	if err := ctx.RegisterComponentResource(AlertsType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering alerts %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)

	groupName := naming.Child(name, naming.RoleActionGroup)
	group, err := insights.NewActionGroup(ctx, groupName, &insights.ActionGroupArgs{
		ActionGroupName:   pulumi.String(groupName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String("global"),
		GroupShortName:    pulumi.String(ShortName(name)),
		Enabled:           pulumi.Bool(true),
		EmailReceivers: insights.EmailReceiverArray{&insights.EmailReceiverArgs{
			Name: pulumi.String("platform-team"), EmailAddress: pulumi.String(args.Email), UseCommonAlertSchema: pulumi.Bool(true),
		}},
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating action group %s: %w", groupName, err)
	}

	for _, rule := range PlatformAlertRules {
		target, ok := args.Targets[rule.Target]
		if !ok {
			continue
		}
		ruleName := naming.Member(name, rule.Name)
		if _, err := insights.NewMetricAlert(ctx, ruleName, &insights.MetricAlertArgs{
			RuleName:            pulumi.String(ruleName),
			ResourceGroupName:   args.ResourceGroupName,
			Location:            pulumi.String("global"),
			Description:         pulumi.String(rule.Description),
			Severity:            pulumi.Int(rule.Severity),
			Enabled:             pulumi.Bool(true),
			AutoMitigate:        pulumi.Bool(true),
			Scopes:              pulumi.StringArray{target},
			WindowSize:          pulumi.String(rule.Window),
			EvaluationFrequency: pulumi.String(rule.Frequency),
			Criteria: insights.MetricAlertSingleResourceMultipleMetricCriteriaArgs{
				OdataType: pulumi.String("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"),
				AllOf:     insights.MetricCriteriaArray{metricCriteria(rule)},
			},
			Actions: insights.MetricAlertActionArray{&insights.MetricAlertActionArgs{ActionGroupId: group.ID().ToStringOutput()}},
			Tags:    tags,
		}, parent); err != nil {
			return nil, fmt.Errorf("creating metric alert %s: %w", ruleName, err)
		}
	}

	component.ActionGroupID = group.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering alerts %s outputs: %w", name, err)
	}
	return component, nil
}

// metricCriteria converts a rule to its static threshold criterion.
func metricCriteria(rule MetricAlertRule) insights.MetricCriteriaArgs {
	dimensions := insights.MetricDimensionArray{}
	for _, dimension := range slices.Sorted(maps.Keys(rule.Dimensions)) {
		dimensions = append(dimensions, insights.MetricDimensionArgs{
			Name: pulumi.String(dimension), Operator: pulumi.String("Include"), Values: pulumi.ToStringArray(rule.Dimensions[dimension]),
		})
	}
	return insights.MetricCriteriaArgs{
		CriterionType:   pulumi.String("StaticThresholdCriterion"),
		Name:            pulumi.String(rule.Name),
		MetricNamespace: pulumi.String(rule.MetricNamespace),
		MetricName:      pulumi.String(rule.MetricName),
		TimeAggregation: pulumi.String(rule.Aggregation),
		Operator:        pulumi.String(rule.Operator),
		Threshold:       pulumi.Float64(rule.Threshold),
		Dimensions:      dimensions,
	}
}

// ShortName is an action group's short name, at most 12 characters (it prefixes SMS and e-mail
// subjects): the base name without separators, cut to fit.
func ShortName(base string) string {
	short := strings.ReplaceAll(base, "-", "")
	if len(short) > 12 {
		short = short[:12]
	}
	return short
}
