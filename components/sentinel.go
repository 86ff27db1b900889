// Sentinel component: Microsoft Sentinel onboarded on the platform's Log Analytics workspace, with the
// data connectors of the subscription's activity log and Microsoft Defender for Cloud's alerts.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// SentinelType is the Sentinel component's type token.
const SentinelType = Project + ":monitoring:Sentinel"

// SentinelAPIVersion is the Microsoft.SecurityInsights REST API version of the onboarding state and the
// data connector (GA, specification/securityinsights/.../stable/2024-09-01). They are generic resources
// because no azure-native securityinsights module is served to this project.
const SentinelAPIVersion = "2024-09-01"

// ActivityLogCategories are the subscription activity log's categories, all sent to the workspace: the
// Azure Activity connector is this diagnostic setting
// (https://learn.microsoft.com/azure/sentinel/data-connectors/azure-activity).
var ActivityLogCategories = []string{"Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth"}

// SentinelArgs configures the Sentinel component.
type SentinelArgs struct {
	// ResourceGroupName holds the workspace.
	ResourceGroupName pulumi.StringInput
	// WorkspaceName is the Log Analytics workspace Sentinel runs on.
	WorkspaceName pulumi.StringInput
	// WorkspaceID is its ARM ID, where the activity log is sent.
	WorkspaceID pulumi.StringInput
	// SubscriptionID is the subscription whose activity log and Defender for Cloud alerts are collected.
	SubscriptionID pulumi.StringInput
}

// Sentinel is the onboarding and its data connectors.
type Sentinel struct {
	pulumi.ResourceState

	// OnboardingID is the ARM ID of the workspace's Sentinel onboarding state.
	OnboardingID pulumi.StringOutput `pulumi:"onboardingId"`
}

// sentinelScope is what every resource of one Sentinel component is created with.
type sentinelScope struct {
	scope
	// args configures the component.
	args *SentinelArgs
	// workspacePath is the parent path of Sentinel's resources: the workspace, entering the
	// Microsoft.SecurityInsights provider.
	workspacePath pulumi.StringInput
}

// sentinelOnboarding are the onboarding state's ARM properties: no customer-managed key (the
// workspace would need a dedicated cluster).
type sentinelOnboarding struct {
	CustomerManagedKey bool `json:"customerManagedKey"`
}

// defenderConnector are the Microsoft Defender for Cloud connector's ARM properties (kind
// AzureSecurityCenter): the subscription's alerts.
type defenderConnector struct {
	SubscriptionID string           `json:"subscriptionId"`
	DataTypes      defenderDataType `json:"dataTypes"`
}

// defenderDataType switches the alerts data type.
type defenderDataType struct {
	Alerts connectorState `json:"alerts"`
}

// connectorState is a data type's state.
type connectorState struct {
	State string `json:"state"`
}

// NewSentinel onboards Sentinel on the workspace with the current API (onboardingStates; a
// SecurityInsights solution alone no longer onboards a workspace), sends the subscription's activity
// log to it and connects Defender for Cloud's alerts.
func NewSentinel(ctx *pulumi.Context, name string, args *SentinelArgs, opts ...pulumi.ResourceOption) (*Sentinel, error) {
	if args == nil {
		return nil, errors.New("creating Sentinel: args are required")
	}
	component := &Sentinel{}
	if err := ctx.RegisterComponentResource(SentinelType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Sentinel %s: %w", name, err)
	}
	s := sentinelScope{scope: scope{ctx: ctx, name: name, parent: pulumi.Parent(component)}, args: args,
		workspacePath: pulumi.Sprintf("workspaces/%s/providers/Microsoft.SecurityInsights", args.WorkspaceName)}
	onboardingProperties, err := propertiesOf(sentinelOnboarding{CustomerManagedKey: false})
	if err != nil {
		return nil, err
	}
	onboarding, err := newARMResource(ctx, name+"-sentinel", armResource{
		resourceGroupName: args.ResourceGroupName, namespace: "Microsoft.OperationalInsights", parentPath: s.workspacePath,
		resourceType: "onboardingStates", name: pulumi.String("default"), apiVersion: SentinelAPIVersion, properties: onboardingProperties,
	}, s.parent)
	if err != nil {
		return nil, err
	}
	if err := s.newActivityLogSetting(); err != nil {
		return nil, err
	}
	if err := s.newDefenderConnector(onboarding); err != nil {
		return nil, err
	}
	component.OnboardingID = onboarding.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Sentinel %s outputs: %w", name, err)
	}
	return component, nil
}

// newActivityLogSetting sends every category of the subscription's activity log to the workspace.
// Activity log data is free to ingest into a Sentinel workspace (sentinel/billing.md).
func (s sentinelScope) newActivityLogSetting() error {
	settingName := naming.Child(s.name, naming.RoleDiagnosticSetting) + "-activity-log"
	logs := insights.SubscriptionLogSettingsArray{}
	for _, category := range ActivityLogCategories {
		logs = append(logs, &insights.SubscriptionLogSettingsArgs{Category: pulumi.String(category), Enabled: pulumi.Bool(true)})
	}
	if _, err := insights.NewSubscriptionDiagnosticSetting(s.ctx, settingName, &insights.SubscriptionDiagnosticSettingArgs{
		Name:        pulumi.String(settingName),
		WorkspaceId: s.args.WorkspaceID,
		Logs:        logs,
	}, s.parent); err != nil {
		return fmt.Errorf("creating activity log setting %s: %w", settingName, err)
	}
	return nil
}

// newDefenderConnector connects Microsoft Defender for Cloud's alerts of the subscription, once
// Sentinel is onboarded. It is the subscription-based connector, the one an ARM deployment with
// subscription rights can create; Microsoft now calls it legacy next to the tenant-based Defender XDR
// integration, which needs tenant rights (sentinel/ingest-defender-for-cloud-incidents.md).
func (s sentinelScope) newDefenderConnector(onboarding *resources.Resource) error {
	properties := s.args.SubscriptionID.ToStringOutput().ApplyT(func(subscription string) (map[string]any, error) {
		return armProperties(defenderConnector{SubscriptionID: subscription, DataTypes: defenderDataType{Alerts: connectorState{State: "Enabled"}}})
	})
	_, err := newARMResource(s.ctx, s.name+"-sentinel-defender", armResource{
		resourceGroupName: s.args.ResourceGroupName, namespace: "Microsoft.OperationalInsights", parentPath: s.workspacePath,
		resourceType: "dataConnectors", name: pulumi.String(NameGUID(s.name + "/sentinel/defender-for-cloud")), apiVersion: SentinelAPIVersion,
		kind: "AzureSecurityCenter", properties: properties,
	}, s.parent, pulumi.DependsOn([]pulumi.Resource{onboarding}))
	return err
}
