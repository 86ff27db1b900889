// EchoWorkload component: the hardened sample service that echoes the request headers it received.

package components

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// EchoWorkloadType is the EchoWorkload component's type token.
const EchoWorkloadType = Project + ":kubernetes:EchoWorkload"

// Echo workload constants shared with the ingress.
const (
	// EchoServicePort is the Service port the ingress routes to.
	EchoServicePort = 80
	// EchoContainerPort is where the echo server listens (HTTP_PORT).
	EchoContainerPort = 8080
	// EchoUserID is the user and group the pods run as: above 10000, so it matches no user of the
	// node's or the image's passwd file (kube-score container-security-context-user-group-id). The
	// image runs as any user (mendhak/http-https-echo tests.sh runs it as another UID).
	EchoUserID = 10001
	// IstioSystemNamespace runs the AKS Istio add-on's control plane (istiod).
	IstioSystemNamespace = "aks-istio-system"
	// IstiodXDSPort is istiod's xDS and certificate service over mutual TLS, the only istiod port a
	// sidecar calls (https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio).
	IstiodXDSPort = 15012
	// SQLPort is Azure SQL's port through its private endpoint.
	SQLPort = 1433
	// IstioRevisionAnnotation on the pod template names the mesh revision the pods were started with,
	// so a revision change rolls them and the new sidecars are injected.
	IstioRevisionAnnotation = "apiplatform.io/istio-revision"
)

// Ephemeral storage of the echo pods: /tmp is the only writable path (the root file system is
// read-only), bounded so a pod cannot fill its node's disk.
const (
	echoTmpSizeLimit = "64Mi"
	// echoEphemeralStorageLimit also holds the container's logs, which the kubelet counts against it
	// (5 rotated files of 10 MiB by default) beside /tmp.
	echoEphemeralStorageLimit = "256Mi"
)

// EchoWorkloadArgs configures the EchoWorkload component.
type EchoWorkloadArgs struct {
	// Namespace is created for the workload.
	Namespace string
	// Image is the echo server image.
	Image string
	// Replicas is the pod count; two or more get a PodDisruptionBudget.
	Replicas int
	// IngressNamespace is the only namespace whose pods may reach the workload.
	IngressNamespace string
	// IstioRevision, when set, enrolls the namespace in the mesh: sidecar injection for that
	// revision, STRICT mutual TLS between pods, and an authorization policy that admits only callers
	// from IngressNamespace.
	IstioRevision string
	// WorkloadIdentityClientID, when set, creates WorkloadIdentityServiceAccount annotated with this
	// managed identity's client ID: pods that use the account and carry the label
	// azure.workload.identity/use=true get Entra tokens for it (no secrets in the cluster).
	WorkloadIdentityClientID pulumi.StringInput
	// WorkloadIdentityServiceAccount is that service account's name.
	WorkloadIdentityServiceAccount string
	// ClientServiceAccounts are further service accounts of the namespace, by name, each annotated with
	// a managed identity's client ID, for the operators' own pods (the Cosmos DB client): the echo pods
	// do not use them.
	ClientServiceAccounts map[string]pulumi.StringInput
	// MeshReady, with IstioRevision, is what proves the add-on's injector and CRDs exist: the pods and
	// the mesh policies wait for it (pods started before the injector run without a sidecar).
	MeshReady []pulumi.Resource
	// DatabaseAddressPrefix, with a workload identity, is the private endpoints subnet the pods may
	// reach on the SQL port; they may also reach Microsoft Entra ID over HTTPS for their tokens.
	DatabaseAddressPrefix string
	// Labels are put on every object.
	Labels map[string]string
}

// EchoWorkload is the namespace, deployment, service, disruption budget and network and mesh policies.
type EchoWorkload struct {
	pulumi.ResourceState

	// ServiceName is the workload's Service, in Namespace.
	ServiceName pulumi.StringOutput `pulumi:"serviceName"`
	// Namespace is the workload's namespace.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
	// Routable is what a route to the workload waits for: its namespace and Service.
	Routable []pulumi.Resource
}

// echoScope is what every object of one EchoWorkload component is created with.
type echoScope struct {
	scope
	// args configures the component.
	args *EchoWorkloadArgs
	// labels are put on every object.
	labels pulumi.StringMap
	// selector selects the echo pods.
	selector pulumi.StringMap
}

// metadata names an object in the workload's namespace and labels it.
func (s echoScope) metadata(objectName string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(objectName), Namespace: pulumi.String(s.args.Namespace), Labels: s.labels}
}

// NewEchoWorkload creates the workload. Containers run as a non-root user with a read-only root file
// system, no capabilities and the runtime's default seccomp profile.
func NewEchoWorkload(ctx *pulumi.Context, name string, args *EchoWorkloadArgs, opts ...pulumi.ResourceOption) (*EchoWorkload, error) {
	if args == nil {
		return nil, errors.New("creating echo workload: args are required")
	}
	component := &EchoWorkload{}
	if err := ctx.RegisterComponentResource(EchoWorkloadType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering echo workload %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	s := echoScope{
		scope: scope{ctx: ctx, name: name, parent: parent}, args: args,
		labels:   pulumi.ToStringMap(args.Labels),
		selector: pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("echo")},
	}

	namespace, err := s.newNamespace()
	if err != nil {
		return nil, err
	}
	inNamespace := pulumi.DependsOn([]pulumi.Resource{namespace})
	podsWaitFor := append([]pulumi.Resource{namespace}, args.MeshReady...)
	if args.WorkloadIdentityClientID != nil {
		account, err := s.newServiceAccount(args.WorkloadIdentityServiceAccount, args.WorkloadIdentityClientID, inNamespace)
		if err != nil {
			return nil, err
		}
		podsWaitFor = append(podsWaitFor, account)
	}
	for _, accountName := range slices.Sorted(maps.Keys(args.ClientServiceAccounts)) {
		if _, err := s.newServiceAccount(accountName, args.ClientServiceAccounts[accountName], inNamespace); err != nil {
			return nil, err
		}
	}
	if err := s.newDeployment(podsWaitFor); err != nil {
		return nil, err
	}
	service, err := s.newService(inNamespace)
	if err != nil {
		return nil, err
	}
	if args.Replicas >= 2 {
		if err := s.newDisruptionBudget(inNamespace); err != nil {
			return nil, err
		}
	}
	if err := s.newNetworkPolicies(parent, inNamespace); err != nil {
		return nil, err
	}
	if args.IstioRevision != "" {
		if err := s.newMeshPolicies(namespace); err != nil {
			return nil, err
		}
	}

	component.ServiceName = pulumi.String("echo").ToStringOutput()
	component.Namespace = pulumi.String(args.Namespace).ToStringOutput()
	component.Routable = []pulumi.Resource{namespace, service}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering echo workload %s outputs: %w", name, err)
	}
	return component, nil
}

// newNamespace creates the workload's namespace: the restricted Pod Security Standard in warn and audit
// mode, enrolled in the mesh revision when there is one, with the platform's labels.
func (s echoScope) newNamespace() (*corev1.Namespace, error) {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	namespaceLabels := pulumi.StringMap{
		// The echo container meets the restricted Pod Security Standard; warn and audit on anything that
		// does not (enforcing would also reject the mesh's init container).
		"pod-security.kubernetes.io/warn":  pulumi.String("restricted"),
		"pod-security.kubernetes.io/audit": pulumi.String("restricted"),
	}
	if args.IstioRevision != "" {
		// The add-on injects sidecars by revision label; istio-injection=enabled is ignored
		// (Microsoft Learn, aks/istio-deploy-addon).
		namespaceLabels["istio.io/rev"] = pulumi.String(args.IstioRevision)
	}
	for key, value := range args.Labels {
		namespaceLabels[key] = pulumi.String(value)
	}
	namespace, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: namespaceLabels},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating namespace of %s: %w", name, err)
	}
	return namespace, nil
}

// newServiceAccount creates the service account annotated with the workload identity's client ID
// (https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster#create-a-kubernetes-service-account).
func (s echoScope) newServiceAccount(accountName string, clientID pulumi.StringInput, inNamespace pulumi.ResourceOption) (*corev1.ServiceAccount, error) {
	ctx, name, parent := s.ctx, s.name, s.parent
	accountMetadata := s.metadata(accountName)
	accountMetadata.Annotations = pulumi.StringMap{"azure.workload.identity/client-id": clientID}
	account, err := corev1.NewServiceAccount(ctx, name+"-"+accountName, &corev1.ServiceAccountArgs{
		Metadata: accountMetadata,
	}, parent, inNamespace)
	if err != nil {
		return nil, fmt.Errorf("creating service account %s of %s: %w", accountName, name, err)
	}
	return account, nil
}

// newDeployment creates the echo Deployment once podsWaitFor exist (its namespace, the mesh's injector
// and the workload identity's service account), so no pod starts without its sidecar or token.
func (s echoScope) newDeployment(podsWaitFor []pulumi.Resource) error {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	podLabels := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String("echo")}
	for key, value := range args.Labels {
		podLabels[key] = pulumi.String(value)
	}
	if args.WorkloadIdentityClientID != nil {
		// The workload identity webhook mutates only pods with this label; it projects a token of the
		// pod's own service account, whatever automountServiceAccountToken says
		// (https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster#deploy-your-application).
		podLabels["azure.workload.identity/use"] = pulumi.String("true")
	}
	podMetadata := &metav1.ObjectMetaArgs{Labels: podLabels}
	if args.IstioRevision != "" {
		// Sidecars are injected when a pod starts: changing the revision (a canary upgrade moving the
		// namespace label) must restart the pods, so the revision is part of the pod template.
		podMetadata.Annotations = pulumi.StringMap{IstioRevisionAnnotation: pulumi.String(args.IstioRevision)}
	}
	template := &corev1.PodTemplateSpecArgs{Metadata: podMetadata, Spec: echoPodSpec(args, s.selector)}
	if _, err := appsv1.NewDeployment(ctx, name+"-deployment", &appsv1.DeploymentArgs{
		Metadata: s.metadata("echo"),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(args.Replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: s.selector},
			Template: template,
		},
	}, parent, pulumi.DependsOn(podsWaitFor)); err != nil {
		return fmt.Errorf("creating deployment of %s: %w", name, err)
	}
	return nil
}

// newService creates the ClusterIP Service the ingress routes to.
func (s echoScope) newService(inNamespace pulumi.ResourceOption) (*corev1.Service, error) {
	ctx, name, parent := s.ctx, s.name, s.parent
	service, err := corev1.NewService(ctx, name+"-service", &corev1.ServiceArgs{
		Metadata: s.metadata("echo"),
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: s.selector,
			// The port name tells the mesh the protocol.
			Ports: corev1.ServicePortArray{&corev1.ServicePortArgs{Name: pulumi.String("http"), Port: pulumi.Int(EchoServicePort), TargetPort: pulumi.Int(EchoContainerPort)}},
		},
	}, parent, inNamespace)
	if err != nil {
		return nil, fmt.Errorf("creating service of %s: %w", name, err)
	}
	return service, nil
}

// newDisruptionBudget keeps one pod running through voluntary disruptions such as node upgrades.
func (s echoScope) newDisruptionBudget(inNamespace pulumi.ResourceOption) error {
	if _, err := policyv1.NewPodDisruptionBudget(s.ctx, s.name+"-disruption-budget", &policyv1.PodDisruptionBudgetArgs{
		Metadata: s.metadata("echo"),
		Spec:     &policyv1.PodDisruptionBudgetSpecArgs{MinAvailable: pulumi.Int(1), Selector: &metav1.LabelSelectorArgs{MatchLabels: s.selector}},
	}, s.parent, inNamespace); err != nil {
		return fmt.Errorf("creating disruption budget of %s: %w", s.name, err)
	}
	return nil
}

// newMeshPolicies creates the namespace's mesh policies once the namespace and the add-on's CRDs exist:
// STRICT mutual TLS between pods, and an authorization policy that admits only the ingress namespace.
func (s echoScope) newMeshPolicies(namespace *corev1.Namespace) error {
	ctx, name, args, parent := s.ctx, s.name, s.args, s.parent
	meshObjects := pulumi.DependsOn(append([]pulumi.Resource{namespace}, args.MeshReady...))
	if _, err := apiextensions.NewCustomResource(ctx, name+"-mtls", &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("security.istio.io/v1"),
		Kind:        pulumi.String("PeerAuthentication"),
		Metadata:    s.metadata("default"),
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{"mtls": map[string]any{"mode": "STRICT"}}},
	}, parent, meshObjects); err != nil {
		return fmt.Errorf("creating peer authentication of %s: %w", name, err)
	}
	// Callers are identified by their mTLS identity's namespace: the ingress namespace holds only
	// the add-on's gateways, whose service account Microsoft does not document, and a wrong
	// principal would reject every request.
	if _, err := apiextensions.NewCustomResource(ctx, name+"-authorization", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("security.istio.io/v1"),
		Kind:       pulumi.String("AuthorizationPolicy"),
		Metadata:   s.metadata("allow-ingress-gateway"),
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "echo"}},
			"action":   "ALLOW",
			"rules":    []any{map[string]any{"from": []any{map[string]any{"source": map[string]any{"namespaces": []any{args.IngressNamespace}}}}}},
		}},
	}, parent, meshObjects); err != nil {
		return fmt.Errorf("creating authorization policy of %s: %w", name, err)
	}
	return nil
}

// echoPodSpec is the echo pods' spec: a non-root user with a read-only root file system, no
// capabilities, the runtime's seccomp profile, bounded CPU, memory and ephemeral storage, a readiness
// probe on the HTTP answer and a liveness probe on the port alone (a slow answer takes a pod out of
// rotation; only a dead listener restarts it, and kube-score's pod-probes-identical flags the same
// probe used for both).
func echoPodSpec(args *EchoWorkloadArgs, selector pulumi.StringMap) *corev1.PodSpecArgs {
	spec := &corev1.PodSpecArgs{
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot:   pulumi.Bool(true),
			RunAsUser:      pulumi.Int(EchoUserID),
			RunAsGroup:     pulumi.Int(EchoUserID),
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		// Spread replicas over zones and nodes, so one failure never takes all of them.
		TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{
			&corev1.TopologySpreadConstraintArgs{MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("topology.kubernetes.io/zone"),
				WhenUnsatisfiable: pulumi.String("ScheduleAnyway"), LabelSelector: &metav1.LabelSelectorArgs{MatchLabels: selector}},
			&corev1.TopologySpreadConstraintArgs{MaxSkew: pulumi.Int(1), TopologyKey: pulumi.String("kubernetes.io/hostname"),
				WhenUnsatisfiable: pulumi.String("ScheduleAnyway"), LabelSelector: &metav1.LabelSelectorArgs{MatchLabels: selector}},
		},
		Containers: corev1.ContainerArray{&corev1.ContainerArgs{
			Name:  pulumi.String("echo"),
			Image: pulumi.String(args.Image),
			Env: corev1.EnvVarArray{
				&corev1.EnvVarArgs{Name: pulumi.String("HTTP_PORT"), Value: pulumi.String(fmt.Sprint(EchoContainerPort))},
			},
			Ports: corev1.ContainerPortArray{&corev1.ContainerPortArgs{Name: pulumi.String("http"), ContainerPort: pulumi.Int(EchoContainerPort)}},
			SecurityContext: &corev1.SecurityContextArgs{
				AllowPrivilegeEscalation: pulumi.Bool(false),
				ReadOnlyRootFilesystem:   pulumi.Bool(true),
				RunAsNonRoot:             pulumi.Bool(true),
				RunAsUser:                pulumi.Int(EchoUserID),
				RunAsGroup:               pulumi.Int(EchoUserID),
				Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
				SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
			},
			Resources: &corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String("50m"), "memory": pulumi.String("64Mi"), "ephemeral-storage": pulumi.String(echoTmpSizeLimit)},
				Limits:   pulumi.StringMap{"cpu": pulumi.String("250m"), "memory": pulumi.String("128Mi"), "ephemeral-storage": pulumi.String(echoEphemeralStorageLimit)},
			},
			ReadinessProbe: &corev1.ProbeArgs{
				HttpGet:       &corev1.HTTPGetActionArgs{Path: pulumi.String("/"), Port: pulumi.Int(EchoContainerPort)},
				PeriodSeconds: pulumi.Int(10),
			},
			LivenessProbe: &corev1.ProbeArgs{
				TcpSocket:           &corev1.TCPSocketActionArgs{Port: pulumi.Int(EchoContainerPort)},
				InitialDelaySeconds: pulumi.Int(10),
				PeriodSeconds:       pulumi.Int(20),
				FailureThreshold:    pulumi.Int(3),
			},
			VolumeMounts: corev1.VolumeMountArray{&corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")}},
		}},
		Volumes: corev1.VolumeArray{&corev1.VolumeArgs{Name: pulumi.String("tmp"),
			EmptyDir: &corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String(echoTmpSizeLimit)}}},
	}
	if args.WorkloadIdentityClientID != nil {
		spec.ServiceAccountName = pulumi.String(args.WorkloadIdentityServiceAccount)
	}
	return spec
}

// newNetworkPolicies denies everything the echo pods do not need: inbound, only the ingress
// namespace on the container port; outbound, only cluster DNS, istiod when the pods carry a sidecar,
// and with a workload identity the database's private endpoints and Microsoft Entra ID (HTTPS; its
// addresses are not fixed, and with the egress firewall the firewall limits the host names).
func (s echoScope) newNetworkPolicies(opts ...pulumi.ResourceOption) error {
	ctx, name, args, selector, metadata := s.ctx, s.name, s.args, s.selector, s.metadata
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-default-deny", &networkingv1.NetworkPolicyArgs{
		Metadata: metadata("default-deny"),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
		},
	}, opts...); err != nil {
		return fmt.Errorf("creating default-deny policy of %s: %w", name, err)
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-allow-ingress", &networkingv1.NetworkPolicyArgs{
		Metadata: metadata("allow-from-ingress"),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: selector},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{&networkingv1.NetworkPolicyIngressRuleArgs{
				From:  networkingv1.NetworkPolicyPeerArray{namespacePeer(args.IngressNamespace, nil)},
				Ports: networkingv1.NetworkPolicyPortArray{tcpPort(EchoContainerPort)},
			}},
		},
	}, opts...); err != nil {
		return fmt.Errorf("creating allow-from-ingress policy of %s: %w", name, err)
	}
	egress := networkingv1.NetworkPolicyEgressRuleArray{&networkingv1.NetworkPolicyEgressRuleArgs{
		To: networkingv1.NetworkPolicyPeerArray{namespacePeer("kube-system", pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")})},
		Ports: networkingv1.NetworkPolicyPortArray{
			&networkingv1.NetworkPolicyPortArgs{Port: pulumi.Int(53), Protocol: pulumi.String("UDP")}, tcpPort(53),
		},
	}}
	if args.IstioRevision != "" {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{namespacePeer(IstioSystemNamespace, pulumi.StringMap{"app": pulumi.String("istiod")})},
			Ports: networkingv1.NetworkPolicyPortArray{tcpPort(IstiodXDSPort)},
		})
	}
	if args.WorkloadIdentityClientID != nil && args.DatabaseAddressPrefix != "" {
		egress = append(egress,
			&networkingv1.NetworkPolicyEgressRuleArgs{
				To:    networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(args.DatabaseAddressPrefix)}}},
				Ports: networkingv1.NetworkPolicyPortArray{tcpPort(SQLPort)},
			},
			// Entra ID's addresses are not fixed; an address block (not "anywhere") keeps in-cluster pods
			// out of the rule, which Cilium never matches against an ipBlock.
			&networkingv1.NetworkPolicyEgressRuleArgs{
				To:    networkingv1.NetworkPolicyPeerArray{&networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String("0.0.0.0/0")}}},
				Ports: networkingv1.NetworkPolicyPortArray{tcpPort(443)},
			})
	}
	if _, err := networkingv1.NewNetworkPolicy(ctx, name+"-allow-egress", &networkingv1.NetworkPolicyArgs{
		Metadata: metadata("allow-egress"),
		Spec: &networkingv1.NetworkPolicySpecArgs{
			PodSelector: &metav1.LabelSelectorArgs{MatchLabels: selector},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress:      egress,
		},
	}, opts...); err != nil {
		return fmt.Errorf("creating egress policy of %s: %w", name, err)
	}
	return nil
}

// namespacePeer selects the pods of a namespace, optionally by label.
func namespacePeer(namespace string, podLabels pulumi.StringMap) *networkingv1.NetworkPolicyPeerArgs {
	peer := &networkingv1.NetworkPolicyPeerArgs{
		NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(namespace)}},
	}
	if podLabels != nil {
		peer.PodSelector = &metav1.LabelSelectorArgs{MatchLabels: podLabels}
	}
	return peer
}

// tcpPort is a TCP port of a network policy rule.
func tcpPort(port int) *networkingv1.NetworkPolicyPortArgs {
	return &networkingv1.NetworkPolicyPortArgs{Port: pulumi.Int(port), Protocol: pulumi.String("TCP")}
}
