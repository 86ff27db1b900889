// Alerting layer of the stack: the action group and the metric alerts on every hop.

package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// alerts is the alerting layer: the action group and the metric alerts on every hop.
type alerts struct {
	cfg    *config.Config
	alerts *components.Alerts
}

// deployAlerts creates the action group and the metric alerts on the gateway, API Management and the
// cluster. Each rule waits only for the resource it watches.
func (p *platform) deployAlerts(edge *edge, apim *apiManagement, cluster *cluster) (*alerts, error) {
	edgeTarget, edgeID := edge.gateway.AlertScope()
	created, err := components.NewAlerts(p.ctx, p.base, &components.AlertsArgs{
		ResourceGroupName: p.resourceGroup.Name,
		Email:             p.cfg.AlertRecipient(),
		Targets: map[components.AlertTarget]pulumi.StringInput{
			edgeTarget:                    edgeID,
			components.AlertAPIManagement: apim.service.ServiceID,
			components.AlertKubernetes:    cluster.cluster.ClusterID,
		},
		Tags: p.tags,
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &alerts{cfg: p.cfg, alerts: created}, nil
}

// addOutputs adds the action group and the address it notifies.
func (a *alerts) addOutputs(outputs pulumi.Map) {
	outputs["alertActionGroupId"] = a.alerts.ActionGroupID
	outputs["alertEmail"] = pulumi.String(a.cfg.AlertRecipient())
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
