// The smoke check (make verify) against the local rehearsal: it passes when every hop serves, and when
// a hop is broken it fails naming that hop and the runbook section to read.

package tests

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
	"github.com/apiplatform/azure-api-platform/verify"
)

// verifyRun is one run of the verify command.
type verifyRun struct {
	exit           int
	stdout, stderr string
}

// runVerify runs the verify command with the stack's real outputs (secrets shown, as `pulumi stack
// output --json --show-secrets` prints them), changed by edits, connecting to the rehearsal's edge on
// edgePort instead of the gateway's public IP.
func runVerify(t *testing.T, recording *harness.Recording, edgePort int, timeout time.Duration, edits ...func(map[string]any)) verifyRun {
	t.Helper()
	outputs := map[string]any{}
	for name, output := range recording.Outputs {
		outputs[name] = output.Value
	}
	for _, edit := range edits {
		edit(outputs)
	}
	file := writeVerifyOutputs(t, outputs)
	var stdout, stderr strings.Builder
	exit := verify.Main([]string{"-stack", recording.Stack, "-outputs", file, "-connect-to", "127.0.0.1:" + strconv.Itoa(edgePort),
		"-timeout", timeout.String(), "-interval", "200ms"}, &stdout, &stderr)
	run := verifyRun{exit: exit, stdout: stdout.String(), stderr: stderr.String()}
	for _, secret := range []string{"apiSubscriptionKey", "sampleCallerPrivateKeyPem"} {
		if value, _ := recording.Outputs[secret].Value.(string); value != "" {
			assert.NotContains(t, run.stdout+run.stderr, value, "the check prints no secret (output %s)", secret)
		}
	}
	return run
}

// writeVerifyOutputs writes outputs as `pulumi stack output --json --show-secrets` prints them and returns
// the file.
func writeVerifyOutputs(t *testing.T, outputs map[string]any) string {
	t.Helper()
	encoded, err := json.Marshal(outputs)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "outputs.json")
	require.NoError(t, os.WriteFile(file, encoded, 0o600))
	return file
}

// outputsFile writes the recording's outputs unchanged.
func outputsFile(t *testing.T, recording *harness.Recording) string {
	t.Helper()
	outputs := map[string]any{}
	for name, output := range recording.Outputs {
		outputs[name] = output.Value
	}
	return writeVerifyOutputs(t, outputs)
}

// withOutput sets a stack output ("" removes it).
func withOutput(name, value string) func(map[string]any) {
	return func(outputs map[string]any) {
		if value == "" {
			delete(outputs, name)
			return
		}
		outputs[name] = value
	}
}

// attempts counts the attempts a run logged.
func (r verifyRun) attempts() int {
	return len(regexp.MustCompile(`(?m)^verify: attempt \d+:`).FindAllString(r.stdout, -1))
}

// TestVerifyAgainstTheRehearsal runs the check against every hop serving, then against paths broken
// the ways the runbook covers.
func TestVerifyAgainstTheRehearsal(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, recording := startRehearsal(t, "dev")
	plan := running.Plan

	t.Run("passes when every hop serves", func(t *testing.T) {
		run := runVerify(t, recording, running.EdgePort, 5*time.Second)
		require.Equal(t, 0, run.exit, run.stdout+run.stderr)
		client, err := harness.CertificateFromPEM(plan.Leaves[pki.APIMClient].CertificatePEM)
		require.NoError(t, err)
		ca, err := harness.CertificateFromPEM(plan.CAPEM)
		require.NoError(t, err)
		assert.Contains(t, run.stdout, "verify: passed: every hop answered and the ingress verified API Management's client certificate")
		assert.Contains(t, run.stdout, `subject "`+client.Subject.String()+`", issued by "`+ca.Subject.String()+`" (the stack's CA)`)
		assert.Contains(t, run.stdout, "public DNS does not point "+plan.PublicHost+" at the gateway's IP", "offline, the host does not resolve")
		assert.Contains(t, run.stdout, "verify: sending the subscription key of the output apiSubscriptionKey in "+plan.SubscriptionKeyHeader)
		assert.Equal(t, 1, run.attempts())
	})

	for _, tc := range []struct {
		name, key, note, problem string
	}{
		{"without the subscription key", "", "the output apiSubscriptionKey is empty or masked",
			`401 from API Management ("Access denied due to missing subscription key.`},
		{"with the key masked (outputs without --show-secrets)", "[secret]", "the output apiSubscriptionKey is empty or masked",
			"the check sent none"},
		{"with a key of no subscription", "not-a-key", "sending the subscription key",
			`401 from API Management ("Access denied due to invalid subscription key.`},
	} {
		t.Run("fails "+tc.name, func(t *testing.T) {
			run := runVerify(t, recording, running.EdgePort, 2*time.Second, withOutput("apiSubscriptionKey", tc.key))
			assert.Equal(t, 1, run.exit, run.stdout+run.stderr)
			assert.Contains(t, run.stdout, tc.note)
			assert.Contains(t, run.stderr, `hop "`+string(verify.ManagementHop)+`"`)
			assert.Contains(t, run.stderr, tc.problem)
			assert.Contains(t, run.stderr, "(see docs/runbook.md#"+verify.SectionSubscriptionKey+")")
			assert.Equal(t, 1, run.attempts(), "waiting cannot fix a credential: no retry")
		})
	}

	wrongHost := issue(t, plan, "wrong.contoso.example", x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	otherClient := issue(t, plan, "someone-else", x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	for _, tc := range []struct {
		name    string
		faults  rehearsal.Faults
		stopped bool // the path's gateway is down
		hop     verify.Hop
		section string
		problem string
		retried bool
	}{
		{"the ingress certificate names another host", rehearsal.Faults{IngressServer: &wrongHost}, false,
			verify.IngressHop, verify.SectionBackendCall, "500 from API Management", true},
		{"the listener certificate names another host", rehearsal.Faults{Listener: &wrongHost}, false,
			verify.EdgeHop, verify.SectionListenerName, "certificate name mismatch: the listener's certificate is for wrong.contoso.example", false},
		{"API Management presents no client certificate", rehearsal.Faults{NoGatewayClient: true}, false,
			verify.IngressHop, verify.SectionIngressRefused, "400 from the ingress", false},
		{"the ingress admits another certificate of our CA", rehearsal.Faults{GatewayClient: &otherClient}, false,
			verify.IngressHop, verify.SectionNoClientCertificate, "the ingress admitted a client certificate that is not API Management's", false},
		{"API Management is down", rehearsal.Faults{}, true,
			verify.GatewayBackendHop, verify.SectionGatewayBackend, "502 from Application Gateway", true},
	} {
		t.Run("fails when "+tc.name, func(t *testing.T) {
			path, err := running.StartPath(strings.ReplaceAll(tc.name, " ", "-"), tc.faults)
			require.NoError(t, err)
			if tc.stopped {
				path.StopGateway()
			}
			run := runVerify(t, recording, path.EdgePort, 2*time.Second)
			assert.Equal(t, 1, run.exit, run.stdout+run.stderr)
			assert.Contains(t, run.stderr, `hop "`+string(tc.hop)+`"`)
			assert.Contains(t, run.stderr, tc.problem)
			assert.Contains(t, run.stderr, "(see docs/runbook.md#"+tc.section+")")
			if tc.retried {
				assert.Greater(t, run.attempts(), 2, "a hop that may still be settling is tried again until the deadline")
			} else {
				assert.Equal(t, 1, run.attempts(), "waiting cannot fix this: no retry")
			}
		})
	}

	t.Run("passes once API Management's backend health settles", func(t *testing.T) {
		gatewayGap, err := rehearsal.FreePort()
		require.NoError(t, err)
		path, err := running.StartPath("settling", rehearsal.Faults{EdgeUpstreamPort: gatewayGap})
		require.NoError(t, err)
		// The edge calls a port where nothing answers yet; after a second, it reaches the gateway.
		go func() {
			time.Sleep(time.Second)
			forward(t, gatewayGap, path.GatewayPort)
		}()
		run := runVerify(t, recording, path.EdgePort, 20*time.Second)
		require.Equal(t, 0, run.exit, run.stdout+run.stderr)
		assert.Greater(t, run.attempts(), 1)
		assert.Contains(t, run.stdout, "502 from Application Gateway")
		assert.Contains(t, run.stdout, "trying again for")
	})
}

// TestVerifyWithCallerMutualTLS runs the check against a rehearsal whose edge requires caller
// certificates: it passes presenting the sample caller certificate of the outputs, and fails at the
// edge without it, or with a certificate of another CA.
func TestVerifyWithCallerMutualTLS(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, recording := startRehearsal(t, "dev", harness.Set("applicationGateway.mutualTls", "required"))
	plan := running.Plan
	require.NotEmpty(t, plan.EdgeClientCAPEM, "the edge requires caller certificates")

	t.Run("passes with the sample caller certificate", func(t *testing.T) {
		run := runVerify(t, recording, running.EdgePort, 5*time.Second)
		require.Equal(t, 0, run.exit, run.stdout+run.stderr)
		assert.Contains(t, run.stdout, "verify: presenting the sample caller certificate (output sampleCallerCertificatePem) to the edge")
		assert.Contains(t, run.stdout, "verify: passed: every hop answered")
	})
	t.Run("fails at the edge without a caller certificate", func(t *testing.T) {
		run := runVerify(t, recording, running.EdgePort, 2*time.Second,
			withOutput("sampleCallerCertificatePem", ""), withOutput("sampleCallerPrivateKeyPem", ""))
		assert.Equal(t, 1, run.exit, run.stdout+run.stderr)
		assert.Contains(t, run.stdout, "the edge requires a caller certificate (output callerCaCertificatePem) and the outputs hold no sample one")
		assert.Contains(t, run.stderr, `hop "`+string(verify.EdgeHop)+`"`)
		assert.Contains(t, run.stderr, "and the check presented none")
		assert.Contains(t, run.stderr, "(see docs/runbook.md#"+verify.SectionCallerCertificate+")")
		assert.Equal(t, 1, run.attempts())
	})
	t.Run("fails at the edge with a certificate of another CA", func(t *testing.T) {
		// The platform's CA is not the callers' CA: a client certificate it issued is a stranger's.
		stranger := issue(t, plan, "stranger.example", x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		directory := t.TempDir()
		certificate, key := filepath.Join(directory, "stranger.crt"), filepath.Join(directory, "stranger.key")
		require.NoError(t, os.WriteFile(certificate, []byte(stranger.CertificatePEM), 0o600))
		require.NoError(t, os.WriteFile(key, []byte(stranger.KeyPEM), 0o600))
		var stdout, stderr strings.Builder
		file := outputsFile(t, recording)
		exit := verify.Main([]string{"-stack", recording.Stack, "-outputs", file, "-connect-to", "127.0.0.1:" + strconv.Itoa(running.EdgePort),
			"-timeout", "2s", "-interval", "200ms", "-caller-certificate", certificate, "-caller-key", key}, &stdout, &stderr)
		assert.Equal(t, 1, exit, stdout.String()+stderr.String())
		assert.Contains(t, stdout.String(), "verify: presenting the caller certificate of "+certificate+" to the edge")
		assert.Contains(t, stderr.String(), `hop "`+string(verify.EdgeHop)+`"`)
		assert.Contains(t, stderr.String(), "refused the one the check presented")
		assert.Contains(t, stderr.String(), "(see docs/runbook.md#"+verify.SectionCallerCertificate+")")
	})
}

// forward relays connections from a loopback port to another until the test ends. It connects from the
// edge's source address, as the edge itself would: the gateway's ip-filter admits only that.
func forward(t *testing.T, from, to int) {
	listener, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(from))
	if err != nil {
		t.Errorf("forwarding from %d: %v", from, err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); listener.Close() })
	for ctx.Err() == nil {
		client, err := listener.Accept()
		if err != nil {
			return
		}
		go func() {
			defer client.Close()
			dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(rehearsal.EdgeSourceAddress)}}
			server, err := dialer.Dial("tcp", "127.0.0.1:"+strconv.Itoa(to))
			if err != nil {
				return
			}
			defer server.Close()
			var copying sync.WaitGroup
			copying.Add(2)
			go func() { defer copying.Done(); _, _ = io.Copy(server, client); closeWrite(server) }()
			go func() { defer copying.Done(); _, _ = io.Copy(client, server); closeWrite(client) }()
			copying.Wait()
		}()
	}
}

// closeWrite half-closes a TCP connection so the other side sees the end of the stream.
func closeWrite(connection net.Conn) {
	if tcp, ok := connection.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}

// TestVerifySectionsExistInTheRunbook checks every section a diagnosis names is a heading of the
// runbook.
func TestVerifySectionsExistInTheRunbook(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join(projectDir, verify.RunbookPath))
	require.NoError(t, err)
	anchors := headingAnchors(string(text))
	for _, section := range verify.Sections() {
		assert.True(t, anchors[section], "docs/runbook.md has no heading for #%s", section)
	}
}
