// The four hops started together: echo backend, ingress, gateway and edge, on loopback ports.
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
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// Headers the ingress passes to the backend: the client-certificate verification result and DNs
// (nginx's $ssl_client_verify, $ssl_client_s_dn, $ssl_client_i_dn).
const (
	VerifyHeader  = "X-Client-Verify"
	SubjectHeader = "X-Client-Subject"
	IssuerHeader  = "X-Client-Issuer"
)

// Stack is a running rehearsal of the data path.
type Stack struct {
	// Plan is what the stack was configured from.
	Plan *Plan
	// Dir holds every file of the rehearsal.
	Dir string
	// EchoPort, IngressPort, GatewayPort and EdgePort are the hops' loopback ports.
	EchoPort, IngressPort, GatewayPort, EdgePort int
	processes                                    []*Process
	echo                                         *http.Server
}

// Echo is what the echo backend answers: the request it received.
type Echo struct {
	// Host is the Host header (Go keeps it out of Headers).
	Host string `json:"host"`
	// Path is the request path.
	Path string `json:"path"`
	// Headers are the request headers.
	Headers http.Header `json:"headers"`
}

// StartStack starts the four hops for plan under dir. On error, whatever started is stopped.
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
	if stack.IngressPort, err = stack.StartIngress("ingress", plan.Leaves[pki.IngressServer], plan.IngressVerifyClient); err != nil {
		return nil, err
	}
	if stack.GatewayPort, err = stack.StartGateway("gateway", stack.IngressPort); err != nil {
		return nil, err
	}
	if stack.EdgePort, err = stack.startEdge(); err != nil {
		return nil, err
	}
	return stack, nil
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
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Echo{Host: r.Host, Path: r.URL.Path, Headers: r.Header})
	})}
	go func() { _ = s.echo.Serve(listener) }()
	return listener.Addr().(*net.TCPAddr).Port, nil
}

// StartIngress starts an ingress nginx serving server for the backend host, verifying client
// certificates against the CA as the plan's ingress does (verify "on" or "off").
func (s *Stack) StartIngress(name string, server KeyPair, verify string) (int, error) {
	hop := Hop{Name: name, ServerName: s.Plan.BackendHost, Protocols: "TLSv1.2 TLSv1.3", Dir: filepath.Join(s.Dir, name),
		ClientCA: "", VerifyClient: verify, VerifyDepth: s.Plan.IngressVerifyDepth, UpstreamPort: s.EchoPort, UpstreamName: s.Plan.BackendHost,
		ForwardHeaders: map[string]string{VerifyHeader: "$ssl_client_verify", SubjectHeader: "$ssl_client_s_dn", IssuerHeader: "$ssl_client_i_dn"}}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair(name, server); err != nil {
		return 0, err
	}
	if verify != "off" {
		if hop.ClientCA, err = s.Write(name+"-client-ca.pem", s.Plan.CAPEM); err != nil {
			return 0, err
		}
	}
	return s.start(hop)
}

// StartGateway starts a gateway nginx (API Management's place) serving its custom-domain certificate
// and calling the ingress on ingressPort over HTTPS the way the API Management backend entity says:
// presenting the client certificate and validating the ingress certificate's chain and name.
func (s *Stack) StartGateway(name string, ingressPort int) (int, error) {
	hop := Hop{Name: name, ServerName: s.Plan.GatewayHost, Protocols: "TLSv1.2 TLSv1.3", Dir: filepath.Join(s.Dir, name),
		UpstreamPort: ingressPort, UpstreamTLS: true, UpstreamName: s.Plan.BackendHost, UpstreamVerify: s.Plan.VerifyBackendCertificate,
		// API Management's policy passes Application Gateway's trace ID on as X-Request-ID.
		ForwardHeaders: map[string]string{apimpolicy.RequestIDHeader: "$http_x_appgw_trace_id"}, StripPrefix: s.Plan.APIPath, StatusPath: s.Plan.StatusPath}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair(name, s.Plan.Leaves[pki.APIMGateway]); err != nil {
		return 0, err
	}
	if hop.UpstreamCA, err = s.Write(name+"-trusted-ca.pem", s.Plan.CAPEM); err != nil {
		return 0, err
	}
	if s.Plan.PresentClientCertificate {
		if hop.UpstreamCertificate, hop.UpstreamKey, err = s.writePair(name+"-client", s.Plan.Leaves[pki.APIMClient]); err != nil {
			return 0, err
		}
	}
	return s.start(hop)
}

// startEdge starts the edge nginx (Application Gateway's place): the listener certificate, the SSL
// policy's protocols, ModSecurity with the Core Rule Set in the WAF policy's mode, and HTTPS to the
// gateway host verified against the CA as the backend's trusted root.
func (s *Stack) startEdge() (int, error) {
	hop := Hop{Name: "edge", ServerName: s.Plan.PublicHost, Protocols: strings.Join(s.Plan.EdgeProtocols, " "), Dir: filepath.Join(s.Dir, "edge"),
		UpstreamPort: s.GatewayPort, UpstreamTLS: true, UpstreamName: s.Plan.GatewayHost, UpstreamVerify: true,
		// Application Gateway stamps every request with its trace ID.
		ForwardHeaders: map[string]string{apimpolicy.TraceHeader: "$request_id"}}
	var err error
	if hop.Certificate, hop.Key, err = s.writePair("edge", s.Plan.Leaves[pki.Listener]); err != nil {
		return 0, err
	}
	if hop.UpstreamCA, err = s.Write("edge-trusted-root.pem", s.Plan.CAPEM); err != nil {
		return 0, err
	}
	rules, err := ModSecurityRules(s.Plan.WAFMode, filepath.Join(s.Dir, "edge"))
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "edge"), 0o700); err != nil {
		return 0, err
	}
	if hop.ModSecurityRules, err = s.Write("edge-modsecurity.conf", rules); err != nil {
		return 0, err
	}
	return s.start(hop)
}

// start picks a port, starts the hop and remembers the process for Stop.
func (s *Stack) start(hop Hop) (int, error) {
	port, err := FreePort()
	if err != nil {
		return 0, err
	}
	hop.Port = port
	process, err := Start(hop)
	if err != nil {
		return 0, err
	}
	s.processes = append(s.processes, process)
	return port, nil
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
