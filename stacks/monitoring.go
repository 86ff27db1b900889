// Monitoring layer of the stack: alerts on every hop and the end-to-end query.
package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// deployAlerts creates the action group and the metric alerts on the gateway, API Management and the
// cluster. Each rule waits only for the resource it watches.
func deployAlerts(ctx *pulumi.Context, cfg *config.Config, base string, resourceGroupName pulumi.StringInput,
	gateway *components.ApplicationGateway, apim *components.APIManagement, cluster *components.KubernetesCluster, providers *providers,
) (*components.Alerts, error) {
	return components.NewAlerts(ctx, base, &components.AlertsArgs{
		ResourceGroupName: resourceGroupName,
		Email:             cfg.AlertRecipient(),
		Targets: map[components.AlertTarget]pulumi.StringInput{
			components.AlertApplicationGateway: gateway.GatewayID,
			components.AlertAPIManagement:      apim.ServiceID,
			components.AlertKubernetes:         cluster.ClusterID,
		},
		Tags: cfg.ResourceTags(),
	}, providers.all())
}

// ingressNamespace is the namespace of the ingress: the Istio add-on's ingress gateways.
func ingressNamespace(*config.Config) string {
	return components.IstioIngressNamespace
}

// ingressNamespaces are the cluster namespaces whose logs the end-to-end query reads: the ingress
// controller's and the workload's.
func ingressNamespaces(cfg *config.Config) []string {
	return []string{ingressNamespace(cfg), echoNamespace}
}
