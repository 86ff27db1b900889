// Shared test helpers: one way to load config, one way to run a stack, one way to find a problem.

package tests

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// projectDir is the repository root, where Pulumi.yaml and the stack files live.
const projectDir = ".."

// stackNames are the stack files every stack-level test runs against.
var stackNames = []string{"dev", "prod"}

// Bring-your-own private endpoint targets used by tests: a Cosmos DB account and a storage account in
// another resource group.
const (
	cosmosAccountID  = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data-rg/providers/Microsoft.DocumentDB/databaseAccounts/orders"
	storageAccountID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/data-rg/providers/Microsoft.Storage/storageAccounts/ordersfiles"
)

// sqlAdministratorGroupID is the Entra group that administers the SQL server in tests.
const sqlAdministratorGroupID = "3f2b8a1e-6c4d-4e9f-8a7b-1c2d3e4f5a6b"

// Microsoft Entra applications of the token validation tests: the API registration and a client.
const (
	entraAPIClientID = "5f0c8f9e-1a2b-4c3d-8e4f-a1b2c3d4e5f6"
	entraClientID    = "9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a"
)

// entraValidation turns on Microsoft Entra token validation for the sample API.
var entraValidation = []harness.Edit{
	harness.Set("apiManagement.entraTenantId", "contoso.onmicrosoft.com"),
	harness.Set("apiManagement.entraAudience", "api://"+entraAPIClientID),
	harness.Set("apiManagement.entraClientApplicationIds", []any{entraClientID}),
}

// everyFeature switches on every optional feature: the in-cluster layer, Entra token validation, SQL,
// two bring-your-own private endpoints, caller mutual TLS with a brought CA, and the whole perimeter
// (the prod file has it already; dev has none of it). Clipped, so a test appending to it gets its own
// copy even when tests run in parallel.
var everyFeature = slices.Clip(append(slices.Clone(entraValidation), []harness.Edit{
	harness.Set("kubernetes.deployInCluster", true),
	harness.Set("sql.enabled", true),
	harness.Set("sql.administratorGroupName", "sql-admins"),
	harness.Set("sql.administratorGroupObjectId", sqlAdministratorGroupID),
	harness.Set("privateEndpoints.orders.resourceId", cosmosAccountID),
	harness.Set("privateEndpoints.orders.groupId", "Sql"),
	harness.Set("privateEndpoints.files.resourceId", storageAccountID),
	harness.Set("privateEndpoints.files.groupId", "blob"),
	harness.Set("perimeter.egress", "firewall"),
	harness.Set("perimeter.bastionEnabled", true),
	harness.Set("perimeter.jumpboxEnabled", true),
	harness.Set("applicationGateway.mutualTls", "required"),
	harness.Set("applicationGateway.callerCaCertificatePem", partnersCAPEM),
	harness.Set("network.hubVirtualNetworkId", hubNetworkID),
	harness.Set("network.hubPeeringWritable", true),
}...))

// hubNetworkID is a hub network in another subscription, as a landing zone's connectivity
// subscription holds it.
const hubNetworkID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/hub-rg/providers/Microsoft.Network/virtualNetworks/hub-vnet"

// partnersCAPEM is a callers' CA as an organisation brings it: a CA certificate only (its key was
// thrown away when it was made with openssl req -x509).
const partnersCAPEM = `-----BEGIN CERTIFICATE-----
MIIB2DCCAX2gAwIBAgIUO/RHbIcjNOVpaxb+JJUtXRLMw6IwCgYIKoZIzj0EAwIw
OTEZMBcGA1UECgwQQ29udG9zbyBwYXJ0bmVyczEcMBoGA1UEAwwTQ29udG9zbyBw
YXJ0bmVycyBDQTAeFw0yNjEyMDExNTExMzBaFw00NjExMjYxNTExMzBaMDkxGTAX
BgNVBAoMEENvbnRvc28gcGFydG5lcnMxHDAaBgNVBAMME0NvbnRvc28gcGFydG5l
cnMgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATB8XXUdHdF/vOeG/fSo1k3
ex5/d6/fJa3n+0OuCPBWT3GvNwrpOghYhFjx6WY3KkSZIoM+dnwDMgCtr52gvjtI
o2MwYTAdBgNVHQ4EFgQUTJ+DWZP/o8KvyRUkP2bxmnby7PMwHwYDVR0jBBgwFoAU
TJ+DWZP/o8KvyRUkP2bxmnby7PMwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E
BAMCAQYwCgYIKoZIzj0EAwIDSQAwRgIhAJwYunihmcJ/4GoqGwxydBqqpn4AHdO4
vhJBSXCXkUiGAiEA5VN9RQ+vupNW35xCTiclDAB7dxrHe2Y6miTdyG5KgEM=
-----END CERTIFICATE-----
`

// stackVariant is a stack file with configuration edits, for tests that cover every shape of stack.
type stackVariant struct {
	name  string
	stack string
	edits []harness.Edit
	// zone is the landing zone the variant deploys into (nil: none).
	zone *harness.LandingZone
}

// runVariant runs a variant in make deploy's surroundings, in its landing zone.
func runVariant(t *testing.T, variant stackVariant) *harness.Recording {
	t.Helper()
	surroundings := harness.DeploySurroundings()
	surroundings.LandingZone = variant.zone
	return runStackIn(t, variant.stack, surroundings, variant.edits...)
}

// publicListenerSecretID is a publicly trusted listener certificate brought in Key Vault, which Front
// Door requires of its origin.
const publicListenerSecretID = "https://contoso-certs.vault.azure.net/secrets/api-contoso-example"

// frontDoorOrigin is the name Front Door calls the gateway by in tests.
const frontDoorOrigin = "origin-api.contoso.example"

// edgeAndData switches on the options that exclude caller mutual TLS: Front Door in front of the gateway
// (with the public listener certificate it requires) and the Cosmos DB account, with the in-cluster
// layer; prod onboards Sentinel by default.
var edgeAndData = append([]harness.Edit{
	harness.Set("kubernetes.deployInCluster", true),
	harness.Set("cosmosDb.enabled", true),
}, frontDoorInFront...)

// frontDoorInFront puts Front Door in front of the gateway, with the public listener it requires.
var frontDoorInFront = []harness.Edit{
	harness.Set("frontDoor.enabled", true),
	harness.Set("frontDoor.originHostName", frontDoorOrigin),
	harness.Set("certificates.listenerKeyVaultSecretId", publicListenerSecretID),
}

// featureVariants are both stack files, prod with every optional feature, and prod with Front Door,
// Cosmos DB and Sentinel.
var featureVariants = []stackVariant{
	{"dev", "dev", nil, nil},
	{"prod", "prod", nil, nil},
	{"prod with every feature", "prod", everyFeature, nil},
	{"prod with front door and cosmos db", "prod", edgeAndData, nil},
	{"prod in a landing zone", "prod", intoSpoke("prod"), harness.SpokeLandingZone()},
}

// requireInstalled skips, in one line naming what is missing and how to install it, when the machine
// lacks what a test runs; in CI (CI set) it fails instead, so CI never skips a test silently.
func requireInstalled(t testing.TB, tests string, missing []string, install string) {
	t.Helper()
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: CI must install %s (see .ci/run)", tests, strings.Join(missing, ", "))
	}
	t.Skipf("%s skipped: missing %s (%s)", tests, strings.Join(missing, ", "), install)
}

// missingPrograms lists the programs not on the PATH.
func missingPrograms(programs ...string) []string {
	var missing []string
	for _, program := range programs {
		if _, err := exec.LookPath(program); err != nil {
			missing = append(missing, program)
		}
	}
	return missing
}

// runStack runs the real program for a stack file (with edits) and requires success.
func runStack(t *testing.T, stack string, edits ...harness.Edit) *harness.Recording {
	t.Helper()
	recording, err := harness.RunStack(projectDir, stack, edits...)
	require.NoError(t, err, "stack %s must run to completion under mocks", stack)
	return recording
}

// runStackIn is runStack in other surroundings (e.g. an agent inside the network).
func runStackIn(t *testing.T, stack string, surroundings harness.Surroundings, edits ...harness.Edit) *harness.Recording {
	t.Helper()
	recording, err := harness.RunStackIn(projectDir, stack, surroundings, edits...)
	require.NoError(t, err, "stack %s must run to completion under mocks", stack)
	return recording
}

// loadConfig loads and validates a stack's configuration the way the program does, without running it.
func loadConfig(t *testing.T, stack string, edits ...harness.Edit) (*config.Config, error) {
	t.Helper()
	project, raw, err := harness.LoadStackConfig(projectDir, stack, edits...)
	require.NoError(t, err, "the CLI-equivalent config load must succeed")
	return config.Load(project, stack, raw)
}

// mustLoadConfig loads a stack's configuration and requires it to be valid.
func mustLoadConfig(t *testing.T, stack string, edits ...harness.Edit) *config.Config {
	t.Helper()
	cfg, err := loadConfig(t, stack, edits...)
	require.NoError(t, err)
	return cfg
}

// problemsOf returns the config problems inside err, failing the test if err is not a *config.Problems.
func problemsOf(t *testing.T, err error) []config.Problem {
	t.Helper()
	var problems *config.Problems
	require.True(t, errors.As(err, &problems), "want *config.Problems, got %v", err)
	return problems.List
}

// findProblem returns the problem for key whose message contains text, or fails listing what was found.
func findProblem(t *testing.T, problems []config.Problem, key, text string) config.Problem {
	t.Helper()
	for _, problem := range problems {
		if problem.Key == key && strings.Contains(problem.Message, text) {
			return problem
		}
	}
	var found []string
	for _, problem := range problems {
		found = append(found, problem.String())
	}
	require.Failf(t, "problem not reported", "want %s with %q; got:\n%s", key, text, strings.Join(found, "\n"))
	return config.Problem{}
}

// key is the full config key of a setting path in this project; a key with a namespace is already full.
func key(path string) string {
	if strings.Contains(path, ":") {
		return path // already a full key, in another namespace
	}
	return "apiplatform:" + path
}

// single returns the one resource of list that matches, failing the test unless exactly one does.
func single(t *testing.T, list []*harness.Resource, what string, match func(*harness.Resource) bool) *harness.Resource {
	t.Helper()
	var found []*harness.Resource
	for _, res := range list {
		if match(res) {
			found = append(found, res)
		}
	}
	require.Len(t, found, 1, "exactly one %s", what)
	return found[0]
}

// readFile returns a file's text, failing the test when it cannot be read.
func readFile(t *testing.T, path string) string {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(text)
}

// exitCode is the exit status of a command that ran: 0 without an error, its code when it exited with
// one; any other error (it did not start) fails the test.
func exitCode(t *testing.T, err error, output []byte) int {
	t.Helper()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	require.NoError(t, err, string(output))
	return 0
}
