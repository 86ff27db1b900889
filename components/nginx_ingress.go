// NginxIngress component: an internal application-routing NGINX controller verifying client certificates.
package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NginxIngressType is the NginxIngress component's type token.
const NginxIngressType = Project + ":kubernetes:NginxIngress"

// NginxControllerNamespace runs the application routing add-on's controllers.
const NginxControllerNamespace = "app-routing-system"

// NginxEndOfSupportWarning is what the program logs whenever the NGINX ingress is chosen.
const NginxEndOfSupportWarning = "ingress.controller nginx: community ingress-nginx was retired in March 2026 and the AKS application routing add-on's NGINX reached end of support in November 2026; prefer ingress.controller istio"

// NginxIngress is an internal NginxIngressController and an Ingress that requires client certificates
// signed by the CA, the scheme documented for ingress-nginx (auth-tls annotations).
type NginxIngress struct {
	pulumi.ResourceState

	// IngressClassName is the class of the internal controller.
	IngressClassName pulumi.StringOutput `pulumi:"ingressClassName"`
}

// NewNginxIngress creates the controller, the server and client-CA secrets, and the Ingress.
func NewNginxIngress(ctx *pulumi.Context, name string, args *MTLSIngressArgs, opts ...pulumi.ResourceOption) (*NginxIngress, error) {
	if args == nil {
		return nil, errors.New("creating NGINX ingress: args are required")
	}
	component := &NginxIngress{}
	if err := ctx.RegisterComponentResource(NginxIngressType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering NGINX ingress %s: %w", name, err)
	}
	parent := pulumi.Parent(component)
	labels := pulumi.ToStringMap(args.Labels)

	className := "nginx-internal"
	// approuting.kubernetes.azure.com/v1alpha1 (Microsoft Learn, aks/app-routing-nginx-configuration).
	controller, err := apiextensions.NewCustomResource(ctx, name+"-controller", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("approuting.kubernetes.azure.com/v1alpha1"),
		Kind:       pulumi.String("NginxIngressController"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(className), Labels: labels},
		OtherFields: kubernetes.UntypedArgs{"spec": map[string]any{
			"ingressClassName":     className,
			"controllerNamePrefix": className,
			"loadBalancerAnnotations": map[string]any{
				"service.beta.kubernetes.io/azure-load-balancer-internal": "true",
				LoadBalancerIPAnnotation:                                  args.PrivateIP,
			},
		}},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating the controller of %s: %w", name, err)
	}
	if _, err := corev1.NewSecret(ctx, name+"-server-tls", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String("backend-tls"), Namespace: pulumi.String(args.ServiceNamespace), Labels: labels},
		Type:       pulumi.String("kubernetes.io/tls"),
		StringData: pulumi.StringMap{"tls.crt": args.ServerCertificatePEM, "tls.key": args.ServerPrivateKeyPEM},
	}, parent); err != nil {
		return nil, fmt.Errorf("creating the server secret of %s: %w", name, err)
	}
	if _, err := corev1.NewSecret(ctx, name+"-client-ca", &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String("backend-client-ca"), Namespace: pulumi.String(args.ServiceNamespace), Labels: labels},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"ca.crt": args.CACertificatePEM},
	}, parent); err != nil {
		return nil, fmt.Errorf("creating the client CA secret of %s: %w", name, err)
	}
	if _, err := networkingv1.NewIngress(ctx, name+"-ingress", &networkingv1.IngressArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(args.ServiceName),
			Namespace: pulumi.String(args.ServiceNamespace),
			Labels:    labels,
			// https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#client-certificate-authentication
			Annotations: pulumi.ToStringMap(map[string]string{
				"nginx.ingress.kubernetes.io/auth-tls-verify-client":                "on",
				"nginx.ingress.kubernetes.io/auth-tls-secret":                       args.ServiceNamespace + "/backend-client-ca",
				"nginx.ingress.kubernetes.io/auth-tls-verify-depth":                 "1",
				"nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "false",
			}),
		},
		Spec: &networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String(className),
			Tls:              networkingv1.IngressTLSArray{&networkingv1.IngressTLSArgs{Hosts: pulumi.StringArray{pulumi.String(args.Host)}, SecretName: pulumi.String("backend-tls")}},
			Rules: networkingv1.IngressRuleArray{&networkingv1.IngressRuleArgs{
				Host: pulumi.String(args.Host),
				Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{&networkingv1.HTTPIngressPathArgs{
					Path:     pulumi.String("/"),
					PathType: pulumi.String("Prefix"),
					Backend: &networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
						Name: pulumi.String(args.ServiceName),
						Port: &networkingv1.ServiceBackendPortArgs{Number: pulumi.Int(args.ServicePort)},
					}},
				}}},
			}},
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{controller})); err != nil {
		return nil, fmt.Errorf("creating the ingress of %s: %w", name, err)
	}

	component.IngressClassName = pulumi.String(className).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(component, pulumi.Map{"ingressClassName": component.IngressClassName}); err != nil {
		return nil, fmt.Errorf("registering NGINX ingress %s outputs: %w", name, err)
	}
	return component, nil
}
