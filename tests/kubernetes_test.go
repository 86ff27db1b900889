// The private AKS cluster, its registry, the mTLS ingress and the hardened echo workload.

package tests

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	clusterType  = "azure-native:containerservice:ManagedCluster"
	registryType = "azure-native:containerregistry:Registry"
)

// inCluster states the in-cluster layer (on by default) explicitly, so these tests hold whatever the
// default becomes.
var inCluster = harness.Set("kubernetes.deployInCluster", true)

func stackCluster(t *testing.T, recording *harness.Recording) *harness.Resource {
	t.Helper()
	clusters := recording.OfType(clusterType)
	require.Len(t, clusters, 1)
	return clusters[0]
}

// kubernetesObject returns the one Kubernetes object of a type and name.
func kubernetesObject(t *testing.T, recording *harness.Recording, token, name string) *harness.Resource {
	t.Helper()
	return single(t, recording.OfType(token), token+" "+name, func(object *harness.Resource) bool {
		return object.InputString("metadata.name") == name
	})
}

// TestClusterSettings checks the cluster of both stacks against the platform's requirements.
func TestClusterSettings(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			recording := runStack(t, stack)
			cluster := stackCluster(t, recording)
			workspace := recording.OfType("azure-native:operationalinsights:Workspace")[0]
			assert.Equal(t, "azure-native:containerservice/v20241001:ManagedCluster", cluster.Type)
			for path, want := range map[string]any{
				"apiServerAccessProfile.enablePrivateCluster":                            true,
				"apiServerAccessProfile.privateDNSZone":                                  "system",
				"apiServerAccessProfile.enablePrivateClusterPublicFQDN":                  false,
				"disableLocalAccounts":                                                   true,
				"aadProfile.managed":                                                     true,
				"aadProfile.enableAzureRBAC":                                             true,
				"aadProfile.adminGroupObjectIDs":                                         toAny(cfg.Kubernetes.AdminGroupObjectIDs),
				"networkProfile.networkPlugin":                                           "azure",
				"networkProfile.networkPluginMode":                                       "overlay",
				"networkProfile.networkDataplane":                                        "cilium",
				"networkProfile.networkPolicy":                                           "cilium",
				"networkProfile.podCidr":                                                 cfg.Kubernetes.PodCIDR,
				"networkProfile.serviceCidr":                                             cfg.Kubernetes.ServiceCIDR,
				"networkProfile.outboundType":                                            map[string]string{"dev": "loadBalancer", "prod": "userDefinedRouting"}[stack],
				"oidcIssuerProfile.enabled":                                              true,
				"securityProfile.workloadIdentity.enabled":                               true,
				"securityProfile.defender.securityMonitoring.enabled":                    true,
				"securityProfile.defender.logAnalyticsWorkspaceResourceId":               workspace.ID,
				"addonProfiles.azureKeyvaultSecretsProvider.enabled":                     true,
				"addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation": "true",
				"addonProfiles.azurepolicy.enabled":                                      true,
				"addonProfiles.omsagent.enabled":                                         true,
				"addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID":          workspace.ID,
				"autoUpgradeProfile.upgradeChannel":                                      "stable",
				"autoUpgradeProfile.nodeOSUpgradeChannel":                                "NodeImage",
				"sku.tier": string(cfg.Kubernetes.Tier),
			} {
				assert.Equal(t, want, cluster.Input(path), path)
			}
			assert.Equal(t, map[string]string{"dev": "Free", "prod": "Standard"}[stack], string(cfg.Kubernetes.Tier))

			pools, _ := cluster.Input("agentPoolProfiles").([]any)
			require.Len(t, pools, 2)
			for i, want := range []struct {
				mode string
				pool int
			}{{"System", 0}, {"User", 1}} {
				pool := pools[i].(map[string]any)
				size := []struct{ min, max int }{{cfg.Kubernetes.SystemPool.MinCount, cfg.Kubernetes.SystemPool.MaxCount}, {cfg.Kubernetes.UserPool.MinCount, cfg.Kubernetes.UserPool.MaxCount}}[want.pool]
				assert.Equal(t, want.mode, pool["mode"])
				assert.Equal(t, true, pool["enableAutoScaling"])
				assert.Equal(t, float64(size.min), pool["minCount"])
				assert.Equal(t, float64(size.max), pool["maxCount"])
				assert.Equal(t, "Ephemeral", pool["osDiskType"], "Standard_D4ds_v5 hosts the OS disk on its 150 GiB temporary disk")
				assert.Equal(t, float64(128), pool["osDiskSizeGB"])
				assert.Equal(t, "33%", pool["upgradeSettings"].(map[string]any)["maxSurge"])
				assert.Equal(t, virtualNetwork(t, recording).ID+"/subnets/kubernetes-nodes", pool["vnetSubnetID"])
				if len(cfg.Kubernetes.Zones) > 0 {
					assert.Equal(t, toAny(cfg.Kubernetes.Zones), pool["availabilityZones"])
				} else {
					assert.Nil(t, pool["availabilityZones"])
				}
			}
			assert.Equal(t, []any{"CriticalAddonsOnly=true:NoSchedule"}, pools[0].(map[string]any)["nodeTaints"], "the system pool runs critical add-ons only")
			assert.Nil(t, pools[1].(map[string]any)["nodeTaints"])

			var windows []string
			for _, maintenance := range recording.OfType("azure-native:containerservice:MaintenanceConfiguration") {
				windows = append(windows, maintenance.InputString("configName"))
				assert.Equal(t, "Sunday", maintenance.InputString("maintenanceWindow.schedule.weekly.dayOfWeek"))
				assert.Equal(t, float64(4), maintenance.Input("maintenanceWindow.durationHours"))
			}
			assert.ElementsMatch(t, []string{"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule", "default"}, windows)
		})
	}
}

// TestClusterIdentityMayJoinItsSubnetFirst checks the user-assigned control-plane identity is granted
// Network Contributor on the node subnet, and the cluster waits for the grant.
func TestClusterIdentityMayJoinItsSubnetFirst(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev")
	cluster := stackCluster(t, recording)
	identity := recording.Find(identityType, "apiplat-dev-aks-id")
	require.NotNil(t, identity)
	assert.Equal(t, []any{identity.ID}, cluster.Input("identity.userAssignedIdentities"))
	var grant *harness.Resource
	for _, assignment := range recording.OfType(roleAssignmentType) {
		if assignment.InputString("principalId") == identity.OutputString("principalId") {
			grant = assignment
		}
	}
	require.NotNil(t, grant)
	assert.Equal(t, virtualNetwork(t, recording).ID+"/subnets/kubernetes-nodes", grant.InputString("scope"), "the node subnet, not the network")
	assert.True(t, strings.HasSuffix(grant.InputString("roleDefinitionId"), "/"+components.NetworkContributorRole))
	assert.True(t, cluster.DependsOn(grant))
}

// TestIngressAddOn checks the cluster enables the Istio add-on with its internal gateway, and never the
// application routing add-on: on API 2024-10-01 it also creates a "default" NGINX controller behind a
// public load balancer, and its NGINX support ended in November 2026.
func TestIngressAddOn(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runVariant(t, variant)
			cluster := stackCluster(t, recording)
			assert.Equal(t, "Istio", cluster.InputString("serviceMeshProfile.mode"))
			assert.Equal(t, []any{map[string]any{"mode": "Internal", "enabled": true}}, cluster.Input("serviceMeshProfile.istio.components.ingressGateways"),
				"the internal gateway only: no add-on gateway behind a public load balancer")
			assert.Nil(t, cluster.Input("ingressProfile"), "application routing stays off")
			assert.Empty(t, recording.OfType("kubernetes:approuting.kubernetes.azure.com/v1alpha1:NginxIngressController"))
			assert.Empty(t, recording.OfType("kubernetes:networking.k8s.io/v1:Ingress"))
		})
	}
}

// TestRegistry checks the registry is private, pulls only with the kubelet identity, and is reached
// through its private endpoint.
func TestRegistry(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			recording := runStack(t, stack)
			registries := recording.OfType(registryType)
			require.Len(t, registries, 1)
			registry := registries[0]
			assert.Equal(t, "Premium", registry.InputString("sku.name"))
			assert.Equal(t, false, registry.Input("adminUserEnabled"))
			assert.Equal(t, "Disabled", registry.InputString("publicNetworkAccess"))
			assert.Equal(t, "None", registry.InputString("networkRuleBypassOptions"))
			assert.Nil(t, registry.Input("anonymousPullEnabled"), "GA API versions cannot enable anonymous pull")
			assert.Equal(t, map[string]string{"dev": "Disabled", "prod": "Enabled"}[stack], registry.InputString("zoneRedundancy"))
			assert.Equal(t, cfg.Protection.StatefulResourcesProtected, registry.Protect)

			cluster := stackCluster(t, recording)
			var pullers []string
			for _, assignment := range recording.OfType(roleAssignmentType) {
				if strings.HasSuffix(assignment.InputString("roleDefinitionId"), "/"+components.AcrPullRole) {
					assert.Equal(t, registry.ID, assignment.InputString("scope"))
					pullers = append(pullers, assignment.InputString("principalId"))
				}
			}
			assert.Equal(t, []string{cluster.Output("identityProfile.kubeletidentity.objectId").(string)}, pullers)

			endpoint := endpointFor(t, recording, "registry")
			assert.Equal(t, registry.ID, endpoint.InputString("privateLinkServiceConnections[0].privateLinkServiceId"))
			zone := zoneNamed(t, recording, "privatelink.azurecr.io")
			assert.Equal(t, zone.ID, zoneGroupOf(t, recording, endpoint).InputString("privateDnsZoneConfigs[0].privateDnsZoneId"))
		})
	}
}

// TestBackendHostAgreesEverywhere checks one host name value feeds the ingress certificate's SAN, the
// private DNS zone, the API Management backend and the ingress, and that the record points at the
// pinned address without waiting for the cluster.
func TestBackendHostAgreesEverywhere(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev", inCluster)
	recording := runStack(t, "dev", inCluster)
	host := cfg.HostNames.Backend
	assert.Equal(t, []string{host}, recordedChain(t, recording, cfg).leaves[pki.IngressServer].DNSNames)
	zone := zoneNamed(t, recording, host)
	record := recordIn(t, recording, zone)
	assert.Equal(t, "10.42.11.254", cfg.IngressPrivateIP(), "the node subnet's last usable address by default")
	assert.Equal(t, cfg.IngressPrivateIP(), record.InputString("aRecords[0].ipv4Address"))
	assert.False(t, recording.WaitsFor(record, stackCluster(t, recording)), "the record never waits for the cluster")
	assert.Equal(t, "https://"+host, apimEntity(t, recording, "Backend").InputString("url"))
	gateway := kubernetesObject(t, recording, "kubernetes:networking.istio.io/v1:Gateway", "backend-mtls")
	assert.Equal(t, []any{host}, gateway.Input("spec.servers[0].hosts"))
	patch := kubernetesObject(t, recording, "kubernetes:core/v1:ServicePatch", components.IstioInternalGatewayService)
	assert.Equal(t, cfg.IngressPrivateIP(), patch.InputString("metadata.annotations."+strings.ReplaceAll(components.LoadBalancerIPAnnotation, ".", "\\.")))
}

// TestFirstRunOfMakeDeployRegistersTheSameLayer checks make deploy's first run: the program registers
// exactly what the second run does (Pulumi's --exclude, not the program, leaves the layer out, so
// nothing is deleted), and its inCluster output says the layer was left for the second run.
func TestFirstRunOfMakeDeployRegistersTheSameLayer(t *testing.T) {
	t.Parallel()
	first := harness.DeploySurroundings()
	first.Runner.InClusterExcluded = true
	excluded, err := harness.RunStackIn(projectDir, "dev", first)
	require.NoError(t, err)
	second := runStack(t, "dev")
	urns := func(recording *harness.Recording) []string {
		var all []string
		for _, res := range recording.Resources {
			all = append(all, res.URN)
		}
		slices.Sort(all)
		return all
	}
	assert.Equal(t, urns(second), urns(excluded))
	assert.Equal(t, second.OfType("pulumi:providers:kubernetes")[0].Inputs, excluded.OfType("pulumi:providers:kubernetes")[0].Inputs,
		"the provider is configured alike in both runs, so the second run does not update it")
	assert.Equal(t, "excluded from this run: the Azure layer's run of make deploy leaves the cluster alone; its second run deploys the ingress and the echo workload through the Bastion tunnel",
		excluded.Outputs["inCluster"].Value)
}

// TestInClusterLayerIsOnByDefault checks that both stack files register the in-cluster layer in the run
// make deploy performs, and that with the switch off only Azure resources are registered and the
// inCluster output says why.
func TestInClusterLayerIsOnByDefault(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			assert.Len(t, recording.OfType("pulumi:providers:kubernetes"), 1)
			assert.Len(t, recording.OfType("kubernetes:networking.istio.io/v1:Gateway"), 1)
			assert.Len(t, recording.OfType("kubernetes:apps/v1:Deployment"), 1)
			inCluster, _ := recording.Outputs["inCluster"].Value.(string)
			assert.True(t, strings.HasPrefix(inCluster, "deployed: "), inCluster)

			off := runStack(t, stack, harness.Set("kubernetes.deployInCluster", false))
			for _, res := range off.Resources {
				assert.False(t, strings.HasPrefix(res.Type, "kubernetes:") || res.Type == "pulumi:providers:kubernetes",
					"%s registered %s %s with kubernetes.deployInCluster false", stack, res.Type, res.Name)
			}
			assert.Equal(t, "skipped: kubernetes.deployInCluster is false, the cluster's ingress and workload are left to another tool", off.Outputs["inCluster"].Value)
		})
	}
}

// TestIstioIngressObjects checks the Istio objects: the pinned gateway Service, the credential, the
// MUTUAL gateway, the route, and in-mesh STRICT mTLS admitting only the ingress namespace.
func TestIstioIngressObjects(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod", inCluster)
	recording := runStack(t, "prod", inCluster)
	c := recordedChain(t, recording, cfg)

	patch := kubernetesObject(t, recording, "kubernetes:core/v1:ServicePatch", components.IstioInternalGatewayService)
	assert.Equal(t, components.IstioIngressNamespace, patch.InputString("metadata.namespace"))
	assert.Equal(t, []string{components.LoadBalancerIPAnnotation}, slices.Collect(maps.Keys(patch.Input("metadata.annotations").(map[string]any))),
		"only an annotation the add-on lets customers set lands on its Service")
	route := kubernetesObject(t, recording, "kubernetes:networking.istio.io/v1:VirtualService", "echo")
	assert.True(t, recording.WaitsFor(route, kubernetesObject(t, recording, "kubernetes:core/v1:Namespace", "echo")), "the route waits for its namespace")

	secret := kubernetesObject(t, recording, "kubernetes:core/v1:Secret", "backend-mtls-credential")
	assert.Equal(t, components.IstioIngressNamespace, secret.InputString("metadata.namespace"), "next to the gateway")
	assert.True(t, secret.IsSecretInput("stringData"), "a Pulumi secret")
	data, ok := secret.Input("stringData").(map[string]any)
	require.True(t, ok)
	assert.ElementsMatch(t, []string{"tls.crt", "tls.key", "ca.crt"}, slices.Collect(maps.Keys(data)))
	certificate, err := harness.CertificateFromPEM(data["tls.crt"].(string))
	require.NoError(t, err)
	assert.Equal(t, c.leaves[pki.IngressServer].Raw, certificate.Raw)
	assert.Equal(t, c.keys[pki.IngressServer], data["tls.key"])
	ca, err := harness.CertificateFromPEM(data["ca.crt"].(string))
	require.NoError(t, err)
	assert.Equal(t, c.ca.Raw, ca.Raw)

	gateway := kubernetesObject(t, recording, "kubernetes:networking.istio.io/v1:Gateway", "backend-mtls")
	assert.Equal(t, []any{cfg.ClientCertificateIdentity()}, gateway.Input("spec.servers[0].tls.subjectAltNames"),
		"only API Management's client certificate: the CA also signs the platform's server certificates")
	assert.NotEqual(t, cfg.HostNames.Backend, cfg.ClientCertificateIdentity(), "the ingress's own certificate is not admitted")
	assert.Equal(t, map[string]any{"istio": "aks-istio-ingressgateway-internal"}, gateway.Input("spec.selector"))
	assert.Equal(t, float64(443), gateway.Input("spec.servers[0].port.number"))
	assert.Equal(t, "HTTPS", gateway.InputString("spec.servers[0].port.protocol"))
	assert.Equal(t, "MUTUAL", gateway.InputString("spec.servers[0].tls.mode"))
	assert.Equal(t, "backend-mtls-credential", gateway.InputString("spec.servers[0].tls.credentialName"))
	assert.Equal(t, "TLSV1_2", gateway.InputString("spec.servers[0].tls.minProtocolVersion"))

	route = kubernetesObject(t, recording, "kubernetes:networking.istio.io/v1:VirtualService", "echo")
	assert.Equal(t, []any{"aks-istio-ingress/backend-mtls"}, route.Input("spec.gateways"))
	assert.Equal(t, "echo.echo.svc.cluster.local", route.InputString("spec.http[0].route[0].destination.host"))

	namespace := kubernetesObject(t, recording, "kubernetes:core/v1:Namespace", "echo")
	assert.Equal(t, "asm-1-31", namespace.InputString("metadata.labels.istio\\.io/rev"), "sidecars by revision label")
	peer := kubernetesObject(t, recording, "kubernetes:security.istio.io/v1:PeerAuthentication", "default")
	assert.Equal(t, "echo", peer.InputString("metadata.namespace"))
	assert.Equal(t, "STRICT", peer.InputString("spec.mtls.mode"))
	authorization := kubernetesObject(t, recording, "kubernetes:security.istio.io/v1:AuthorizationPolicy", "allow-ingress-gateway")
	assert.Equal(t, "ALLOW", authorization.InputString("spec.action"))
	assert.Equal(t, []any{"aks-istio-ingress"}, authorization.Input("spec.rules[0].from[0].source.namespaces"))

	accessLogs := kubernetesObject(t, recording, "kubernetes:telemetry.istio.io/v1:Telemetry", "ingress-access-logs")
	assert.Equal(t, "aks-istio-ingress", accessLogs.InputString("metadata.namespace"), "only the gateway's requests are logged")
	assert.Equal(t, "envoy", accessLogs.InputString("spec.accessLogging[0].providers[0].name"))
}

// TestEchoWorkloadIsHardened checks the workload's pods, service, budget and network policies.
func TestEchoWorkloadIsHardened(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack, inCluster)
			recording := runStack(t, stack, inCluster)
			deployment := kubernetesObject(t, recording, "kubernetes:apps/v1:Deployment", "echo")
			assert.Equal(t, float64(cfg.Workload.Replicas), deployment.Input("spec.replicas"))
			container := "spec.template.spec.containers[0]."
			assert.Equal(t, cfg.Workload.Image, deployment.InputString(container+"image"))
			assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, cfg.Workload.Image, "the image is pinned by digest")
			for path, want := range map[string]any{
				"securityContext.runAsNonRoot":             true,
				"securityContext.runAsUser":                float64(10001),
				"securityContext.runAsGroup":               float64(10001),
				"securityContext.readOnlyRootFilesystem":   true,
				"securityContext.allowPrivilegeEscalation": false,
				"securityContext.capabilities.drop":        []any{"ALL"},
				"securityContext.seccompProfile.type":      "RuntimeDefault",
				"resources.requests.cpu":                   "50m",
				"resources.limits.memory":                  "128Mi",
				"resources.requests.ephemeral-storage":     "64Mi",
				"resources.limits.ephemeral-storage":       "256Mi",
				"readinessProbe.httpGet.port":              float64(8080),
				"livenessProbe.tcpSocket.port":             float64(8080),
			} {
				assert.Equal(t, want, deployment.Input(container+path), path)
			}
			readiness, liveness := deployment.Input(container+"readinessProbe"), deployment.Input(container+"livenessProbe")
			assert.NotEqual(t, readiness, liveness, "a slow answer takes a pod out of rotation; only a dead listener restarts it")
			assert.Nil(t, deployment.Input(container+"livenessProbe.httpGet"))
			assert.Equal(t, true, deployment.Input("spec.template.spec.securityContext.runAsNonRoot"))
			assert.GreaterOrEqual(t, deployment.Input("spec.template.spec.securityContext.runAsUser"), float64(10001), "a UID no host or image user has")
			assert.GreaterOrEqual(t, deployment.Input("spec.template.spec.securityContext.runAsGroup"), float64(10001))
			assert.Equal(t, false, deployment.Input("spec.template.spec.automountServiceAccountToken"))
			assert.Equal(t, []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": "64Mi"}}},
				deployment.Input("spec.template.spec.volumes"), "/tmp is the only writable path, and it is bounded")
			assert.Equal(t, "asm-1-31", deployment.InputString(`spec.template.metadata.annotations.apiplatform\.io/istio-revision`),
				"a revision change restarts the pods, so they get the new sidecar")

			service := kubernetesObject(t, recording, "kubernetes:core/v1:Service", "echo")
			assert.Equal(t, "ClusterIP", service.InputString("spec.type"))
			assert.Equal(t, float64(80), service.Input("spec.ports[0].port"))
			assert.Equal(t, float64(8080), service.Input("spec.ports[0].targetPort"))

			budgets := recording.OfType("kubernetes:policy/v1:PodDisruptionBudget")
			if cfg.Workload.Replicas >= 2 {
				require.Len(t, budgets, 1)
				assert.Equal(t, float64(1), budgets[0].Input("spec.minAvailable"))
			} else {
				assert.Empty(t, budgets)
			}

			deny := kubernetesObject(t, recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny")
			assert.Equal(t, map[string]any{}, deny.Input("spec.podSelector"))
			assert.Equal(t, []any{"Ingress"}, deny.Input("spec.policyTypes"))
			assert.Nil(t, deny.Input("spec.ingress"), "nothing is allowed by the default policy")
			allow := kubernetesObject(t, recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-from-ingress")
			assert.Equal(t, "aks-istio-ingress", allow.InputString("spec.ingress[0].from[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name"))
			assert.Equal(t, float64(8080), allow.Input("spec.ingress[0].ports[0].port"))

			egress := kubernetesObject(t, recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-egress")
			assert.Equal(t, []any{"Egress"}, egress.Input("spec.policyTypes"))
			assert.Equal(t, map[string]any{"app.kubernetes.io/name": "echo"}, egress.Input("spec.podSelector.matchLabels"))
			assert.Equal(t, []any{
				map[string]any{
					"to": []any{map[string]any{
						"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "kube-system"}},
						"podSelector":       map[string]any{"matchLabels": map[string]any{"k8s-app": "kube-dns"}},
					}},
					"ports": []any{map[string]any{"port": float64(53), "protocol": "UDP"}, map[string]any{"port": float64(53), "protocol": "TCP"}},
				},
				map[string]any{
					"to": []any{map[string]any{
						"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "aks-istio-system"}},
						"podSelector":       map[string]any{"matchLabels": map[string]any{"app": "istiod"}},
					}},
					"ports": []any{map[string]any{"port": float64(15012), "protocol": "TCP"}},
				},
			}, egress.Input("spec.egress"), "cluster DNS, and istiod for the sidecar: nothing else")
		})
	}
}

// providerKubeconfig is the part of the Kubernetes provider's kubeconfig the tests read.
type providerKubeconfig struct {
	Clusters []struct {
		Cluster struct {
			Server        string `json:"server"`
			TLSServerName string `json:"tls-server-name"`
			CA            string `json:"certificate-authority-data"`
		} `json:"cluster"`
	} `json:"clusters"`
	Users []struct {
		User struct {
			Exec struct {
				Command         string   `json:"command"`
				Args            []string `json:"args"`
				InteractiveMode string   `json:"interactiveMode"`
			} `json:"exec"`
		} `json:"user"`
	} `json:"users"`
}

// TestKubernetesProviderReachesThePrivateAPIServer checks the provider's kubeconfig on each runner:
// built from the cluster's Microsoft Entra user kubeconfig (which AKS writes for device-code login),
// through the Bastion tunnel from a workstation with the API server's name kept for TLS, directly
// from an agent, always with a non-interactive kubelogin, kept secret, and tied to the cluster's ID
// so a change of runner never replaces the cluster's objects.
func TestKubernetesProviderReachesThePrivateAPIServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		surroundings harness.Surroundings
		edits        []harness.Edit
		tunnel       bool
		login        string
	}{
		{"make deploy: through the Bastion tunnel, signed in with the Azure CLI", harness.DeploySurroundings(), nil, true, "azurecli"},
		{"prod through the Bastion tunnel", harness.DeploySurroundings(), nil, true, "azurecli"},
		{"Deployments agent inside the network, workload identity", harness.AgentSurroundings(), []harness.Edit{harness.Set("kubernetes.loginMethod", "workloadidentity")}, false, "workloadidentity"},
		{"jumpbox with its managed identity", harness.AgentSurroundings(), []harness.Edit{harness.Set("kubernetes.loginMethod", "msi")}, false, "msi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := "dev"
			if strings.HasPrefix(tc.name, "prod") {
				stack = "prod"
			}
			recording, err := harness.RunStackIn(projectDir, stack, tc.surroundings, tc.edits...)
			require.NoError(t, err)
			providers := recording.OfType("pulumi:providers:kubernetes")
			require.Len(t, providers, 1)
			provider := providers[0]
			assert.True(t, provider.IsSecretInput("kubeconfig"))
			clusters := recording.OfType("azure-native:containerservice:ManagedCluster")
			require.Len(t, clusters, 1)
			assert.Equal(t, clusters[0].ID, provider.InputString("clusterIdentifier"), "only a new cluster replaces the provider")

			text := provider.InputString("kubeconfig")
			assert.NotContains(t, text, "devicecode", "the device-code login AKS writes is gone")
			var kubeconfig providerKubeconfig
			require.NoError(t, json.Unmarshal([]byte(text), &kubeconfig))
			require.Len(t, kubeconfig.Clusters, 1)
			server := kubeconfig.Clusters[0].Cluster
			fqdn := clusters[0].OutputString("privateFQDN")
			require.NotEmpty(t, fqdn)
			if tc.tunnel {
				assert.Equal(t, "https://127.0.0.1:"+harness.DeployTunnelPort, server.Server)
				assert.Equal(t, fqdn, server.TLSServerName, "TLS verifies the API server's own name through the tunnel")
			} else {
				assert.Equal(t, "https://"+fqdn+":443", server.Server)
				assert.Empty(t, server.TLSServerName)
			}
			assert.NotEmpty(t, server.CA, "the cluster CA from AKS's kubeconfig")
			require.Len(t, kubeconfig.Users, 1)
			exec := kubeconfig.Users[0].User.Exec
			assert.Equal(t, "kubelogin", exec.Command)
			assert.Equal(t, []string{"get-token", "--login", tc.login}, exec.Args[:3])
			assert.Contains(t, strings.Join(exec.Args, " "), "--server-id 6dae42f8-4368-4678-94ff-3960e28e3630", "the AKS server application from AKS's kubeconfig")
			assert.Equal(t, "Never", exec.InteractiveMode)

			inCluster, ok := recording.Outputs["inCluster"].Value.(string)
			require.True(t, ok)
			assert.True(t, strings.HasPrefix(inCluster, "deployed: "), inCluster)
			assert.Contains(t, inCluster, "--login "+tc.login)
			if tc.tunnel {
				assert.Contains(t, inCluster, "through the Bastion tunnel on localhost:"+harness.DeployTunnelPort)
			} else {
				assert.Contains(t, inCluster, "directly")
			}
			var invoked bool
			for _, invoke := range recording.Invokes {
				if harness.TypeMatches(invoke.Token, "azure-native:containerservice:listManagedClusterUserCredentials") {
					invoked = true
					assert.Equal(t, "exec", invoke.Args["format"].StringValue())
				}
			}
			assert.True(t, invoked)
		})
	}
}
