// Package settings is the Pulumi Deployments configuration of the apiplatform stacks as code: a small
// program of its own (../Pulumi.yaml) using the Pulumi Service provider, because the repository-file
// format (Pulumi.<stack>.deploy.yaml) was removed from the CLI in v3.251.0.
package settings

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-pulumiservice/sdk/go/pulumiservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Project is the Pulumi project the settings are for.
const Project = "apiplatform"

// PolicyPack is the published name of the repository's policy pack (policy/pack.Name).
const PolicyPack = "apiplatform-security"

// OIDCIssuer is Pulumi Cloud's OIDC issuer; the deploying identity's federated credentials trust it,
// with the organization name as audience
// (https://www.pulumi.com/docs/pulumi-cloud/deployments/oidc/azure/).
const OIDCIssuer = "https://api.pulumi.com/oidc"

// Operations are the deployment operations that request an Azure token. Azure matches a federated
// credential's subject exactly (no wildcards), so each stack needs one credential per operation.
var Operations = []string{"preview", "update", "refresh", "destroy"}

// FederatedCredential is one federated identity credential the deploying identity needs.
type FederatedCredential struct {
	// Name is the credential's name on the identity.
	Name string `json:"name"`
	// Subject is the token subject Pulumi Cloud presents for one stack and operation.
	Subject string `json:"subject"`
}

// FederatedCredentials lists the credentials for every stack and operation, in a stable order.
func FederatedCredentials(organization string, stacks []string) []FederatedCredential {
	var credentials []FederatedCredential
	for _, stack := range stacks {
		for _, operation := range Operations {
			credentials = append(credentials, FederatedCredential{
				Name:    "pulumi-" + stack + "-" + operation,
				Subject: fmt.Sprintf("pulumi:deploy:org:%s:project:%s:stack:%s:operation:%s:scope:write", organization, Project, stack, operation),
			})
		}
	}
	return credentials
}

// Azure is the OIDC federation to Azure: no client secret is stored anywhere.
type Azure struct {
	// ClientID is the Entra application (or user-assigned identity) with a federated credential for
	// Pulumi Cloud's OIDC issuer.
	ClientID string `json:"clientId"`
	// TenantID and SubscriptionID are where the stacks deploy.
	TenantID string `json:"tenantId"`
	// SubscriptionID is the target subscription.
	SubscriptionID string `json:"subscriptionId"`
}

// Config is the deployments program's configuration.
type Config struct {
	// Organization owns the stacks.
	Organization string
	// Repository is the GitHub repository, owner/name.
	Repository string
	// Branch is deployed from.
	Branch string
	// Azure is the OIDC federation.
	Azure Azure
	// Stacks get deployment settings.
	Stacks []string
	// AutoDeployStacks deploy on every push.
	AutoDeployStacks []string
	// AgentPoolStacks run on the agent pool inside the virtual network.
	AgentPoolStacks []string
	// PolicyPackVersion is the policy pack version the policy group enforces.
	PolicyPackVersion string
}

var (
	guidPattern       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$`)
	namePattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	versionPattern    = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// Load reads and validates the configuration, reporting every problem at once.
func Load(ctx *pulumi.Context) (*Config, error) {
	values := config.New(ctx, "")
	cfg := &Config{
		Organization:      values.Get("organization"),
		Repository:        values.Get("repository"),
		Branch:            values.Get("branch"),
		PolicyPackVersion: values.Get("policyPackVersion"),
	}
	var problems []string
	add := func(key, value, message string) {
		problems = append(problems, fmt.Sprintf("%s:%s = %q: %s", ctx.Project(), key, value, message))
	}
	if err := values.TryObject("azure", &cfg.Azure); err != nil && !strings.Contains(err.Error(), "missing") {
		add("azure", values.Get("azure"), "must be an object with clientId, tenantId and subscriptionId")
	}
	for _, list := range []struct {
		key    string
		target *[]string
	}{{"stacks", &cfg.Stacks}, {"autoDeployStacks", &cfg.AutoDeployStacks}, {"agentPoolStacks", &cfg.AgentPoolStacks}} {
		if err := values.TryObject(list.key, list.target); err != nil {
			add(list.key, values.Get(list.key), "must be a list of stack names")
		}
	}

	if !namePattern.MatchString(cfg.Organization) {
		add("organization", cfg.Organization, "is required: the Pulumi Cloud organization name")
	}
	if !repositoryPattern.MatchString(cfg.Repository) {
		add("repository", cfg.Repository, "must be a GitHub repository as owner/name")
	}
	if !namePattern.MatchString(cfg.Branch) {
		add("branch", cfg.Branch, "must be a branch name")
	}
	for key, value := range map[string]string{"azure.clientId": cfg.Azure.ClientID, "azure.tenantId": cfg.Azure.TenantID, "azure.subscriptionId": cfg.Azure.SubscriptionID} {
		if !guidPattern.MatchString(value) {
			add(key, value, "must be a GUID")
		}
	}
	if len(cfg.Stacks) == 0 {
		add("stacks", strings.Join(cfg.Stacks, ","), "must name at least one stack")
	}
	for _, subset := range []struct {
		key    string
		stacks []string
	}{{"autoDeployStacks", cfg.AutoDeployStacks}, {"agentPoolStacks", cfg.AgentPoolStacks}} {
		for _, stack := range subset.stacks {
			if !slices.Contains(cfg.Stacks, stack) {
				add(subset.key, stack, "is not one of stacks ("+strings.Join(cfg.Stacks, ", ")+")")
			}
		}
	}
	if !versionPattern.MatchString(cfg.PolicyPackVersion) {
		add("policyPackVersion", cfg.PolicyPackVersion, "must be a version such as 1.0.0")
	}
	slices.Sort(problems)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d configuration problem(s) (nothing was deployed):\n  - %s", len(problems), strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

// PreRunCommands are what Deployments runs before each operation: every test (the rehearsal skips
// without nginx; CI is unset so it skips rather than fails) and the offline review of the stack, so a
// change that breaks the security line or the deploy-time target never reaches Azure.
func PreRunCommands(stack string) []string {
	return []string{"env -u CI make test", "make review STACK=" + stack}
}

// OIDCTokenFile is where a deployment finds its Pulumi Cloud OIDC token
// (https://www.pulumi.com/docs/deployments/guides/oidc/azure/: "the /mnt/pulumi/pulumi.oidc file").
const OIDCTokenFile = "/mnt/pulumi/pulumi.oidc"

// KubeloginEnvironment is the environment of the stacks that run on the agent pool: kubelogin signs the
// Kubernetes provider in with workload identity, exchanging the deployment's own OIDC token (the
// identity's federated credentials already trust Pulumi Cloud's issuer). AAD_LOGIN_METHOD overrides
// the login method the stack's kubeconfig names (kubelogin reads it after its flags). Identifiers and
// a file path only: no secret.
func KubeloginEnvironment(azure Azure) map[string]string {
	return map[string]string{
		"AAD_LOGIN_METHOD":           "workloadidentity",
		"AZURE_CLIENT_ID":            azure.ClientID,
		"AZURE_TENANT_ID":            azure.TenantID,
		"AZURE_FEDERATED_TOKEN_FILE": OIDCTokenFile,
		"AZURE_AUTHORITY_HOST":       "https://login.microsoftonline.com/",
	}
}

// Program creates the agent pool, one DeploymentSettings per stack and the policy group.
func Program(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	provider, err := pulumiservice.NewProvider(ctx, "pulumiservice", &pulumiservice.ProviderArgs{})
	if err != nil {
		return fmt.Errorf("creating the Pulumi Service provider: %w", err)
	}
	withProvider := pulumi.Provider(provider)

	var pool *pulumiservice.AgentPool
	if len(cfg.AgentPoolStacks) > 0 {
		pool, err = pulumiservice.NewAgentPool(ctx, "apiplatform-vnet", &pulumiservice.AgentPoolArgs{
			OrganizationName: pulumi.String(cfg.Organization),
			Name:             pulumi.String("apiplatform-vnet"),
			Description:      pulumi.String("Agents inside the platform's virtual network: line of sight to the private AKS API server"),
		}, withProvider, pulumi.AdditionalSecretOutputs([]string{"tokenValue"}))
		if err != nil {
			return fmt.Errorf("creating agent pool: %w", err)
		}
		ctx.Export("agentPoolToken", pulumi.ToSecret(pool.TokenValue))
	}

	// What the Azure side of the federation needs (README, Team workflow): issuer, audience and one
	// credential per stack and operation.
	credentials := pulumi.MapArray{}
	for _, credential := range FederatedCredentials(cfg.Organization, cfg.Stacks) {
		credentials = append(credentials, pulumi.Map{"name": pulumi.String(credential.Name), "subject": pulumi.String(credential.Subject)})
	}
	ctx.Export("oidcIssuer", pulumi.String(OIDCIssuer))
	ctx.Export("oidcAudience", pulumi.String(cfg.Organization))
	ctx.Export("federatedCredentials", credentials)

	var stackReferences pulumiservice.PolicyGroupStackReferenceArray
	for _, stack := range cfg.Stacks {
		settings := stackSettings(cfg, stack, pool)
		if _, err := pulumiservice.NewDeploymentSettings(ctx, stack+"-deployment-settings", settings, withProvider); err != nil {
			return fmt.Errorf("creating deployment settings of %s: %w", stack, err)
		}
		stackReferences = append(stackReferences, &pulumiservice.PolicyGroupStackReferenceArgs{
			Name: pulumi.String(stack), RoutingProject: pulumi.String(Project),
		})
	}

	// A preventative policy group makes every preview and update of these stacks, Deployments or
	// not, run the published policy pack and stop on a mandatory violation.
	if _, err := pulumiservice.NewPolicyGroup(ctx, "apiplatform-policy-group", &pulumiservice.PolicyGroupArgs{
		OrganizationName: pulumi.String(cfg.Organization),
		Name:             pulumi.String(Project),
		Mode:             pulumi.String("preventative"),
		Stacks:           stackReferences,
		PolicyPacks: pulumiservice.PolicyGroupPolicyPackReferenceInputTypeArray{&pulumiservice.PolicyGroupPolicyPackReferenceInputTypeArgs{
			Name: pulumi.String(PolicyPack), VersionTag: pulumi.String(cfg.PolicyPackVersion),
		}},
	}, withProvider); err != nil {
		return fmt.Errorf("creating policy group: %w", err)
	}
	return nil
}

// stackSettings are one stack's deployment settings: the git source, OIDC to Azure, the pre-run
// commands, and for the agent pool's stacks the pool and kubelogin's environment.
func stackSettings(cfg *Config, stack string, pool *pulumiservice.AgentPool) *pulumiservice.DeploymentSettingsArgs {
	operation := &pulumiservice.DeploymentSettingsOperationContextArgs{
		Oidc: &pulumiservice.OperationContextOIDCArgs{Azure: &pulumiservice.AzureOIDCConfigurationArgs{
			ClientId:       pulumi.String(cfg.Azure.ClientID),
			TenantId:       pulumi.String(cfg.Azure.TenantID),
			SubscriptionId: pulumi.String(cfg.Azure.SubscriptionID),
		}},
		PreRunCommands: pulumi.ToStringArray(PreRunCommands(stack)),
	}
	settings := &pulumiservice.DeploymentSettingsArgs{
		Organization: pulumi.String(cfg.Organization),
		Project:      pulumi.String(Project),
		Stack:        pulumi.String(stack),
		SourceContext: &pulumiservice.DeploymentSettingsSourceContextArgs{Git: &pulumiservice.DeploymentSettingsGitSourceArgs{
			RepoUrl: pulumi.String("https://github.com/" + cfg.Repository + ".git"),
			Branch:  pulumi.String("refs/heads/" + cfg.Branch),
			RepoDir: pulumi.String("."),
		}},
		// Still the github block: its successor, vcs, takes a provider enum this program has not been
		// verified against yet, and this change of layout keeps every recorded input as it was.
		Github: &pulumiservice.DeploymentSettingsGithubArgs{ //nolint:staticcheck // SA1019, see above
			Repository:          pulumi.String(cfg.Repository),
			DeployCommits:       pulumi.Bool(slices.Contains(cfg.AutoDeployStacks, stack)),
			PreviewPullRequests: pulumi.Bool(true),
		},
		OperationContext: operation,
		CacheOptions:     &pulumiservice.DeploymentSettingsCacheOptionsArgs{Enable: pulumi.Bool(true)},
	}
	if pool != nil && slices.Contains(cfg.AgentPoolStacks, stack) {
		settings.AgentPoolId = pool.AgentPoolId
		operation.EnvironmentVariables = pulumi.ToStringMap(KubeloginEnvironment(cfg.Azure))
	}
	return settings
}
