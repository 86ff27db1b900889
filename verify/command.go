// The command: `make verify STACK=dev` (cmd/verify) reads the stack outputs and runs the check.

package verify

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// AccessTokenVariable names the environment variable that carries a token for the API when token
// validation is on; without it the check asks the Azure CLI for one.
const AccessTokenVariable = "APIPLATFORM_ACCESS_TOKEN"

// Main runs the command with its arguments and returns the exit code: 0 when the check passed, 1 when
// it failed, 2 for bad usage or outputs.
func Main(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("verify", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "dev", "stack whose outputs name the endpoint")
	outputsFile := flags.String("outputs", "", "read the outputs from this file (`pulumi stack output --json`) instead of the Pulumi CLI")
	connectTo := flags.String("connect-to", "", "host:port to connect to instead of the gateway's public IP (curl --connect-to)")
	timeout := flags.Duration("timeout", 10*time.Minute, "how long to keep trying while a hop is settling")
	interval := flags.Duration("interval", 15*time.Second, "pause between attempts")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	outputs, err := readOutputs(*stack, *outputsFile)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	target, notes, err := TargetFromOutputs(outputs, net.LookupHost)
	if err != nil {
		fmt.Fprintf(stderr, "verify: stack %s: %v\n", *stack, err)
		return 2
	}
	if *connectTo != "" {
		target.Address = *connectTo
		notes = append(notes, "connecting to "+*connectTo)
	}
	if audience, _ := outputs["tokenAudience"].(string); audience != "" {
		if target.AccessToken, err = accessToken(audience); err != nil {
			notes = append(notes, fmt.Sprintf("no token for %s (%v): expect a 401 from API Management", audience, err))
		}
	}
	for _, note := range notes {
		fmt.Fprintf(stdout, "verify: %s\n", note)
	}
	fmt.Fprintf(stdout, "verify: GET %s through Application Gateway, API Management and the mTLS ingress (up to %s)\n", target.URL, *timeout)
	result := Run(context.Background(), target, Options{Timeout: *timeout, Interval: *interval, Log: stdout})
	if !result.Passed {
		fmt.Fprintf(stderr, "verify: FAILED after %d attempt(s) at %s\n", result.Attempts, result.Diagnosis)
		return 1
	}
	fmt.Fprintf(stdout, "verify: passed: every hop answered and %s\n", result.Proof)
	return 0
}

// readOutputs returns the stack outputs from a file or from `pulumi stack output --json`.
func readOutputs(stack, file string) (map[string]any, error) {
	var text []byte
	var err error
	if file != "" {
		text, err = os.ReadFile(file)
	} else {
		text, err = exec.Command("pulumi", "stack", "output", "--json", "--stack", stack).Output()
	}
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w (run make deploy STACK=%s first)", stack, err, stack)
	}
	outputs := map[string]any{}
	if err := json.Unmarshal(text, &outputs); err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	return outputs, nil
}

// TargetFromOutputs builds the target from the stack outputs. When public DNS does not resolve the
// endpoint's host to the gateway's public IP yet, the check connects to that IP, as curl --resolve
// would; notes say so. Every missing or malformed output is reported at once.
func TargetFromOutputs(outputs map[string]any, lookupHost func(string) ([]string, error)) (Target, []string, error) {
	text := func(name string) string { value, _ := outputs[name].(string); return value }
	var problems, notes []string
	endpoint, path, gatewayIP := text("publicEndpoint"), text("apiPath"), text("applicationGatewayPublicIp")
	address, err := url.Parse(endpoint + path)
	if endpoint == "" || path == "" || err != nil || address.Scheme != "https" {
		problems = append(problems, fmt.Sprintf("outputs publicEndpoint %q and apiPath %q do not make an https URL", endpoint, path))
	}
	if net.ParseIP(gatewayIP) == nil {
		problems = append(problems, fmt.Sprintf("output applicationGatewayPublicIp %q is not an IP address", gatewayIP))
	}
	ca, err := certificateOutput(text("caCertificatePem"))
	if err != nil {
		problems = append(problems, "output caCertificatePem: "+err.Error())
	}
	client, err := certificateOutput(text("apiManagementClientCertificatePem"))
	if err != nil {
		problems = append(problems, "output apiManagementClientCertificatePem: "+err.Error())
	}
	if len(problems) > 0 {
		return Target{}, nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	// The listener's certificate comes from the stack's CA in dev, from a public CA with your own.
	roots.AddCert(ca)
	target := Target{URL: address.String(), Roots: roots, CA: ca, ClientCertificate: client}
	if resolved, err := lookupHost(address.Hostname()); err != nil || !slices.Contains(resolved, gatewayIP) {
		target.Address = net.JoinHostPort(gatewayIP, "443")
		notes = append(notes, fmt.Sprintf("public DNS does not point %s at the gateway's IP %s yet (it resolves to %v): connecting to %s as curl --resolve %s:443:%s would",
			address.Hostname(), gatewayIP, resolved, target.Address, address.Hostname(), gatewayIP))
	}
	return target, notes, nil
}

// certificateOutput parses a PEM certificate output.
func certificateOutput(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("is not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// accessToken returns a token for the API: APIPLATFORM_ACCESS_TOKEN, or the Azure CLI's for the
// audience (accepted only if the Azure CLI is one of apiManagement.entraClientApplicationIds).
func accessToken(audience string) (string, error) {
	if token := strings.TrimSpace(os.Getenv(AccessTokenVariable)); token != "" {
		return token, nil
	}
	output, err := exec.Command("az", "account", "get-access-token", "--resource", audience, "--query", "accessToken", "--output", "tsv").Output()
	if err != nil {
		return "", fmt.Errorf("set %s, or sign the Azure CLI in: %w", AccessTokenVariable, err)
	}
	return strings.TrimSpace(string(output)), nil
}
