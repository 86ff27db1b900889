// Pulumi Deployments settings: the deployments program under the same mocks as the platform program.

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/deployments/settings"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// deploymentsDir is the deployments program's folder.
const deploymentsDir = "../deployments"

// runDeployments runs the deployments program for its stack file with edits.
func runDeployments(t *testing.T, edits ...harness.Edit) (*harness.Recording, error) {
	t.Helper()
	project, config, err := harness.LoadStackConfig(deploymentsDir, "settings", edits...)
	require.NoError(t, err)
	return harness.Run(settings.Program, project, "settings", config)
}

// TestDeploymentSettings checks each stack's settings: git source, OIDC to Azure with no secret,
// pre-run tests and review, automatic deployment for dev only, the agent pool (with kubelogin's
// workload identity) for both, and the policy group enforcing this repository's policy pack version.
func TestDeploymentSettings(t *testing.T) {
	t.Parallel()
	recording, err := runDeployments(t)
	require.NoError(t, err)

	pools := recording.OfType("pulumiservice:index:AgentPool")
	require.Len(t, pools, 1)
	assert.Contains(t, pools[0].AdditionalSecretOutputs, "tokenValue", "the agent token is a secret")

	all := recording.OfType("pulumiservice:index:DeploymentSettings")
	require.Len(t, all, 2)
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			deployment := recording.Find("pulumiservice:index:DeploymentSettings", stack+"-deployment-settings")
			require.NotNil(t, deployment)
			for path, want := range map[string]any{
				"organization":                               "contoso",
				"project":                                    "apiplatform",
				"stack":                                      stack,
				"sourceContext.git.repoUrl":                  "https://github.com/contoso/azure-api-platform.git",
				"sourceContext.git.branch":                   "refs/heads/main",
				"sourceContext.git.repoDir":                  ".",
				"github.repository":                          "contoso/azure-api-platform",
				"github.deployCommits":                       stack == "dev",
				"github.previewPullRequests":                 true,
				"operationContext.oidc.azure.clientId":       "00000000-0000-0000-0000-000000000001",
				"operationContext.oidc.azure.tenantId":       "00000000-0000-0000-0000-000000000000",
				"operationContext.oidc.azure.subscriptionId": "00000000-0000-0000-0000-000000000002",
				"operationContext.preRunCommands":            []any{"env -u CI make test", "make review STACK=" + stack},
			} {
				assert.Equal(t, want, deployment.Input(path), path)
			}
			assert.True(t, deployment.DependsOn(pools[0]), "%s runs on the agent pool, which reaches the private API server", stack)
			assert.NotEmpty(t, deployment.InputString("agentPoolId"))
			assert.Equal(t, map[string]any{
				"AAD_LOGIN_METHOD":           "workloadidentity",
				"AZURE_CLIENT_ID":            "00000000-0000-0000-0000-000000000001",
				"AZURE_TENANT_ID":            "00000000-0000-0000-0000-000000000000",
				"AZURE_FEDERATED_TOKEN_FILE": "/mnt/pulumi/pulumi.oidc",
				"AZURE_AUTHORITY_HOST":       "https://login.microsoftonline.com/",
			}, deployment.Input("operationContext.environmentVariables"), "kubelogin exchanges the deployment's OIDC token: identifiers only, no stored secret")
			assert.False(t, deployment.IsSecretInput("operationContext.environmentVariables"))
		})
	}

	groups := recording.OfType("pulumiservice:index:PolicyGroup")
	require.Len(t, groups, 1)
	assert.Equal(t, "preventative", groups[0].InputString("mode"))
	assert.Equal(t, pack.Name, groups[0].InputString("policyPacks[0].name"), "the published name of policy/")
	assert.Equal(t, pack.Version.String(), groups[0].InputString("policyPacks[0].versionTag"), "the default version is the pack's")
	assert.Len(t, groups[0].Input("stacks"), 2)

	for _, res := range recording.Resources {
		if res.Custom && !strings.HasPrefix(res.Type, "pulumi:providers:") {
			assert.Equal(t, "pulumi:providers:pulumiservice", recording.ByURN(res.ProviderURN()).Type, "%s uses the explicit provider", res.Name)
		}
	}
}

// TestFederatedCredentials checks the subjects the deploying identity must trust: one per stack and
// operation, in the format Pulumi Cloud's tokens carry, with names Azure accepts.
func TestFederatedCredentials(t *testing.T) {
	t.Parallel()
	credentials := settings.FederatedCredentials("contoso", []string{"dev", "prod"})
	require.Len(t, credentials, 8, "2 stacks x preview, update, refresh, destroy")
	assert.Equal(t, settings.FederatedCredential{Name: "pulumi-dev-preview",
		Subject: "pulumi:deploy:org:contoso:project:apiplatform:stack:dev:operation:preview:scope:write"}, credentials[0])
	assert.Equal(t, "pulumi:deploy:org:contoso:project:apiplatform:stack:prod:operation:destroy:scope:write", credentials[7].Subject)
	names := map[string]bool{}
	for _, credential := range credentials {
		// Federated credential names: 3-120 characters, letters, digits, hyphens and underscores.
		assert.Regexp(t, `^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$`, credential.Name)
		assert.False(t, names[credential.Name], "unique name %s", credential.Name)
		names[credential.Name] = true
	}
	assert.Equal(t, "https://api.pulumi.com/oidc", settings.OIDCIssuer)
}

// TestDeploymentPreRunCommandsExist checks the pre-run commands are make targets of this repository.
func TestDeploymentPreRunCommandsExist(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed; the pre-run commands use it")
	}
	for _, command := range settings.PreRunCommands("prod") {
		arguments := strings.Fields(strings.TrimPrefix(command, "env -u CI "))
		require.Equal(t, "make", arguments[0])
		output, err := exec.Command("make", append([]string{"-n", "-C", projectDir}, arguments[1:]...)...).CombinedOutput()
		assert.NoError(t, err, "%s: %s", command, output)
	}
}

// TestDeploymentsBadInput checks every configuration problem is reported at once and nothing is created.
func TestDeploymentsBadInput(t *testing.T) {
	t.Parallel()
	recording, err := runDeployments(t,
		harness.Set("azure.clientId", "my-app"),
		harness.Set("repository", "azure-api-platform"),
		harness.Set("autoDeployStacks", []any{"qa"}),
		harness.Set("policyPackVersion", "latest"),
	)
	require.Error(t, err)
	for _, want := range []string{
		`apiplatform-deployments:azure.clientId = "my-app": must be a GUID`,
		`apiplatform-deployments:repository = "azure-api-platform": must be a GitHub repository as owner/name`,
		`apiplatform-deployments:autoDeployStacks = "qa": is not one of stacks (dev, prod)`,
		`apiplatform-deployments:policyPackVersion = "latest": must be a version such as 1.0.0`,
		"4 configuration problem(s)",
	} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Empty(t, recording.Resources, "nothing is created")
}

// TestDeployingIdentityRolesMatchTheProgram checks README's least-privilege list: the roles the
// deploying identity may assign (the condition on Role Based Access Control Administrator, for writes
// and deletes) are exactly the built-in roles the program assigns, with every optional feature on.
func TestDeployingIdentityRolesMatchTheProgram(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	listed := regexp.MustCompile(`(?m)^roles="([^"]+)"$`).FindSubmatch(readme)
	require.NotNil(t, listed, "README lists the roles as roles=\"...\"")
	var documented []string
	for _, role := range strings.Split(string(listed[1]), ",") {
		documented = append(documented, strings.TrimSpace(role))
	}
	slices.Sort(documented)
	assert.Equal(t, 2, strings.Count(string(readme), "ForAnyOfAnyValues:GuidEquals {$roles}"), "the condition constrains writes and deletes")

	var assigned []string
	for _, variant := range featureVariants {
		recording := runVariant(t, variant)
		for _, assignment := range recording.OfType("azure-native:authorization:RoleAssignment") {
			definition := assignment.InputString("roleDefinitionId")
			role := definition[strings.LastIndex(definition, "/")+1:]
			if !slices.Contains(assigned, role) {
				assigned = append(assigned, role)
			}
		}
	}
	slices.Sort(assigned)
	assert.Equal(t, assigned, documented)
}

// TestExampleAzureIdentifiersArePlaceholders checks the example settings name no real Microsoft Entra
// tenant, application or subscription: a copied real tenant ID is someone else's directory, and a user
// who forgets to replace it federates with a stranger. Every Azure GUID of the example is a
// placeholder of zeros, so it cannot be mistaken for a real one.
func TestExampleAzureIdentifiersArePlaceholders(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile(filepath.Join(deploymentsDir, "Pulumi.settings.yaml"))
	require.NoError(t, err)
	guids := regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`).FindAllString(string(text), -1)
	require.Len(t, guids, 3, "clientId, tenantId and subscriptionId")
	placeholder := regexp.MustCompile(`^00000000-0000-0000-0000-0000000000[0-9a-f]{2}$`)
	for _, guid := range guids {
		assert.Regexp(t, placeholder, guid, "example GUIDs are zeros, not a real directory or subscription")
	}
}
