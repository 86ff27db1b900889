// IstioAddOnReadiness component: a Job that waits, bounded, until the AKS Istio add-on has created what
// the in-cluster layer builds on.

package components

import (
	"encoding/json"
	"errors"
	"fmt"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// IstioAddOnReadinessType is the IstioAddOnReadiness component's type token.
const IstioAddOnReadinessType = Project + ":kubernetes:IstioAddOnReadiness"

// The readiness Job's bounds. The add-on deploys istiod, its CRDs and the ingress gateways after the
// cluster's creation returns; Microsoft publishes no duration, so the Job waits up to 15 minutes and
// Pulumi a little longer, then the deployment stops with the Job's message instead of creating objects
// the API server would refuse.
const (
	// ReadinessTimeoutSeconds is how long the Job waits for the add-on.
	ReadinessTimeoutSeconds = 900
	// ReadinessCreateTimeout is how long Pulumi waits for the Job to complete.
	ReadinessCreateTimeout = "20m"
)

// ReadinessChecksVariable is the Job's environment variable with the API paths it waits for (JSON).
const ReadinessChecksVariable = "READINESS_CHECKS"

// ReadinessCheck is one object the Job waits for: an API server path that must answer 200, and for a
// Deployment at least one ready replica.
type ReadinessCheck struct {
	// Path is the object's API path, e.g. /api/v1/namespaces/aks-istio-ingress/services/<name>.
	Path string `json:"path"`
	// ReadyReplicas requires status.readyReplicas of at least 1 (for Deployments).
	ReadyReplicas bool `json:"readyReplicas,omitempty"`
	// Condition requires a status condition of this type to be True (Established for CRDs: the API
	// server serves the kind only then).
	Condition string `json:"condition,omitempty"`
	// Description names the object in the Job's log.
	Description string `json:"description"`
}

// istioCRDs are the add-on's custom resource definitions the platform creates objects of.
var istioCRDs = []string{
	"gateways.networking.istio.io", "virtualservices.networking.istio.io", "peerauthentications.security.istio.io",
	"authorizationpolicies.security.istio.io", "telemetries.telemetry.istio.io",
}

// IstioAddOnChecks are the objects the add-on creates that the in-cluster layer needs: the CRDs of the
// Istio objects (else "no matches for kind"), the internal gateway's Service in its namespace (a patch
// of a missing Service is refused as invalid), and each revision's istiod with a ready replica (pods
// created before its injector exist silently run without a sidecar).
func IstioAddOnChecks(revisions []string) []ReadinessCheck {
	var checks []ReadinessCheck
	for _, crd := range istioCRDs {
		checks = append(checks, ReadinessCheck{Path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd, Condition: "Established", Description: "CRD " + crd})
	}
	checks = append(checks, ReadinessCheck{
		Path:        "/api/v1/namespaces/" + IstioIngressNamespace + "/services/" + IstioInternalGatewayService,
		Description: "Service " + IstioIngressNamespace + "/" + IstioInternalGatewayService,
	})
	for _, revision := range revisions {
		checks = append(checks, ReadinessCheck{
			Path:          "/apis/apps/v1/namespaces/" + IstioSystemNamespace + "/deployments/istiod-" + revision,
			ReadyReplicas: true, Description: "Deployment " + IstioSystemNamespace + "/istiod-" + revision,
		})
	}
	return checks
}

// IstioAddOnReadinessArgs configures the IstioAddOnReadiness component.
type IstioAddOnReadinessArgs struct {
	// Namespace is created for the Job.
	Namespace string
	// Image runs the wait; it must have Node.js on its PATH as `node` (the echo image does).
	Image string
	// Revisions are the add-on revisions whose istiod must be ready.
	Revisions []string
	// Labels are put on every object.
	Labels map[string]string
}

// IstioAddOnReadiness is the Job and the least privilege it reads the add-on's objects with.
type IstioAddOnReadiness struct {
	pulumi.ResourceState

	// JobName is the readiness Job, as <namespace>/<name>.
	JobName pulumi.StringOutput `pulumi:"jobName"`
	// Ready is the Job: whatever needs the add-on's objects waits for it.
	Ready []pulumi.Resource
}

// NewIstioAddOnReadiness creates the namespace, a service account allowed to read exactly the awaited
// objects, and the Job, which Pulumi waits for (a Job is ready once it has succeeded).
func NewIstioAddOnReadiness(ctx *pulumi.Context, name string, args *IstioAddOnReadinessArgs, opts ...pulumi.ResourceOption) (*IstioAddOnReadiness, error) {
	if args == nil {
		return nil, errors.New("creating Istio add-on readiness: args are required")
	}
	component := &IstioAddOnReadiness{}
	if err := ctx.RegisterComponentResource(IstioAddOnReadinessType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Istio add-on readiness %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	labels := pulumi.ToStringMap(args.Labels)
	checks := IstioAddOnChecks(args.Revisions)

	namespace, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: restrictedNamespaceLabels(args.Labels)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating namespace of %s: %w", name, err)
	}
	readiness := readinessScope{scope: scope{ctx: ctx, name: name, parent: parent}, args: args, labels: labels}
	account, binding, err := readiness.newReadinessAccess(namespace)
	if err != nil {
		return nil, err
	}
	job, err := readiness.newReadinessJob(checks, account, binding)
	if err != nil {
		return nil, err
	}

	component.JobName = pulumi.Sprintf("%s/%s", args.Namespace, job.Metadata.Name().Elem())
	component.Ready = []pulumi.Resource{job}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Istio add-on readiness %s outputs: %w", name, err)
	}
	return component, nil
}

// readinessScope is what every child of one IstioAddOnReadiness component is created with.
type readinessScope struct {
	scope
	// args configures the component.
	args *IstioAddOnReadinessArgs
	// labels are put on every object.
	labels pulumi.StringMap
}

// restrictedNamespaceLabels are a namespace's labels: the restricted Pod Security Standard enforced,
// and the platform's labels.
func restrictedNamespaceLabels(labels map[string]string) pulumi.StringMap {
	namespaceLabels := pulumi.StringMap{"pod-security.kubernetes.io/enforce": pulumi.String("restricted")}
	for key, value := range labels {
		namespaceLabels[key] = pulumi.String(value)
	}
	return namespaceLabels
}

// newReadinessAccess creates the Job's service account and a cluster role that may get exactly the
// awaited objects by name (CRDs are cluster-scoped, the others live in the add-on's namespaces, which
// may not exist yet, so a namespaced role could not be bound there).
func (s readinessScope) newReadinessAccess(namespace *corev1.Namespace) (*corev1.ServiceAccount, *rbacv1.ClusterRoleBinding, error) {
	ctx, name, args, labels, parent := s.ctx, s.name, s.args, s.labels, s.parent
	account, err := corev1.NewServiceAccount(ctx, name+"-account", &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("istio-readiness"), Namespace: pulumi.String(args.Namespace), Labels: labels},
	}, parent, pulumi.DependsOn([]pulumi.Resource{namespace}))
	if err != nil {
		return nil, nil, fmt.Errorf("creating service account of %s: %w", name, err)
	}
	var crds, deployments pulumi.StringArray
	for _, crd := range istioCRDs {
		crds = append(crds, pulumi.String(crd))
	}
	for _, revision := range args.Revisions {
		deployments = append(deployments, pulumi.String("istiod-"+revision))
	}
	roleName := "apiplatform-istio-readiness"
	role, err := rbacv1.NewClusterRole(ctx, name+"-role", &rbacv1.ClusterRoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(roleName), Labels: labels},
		Rules: rbacv1.PolicyRuleArray{
			&rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String("apiextensions.k8s.io")}, Resources: pulumi.StringArray{pulumi.String("customresourcedefinitions")},
				ResourceNames: crds, Verbs: pulumi.StringArray{pulumi.String("get")}},
			&rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String("")}, Resources: pulumi.StringArray{pulumi.String("services")},
				ResourceNames: pulumi.StringArray{pulumi.String(IstioInternalGatewayService)}, Verbs: pulumi.StringArray{pulumi.String("get")}},
			&rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String("apps")}, Resources: pulumi.StringArray{pulumi.String("deployments")},
				ResourceNames: deployments, Verbs: pulumi.StringArray{pulumi.String("get")}},
		},
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("creating cluster role of %s: %w", name, err)
	}
	binding, err := rbacv1.NewClusterRoleBinding(ctx, name+"-role-binding", &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(roleName), Labels: labels},
		RoleRef:  &rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("ClusterRole"), Name: role.Metadata.Name().Elem()},
		Subjects: rbacv1.SubjectArray{&rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: account.Metadata.Name().Elem(), Namespace: pulumi.String(args.Namespace)}},
	}, parent)
	if err != nil {
		return nil, nil, fmt.Errorf("binding cluster role of %s: %w", name, err)
	}
	return account, binding, nil
}

// newReadinessJob creates the Job. Its pod runs ReadinessScript in args.Image as a non-root user under
// the restricted Pod Security Standard, outside the mesh (a sidecar would keep the Job from
// completing), and ends with the first line that says what was missing when it gives up. It runs once
// binding lets account read what checks await.
func (s readinessScope) newReadinessJob(checks []ReadinessCheck, account *corev1.ServiceAccount, binding *rbacv1.ClusterRoleBinding,
) (*batchv1.Job, error) {
	ctx, name, args, labels, parent := s.ctx, s.name, s.args, s.labels, s.parent
	encoded, err := json.Marshal(checks)
	if err != nil {
		return nil, fmt.Errorf("encoding the checks of %s: %w", name, err)
	}
	podLabels := pulumi.StringMap{"sidecar.istio.io/inject": pulumi.String("false")}
	for key, value := range labels {
		podLabels[key] = value
	}
	job, err := batchv1.NewJob(ctx, name+"-job", &batchv1.JobArgs{
		// A Job that failed (the add-on was late) is replaced by the next `pulumi up`, which then waits
		// again; without the annotation Pulumi waits on the failed Job and fails at once
		// (pulumi-kubernetes batch/v1 Job: "pulumi.com/replaceUnready").
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("istio-add-on-ready"), Namespace: pulumi.String(args.Namespace), Labels: labels,
			Annotations: pulumi.StringMap{"pulumi.com/replaceUnready": pulumi.String("true")}},
		Spec: &batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(0),
			ActiveDeadlineSeconds: pulumi.Int(ReadinessTimeoutSeconds + 60),
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: podLabels, Annotations: pulumi.StringMap{"sidecar.istio.io/inject": pulumi.String("false")}},
				Spec: &corev1.PodSpecArgs{
					RestartPolicy:      pulumi.String("Never"),
					ServiceAccountName: account.Metadata.Name().Elem(),
					SecurityContext: &corev1.PodSecurityContextArgs{
						RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(EchoUserID), RunAsGroup: pulumi.Int(EchoUserID),
						SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
					},
					Containers: corev1.ContainerArray{&corev1.ContainerArgs{
						Name:    pulumi.String("wait"),
						Image:   pulumi.String(args.Image),
						Command: pulumi.StringArray{pulumi.String("node"), pulumi.String("-e"), pulumi.String(ReadinessScript)},
						Env: corev1.EnvVarArray{
							&corev1.EnvVarArgs{Name: pulumi.String(ReadinessChecksVariable), Value: pulumi.String(string(encoded))},
							&corev1.EnvVarArgs{Name: pulumi.String("READINESS_TIMEOUT_SECONDS"), Value: pulumi.String(fmt.Sprint(ReadinessTimeoutSeconds))},
						},
						TerminationMessagePolicy: pulumi.String("FallbackToLogsOnError"),
						SecurityContext: &corev1.SecurityContextArgs{
							AllowPrivilegeEscalation: pulumi.Bool(false), ReadOnlyRootFilesystem: pulumi.Bool(true), RunAsNonRoot: pulumi.Bool(true),
							Capabilities:   &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
							SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
						},
						Resources: &corev1.ResourceRequirementsArgs{
							Requests: pulumi.StringMap{"cpu": pulumi.String("10m"), "memory": pulumi.String("64Mi"), "ephemeral-storage": pulumi.String("16Mi")},
							Limits:   pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("128Mi"), "ephemeral-storage": pulumi.String("16Mi")},
						},
					}},
				},
			},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{binding}), pulumi.Timeouts(&pulumi.CustomTimeouts{Create: ReadinessCreateTimeout, Update: ReadinessCreateTimeout}))
	if err != nil {
		return nil, fmt.Errorf("creating the Job of %s: %w", name, err)
	}
	return job, nil
}

// ReadinessScript polls the API server with the pod's service account until every check of
// READINESS_CHECKS passes (the object answers 200, with a ready replica or a True condition where the
// check asks), at most READINESS_TIMEOUT_SECONDS, every READINESS_INTERVAL_SECONDS (5).
// It runs in Node.js, which the echo image has, so no extra image is pulled through the firewall.
// KUBERNETES_SERVICE_HOST/PORT and SERVICE_ACCOUNT_DIR locate the API server and the credentials.
const ReadinessScript = `
const fs = require("fs"), https = require("https");
const checks = JSON.parse(process.env.READINESS_CHECKS);
const deadline = Date.now() + 1000 * Number(process.env.READINESS_TIMEOUT_SECONDS || 900);
const interval = 1000 * Number(process.env.READINESS_INTERVAL_SECONDS || 5);
const dir = process.env.SERVICE_ACCOUNT_DIR || "/var/run/secrets/kubernetes.io/serviceaccount";
const get = (path) => new Promise((resolve) => {
  const request = https.request({
    host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT || 443, path, method: "GET", timeout: 10000,
    ca: fs.readFileSync(dir + "/ca.crt"), headers: { Authorization: "Bearer " + fs.readFileSync(dir + "/token", "utf8").trim() },
  }, (response) => {
    let body = "";
    response.on("data", (chunk) => { body += chunk; });
    response.on("end", () => resolve({ status: response.statusCode, body }));
  });
  request.on("timeout", () => request.destroy(new Error("timed out")));
  request.on("error", (error) => resolve({ status: 0, body: String(error) }));
  request.end();
});
const passes = (check, answer) => {
  if (answer.status !== 200) return false;
  let status = {};
  try { status = JSON.parse(answer.body).status || {}; } catch (error) { return false; }
  if (check.readyReplicas && !((status.readyReplicas || 0) >= 1)) return false;
  if (check.condition && !(status.conditions || []).some((c) => c.type === check.condition && c.status === "True")) return false;
  return true;
};
(async () => {
  const pending = new Map(checks.map((check) => [check.path, check]));
  for (;;) {
    for (const check of [...pending.values()]) {
      const answer = await get(check.path);
      if (passes(check, answer)) { pending.delete(check.path); console.log("ready: " + check.description); }
      else if (answer.status === 401 || answer.status === 403) { console.log("not allowed to read " + check.path + ": " + answer.status); }
    }
    if (pending.size === 0) { console.log("the AKS Istio add-on is ready"); return; }
    if (Date.now() > deadline) {
      console.error("timed out waiting for the AKS Istio add-on to create: " + [...pending.values()].map((check) => check.description).join("; ") +
        " (az aks show --query serviceMeshProfile; kubectl get pods -n aks-istio-system); run pulumi up again once it has, which replaces this Job");
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
})();
`
