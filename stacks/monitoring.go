// Alerting layer of the stack: the action group and the metric alerts on every hop.

package stacks

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
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
	targets := map[components.AlertTarget]pulumi.StringInput{
		components.AlertAPIManagement: apim.service.ServiceID,
		components.AlertKubernetes:    cluster.cluster.ClusterID,
	}
	for _, watched := range edge.alertScopes() {
		target, id := watched.AlertScope()
		targets[target] = id
	}
	created, err := components.NewAlerts(p.ctx, p.base, &components.AlertsArgs{
		ResourceGroupName: p.resourceGroup.Name,
		Email:             p.cfg.AlertRecipient(),
		Targets:           targets,
		Tags:              p.tags,
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

// siem is the security layer: Microsoft Sentinel on the workspace (nil when monitoring.sentinelEnabled
// is false).
type siem struct {
	sentinel *components.Sentinel
}

// deploySentinel onboards Sentinel on the workspace when monitoring.sentinelEnabled is true. It waits
// for nothing but the workspace.
func (p *platform) deploySentinel() (*siem, error) {
	if !p.cfg.Monitoring.SentinelEnabled {
		return &siem{}, nil
	}
	clientConfig := authorization.GetClientConfigOutput(p.ctx, pulumi.Provider(p.providers.azure))
	sentinel, err := components.NewSentinel(p.ctx, p.base, &components.SentinelArgs{
		ResourceGroupName: p.resourceGroup.Name,
		WorkspaceName:     p.monitoring.WorkspaceName,
		WorkspaceID:       p.monitoring.WorkspaceID,
		SubscriptionID:    clientConfig.SubscriptionId(),
	}, p.providers.all())
	if err != nil {
		return nil, err
	}
	return &siem{sentinel: sentinel}, nil
}

// addOutputs adds the Sentinel onboarding's ID.
func (s *siem) addOutputs(outputs pulumi.Map) {
	if s.sentinel != nil {
		outputs["sentinelOnboardingId"] = s.sentinel.OnboardingID
	}
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
