// Monitoring component: the Log Analytics workspace every diagnostic lands in, and Application Insights on it.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// MonitoringType is the Monitoring component's type token.
const MonitoringType = Project + ":monitoring:Monitoring"

// MonitoringArgs configures the Monitoring component.
type MonitoringArgs struct {
	// ResourceGroupName holds the workspace and Application Insights.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region.
	Location string
	// RetentionDays is how long the workspace keeps data (30-730 for the PerGB2018 tier).
	RetentionDays int
	// Protected sets Pulumi's protect on the workspace, so its data cannot be deleted by accident.
	Protected bool
	// Tags are put on both resources.
	Tags map[string]string
}

// Monitoring is the workspace and the workspace-based Application Insights component.
type Monitoring struct {
	pulumi.ResourceState

	// WorkspaceID is the Log Analytics workspace's ARM ID (diagnostic settings, Defender, Container insights).
	WorkspaceID pulumi.StringOutput `pulumi:"workspaceId"`
	// WorkspaceName is the workspace's name (Sentinel is an extension of the workspace by name).
	WorkspaceName pulumi.StringOutput `pulumi:"workspaceName"`
	// WorkspaceCustomerID is the workspace's GUID, which query tools (`az monitor log-analytics query`) take.
	WorkspaceCustomerID pulumi.StringOutput `pulumi:"workspaceCustomerId"`
	// ApplicationInsightsID is the Application Insights component's ARM ID.
	ApplicationInsightsID pulumi.StringOutput `pulumi:"applicationInsightsId"`
	// ApplicationInsightsConnectionString is where telemetry is sent (secret: it authorises ingestion).
	ApplicationInsightsConnectionString pulumi.StringOutput
}

// NewMonitoring creates the workspace and Application Insights on it.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		return nil, errors.New("creating monitoring: args are required")
	}
	component := &Monitoring{}
	if err := ctx.RegisterComponentResource(MonitoringType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering monitoring %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	tags := pulumi.ToStringMap(args.Tags)

	workspaceName := naming.Child(name, naming.RoleLogAnalytics)
	workspace, err := operationalinsights.NewWorkspace(ctx, workspaceName, &operationalinsights.WorkspaceArgs{
		WorkspaceName:     pulumi.String(workspaceName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(args.RetentionDays),
		Tags:              tags,
	}, parent, pulumi.Protect(args.Protected))
	if err != nil {
		return nil, fmt.Errorf("creating Log Analytics workspace %s: %w", workspaceName, err)
	}
	if _, err := newDiagnosticSetting(ctx, workspaceName, ResourceTypeLogAnalyticsWorkspace, workspace.ID().ToStringOutput(), workspace.ID().ToStringOutput(), parent); err != nil {
		return nil, err
	}
	insightsName := naming.Child(name, naming.RoleApplicationInsights)
	applicationInsights, err := insights.NewComponent(ctx, insightsName, &insights.ComponentArgs{
		ResourceName:        pulumi.String(insightsName),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		IngestionMode:       pulumi.String("LogAnalytics"),
		WorkspaceResourceId: workspace.ID().ToStringOutput(),
		Tags:                tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating Application Insights %s: %w", insightsName, err)
	}

	component.WorkspaceID = workspace.ID().ToStringOutput()
	component.WorkspaceName = workspace.Name
	component.WorkspaceCustomerID = workspace.CustomerId
	component.ApplicationInsightsID = applicationInsights.ID().ToStringOutput()
	component.ApplicationInsightsConnectionString = pulumi.ToSecret(applicationInsights.ConnectionString).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering monitoring %s outputs: %w", name, err)
	}
	return component, nil
}
