// The command: `make verify STACK=dev` (cmd/verify) reads the stack outputs and runs the check.

package verify

import (
	"context"
	"crypto/tls"
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
	outputsFile := flags.String("outputs", "", "read the outputs from this file (`pulumi stack output --json --show-secrets`) instead of the Pulumi CLI")
	connectTo := flags.String("connect-to", "", "host:port to connect to instead of the gateway's public IP (curl --connect-to)")
	timeout := flags.Duration("timeout", 10*time.Minute, "how long to keep trying while a hop is settling")
	interval := flags.Duration("interval", 15*time.Second, "pause between attempts")
	callerCertificate := flags.String("caller-certificate", "", "PEM `file` of a caller certificate for an edge that requires mutual TLS (instead of the output sampleCallerCertificatePem)")
	callerKey := flags.String("caller-key", "", "PEM `file` of the caller certificate's private key")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if (*callerCertificate == "") != (*callerKey == "") {
		fmt.Fprintln(stderr, "verify: -caller-certificate and -caller-key go together")
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
	if *callerCertificate != "" {
		pair, err := tls.LoadX509KeyPair(*callerCertificate, *callerKey)
		if err != nil {
			fmt.Fprintf(stderr, "verify: -caller-certificate %s and -caller-key %s: %v\n", *callerCertificate, *callerKey, err)
			return 2
		}
		target.CallerCertificate = &pair
		notes = append(notes, "presenting the caller certificate of "+*callerCertificate+" to the edge")
	}
	if target.CallerCertificateRequired && target.CallerCertificate == nil {
		notes = append(notes, "the edge requires a caller certificate (output callerCaCertificatePem) and the outputs hold no sample one: "+
			"pass -caller-certificate and -caller-key, or expect the edge to refuse")
	}
	// A token for an API that validates them; before the output apiCredential, tokenAudience alone said so.
	audience, _ := outputs["tokenAudience"].(string)
	if audience != "" && (target.Credential == CredentialEntraToken || target.Credential == "") {
		if target.AccessToken, err = accessToken(audience); err != nil {
			notes = append(notes, fmt.Sprintf("no token for %s (%v): expect a 401 from API Management", audience, err))
		}
	}
	for _, note := range notes {
		fmt.Fprintf(stdout, "verify: %s\n", note)
	}
	wait := *timeout
	if target.FrontDoor && !flagSet(flags, "timeout") {
		// A first deployment is several Front Door changes in a row: about 40 minutes to reach the edge.
		wait = FrontDoorTimeout
	}
	fmt.Fprintf(stdout, "verify: GET %s through %sApplication Gateway, API Management and the mTLS ingress (up to %s)\n", target.URL, frontDoorHop(target), wait)
	result := Run(context.Background(), target, Options{Timeout: wait, Interval: *interval, Log: stdout})
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
		// The subscription key and the sample caller's private key are secret outputs.
		text, err = exec.Command("pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack).Output()
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

// TargetFromOutputs builds the target from the stack outputs: the endpoint, the certificates to check
// the echo against, the credential the API requires (apiCredential; the subscription key from
// apiSubscriptionKey) and, when the edge requires caller mutual TLS (callerCaCertificatePem), the
// sample caller certificate. When public DNS does not resolve the endpoint's host to the gateway's
// public IP yet, the check connects to that IP, as curl --resolve would; notes say so, and say what
// the check will not send. Every missing or malformed output is reported at once; no note or error
// carries a secret.
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
	target := Target{Credential: text("apiCredential")}
	switch target.Credential {
	case CredentialSubscriptionKey:
		target.SubscriptionKey, target.SubscriptionKeyHeader = text("apiSubscriptionKey"), text("apiSubscriptionKeyHeader")
		if target.SubscriptionKey == "" || target.SubscriptionKey == maskedSecret {
			target.SubscriptionKey = ""
			notes = append(notes, "the API requires a subscription key and the output apiSubscriptionKey is empty or masked "+
				"(pulumi stack output --json --show-secrets): expect a 401 from API Management")
		} else {
			notes = append(notes, "sending the subscription key of the output apiSubscriptionKey in "+target.keyHeader())
		}
	case CredentialNone:
		notes = append(notes, "the API takes no credential (apiManagement.anonymousAccessAllowed): a public sample only")
	case CredentialEntraToken, "":
	default:
		problems = append(problems, fmt.Sprintf("output apiCredential %q is none of %s, %s, %s", target.Credential, CredentialSubscriptionKey, CredentialEntraToken, CredentialNone))
	}
	if callerCA := text("callerCaCertificatePem"); callerCA != "" {
		target.CallerCertificateRequired = true
		if _, err := certificateOutput(callerCA); err != nil {
			problems = append(problems, "output callerCaCertificatePem: "+err.Error())
		}
		if certificatePEM, keyPEM := text("sampleCallerCertificatePem"), text("sampleCallerPrivateKeyPem"); certificatePEM != "" {
			// The error of a key pair names no key material.
			if pair, err := tls.X509KeyPair([]byte(certificatePEM), []byte(keyPEM)); err != nil {
				problems = append(problems, "outputs sampleCallerCertificatePem and sampleCallerPrivateKeyPem (secret, --show-secrets): "+err.Error())
			} else {
				target.CallerCertificate = &pair
				notes = append(notes, "presenting the sample caller certificate (output sampleCallerCertificatePem) to the edge")
			}
		}
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
	target.URL, target.Roots, target.CA, target.ClientCertificate = address.String(), roots, ca, client
	if frontDoor := text("frontDoorEndpointHostName"); frontDoor != "" {
		target, notes = throughFrontDoor(target, address, frontDoor, lookupHost, notes)
		return target, notes, nil
	}
	if resolved, err := lookupHost(address.Hostname()); err != nil || !slices.Contains(resolved, gatewayIP) {
		target.Address = net.JoinHostPort(gatewayIP, "443")
		notes = append(notes, fmt.Sprintf("public DNS does not point %s at the gateway's IP %s yet (it resolves to %v): connecting to %s as curl --resolve %s:443:%s would",
			address.Hostname(), gatewayIP, resolved, target.Address, address.Hostname(), gatewayIP))
	}
	return target, notes, nil
}

// throughFrontDoor aims the check at Front Door, the only caller the gateway admits: by the public host
// once its CNAME leads to Front Door (both names resolve to a shared address), else by the endpoint's
// own *.azurefd.net name, which the route serves too.
func throughFrontDoor(target Target, address *url.URL, frontDoor string, lookupHost func(string) ([]string, error), notes []string) (Target, []string) {
	public, _ := lookupHost(address.Hostname())
	edge, _ := lookupHost(frontDoor)
	target.FrontDoor = true
	if slices.ContainsFunc(public, func(ip string) bool { return slices.Contains(edge, ip) }) {
		return target, append(notes, "checking through Front Door: "+address.Hostname()+" leads there")
	}
	notes = append(notes, fmt.Sprintf("public DNS does not lead %s to Front Door yet: checking through the endpoint's own name %s", address.Hostname(), frontDoor))
	address.Host = frontDoor
	target.URL = address.String()
	return target, notes
}

// maskedSecret is what `pulumi stack output --json` prints for a secret without --show-secrets.
const maskedSecret = "[secret]"

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

// FrontDoorTimeout is how long the check waits by default through Front Door: its changes take up to
// about 20 minutes to reach the edge, several in a row about 40 (frontdoor/front-door-faq).
const FrontDoorTimeout = 45 * time.Minute

// flagSet reports whether the command line set the flag.
func flagSet(flags *flag.FlagSet, name string) bool {
	set := false
	flags.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// frontDoorHop names Front Door in the check's announcement when it goes through it.
func frontDoorHop(target Target) string {
	if target.FrontDoor {
		return "Front Door, "
	}
	return ""
}
