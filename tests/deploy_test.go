// The deploy orchestration: scripts/deploy.sh against stand-ins for pulumi, az, go and kubelogin
// (tests/testdata/standins) that record their calls: the order of the steps, the tunnel open during
// the in-cluster run and closed however the script ends, nothing against the cluster when the Azure
// layer failed, and the same steps on the first run and every later one.

package tests

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
)

// standInTools are the stand-ins deploy.sh finds on its PATH unless a case leaves one out.
var standInTools = []string{"pulumi", "az", "go", "kubelogin"}

// deploySetup is the workstation a case runs deploy.sh on.
type deploySetup struct {
	stack            string
	missing          []string          // stand-ins left off the PATH
	env              map[string]string // extra environment; {home} is the fake home
	unset            []string          // variables of the base environment left out
	signedOut        bool              // az account show fails
	extension        string            // the bastion extension's version; "" means 1.4.3, "none" not installed
	outputsBefore    map[string]string // stack outputs before the run (a later run)
	outputsAfterUp   map[string]string // stack outputs a successful update writes
	occupyTunnelPort bool              // something already listens on the tunnel port
}

// deployRun is what one run left behind.
type deployRun struct {
	home, stdout, stderr string
	exit                 int
	calls                []string
	tunnelPID            int
}

// requireDeployTools skips, in one line naming what is missing, when the machine lacks what the
// script and its stand-ins run (the tunnel stand-in is a Node.js HTTPS server with an OpenSSL
// certificate); in CI (CI set) it fails instead.
func requireDeployTools(t *testing.T) {
	t.Helper()
	requireInstalled(t, "deploy script tests", missingPrograms("bash", "node", "openssl", "curl"), "apt-get install -y bash nodejs openssl curl; .ci/run does")
}

// tunnelPorts serialises the runs that tunnel on one local port: the deploy tests run in parallel with
// the rest of the suite, and most of their cases use the script's default port.
var tunnelPorts sync.Map

// runDeploy runs scripts/deploy.sh <stack> --yes for setup and returns what happened.
func runDeploy(t *testing.T, setup deploySetup) deployRun {
	t.Helper()
	requireDeployTools(t)
	portLock, _ := tunnelPorts.LoadOrStore(tunnelPortOf(setup), &sync.Mutex{})
	portLock.(*sync.Mutex).Lock()
	defer portLock.(*sync.Mutex).Unlock()
	home := t.TempDir()
	bin, state := filepath.Join(home, "bin"), filepath.Join(home, "standin")
	for _, dir := range []string{bin, state, filepath.Join(state, "outputs"), filepath.Join(state, "outputs-after-up")} {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	for _, tool := range standInTools {
		if !slices.Contains(setup.missing, tool) {
			copyExecutable(t, filepath.Join(projectDir, "tests", "testdata", "standins", tool), filepath.Join(bin, tool))
		}
	}
	writeOutputs(t, filepath.Join(state, "outputs"), setup.outputsBefore)
	writeOutputs(t, filepath.Join(state, "outputs-after-up"), setup.outputsAfterUp)
	if !setup.signedOut {
		require.NoError(t, os.WriteFile(filepath.Join(state, "signed-in"), nil, 0o644))
	}
	switch setup.extension {
	case "":
		require.NoError(t, os.WriteFile(filepath.Join(state, "bastion-extension"), []byte("1.4.3\n"), 0o644))
	case "none":
	default:
		require.NoError(t, os.WriteFile(filepath.Join(state, "bastion-extension"), []byte(setup.extension+"\n"), 0o644))
	}
	node, _ := exec.LookPath("node")

	command := exec.Command("bash", filepath.Join(projectDir, "scripts", "deploy.sh"), setup.stack, "--yes")
	environment := map[string]string{"PATH": bin + ":" + filepath.Dir(node) + ":/usr/bin:/bin", "HOME": home, "STANDIN_STATE": state,
		"PULUMI_CONFIG_PASSPHRASE": "test"}
	for name, value := range setup.env {
		environment[name] = strings.ReplaceAll(value, "{home}", home)
	}
	for _, name := range setup.unset {
		delete(environment, name)
	}
	for name, value := range environment {
		command.Env = append(command.Env, name+"="+value)
	}
	if setup.occupyTunnelPort {
		listener, err := net.Listen("tcp", "127.0.0.1:"+tunnelPortOf(setup))
		require.NoError(t, err)
		defer listener.Close()
	}
	var stdout, stderr strings.Builder
	command.Stdout, command.Stderr = &stdout, &stderr
	err := command.Run()
	run := deployRun{home: home, stdout: stdout.String(), stderr: stderr.String()}
	var exitError *exec.ExitError
	if errors.As(err, &exitError) {
		run.exit = exitError.ExitCode()
	} else {
		require.NoError(t, err)
	}
	recorded, _ := os.ReadFile(filepath.Join(state, "calls"))
	for _, line := range strings.Split(strings.TrimSpace(string(recorded)), "\n") {
		if line != "" {
			run.calls = append(run.calls, strings.ReplaceAll(line, home, "{home}"))
		}
	}
	if pid, err := os.ReadFile(filepath.Join(state, "tunnel.pid")); err == nil {
		run.tunnelPID, _ = strconv.Atoi(strings.TrimSpace(string(pid)))
	}
	return run
}

// onOwnTunnelPort returns setup with a free local port of its own for the tunnel, and that port.
func onOwnTunnelPort(t *testing.T, setup deploySetup) (deploySetup, string) {
	t.Helper()
	free, err := rehearsal.FreePort()
	require.NoError(t, err)
	port := strconv.Itoa(free)
	setup.env = maps.Clone(setup.env)
	if setup.env == nil {
		setup.env = map[string]string{}
	}
	setup.env["APIPLATFORM_API_SERVER_TUNNEL_PORT"] = port
	return setup, port
}

// ownPort is onOwnTunnelPort without the port.
func ownPort(t *testing.T, setup deploySetup) deploySetup {
	t.Helper()
	setup, _ = onOwnTunnelPort(t, setup)
	return setup
}

// withPort fills the tunnel port into expected calls.
func withPort(calls []string, port string) []string {
	filled := make([]string, len(calls))
	for index, call := range calls {
		filled[index] = strings.ReplaceAll(call, "{port}", port)
	}
	return filled
}

// tunnelPortOf is the port the case's deploy.sh tunnels on.
func tunnelPortOf(setup deploySetup) string {
	if port := setup.env["APIPLATFORM_API_SERVER_TUNNEL_PORT"]; port != "" {
		return port
	}
	return harness.DeployTunnelPort
}

// copyExecutable copies a stand-in onto the fake PATH.
func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	source, err := os.Open(from)
	require.NoError(t, err)
	defer source.Close()
	target, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(target, source)
	require.NoError(t, err)
	require.NoError(t, target.Close())
}

// writeOutputs stores stack outputs the way the pulumi stand-in serves them: one file per output.
func writeOutputs(t *testing.T, dir string, outputs map[string]string) {
	t.Helper()
	for name, value := range outputs {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o644))
	}
}

// deployOutputs are the dev stack's real outputs after a run of the program as make deploy runs it.
func deployOutputs(t *testing.T) (map[string]string, string) {
	t.Helper()
	recording := runStack(t, "dev")
	outputs := map[string]string{}
	for _, name := range []string{"bastionResourceGroupName", "bastionName", "clusterId", "clusterPrivateFqdn", "inCluster"} {
		value, ok := recording.Outputs[name].Value.(string)
		require.True(t, ok, "output %s", name)
		outputs[name] = value
	}
	providers := recording.OfType("pulumi:providers:kubernetes")
	require.Len(t, providers, 1)
	return outputs, providers[0].URN
}

// expectedDeployCalls are the calls of a successful run of deploy.sh for dev tunnelling on port.
func expectedDeployCalls(outputs map[string]string, providerURN, port string) []string {
	const state = " [backend=file://{home}/.pulumi-local]"
	return []string{
		"pulumi version",
		"az account show",
		"az account get-access-token --resource https://management.azure.com/ --output none",
		"az extension show --name bastion --query version --output tsv",
		"pulumi stack select --create dev --secrets-provider passphrase" + state,
		"pulumi up --stack dev --exclude " + providerURN + " --exclude-dependents --yes [tunnel port=" + port + " excluded=true tunnel=closed]",
		"pulumi stack output --stack dev inCluster" + state,
		"pulumi stack output --stack dev bastionResourceGroupName" + state,
		"pulumi stack output --stack dev bastionName" + state,
		"pulumi stack output --stack dev clusterId" + state,
		"pulumi stack output --stack dev clusterPrivateFqdn" + state,
		fmt.Sprintf("az network bastion tunnel --name %s --resource-group %s --subscription %s --target-resource-id %s --resource-port 443 --port %s",
			outputs["bastionName"], outputs["bastionResourceGroupName"], harness.SubscriptionID, outputs["clusterId"], port),
		"pulumi up --stack dev --yes [tunnel port=" + port + " excluded= tunnel=listening]",
		"tunnel closed by SIGINT",
		"go run ./cmd/verify -stack dev [tunnel=closed]",
	}
}

// assertTunnelClosed checks the tunnel process is gone and nothing listens on its port.
func assertTunnelClosed(t *testing.T, run deployRun, port string) {
	t.Helper()
	require.NotZero(t, run.tunnelPID, "the tunnel was opened")
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(run.tunnelPID, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	assert.ErrorIs(t, syscall.Kill(run.tunnelPID, 0), syscall.ESRCH, "the tunnel process %d outlived deploy.sh", run.tunnelPID)
	connection, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
	if err == nil {
		connection.Close()
	}
	assert.Error(t, err, "nothing listens on localhost:%s after deploy.sh", port)
}

// TestDeployRunsTheAzureLayerThenTheClusterThroughTheTunnel checks the steps of a run, that a later
// run takes the same ones, and what happens when each step fails.
func TestDeployRunsTheAzureLayerThenTheClusterThroughTheTunnel(t *testing.T) {
	t.Parallel()
	outputs, providerURN := deployOutputs(t)
	// Each case tunnels on a port of its own ({port} below), so the cases run side by side; the first
	// run keeps the script's default.
	want := expectedDeployCalls(outputs, providerURN, "{port}")
	first := deploySetup{stack: "dev", outputsAfterUp: outputs}
	later := deploySetup{stack: "dev", outputsBefore: outputs, outputsAfterUp: outputs}
	withEnv := func(setup deploySetup, name, value string) deploySetup {
		setup.env = map[string]string{name: value}
		return setup
	}
	for _, tc := range []struct {
		name      string
		setup     deploySetup
		wantExit  int
		wantCalls []string
		stderr    string
		tunnel    bool
	}{
		{"first run", first, 0, want, "", true},
		{"a later run takes the same steps", later, 0, want, "", true},
		{"the Azure layer fails: nothing runs against the cluster", withEnv(first, "STANDIN_FAIL_UP", "1"), 255, want[:6], "error: update failed", false},
		{"the in-cluster run fails: the tunnel still closes, no verification", withEnv(later, "STANDIN_FAIL_UP", "2"), 255, want[:14],
			"deploy: the tunnel's output:\nOpening tunnel on port: {port}", true},
		{"the tunnel does not open: the in-cluster run never starts", withEnv(later, "STANDIN_TUNNEL_FAILS", "1"), 2, want[:12],
			"deploy: the Bastion tunnel ended before it listened (see its output below, and docs/runbook.md#the-bastion-tunnel-does-not-open)\n" +
				"deploy: the tunnel's output:\nERROR: (BastionHostNotFound)", false},
		{"Bastion refuses the session: the tunnel listens, but the in-cluster run never starts", withEnv(later, "STANDIN_TUNNEL_REFUSES_SESSIONS", "1"), 2,
			append(slices.Clone(want[:12]), "tunnel closed by SIGINT"), "does not reach the API server (Bastion refused the session: see its output below", true},
		{"verification fails: so does the deployment", withEnv(later, "STANDIN_VERIFY_EXIT", "1"), 1, want, "", true},
		{"an old bastion extension is upgraded first", deploySetup{stack: "dev", extension: "0.9.0", outputsAfterUp: outputs}, 0,
			append(append(slices.Clone(want[:4]), "az extension add --upgrade --name bastion --only-show-errors"), want[4:]...), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			setup, port := tc.setup, harness.DeployTunnelPort
			if tc.name != "first run" {
				setup, port = onOwnTunnelPort(t, setup)
			}
			run := runDeploy(t, setup)
			assert.Equal(t, tc.wantExit, run.exit, run.stderr)
			assert.Equal(t, withPort(tc.wantCalls, port), run.calls)
			assert.Contains(t, run.stderr, strings.ReplaceAll(tc.stderr, "{port}", port))
			if tc.tunnel {
				assertTunnelClosed(t, run, port)
				assert.Contains(t, run.stdout, "deploy: closed the tunnel on localhost:"+port)
			} else {
				assert.NotContains(t, strings.Join(run.calls, "\n"), "tunnel=listening")
			}
			assert.DirExists(t, filepath.Join(run.home, ".pulumi-local"), "the local state directory")
		})
	}
}

// TestDeployWithoutTheInClusterLayer checks a stack that leaves the cluster to another tool: no tunnel,
// no second run, and still the verification.
func TestDeployWithoutTheInClusterLayer(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev", harness.Set("kubernetes.deployInCluster", false))
	inCluster, _ := recording.Outputs["inCluster"].Value.(string)
	run := runDeploy(t, deploySetup{stack: "dev", outputsAfterUp: map[string]string{"inCluster": inCluster}})
	require.Equal(t, 0, run.exit, run.stderr)
	assert.Equal(t, "go run ./cmd/verify -stack dev [tunnel=closed]", run.calls[len(run.calls)-1])
	assert.Equal(t, 1, strings.Count(strings.Join(run.calls, "\n"), "pulumi up "), "one run of pulumi up")
	assert.NotContains(t, strings.Join(run.calls, "\n"), "bastion tunnel")
	assert.Contains(t, run.stdout, "deploy: 2/3 skipped: kubernetes.deployInCluster is false")
}

// TestDeployChecksItsPrerequisitesFirst checks every prerequisite: a missing one stops the script with
// a message saying what to do, before any pulumi command that touches state.
func TestDeployChecksItsPrerequisitesFirst(t *testing.T) {
	t.Parallel()
	busy, err := rehearsal.FreePort()
	require.NoError(t, err)
	outputs, _ := deployOutputs(t)
	for _, tc := range []struct {
		name   string
		setup  deploySetup
		stderr string
	}{
		{"unknown stack", deploySetup{stack: "qa"}, "no stack file Pulumi.qa.yaml; stacks here: dev prod"},
		{"no Pulumi CLI", deploySetup{stack: "dev", missing: []string{"pulumi"}}, "the Pulumi CLI is not installed"},
		{"a Pulumi CLI without --exclude", deploySetup{stack: "dev", env: map[string]string{"STANDIN_PULUMI_VERSION": "3.150.0"}},
			"the Pulumi CLI is 3.150.0; 3.188.0 or newer is needed (pulumi up --exclude)"},
		{"no Go", deploySetup{stack: "dev", missing: []string{"go"}}, "Go is not installed"},
		{"no passphrase", deploySetup{stack: "dev", unset: []string{"PULUMI_CONFIG_PASSPHRASE"}}, "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)"},
		{"no Azure CLI", deploySetup{stack: "dev", missing: []string{"az"}}, "the Azure CLI is not installed (it opens the Bastion tunnel to the private API server)"},
		{"Azure CLI signed out, even with a service principal for the provider", deploySetup{stack: "dev", signedOut: true,
			env: map[string]string{"ARM_SUBSCRIPTION_ID": "s", "ARM_CLIENT_ID": "c"}}, "sign in to Azure first: 'az login'"},
		{"Azure CLI signed in, but its refresh token expired", deploySetup{stack: "dev", env: map[string]string{"STANDIN_TOKEN_EXPIRED": "1"}},
			"the Azure CLI is signed in but cannot get a token for Azure Resource Manager (ERROR: AADSTS700082: The refresh token has expired due to inactivity.): run 'az login' again"},
		{"no kubelogin, and az aks install-cli cannot install it", deploySetup{stack: "dev", missing: []string{"kubelogin"}, env: map[string]string{"STANDIN_INSTALL_CLI_FAILS": "1"}},
			"kubelogin is not installed and 'az aks install-cli' could not install it"},
		{"the tunnel port is taken", deploySetup{stack: "dev", occupyTunnelPort: true, env: map[string]string{"APIPLATFORM_API_SERVER_TUNNEL_PORT": strconv.Itoa(busy)}},
			fmt.Sprintf("localhost:%d is in use; the Bastion tunnel needs it: stop what listens there or set APIPLATFORM_API_SERVER_TUNNEL_PORT", busy)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := runDeploy(t, tc.setup)
			assert.Equal(t, 2, run.exit, run.stderr)
			assert.Contains(t, run.stderr, "deploy: "+tc.stderr)
			for _, call := range run.calls {
				assert.Regexp(t, regexp.MustCompile(`^(pulumi version|az account show|az account get-access-token .*|az extension show --name bastion --query version --output tsv|az aks install-cli .*)$`), call,
					"only checks and installs for this user ran")
			}
		})
	}
	t.Run("adds the bastion extension the tunnel needs", func(t *testing.T) {
		t.Parallel()
		run := runDeploy(t, ownPort(t, deploySetup{stack: "dev", extension: "none", outputsAfterUp: outputs}))
		require.Equal(t, 0, run.exit, run.stderr)
		assert.Equal(t, "az extension add --upgrade --name bastion --only-show-errors", run.calls[4])
	})
	t.Run("installs kubelogin for the user when it is missing", func(t *testing.T) {
		t.Parallel()
		run := runDeploy(t, ownPort(t, deploySetup{stack: "dev", missing: []string{"kubelogin"}, outputsAfterUp: outputs}))
		require.Equal(t, 0, run.exit, run.stderr)
		tools := "{home}/.local/share/apiplatform/bin"
		assert.Equal(t, "az aks install-cli --install-location "+tools+"/kubectl --kubelogin-install-location "+tools+"/kubelogin --only-show-errors", run.calls[3])
		assert.FileExists(t, filepath.Join(run.home, ".local", "share", "apiplatform", "bin", "kubelogin"))
	})
	t.Run("keeps a backend the user chose", func(t *testing.T) {
		t.Parallel()
		run := runDeploy(t, ownPort(t, deploySetup{stack: "dev", outputsAfterUp: outputs, env: map[string]string{"PULUMI_BACKEND_URL": "file://{home}/team-state"}}))
		require.Equal(t, 0, run.exit, run.stderr)
		assert.Contains(t, run.calls, "pulumi stack select --create dev --secrets-provider passphrase [backend=file://{home}/team-state]")
		assert.DirExists(t, filepath.Join(run.home, "team-state"))
	})
}

// TestDeployScriptDefaults checks the script's default tunnel port is the one the program's tests
// assume (harness.DeploySurroundings).
func TestDeployScriptDefaults(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile(filepath.Join(projectDir, "scripts", "deploy.sh"))
	require.NoError(t, err)
	assert.Contains(t, string(script), `tunnel_port="${APIPLATFORM_API_SERVER_TUNNEL_PORT:-`+harness.DeployTunnelPort+`}"`)
}
