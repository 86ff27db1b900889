// Container insights: the data collection rule that makes the cluster's monitoring agent send its logs.

package components

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// ContainerInsightsStreams are the Container insights streams the data collection rule sends to the
// workspace: the standard tables of the portal's "All" preset, with container logs in ContainerLogV2
// (the end-to-end and ingress queries read it) instead of the legacy ContainerLog
// (azure-monitor/containers/kubernetes-monitoring-enable-arm.md; data-collection-rule-streams).
var ContainerInsightsStreams = []string{
	"Microsoft-ContainerLogV2", "Microsoft-KubeEvents", "Microsoft-KubePodInventory", "Microsoft-KubeNodeInventory",
	"Microsoft-KubePVInventory", "Microsoft-KubeServices", "Microsoft-KubeMonAgentEvents", "Microsoft-InsightsMetrics",
	"Microsoft-ContainerInventory", "Microsoft-ContainerNodeInventory", "Microsoft-Perf",
}

// ContainerInsightsAssociation is the name Container insights' onboarding gives the association of its
// data collection rule with the cluster.
const ContainerInsightsAssociation = "ContainerInsightsExtension"

// ContainerInsightsRuleName is the data collection rule's name as Microsoft's onboarding names it,
// MSCI-<workspace region>-<cluster>, cut to 64 characters (Docker-Provider
// scripts/onboarding/aks/onboarding-using-msi-auth, existingClusterOnboarding.json).
func ContainerInsightsRuleName(location, clusterName string) string {
	return naming.ContainerInsightsRule(location, clusterName)
}

// newContainerInsights creates the data collection rule and, once the cluster exists, its association
// with the cluster. With managed identity authentication (the omsagent add-on's useAADAuth) the agent
// sends only what a data collection rule associated with the cluster asks for: the add-on alone
// creates neither, so without them ContainerLogV2 stays empty (kubernetes-monitoring-enable-arm.md;
// hashicorp/terraform-provider-azurerm#23510). The rule needs no data collection endpoint: the
// workspace is reached publicly, and without Azure Monitor Private Link Scope.
func newContainerInsights(ctx *pulumi.Context, clusterName string, args *KubernetesClusterArgs, clusterID pulumi.StringInput,
	tags pulumi.StringMap, parent pulumi.ResourceOption,
) error {
	const destination = "ciworkspace"
	streams := pulumi.ToStringArray(ContainerInsightsStreams)
	ruleName := clusterName + "-container-insights"
	rule, err := insights.NewDataCollectionRule(ctx, ruleName, &insights.DataCollectionRuleArgs{
		DataCollectionRuleName: pulumi.String(ContainerInsightsRuleName(args.Location, clusterName)),
		ResourceGroupName:      args.ResourceGroupName,
		Location:               pulumi.String(args.Location),
		Kind:                   pulumi.String(string(insights.KnownDataCollectionRuleResourceKindLinux)),
		Description:            pulumi.String("Container insights of " + clusterName),
		DataSources: &insights.DataCollectionRuleDataSourcesArgs{
			Extensions: insights.ExtensionDataSourceArray{&insights.ExtensionDataSourceArgs{
				Name:          pulumi.String(ContainerInsightsAssociation),
				ExtensionName: pulumi.String("ContainerInsights"),
				Streams:       streams,
				ExtensionSettings: pulumi.Map{"dataCollectionSettings": pulumi.Map{
					"interval":               pulumi.String("1m"),
					"namespaceFilteringMode": pulumi.String("Off"),
					"enableContainerLogV2":   pulumi.Bool(true),
				}},
			}},
		},
		Destinations: &insights.DataCollectionRuleDestinationsArgs{
			LogAnalytics: insights.LogAnalyticsDestinationArray{&insights.LogAnalyticsDestinationArgs{
				Name: pulumi.String(destination), WorkspaceResourceId: args.LogAnalyticsWorkspaceID,
			}},
		},
		DataFlows: insights.DataFlowArray{&insights.DataFlowArgs{Streams: streams, Destinations: pulumi.StringArray{pulumi.String(destination)}}},
		Tags:      tags,
	}, parent)
	if err != nil {
		return fmt.Errorf("creating data collection rule %s: %w", ruleName, err)
	}
	if _, err := insights.NewDataCollectionRuleAssociation(ctx, ruleName+"-association", &insights.DataCollectionRuleAssociationArgs{
		AssociationName:      pulumi.String(ContainerInsightsAssociation),
		ResourceUri:          clusterID,
		DataCollectionRuleId: rule.ID().ToStringOutput(),
		Description:          pulumi.String("Association of data collection rule. Deleting this association will break the data collection for this AKS Cluster."),
	}, parent); err != nil {
		return fmt.Errorf("associating data collection rule %s with %s: %w", ruleName, clusterName, err)
	}
	return nil
}
