// First-run races: what the AKS Istio add-on creates later is waited for, bounded, before anything builds
// on it; the mocks refuse what a real API server would refuse on a first `pulumi up`.

package tests

import (
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apimanagement "github.com/pulumi/pulumi-azure-native-sdk/apimanagement/v2/v20240501"
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/review"
)

const jobType = "kubernetes:batch/v1:Job"

// readinessJobChecks returns the readiness Job of a recording and what it waits for.
func readinessJobChecks(t *testing.T, recording *harness.Recording) (*harness.Resource, []components.ReadinessCheck) {
	t.Helper()
	job := kubernetesObject(t, recording, jobType, "istio-add-on-ready")
	variables, _ := job.Input("spec.template.spec.containers[0].env").([]any)
	for _, item := range variables {
		variable := item.(map[string]any)
		if variable["name"] == components.ReadinessChecksVariable {
			var checks []components.ReadinessCheck
			require.NoError(t, json.Unmarshal([]byte(variable["value"].(string)), &checks))
			return job, checks
		}
	}
	require.Fail(t, "the Job has no "+components.ReadinessChecksVariable)
	return nil, nil
}

// TestInClusterLayerWaitsForTheIstioAddOn checks the readiness Job of every in-cluster stack: it waits
// for the CRDs, the gateway Service and every installed revision's istiod, bounded, outside the mesh,
// under the restricted Pod Security Standard, reading exactly those objects; and every object that
// builds on the add-on waits for it.
func TestInClusterLayerWaitsForTheIstioAddOn(t *testing.T) {
	t.Parallel()
	for _, variant := range []stackVariant{{"dev", "dev", []harness.Edit{inCluster}, nil}, featureVariants[2],
		{"canary upgrade", "prod", []harness.Edit{inCluster, harness.Set("ingress.istioRevisions", []any{"asm-1-30", "asm-1-31"})}, nil}} {
		t.Run(variant.name, func(t *testing.T) {
			cfg := mustLoadConfig(t, variant.stack, variant.edits...)
			recording := runVariant(t, variant)
			job, checks := readinessJobChecks(t, recording)
			assert.Equal(t, components.IstioAddOnChecks(cfg.InstalledIstioRevisions()), checks)
			var paths []string
			for _, check := range checks {
				paths = append(paths, check.Path)
			}
			for _, revision := range cfg.InstalledIstioRevisions() {
				assert.Contains(t, paths, "/apis/apps/v1/namespaces/aks-istio-system/deployments/istiod-"+revision, "every installed revision")
			}
			assert.Contains(t, paths, "/api/v1/namespaces/aks-istio-ingress/services/aks-istio-ingressgateway-internal")

			assert.Equal(t, float64(0), job.Input("spec.backoffLimit"))
			assert.Equal(t, "true", job.InputString(`metadata.annotations.pulumi\.com/replaceUnready`), "a failed Job is replaced by the next pulumi up")
			binding := kubernetesObject(t, recording, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "apiplatform-istio-readiness")
			assert.True(t, job.DependsOn(binding), "the Job starts with its permission in place")
			for _, check := range checks {
				if strings.Contains(check.Path, "/customresourcedefinitions/") {
					assert.Equal(t, "Established", check.Condition, "a CRD is served only once Established")
				}
			}
			deadline := job.Input("spec.activeDeadlineSeconds").(float64)
			timeout, err := time.ParseDuration(job.CustomTimeouts.Create)
			require.NoError(t, err)
			assert.Greater(t, timeout, time.Duration(deadline)*time.Second, "Pulumi waits longer than the Job, so the Job's message is what the user sees")
			pod := "spec.template."
			assert.Equal(t, "false", job.InputString(pod+`metadata.annotations.sidecar\.istio\.io/inject`), "a sidecar would keep the Job from completing")
			assert.Equal(t, cfg.Workload.Image, job.InputString(pod+"spec.containers[0].image"), "no other image through the firewall")
			assert.Equal(t, true, job.Input(pod+"spec.containers[0].securityContext.readOnlyRootFilesystem"))
			assert.Equal(t, "FallbackToLogsOnError", job.InputString(pod+"spec.containers[0].terminationMessagePolicy"))
			namespace := kubernetesObject(t, recording, "kubernetes:core/v1:Namespace", job.InputString("metadata.namespace"))
			assert.Equal(t, "restricted", namespace.InputString(`metadata.labels.pod-security\.kubernetes\.io/enforce`))

			role := kubernetesObject(t, recording, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "apiplatform-istio-readiness")
			rules, _ := role.Input("rules").([]any)
			for _, item := range rules {
				rule := item.(map[string]any)
				assert.Equal(t, []any{"get"}, rule["verbs"], "read only")
				assert.NotEmpty(t, rule["resourceNames"], "named objects only")
			}

			for _, res := range recording.Resources {
				builds := strings.Contains(res.Type, ".istio.io/") || res.InputString("metadata.namespace") == components.IstioIngressNamespace ||
					(harness.TypeMatches(res.Type, "kubernetes:apps/v1:Deployment") && res.InputString("metadata.namespace") == "echo")
				if res.Custom && builds {
					assert.True(t, recording.WaitsFor(res, job), "%s %s waits for the add-on", res.Type, res.Name)
				}
			}
		})
	}
}

// TestMockAPIServerRefusesWhatTheAddOnHasNotCreated runs the in-cluster components without waiting for
// the add-on, as the program did before: the mock API server refuses them as the real one does on a
// first `pulumi up`, and with the readiness Job it accepts them.
func TestMockAPIServerRefusesWhatTheAddOnHasNotCreated(t *testing.T) {
	t.Parallel()
	ingress := func(ready []pulumi.Resource) *components.MTLSIngressArgs {
		return &components.MTLSIngressArgs{Host: "echo.internal.contoso.example", PrivateIP: "10.42.11.254",
			ServerCertificatePEM: pulumi.String("cert"), ServerPrivateKeyPEM: pulumi.String("key"), CACertificatePEM: pulumi.String("ca"),
			ServiceNamespace: "echo", ServiceName: "echo", ServicePort: components.EchoServicePort, WaitFor: ready}
	}
	workload := func(ready []pulumi.Resource) *components.EchoWorkloadArgs {
		return &components.EchoWorkloadArgs{Namespace: "echo", Image: "registry.example/echo@sha256:" + strings.Repeat("0", 64), Replicas: 1,
			IngressNamespace: components.IstioIngressNamespace, IstioRevision: "asm-1-31", MeshReady: ready}
	}
	cases := []struct {
		name    string
		waits   bool
		program func(ctx *pulumi.Context, ready []pulumi.Resource) error
		refusal string
	}{
		{"ingress", false, func(ctx *pulumi.Context, ready []pulumi.Resource) error {
			_, err := components.NewIstioIngress(ctx, "unit-ingress", ingress(ready))
			return err
			// Which refusal comes first depends on which registration the mocks answer first: both are
			// objects the add-on creates.
		}, `namespaces "aks-istio-ingress" not found|no matches for kind "(VirtualService|Gateway|Telemetry)" in version`},
		{"workload", false, func(ctx *pulumi.Context, ready []pulumi.Resource) error {
			_, err := components.NewEchoWorkload(ctx, "unit-echo", workload(ready))
			return err
		}, `would start without a sidecar: istiod-asm-1-31 and its injector do not exist yet|no matches for kind "PeerAuthentication"`},
		{"pods before the injector", false, func(ctx *pulumi.Context, ready []pulumi.Resource) error {
			var namespace, deployment mockedResource
			if err := ctx.RegisterResource("kubernetes:core/v1:Namespace", "mesh", pulumi.Map{"metadata": pulumi.Map{"name": pulumi.String("mesh"),
				"labels": pulumi.StringMap{"istio.io/rev": pulumi.String("asm-1-31")}}}, &namespace); err != nil {
				return err
			}
			return ctx.RegisterResource("kubernetes:apps/v1:Deployment", "app", pulumi.Map{"metadata": pulumi.Map{"name": pulumi.String("app"),
				"namespace": pulumi.String("mesh")}}, &deployment, pulumi.DependsOn(append([]pulumi.Resource{&namespace}, ready...)))
		}, "the pods of Deployment app would start without a sidecar: istiod-asm-1-31 and its injector do not exist yet"},
		{"ingress after the readiness Job", true, func(ctx *pulumi.Context, ready []pulumi.Resource) error {
			_, err := components.NewIstioIngress(ctx, "unit-ingress", ingress(ready))
			return err
		}, ""},
		{"workload after the readiness Job", true, func(ctx *pulumi.Context, ready []pulumi.Resource) error {
			_, err := components.NewEchoWorkload(ctx, "unit-echo", workload(ready))
			return err
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := harness.Run(func(ctx *pulumi.Context) error {
				var ready []pulumi.Resource
				if tc.waits {
					readiness, err := components.NewIstioAddOnReadiness(ctx, "unit-readiness", &components.IstioAddOnReadinessArgs{
						Namespace: "istio-readiness", Image: "registry.example/echo@sha256:" + strings.Repeat("0", 64), Revisions: []string{"asm-1-31"},
					})
					if err != nil {
						return err
					}
					ready = readiness.Ready
				}
				return tc.program(ctx, ready)
			}, "unit", "test", map[string]string{})
			if tc.refusal == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Regexp(t, tc.refusal, err.Error())
		})
	}
}

// fakeAPIServer is an HTTPS stand-in for the Kubernetes API server: each path answers 404 until it has
// been asked a given number of times, then 200 with its body; it records the bearer token it got.
type fakeAPIServer struct {
	mu      sync.Mutex
	asked   map[string]int
	readyAt map[string]int
	bodies  map[string]string
	tokens  []string
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked[r.URL.Path]++
	f.tokens = append(f.tokens, r.Header.Get("Authorization"))
	readyAt, known := f.readyAt[r.URL.Path]
	if !known || f.asked[r.URL.Path] < readyAt {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(f.bodies[r.URL.Path]))
}

// TestReadinessScriptWaitsForTheAddOn runs the Job's script in Node.js against a fake API server over
// TLS: it keeps asking until every object exists (a Deployment also with a ready replica), then exits 0;
// it gives up at its deadline with a message naming what is missing and a non-zero exit.
func TestReadinessScriptWaitsForTheAddOn(t *testing.T) {
	// Not parallel: the script's deadlines are seconds of wall time, and a loaded machine stretches them.
	requireInstalled(t, "readiness script test", missingPrograms("node"), "Node.js runs the readiness Job's script; .ci/run installs nodejs")
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	checks := components.IstioAddOnChecks([]string{"asm-1-31"})
	istiod := checks[len(checks)-1].Path
	server := &fakeAPIServer{asked: map[string]int{}, readyAt: map[string]int{}, bodies: map[string]string{}}
	established := `{"status":{"conditions":[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"True"}]}}`
	for _, check := range checks {
		server.readyAt[check.Path] = 2
		server.bodies[check.Path] = "{}"
		if check.Condition != "" {
			server.bodies[check.Path] = established
		}
	}
	server.readyAt[istiod] = 1
	server.bodies[istiod] = `{"status":{"replicas":1}}` // exists, not ready: asked again until readyReplicas
	gatewayCRD := checks[0].Path
	server.readyAt[gatewayCRD] = 1
	server.bodies[gatewayCRD] = `{"status":{"conditions":[{"type":"Established","status":"False"}]}}` // not served yet
	listener := httptest.NewTLSServer(server)
	defer listener.Close()

	dir := t.TempDir()
	certificate := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: listener.Certificate().Raw})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.crt"), certificate, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte("service-account-token\n"), 0o600))
	host, port, err := net.SplitHostPort(strings.TrimPrefix(listener.URL, "https://"))
	require.NoError(t, err)
	encoded, err := json.Marshal(checks)
	require.NoError(t, err)
	run := func(timeoutSeconds string) (string, error) {
		command := exec.Command(node, "-e", components.ReadinessScript)
		command.Env = []string{"KUBERNETES_SERVICE_HOST=" + host, "KUBERNETES_SERVICE_PORT=" + port, "SERVICE_ACCOUNT_DIR=" + dir,
			components.ReadinessChecksVariable + "=" + string(encoded), "READINESS_TIMEOUT_SECONDS=" + timeoutSeconds, "READINESS_INTERVAL_SECONDS=0.05"}
		output, err := command.CombinedOutput()
		return string(output), err
	}

	go func() {
		time.Sleep(500 * time.Millisecond)
		server.mu.Lock()
		server.bodies[istiod] = `{"status":{"replicas":1,"readyReplicas":1}}`
		server.bodies[gatewayCRD] = established
		server.mu.Unlock()
	}()
	output, err := run("20")
	require.NoError(t, err, output)
	assert.Contains(t, output, "the AKS Istio add-on is ready")
	server.mu.Lock()
	assert.Greater(t, server.asked[istiod], 2, "istiod was asked again until it had a ready replica")
	assert.Greater(t, server.asked[gatewayCRD], 2, "the CRD was asked again until it was Established")
	for _, token := range server.tokens {
		assert.Equal(t, "Bearer service-account-token", token, "authenticated with the pod's service account")
	}
	server.readyAt[checks[0].Path] = 1 << 30 // the first CRD never appears
	server.mu.Unlock()

	output, err = run("1")
	require.Error(t, err, "the Job fails at its deadline")
	_, message, found := strings.Cut(output, "timed out waiting for the AKS Istio add-on to create: ")
	require.True(t, found, output)
	assert.True(t, strings.HasPrefix(message, checks[0].Description+" ("), "only what is missing is named: %s", message)
}

// TestKeyVaultReadsWaitForTheirGrantToTakeEffect checks the review's race finder on the two ways a
// service reads Key Vault here: API Management's certificate entity with the system identity granted
// just before it (the program's former design: refused on a first `pulumi up` while the grant
// propagates) and Application Gateway with a user-assigned identity granted long before, behind API
// Management's creation (no race); and that every stack variant has none.
func TestKeyVaultReadsWaitForTheirGrantToTakeEffect(t *testing.T) {
	t.Parallel()
	recording, err := harness.Run(func(ctx *pulumi.Context) error {
		var vault mockedResource
		if err := ctx.RegisterResource("azure-native:keyvault:Vault", "kv", pulumi.Map{"resourceGroupName": pulumi.String("rg"), "vaultName": pulumi.String("unitkv")}, &vault); err != nil {
			return err
		}
		identity, err := managedidentity.NewUserAssignedIdentity(ctx, "agw-id", &managedidentity.UserAssignedIdentityArgs{ResourceGroupName: pulumi.String("rg")})
		if err != nil {
			return err
		}
		service, err := apimanagement.NewApiManagementService(ctx, "apim", &apimanagement.ApiManagementServiceArgs{
			ResourceGroupName: pulumi.String("rg"), ServiceName: pulumi.String("apim"), PublisherEmail: pulumi.String("a@contoso.example"),
			PublisherName: pulumi.String("a"), Sku: &apimanagement.ApiManagementServiceSkuPropertiesArgs{Name: pulumi.String("Developer"), Capacity: pulumi.Int(1)},
			Identity: &apimanagement.ApiManagementServiceIdentityArgs{Type: pulumi.String("SystemAssigned")},
		})
		if err != nil {
			return err
		}
		grant := func(name string, principal pulumi.StringInput) (*authorization.RoleAssignment, error) {
			return authorization.NewRoleAssignment(ctx, name, &authorization.RoleAssignmentArgs{
				Scope: vault.ID(), PrincipalId: principal, RoleDefinitionId: pulumi.String(components.KeyVaultSecretsUserRole), PrincipalType: pulumi.String("ServicePrincipal"),
			})
		}
		gatewayGrant, err := grant("agw-grant", identity.PrincipalId)
		if err != nil {
			return err
		}
		apimGrant, err := grant("apim-grant", service.Identity.PrincipalId().Elem())
		if err != nil {
			return err
		}
		var certificate, gateway mockedResource
		if err := ctx.RegisterResource("azure-native:apimanagement/v20240501:Certificate", "apim-client", pulumi.Map{"resourceGroupName": pulumi.String("rg"),
			"serviceName": pulumi.String("apim"), "certificateId": pulumi.String("apim-client"),
			"keyVault": pulumi.Map{"secretIdentifier": pulumi.String("https://unitkv.vault.azure.net/secrets/apim-client")}},
			&certificate, pulumi.DependsOn([]pulumi.Resource{apimGrant})); err != nil {
			return err
		}
		return ctx.RegisterResource("azure-native:network:ApplicationGateway", "agw", pulumi.Map{"resourceGroupName": pulumi.String("rg"),
			"applicationGatewayName": pulumi.String("agw"),
			"identity":               pulumi.Map{"type": pulumi.String("UserAssigned"), "userAssignedIdentities": pulumi.StringArray{identity.ID().ToStringOutput()}},
			"sslCertificates":        pulumi.Array{pulumi.Map{"name": pulumi.String("listener"), "keyVaultSecretId": pulumi.String("https://unitkv.vault.azure.net/secrets/listener")}}},
			&gateway, pulumi.DependsOn([]pulumi.Resource{gatewayGrant, service}))
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)
	model, err := review.BuildModel(recording)
	require.NoError(t, err)
	races := review.Races(recording, model)
	require.Len(t, races, 1, "%v", races)
	assert.Equal(t, "apim-client", races[0].Reader)
	assert.Equal(t, "apim-grant", races[0].Grant)
	assert.Less(t, races[0].Gap, review.RBACPropagation)
	assert.Contains(t, races[0].String(), "role assignments take up to 10m00s to take effect")

	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			assert.Empty(t, reviewStack(t, variant.stack, variant.edits...).Races, "no Key Vault read before its grant takes effect")
		})
	}
}
