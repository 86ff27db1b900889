// IstioIngress component: the AKS Istio add-on's internal gateway, pinned and terminating mutual TLS.

package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
)

// IstioIngressType is the IstioIngress component's type token.
const IstioIngressType = Project + ":kubernetes:IstioIngress"

// The AKS Istio add-on's internal ingress gateway (Microsoft Learn, aks/istio-deploy-ingress).
const (
	// IstioIngressNamespace runs the add-on's ingress gateways; MUTUAL credentials must live here.
	IstioIngressNamespace = "aks-istio-ingress"
	// IstioInternalGatewayService is the internal gateway's LoadBalancer Service, shared by revisions.
	IstioInternalGatewayService = "aks-istio-ingressgateway-internal"
	// IstioInternalGatewaySelector selects the internal gateway pods from a Gateway.
	IstioInternalGatewaySelector = "aks-istio-ingressgateway-internal"
	// LoadBalancerIPAnnotation pins a Service's load balancer address; it is on the list of
	// annotations the add-on lets customers set on its gateway Services (others are reconciled away).
	LoadBalancerIPAnnotation = "service.beta.kubernetes.io/azure-load-balancer-ipv4"
)

// IstioIngress pins the add-on's internal gateway and routes the backend host over mutual TLS.
type IstioIngress struct {
	pulumi.ResourceState

	// GatewayName is the Istio Gateway, as <namespace>/<name>.
	GatewayName pulumi.StringOutput `pulumi:"gatewayName"`
	// CredentialName is the TLS secret the gateway presents and verifies clients with.
	CredentialName pulumi.StringOutput `pulumi:"credentialName"`
}

// NewIstioIngress patches the gateway Service's address, stores the credential (server certificate,
// key and the CA as ca.crt) next to the gateway, and declares a Gateway in MUTUAL mode and the route.
func NewIstioIngress(ctx *pulumi.Context, name string, args *MTLSIngressArgs, opts ...pulumi.ResourceOption) (*IstioIngress, error) {
	if args == nil {
		return nil, errors.New("creating Istio ingress: args are required")
	}
	component := &IstioIngress{}
	if err := ctx.RegisterComponentResource(IstioIngressType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering Istio ingress %s: %w", name, err)
	}
	// Every object lives in the add-on's namespace, patches its Service or is of its CRDs' kinds.
	parent := pulumi.Composite(pulumi.Parent(component), pulumi.DependsOn(args.WaitFor))
	labels := pulumi.ToStringMap(args.Labels)

	// Patch, not replace: the add-on owns the Service. The provider's enablePatchForce takes over the
	// one annotation from the add-on's field manager.
	if _, err := corev1.NewServicePatch(ctx, name+"-gateway-address", &corev1.ServicePatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name:      pulumi.String(IstioInternalGatewayService),
			Namespace: pulumi.String(IstioIngressNamespace),
			Annotations: pulumi.StringMap{
				LoadBalancerIPAnnotation: pulumi.String(args.PrivateIP),
			},
		},
	}, parent); err != nil {
		return nil, fmt.Errorf("pinning the internal gateway address of %s: %w", name, err)
	}

	credentialName := "backend-mtls-credential"
	// Istio reads a MUTUAL credential from one generic secret with tls.crt, tls.key and ca.crt, in the
	// gateway's namespace (https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/).
	if _, err := corev1.NewSecret(ctx, name+"-credential", &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(credentialName), Namespace: pulumi.String(IstioIngressNamespace), Labels: labels},
		Type:     pulumi.String("Opaque"),
		StringData: pulumi.StringMap{
			"tls.crt": args.ServerCertificatePEM,
			"tls.key": args.ServerPrivateKeyPEM,
			"ca.crt":  args.CACertificatePEM,
		},
	}, parent); err != nil {
		return nil, fmt.Errorf("creating the credential of %s: %w", name, err)
	}

	gatewayName := "backend-mtls"
	ingress := ingressScope{scope: scope{ctx: ctx, name: name, parent: parent}, args: args, labels: labels}
	if err := ingress.newGateway(gatewayName, credentialName); err != nil {
		return nil, err
	}
	if err := ingress.newRoute(gatewayName); err != nil {
		return nil, err
	}
	if err := ingress.newAccessLogs(); err != nil {
		return nil, err
	}

	component.GatewayName = pulumi.String(IstioIngressNamespace + "/" + gatewayName).ToStringOutput()
	component.CredentialName = pulumi.String(credentialName).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering Istio ingress %s outputs: %w", name, err)
	}
	return component, nil
}

// ingressScope is what every object of one IstioIngress component is created with.
type ingressScope struct {
	scope
	// args configures the component.
	args *MTLSIngressArgs
	// labels are put on every object.
	labels pulumi.StringMap
}

// newGateway declares the Istio Gateway gatewayName on the internal gateway's pods: HTTPS on 443 for
// args.Host only, in MUTUAL mode with the credential credentialName (gatewayTLS).
func (s ingressScope) newGateway(gatewayName, credentialName string) error {
	ctx, name, args, parent, labels := s.ctx, s.name, s.args, s.parent, s.labels
	if _, err := apiextensions.NewCustomResource(ctx, name+"-gateway", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("networking.istio.io/v1"),
		Kind:       pulumi.String("Gateway"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(gatewayName), Namespace: pulumi.String(IstioIngressNamespace), Labels: labels},
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{
			"selector": map[string]any{"istio": IstioInternalGatewaySelector},
			"servers": []any{map[string]any{
				"port":  map[string]any{"number": 443, "name": "https", "protocol": "HTTPS"},
				"hosts": []any{args.Host},
				"tls":   gatewayTLS(credentialName, args.ClientSubjectAltNames),
			}},
		}},
	}, parent); err != nil {
		return fmt.Errorf("creating the gateway of %s: %w", name, err)
	}
	return nil
}

// newRoute routes args.Host from the gateway gatewayName to the workload Service.
func (s ingressScope) newRoute(gatewayName string) error {
	ctx, name, args, parent, labels := s.ctx, s.name, s.args, s.parent, s.labels
	if _, err := apiextensions.NewCustomResource(ctx, name+"-route", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("networking.istio.io/v1"),
		Kind:       pulumi.String("VirtualService"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(args.ServiceName), Namespace: pulumi.String(args.ServiceNamespace), Labels: labels},
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{
			"hosts":    []any{args.Host},
			"gateways": []any{IstioIngressNamespace + "/" + gatewayName},
			"http": []any{map[string]any{"route": []any{map[string]any{"destination": map[string]any{
				"host": fmt.Sprintf("%s.%s.svc.cluster.local", args.ServiceName, args.ServiceNamespace),
				"port": map[string]any{"number": args.ServicePort},
			}}}}},
		}},
	}, parent); err != nil {
		return fmt.Errorf("creating the route of %s: %w", name, err)
	}
	return nil
}

// newAccessLogs turns on the ingress gateway's Envoy access logs.
func (s ingressScope) newAccessLogs() error {
	ctx, name, parent, labels := s.ctx, s.name, s.parent, s.labels
	// Envoy access logs of the ingress gateway, to stdout and so to ContainerLogV2: the default format
	// carries X-Request-ID, which API Management sets to Application Gateway's trace ID
	// (https://istio.io/latest/docs/tasks/observability/logs/telemetry-api/).
	if _, err := apiextensions.NewCustomResource(ctx, name+"-access-logs", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("telemetry.istio.io/v1"),
		Kind:       pulumi.String("Telemetry"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String("ingress-access-logs"), Namespace: pulumi.String(IstioIngressNamespace), Labels: labels},
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{
			"accessLogging": []any{map[string]any{"providers": []any{map[string]any{"name": "envoy"}}}},
		}},
	}, parent); err != nil {
		return fmt.Errorf("creating the access logs of %s: %w", name, err)
	}
	return nil
}

// gatewayTLS is the Gateway server's TLS: mutual TLS with the credential's CA, TLS 1.2 or later, and,
// when given, only client certificates with one of these subject alternative names.
func gatewayTLS(credentialName string, clientSubjectAltNames []string) map[string]any {
	tls := map[string]any{"mode": "MUTUAL", "credentialName": credentialName, "minProtocolVersion": "TLSV1_2"}
	if len(clientSubjectAltNames) > 0 {
		names := make([]any, len(clientSubjectAltNames))
		for i, name := range clientSubjectAltNames {
			names[i] = name
		}
		tls["subjectAltNames"] = names
	}
	return tls
}
