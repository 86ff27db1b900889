// The four hops started together: echo backend, ingress, gateway and edge, on loopback ports; more
// paths in front of the same echo, each broken on purpose, for the smoke check's diagnoses.

package rehearsal

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// ClientCertificateHeader is the header the ingress sets on the request it forwards, as the Istio
// gateway does: the client certificate it verified, in Envoy's x-forwarded-client-cert format.
const ClientCertificateHeader = "X-Forwarded-Client-Cert"

// Stack is a running rehearsal of the data path.
type Stack struct {
	// Plan is what the stack was configured from.
	Plan *Plan
	// Dir holds every file of the rehearsal.
	Dir string
	// EchoPort is the echo backend's port.
	EchoPort int
	// Path is the path configured as the program records it; its ports are promoted.
	*Path
	// PublicCAPEM is the stand-in public CA that issued the listener certificate the user brings and
	// Front Door's managed certificate ("" when neither is in the stack).
	PublicCAPEM string
	publicLeaf  KeyPair
	processes   []*Process
	echo        *http.Server
}

// Path is one chain of hops in front of the stack's echo backend: ingress, gateway and edge, each on
// its own loopback port.
type Path struct {
	// IngressPort, GatewayPort and EdgePort are the hops' loopback ports.
	IngressPort, GatewayPort, EdgePort int
	// FrontDoorPort is the Front Door stand-in's port in front of the edge (0 without Front Door).
	FrontDoorPort int
	gateway       *Process
}

// Faults break a path the way a misconfiguration would; the zero value breaks nothing.
type Faults struct {
	// Listener replaces the edge's listener certificate.
	Listener *KeyPair
	// IngressServer replaces the ingress's server certificate.
	IngressServer *KeyPair
	// GatewayClient replaces the client certificate the gateway presents to the ingress.
	GatewayClient *KeyPair
	// NoGatewayClient makes the gateway present no client certificate.
	NoGatewayClient bool
	// EdgeUpstreamPort, when set, is where the edge calls instead of the path's gateway (a test puts
	// something of its own between them).
	EdgeUpstreamPort int
}

// Echo is what the echo backend answers, in the shape of mendhak/http-https-echo (the workload's
// image): the request's path, method and host name, and its headers with lower-case names.
type Echo struct {
	// Path is the request path.
	Path string `json:"path"`
	// Method is the request method.
	Method string `json:"method"`
	// Hostname is the Host header without a port.
	Hostname string `json:"hostname"`
	// Headers are the request headers, names lower-cased, repeated values joined with ", ".
	Headers map[string]string `json:"headers"`
}

// StartStack starts the echo backend and the path the plan describes under dir. On error, whatever
// started is stopped.
func StartStack(plan *Plan, dir string) (stack *Stack, err error) {
	stack = &Stack{Plan: plan, Dir: dir}
	defer func() {
		if err != nil {
			stack.Stop()
		}
	}()
	if stack.EchoPort, err = stack.startEcho(); err != nil {
		return nil, err
	}
	if plan.ListenerBrought || plan.FrontDoor != nil {
		hosts := []string{plan.PublicHost}
		if plan.FrontDoor != nil {
			hosts = append(hosts, plan.FrontDoor.PublicHost)
		}
		if stack.PublicCAPEM, stack.publicLeaf, err = standInPublicCA(hosts...); err != nil {
			return nil, err
		}
	}
	if stack.Path, err = stack.StartPath("", Faults{}); err != nil {
		return nil, err
	}
	return stack, nil
}

// StartPath starts another ingress, gateway and edge in front of the echo backend, configured as the
// plan says except for faults; name prefixes their directories.
func (s *Stack) StartPath(name string, faults Faults) (*Path, error) {
	path := &Path{}
	prefix := name
	if prefix != "" {
		prefix += "-"
	}
	server := s.Plan.Leaves[pki.IngressServer]
	if faults.IngressServer != nil {
		server = *faults.IngressServer
	}
	var err error
	if path.IngressPort, err = s.StartIngress(prefix+"ingress", server, s.Plan.IngressVerifyClient); err != nil {
		return nil, err
	}
	client := &KeyPair{}
	switch {
	case faults.NoGatewayClient || !s.Plan.PresentClientCertificate:
		client = nil
	case faults.GatewayClient != nil:
		client = faults.GatewayClient
	default:
		*client = s.Plan.Leaves[pki.APIMClient]
	}
	if path.GatewayPort, path.gateway, err = s.startGateway(prefix+"gateway", path.IngressPort, client); err != nil {
		return nil, err
	}
	listener, issued := s.Plan.Leaves[pki.Listener]
	if !issued {
		listener = s.publicLeaf // the user's certificate from a public CA, in Key Vault
	}
	if faults.Listener != nil {
		listener = *faults.Listener
	}
	upstream := path.GatewayPort
	if faults.EdgeUpstreamPort != 0 {
		upstream = faults.EdgeUpstreamPort
	}
	if path.EdgePort, err = s.startEdge(prefix+"edge", upstream, listener); err != nil {
		return nil, err
	}
	if s.Plan.FrontDoor != nil {
		if path.FrontDoorPort, err = s.startFrontDoor(prefix+"front-door", path.EdgePort); err != nil {
			return nil, err
		}
	}
	return path, nil
}

// GatewayAccessLog returns the path's gateway access log: one line per request that reached it, with
// the edge's headers as the gateway received them.
func (p *Path) GatewayAccessLog() string {
	return p.gateway.AccessLog()
}

// GatewayErrorLog returns the path's gateway error log (it names the zone of a refused rate limit).
func (p *Path) GatewayErrorLog() string {
	return p.gateway.ErrorLog()
}

// StopGateway stops the path's gateway, as if API Management were down.
func (p *Path) StopGateway() {
	p.gateway.Stop()
}

// Stop stops every hop.
func (s *Stack) Stop() {
	for _, process := range s.processes {
		process.Stop()
	}
	if s.echo != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.echo.Shutdown(ctx)
	}
}

// Write stores content in the rehearsal directory and returns its path.
func (s *Stack) Write(name, content string) (string, error) {
	path := filepath.Join(s.Dir, name)
	return path, os.WriteFile(path, []byte(content), 0o600)
}

// startEcho serves the echo backend on plain HTTP (the ingress terminates TLS, as the Istio gateway
// does before the mesh).
func (s *Stack) startEcho() (int, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	s.echo = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers := map[string]string{"host": r.Host}
		for name, values := range r.Header {
			headers[strings.ToLower(name)] = strings.Join(values, ", ")
		}
		hostname, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			hostname = r.Host
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Echo{Path: r.URL.Path, Method: r.Method, Hostname: hostname, Headers: headers})
	})}
	go func() { _ = s.echo.Serve(listener) }()
	return listener.Addr().(*net.TCPAddr).Port, nil
}

// StartIngress starts an ingress nginx serving server for the backend host, verifying client
// certificates against the CA as the plan's ingress does (verify "on" or "off") and forwarding the
// verified one to the echo backend.
func (s *Stack) StartIngress(name string, server KeyPair, verify string) (int, error) {
	hop := Hop{Name: name, ServerName: s.Plan.BackendHost, Protocols: "TLSv1.2 TLSv1.3", Dir: filepath.Join(s.Dir, name),
		ClientCA: "", VerifyClient: verify, VerifyDepth: s.Plan.IngressVerifyDepth, UpstreamPort: s.EchoPort, UpstreamName: s.Plan.BackendHost,
		ForwardClientCertificate: true}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair(name, server); err != nil {
		return 0, err
	}
	if verify != "off" {
		if hop.ClientCA, err = s.Write(name+"-client-ca.pem", s.Plan.CAPEM); err != nil {
			return 0, err
		}
	}
	port, _, err := s.start(hop)
	return port, err
}

// startGateway starts a gateway nginx (API Management's place) serving its custom-domain certificate
// and calling the ingress on ingressPort over HTTPS the way the API Management backend entity says:
// presenting client (none when nil) and validating the ingress certificate's chain and name. It
// fails requests as API Management does (ManagementErrors).
func (s *Stack) startGateway(name string, ingressPort int, client *KeyPair) (int, *Process, error) {
	rules, err := GatewayRulesFrom(s.Plan)
	if err != nil {
		return 0, nil, err
	}
	hop := Hop{Name: name, ServerName: s.Plan.GatewayHost, Protocols: "TLSv1.2 TLSv1.3", Dir: filepath.Join(s.Dir, name),
		UpstreamPort: ingressPort, UpstreamTLS: true, UpstreamName: s.Plan.BackendHost, UpstreamVerify: s.Plan.VerifyBackendCertificate,
		// API Management's policy passes Application Gateway's trace ID on as X-Request-ID.
		ForwardHeaders: map[string]string{apimpolicy.RequestIDHeader: "$http_x_appgw_trace_id"}, StripPrefix: s.Plan.APIPath, StatusPath: s.Plan.StatusPath,
		ManagementErrors: true, Rules: rules, LogHeaders: s.gatewayLogHeaders()}
	if s.Plan.Policy != nil {
		for _, header := range s.Plan.Policy.DeletedHeaders {
			hop.ForwardHeaders[header] = `""` // nginx sends no header whose value is empty
		}
	}
	if hop.Certificate, hop.Key, err = s.writePair(name, s.Plan.Leaves[pki.APIMGateway]); err != nil {
		return 0, nil, err
	}
	if hop.UpstreamCA, err = s.Write(name+"-trusted-ca.pem", s.Plan.CAPEM); err != nil {
		return 0, nil, err
	}
	if client != nil {
		if hop.UpstreamCertificate, hop.UpstreamKey, err = s.writePair(name+"-client", *client); err != nil {
			return 0, nil, err
		}
	}
	return s.start(hop)
}

// gatewayLogHeaders are the headers the gateway's access log records: those the edge sets and those
// the policy checks, as they arrived.
func (s *Stack) gatewayLogHeaders() []string {
	var headers []string
	for _, rewrite := range s.Plan.EdgeHeaders {
		headers = append(headers, rewrite.Name)
	}
	if s.Plan.Policy != nil {
		for _, check := range s.Plan.Policy.HeaderChecks {
			if !slices.Contains(headers, check.Name) {
				headers = append(headers, check.Name)
			}
		}
	}
	return headers
}

// startEdge starts an edge nginx (Application Gateway's place): the listener certificate, the SSL
// policy's protocols, ModSecurity with the Core Rule Set in the WAF policy's mode, HTTPS to the
// gateway host on gatewayPort verified against the CA as the backend's trusted root, and its own
// failures answered with Application Gateway's error pages.
func (s *Stack) startEdge(name string, gatewayPort int, listener KeyPair) (int, error) {
	dir := filepath.Join(s.Dir, name)
	hop := Hop{Name: name, ServerName: s.Plan.PublicHost, Protocols: strings.Join(s.Plan.EdgeProtocols, " "), Dir: dir,
		UpstreamPort: gatewayPort, UpstreamTLS: true, UpstreamName: s.Plan.GatewayHost, UpstreamVerify: true,
		// Application Gateway stamps every request with its trace ID and, unless a rewrite says
		// otherwise, keeps the caller's X-Forwarded-For and appends the address it saw
		// (how-application-gateway-works.md, "Modifications to the request"), as nginx's
		// $proxy_add_x_forwarded_for does (without the port Application Gateway adds).
		ForwardHeaders: map[string]string{apimpolicy.TraceHeader: "$request_id", "X-Forwarded-For": "$proxy_add_x_forwarded_for"}, GatewayErrors: true,
		BindAddress: EdgeSourceAddress, Rules: GatewayRules{Checks: edgeChecks(s.Plan.EdgeRequiredHeaders)}}
	for _, rewrite := range s.Plan.EdgeHeaders {
		hop.ForwardHeaders[rewrite.Name] = rewrite.Nginx
		if rewrite.Nginx == "" {
			hop.ForwardHeaders[rewrite.Name] = `""` // an empty value removes the caller's header
		}
	}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair(name, listener); err != nil {
		return 0, err
	}
	if s.Plan.EdgeClientCAPEM != "" {
		// The SSL profile's client authentication: a certificate signed by the callers' CA directly.
		hop.VerifyClient, hop.VerifyDepth = "on", "1"
		if hop.ClientCA, err = s.Write(name+"-callers-ca.pem", s.Plan.EdgeClientCAPEM); err != nil {
			return 0, err
		}
	}
	if hop.UpstreamCA, err = s.Write(name+"-trusted-root.pem", s.Plan.CAPEM); err != nil {
		return 0, err
	}
	rules, err := ModSecurityRules(s.Plan.WAFMode, dir)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	if hop.ModSecurityRules, err = s.Write(name+"-modsecurity.conf", rules); err != nil {
		return 0, err
	}
	port, _, err := s.start(hop)
	return port, err
}

// start picks a port, starts the hop and remembers the process for Stop.
func (s *Stack) start(hop Hop) (int, *Process, error) {
	port, err := FreePort()
	if err != nil {
		return 0, nil, err
	}
	hop.Port = port
	process, err := Start(hop)
	if err != nil {
		return 0, nil, err
	}
	s.processes = append(s.processes, process)
	return port, process, nil
}

// writePair stores a key pair as PEM files.
func (s *Stack) writePair(name string, pair KeyPair) (string, string, error) {
	if pair.CertificatePEM == "" {
		return "", "", errors.New("rehearsal: empty certificate for " + name)
	}
	certificate, err := s.Write(name+".crt", pair.CertificatePEM)
	if err != nil {
		return "", "", err
	}
	key, err := s.Write(name+".key", pair.KeyPEM)
	return certificate, key, err
}

// Client returns an HTTPS client that reaches every host on loopback at port (never real DNS), trusts
// the CA, and presents certificate when given. tlsVersion, when not zero, pins the protocol.
func (s *Stack) Client(port int, certificate *tls.Certificate, tlsVersion uint16) *http.Client {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(s.Plan.CAPEM))
	roots.AppendCertsFromPEM([]byte(s.PublicCAPEM))
	config := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if tlsVersion != 0 {
		config.MinVersion, config.MaxVersion = tlsVersion, tlsVersion
	}
	if certificate != nil {
		// Present the certificate even when the server asks for another CA's, as a misconfigured or
		// hostile client would (the default picks only certificates the server's CA list accepts).
		config.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return certificate, nil }
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: config, MaxIdleConnsPerHost: 8, ForceAttemptHTTP2: false,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
		},
	}}
}

// URL is the https URL of host on a rehearsal port.
func URL(host string, port int, path string) string {
	return fmt.Sprintf("https://%s:%d%s", host, port, path)
}
