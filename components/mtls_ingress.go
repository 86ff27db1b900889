// Arguments shared by the ingress components: one backend host served over mutual TLS.

package components

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// MTLSIngressArgs configures the ingress (IstioIngress) that serves one backend host over mutual TLS
// and admits only clients whose certificate the CA signed.
type MTLSIngressArgs struct {
	// Host is the backend host name API Management calls; the ingress serves only it.
	Host string
	// PrivateIP is the internal load balancer address, pinned in the node subnet.
	PrivateIP string
	// ServerCertificatePEM and ServerPrivateKeyPEM are the ingress server certificate (SAN = Host).
	ServerCertificatePEM, ServerPrivateKeyPEM pulumi.StringInput
	// CACertificatePEM is the only CA whose client certificates are admitted.
	CACertificatePEM pulumi.StringInput
	// ClientSubjectAltNames are the only client identities admitted among that CA's certificates: the
	// CA also signs the platform's server certificates, which must not open the ingress.
	ClientSubjectAltNames []string
	// ServiceNamespace and ServiceName name the workload Service requests go to.
	ServiceNamespace, ServiceName string
	// ServicePort is the workload Service's port.
	ServicePort int
	// Labels are put on every object.
	Labels map[string]string
	// WaitFor is what every object waits for: what proves the add-on created what the ingress builds on
	// (its namespace, CRDs and gateway Service), and the workload's namespace the route lives in.
	WaitFor []pulumi.Resource
}
