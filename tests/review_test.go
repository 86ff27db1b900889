// Offline review: both stack files pass the policy pack and the deploy-time target, a broken
// configuration fails, bad input writes nothing, and README embeds the generated diagram.

package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
	"github.com/apiplatform/azure-api-platform/review"
)

// reviewStack reviews a stack file (with edits) and requires the review to run.
func reviewStack(t *testing.T, stack string, edits ...harness.Edit) *review.Report {
	t.Helper()
	report, err := review.Run(context.Background(), review.Options{ProjectDir: projectDir, Stack: stack, Edits: edits})
	require.NoError(t, err)
	return report
}

// TestStackFilesPassTheReview checks both stack files, and the variants with every optional feature
// and with the in-cluster layer, against every policy: no violation at all.
func TestStackFilesPassTheReview(t *testing.T) {
	t.Parallel()
	variants := append(slices.Clone(featureVariants), []stackVariant{
		{"dev without the in-cluster layer", "dev", []harness.Edit{harness.Set("kubernetes.deployInCluster", false)}, nil},
	}...)
	for _, variant := range variants {
		t.Run(variant.name, func(t *testing.T) {
			report := reviewStack(t, variant.stack, variant.edits...)
			for _, violation := range report.Violations {
				t.Errorf("%s on %s: %s", violation.Policy, violation.URN, violation.Message)
			}
			assert.Greater(t, len(review.Resources(report.Recording)), 50, "the policies saw the stack's resources")
		})
	}
}

// TestBrokenConfigurationFailsTheReview checks a configuration that breaks the security line fails
// the review with the right mandatory violation.
func TestBrokenConfigurationFailsTheReview(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		stack  string
		edits  []harness.Edit
		policy string
		text   string
	}{
		{"WAF in Detection mode", "prod", []harness.Edit{harness.Set("applicationGateway.wafMode", "Detection")},
			"agw-waf-prevention", `mode is "Detection"`},
		{"cluster without an upgrade channel", "dev", []harness.Edit{harness.Set("kubernetes.upgradeChannel", "none")},
			"aks-auto-upgrade", "No upgrade channel"},
		{"Front Door WAF in Detection mode", "prod", append(slices.Clone(edgeAndData), harness.Set("frontDoor.wafMode", "Detection")),
			"frontdoor-waf-prevention", `policySettings.mode is "Detection"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			report := reviewStack(t, tc.stack, tc.edits...)
			require.Equal(t, 1, report.MandatoryViolations(), "violations: %+v", report.Violations)
			assert.Equal(t, tc.policy, report.Violations[0].Policy)
			assert.Equal(t, pack.Mandatory, report.Violations[0].Level)
			assert.Contains(t, report.Violations[0].Message, tc.text)
			assert.Contains(t, report.Violations[0].Message, "Fix: ")
		})
	}
}

// TestMakeDeployExcludesExactlyTheInClusterLayer checks what deploy.sh's first run leaves out (the
// Kubernetes provider's dependents, as `pulumi up --exclude-dependents` finds them): every Kubernetes
// object and nothing of the Azure layer, so that run completes the Azure layer and the second run
// changes only the cluster. The model starts the second run after the first has finished.
func TestMakeDeployExcludesExactlyTheInClusterLayer(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack, everyFeature...)
			layer := review.InClusterLayer(recording)
			for _, res := range recording.Resources {
				kubernetesObject := strings.HasPrefix(res.Type, "kubernetes:")
				if res.Custom {
					assert.Equal(t, kubernetesObject, layer[res.URN], "%s %s: excluded from the first run exactly when it is a Kubernetes object", res.Type, res.Name)
				}
				if strings.HasPrefix(res.Type, "azure-native:") || strings.HasPrefix(res.Type, "pulumi:providers:") {
					assert.False(t, layer[res.URN], "%s %s is deployed by the first run", res.Type, res.Name)
				}
			}
			model, err := review.BuildModel(recording)
			require.NoError(t, err)
			assert.True(t, model.TwoRuns)
			var lastAzure, firstCluster time.Duration = 0, time.Hour * 24
			for _, step := range model.Steps {
				switch {
				case layer[step.URN]:
					firstCluster = min(firstCluster, step.Finish-step.Duration)
				case step.URN != "":
					lastAzure = max(lastAzure, step.Finish)
				}
			}
			assert.GreaterOrEqual(t, firstCluster, lastAzure+review.SecondRun.Create, "the in-cluster layer starts after the Azure layer's run and the second run's start")
		})
	}
}

// TestDeployTimeModel checks the modeled first deployment: API Management and the gateway bound it,
// nothing else, the target holds, nothing is updated twice, and the alternative ordering is slower by
// at least the extra update.
func TestDeployTimeModel(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			report := reviewStack(t, variant.stack, variant.edits...)
			model := report.Model
			assert.LessOrEqual(t, model.Length, review.Target(model), "critical path within API Management + Application Gateway + 2 minutes (+ make deploy's second run)")
			assert.Empty(t, model.UpdatedTwice)
			assert.Empty(t, report.Races, "no Key Vault read before its grant takes effect")

			apim, gateway := -1, -1
			for i, step := range model.CriticalPath {
				switch {
				case pack.TypeIs(step.Type, "azure-native:apimanagement:ApiManagementService"):
					apim = i
				case pack.TypeIs(step.Type, "azure-native:network:ApplicationGateway"):
					gateway = i
				}
			}
			require.True(t, apim >= 0 && gateway > apim, "API Management, then the gateway, are on the critical path")
			for _, step := range model.CriticalPath[apim+1 : gateway] {
				assert.True(t, pack.TypeIs(step.Type, "azure-native:network:PrivateRecordSet"),
					"between API Management and the gateway only the DNS record may wait (found %s %s)", step.Type, step.Name)
			}
			before := time.Duration(0)
			for _, step := range model.CriticalPath[:apim] {
				before += step.Duration
			}
			assert.LessOrEqual(t, before, time.Minute, "API Management starts within a minute of `pulumi up`")

			assert.GreaterOrEqual(t, report.Alternative.Length-model.Length, review.APIManagementUpdate.Create,
				"the alternative ordering pays at least one API Management update")
		})
	}
}

// TestSeparateChildrenUpdateOnlyBareParents checks the model's "updated twice" rule for resources that
// are also inline properties of their parent: a separate route next to a table that lists routes
// inline is flagged (the table's next update would delete it), next to a table without a routes input
// it is not.
func TestSeparateChildrenUpdateOnlyBareParents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		inline  bool
		flagged bool
	}{{"table with inline routes", true, true}, {"table without a routes input", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			recording, err := harness.Run(func(ctx *pulumi.Context) error {
				table := pulumi.Map{"resourceGroupName": pulumi.String("rg"), "routeTableName": pulumi.String("rt")}
				if tc.inline {
					table["routes"] = pulumi.Array{pulumi.Map{"name": pulumi.String("inline"), "addressPrefix": pulumi.String("10.0.0.0/8"), "nextHopType": pulumi.String("None")}}
				}
				var created mockedResource
				if err := ctx.RegisterResource("azure-native:network:RouteTable", "rt", table, &created); err != nil {
					return err
				}
				var route mockedResource
				return ctx.RegisterResource("azure-native:network:Route", "route", pulumi.Map{
					"resourceGroupName": pulumi.String("rg"), "routeTableName": pulumi.String("rt"),
					"addressPrefix": pulumi.String("0.0.0.0/0"), "nextHopType": pulumi.String("VirtualAppliance"),
				}, &route, pulumi.DependsOn([]pulumi.Resource{&created}))
			}, "unit", "test", map[string]string{})
			require.NoError(t, err)
			model, err := review.BuildModel(recording)
			require.NoError(t, err)
			assert.Equal(t, tc.flagged, len(model.UpdatedTwice) == 1, "%v", model.UpdatedTwice)
		})
	}
}

// TestEveryRecordedTypeHasADurationWithASource keeps the deploy-time table complete and cited.
func TestEveryRecordedTypeHasADurationWithASource(t *testing.T) {
	t.Parallel()
	for _, edits := range [][]harness.Edit{nil, everyFeature, edgeAndData, {harness.Set("kubernetes.deployInCluster", false)}} {
		recording := runStack(t, "prod", edits...)
		for _, res := range recording.Resources {
			if !res.Custom {
				continue
			}
			duration, ok := review.DurationFor(res.TypeKey())
			require.True(t, ok, "review/durations.go has no figure for %s", res.TypeKey())
			assert.NotEmpty(t, duration.Source, "%s's figure cites its source", res.TypeKey())
		}
	}
}

// TestReviewCommand drives the command: a passing stack writes the diagram and exits 0; bad input
// (unknown stack, invalid stack configuration, invalid policy configuration) exits 2 and writes nothing.
func TestReviewCommand(t *testing.T) {
	t.Parallel()
	workdir := t.TempDir()
	copyProject(t, workdir)
	require.NoError(t, os.WriteFile(filepath.Join(workdir, "Pulumi.broken.yaml"),
		[]byte("config:\n  apiplatform:environment: dev\n  apiplatform:location: West Europe\n"), 0o644))
	badPolicy := filepath.Join(workdir, "policy-config.json")
	require.NoError(t, os.WriteFile(badPolicy, []byte(`{"agw-waf-prevention": "sometimes"}`), 0o644))
	detection := filepath.Join(workdir, "detection.json")
	require.NoError(t, os.WriteFile(detection, []byte(`{"all": "mandatory"}`), 0o644))

	cases := []struct {
		name      string
		args      []string
		exit      int
		output    string
		writesDoc bool
	}{
		{"dev passes", []string{"-stack", "dev"}, review.ExitPassed, "Warnings from the program: none", true},
		{"prod passes with the program's warnings", []string{"-stack", "prod"}, review.ExitPassed,
			"warning  certificates.privateListenerAccepted is true: the public listener uses a certificate signed by the platform's private CA", true},
		{"unknown stack", []string{"-stack", "qa"}, review.ExitBadInput, `unknown stack "qa": no Pulumi.qa.yaml`, false},
		{"invalid stack configuration", []string{"-stack", "broken"}, review.ExitBadInput, "apiplatform:location = \"West Europe\"", false},
		{"invalid policy configuration", []string{"-stack", "dev", "-policy-config", badPolicy}, review.ExitBadInput,
			"agw-waf-prevention: enforcement level sometimes is not advisory, mandatory or disabled", false},
		{"valid policy configuration", []string{"-stack", "dev", "-policy-config", detection}, review.ExitPassed, "Review passed.", true},
		{"missing stack flag", nil, review.ExitBadInput, "-stack is required", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diagram := filepath.Join(t.TempDir(), "architecture.md")
			var stdout, stderr bytes.Buffer
			exit := review.Main(append(tc.args, "-project", workdir, "-diagram", diagram), &stdout, &stderr)
			assert.Equal(t, tc.exit, exit, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			assert.Contains(t, stdout.String()+stderr.String(), tc.output)
			if tc.exit == review.ExitPassed {
				verdict := "\nReview passed.\n"
				if strings.Contains(stdout.String(), "warning  ") {
					verdict = "\nReview passed with warnings: "
				}
				assert.Contains(t, stdout.String(), verdict, "a stack with warnings passes with warnings, one without simply passes")
			}
			assert.NotContains(t, stderr.String(), "error occurred", "one header per failure: the program's, not the SDK's")
			if !tc.writesDoc {
				assert.NoFileExists(t, diagram, "nothing is written on bad input")
				assert.Contains(t, stderr.String(), "nothing was written")
				return
			}
			page, err := os.ReadFile(diagram)
			require.NoError(t, err)
			assert.Contains(t, string(page), "```mermaid\nflowchart LR")
			assert.Contains(t, stdout.String(), "Critical path:")
			assert.Regexp(t, `Monthly cost estimate at list price .*: about \d+ USD a month`, stdout.String())
			assert.Contains(t, stdout.String(), "Alternative ordering")
		})
	}
}

// TestProgramWarnings checks what the program tells the user to act on, which `pulumi up` shows and
// the review lists: nothing for dev as shipped; for prod the private-CA listener it accepted and the
// public workload image; for bring-your-own endpoints the permission the deployer needs.
func TestProgramWarnings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		edits []harness.Edit
		want  []string
	}{
		{"dev as shipped", "dev", nil, nil},
		{"prod as shipped", "prod", nil, []string{"certificates.privateListenerAccepted is true", "workload.image docker.io/"}},
		{"prod with its own listener certificate", "prod", []harness.Edit{
			harness.Set("certificates.listenerKeyVaultSecretId", "https://contoso-kv.vault.azure.net/secrets/api-contoso-example"),
			harness.Set("certificates.privateListenerAccepted", false)}, []string{"workload.image docker.io/"}},
		{"prod with every feature", "prod", everyFeature, []string{"certificates.privateListenerAccepted is true", "workload.image docker.io/",
			"privateEndpoints.files: the deploying identity needs", "privateEndpoints.orders: the deploying identity needs"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			warnings := runStack(t, tc.stack, tc.edits...).Warnings
			require.Len(t, warnings, len(tc.want), "%q", warnings)
			for i, want := range tc.want {
				assert.Contains(t, warnings[i], want)
			}
		})
	}
}

// TestReviewScriptKeepsTheExitCodes runs scripts/review.sh, what `make review` runs, as a pipeline
// would: it exits 0 for a passing stack, 1 for a mandatory violation (an anonymous API without the
// pack's opt-out) and 2 for bad input, where `go run` would have turned both failures into 1.
func TestReviewScriptKeepsTheExitCodes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH; the script builds the review command with it")
	}
	workdir := t.TempDir()
	copyProject(t, workdir)
	dev, err := os.ReadFile(filepath.Join(projectDir, "Pulumi.dev.yaml"))
	require.NoError(t, err)
	anonymous := strings.Replace(string(dev), "  apiplatform:apiManagement:\n", "  apiplatform:apiManagement:\n    anonymousAccessAllowed: true\n", 1)
	require.NotEqual(t, string(dev), anonymous)
	require.NoError(t, os.WriteFile(filepath.Join(workdir, "Pulumi.anon.yaml"), []byte(anonymous), 0o644))
	for _, tc := range []struct {
		name  string
		stack string
		exit  int
	}{{"passing stack", "dev", review.ExitPassed}, {"mandatory violation", "anon", review.ExitFailed}, {"unknown stack", "qa", review.ExitBadInput}} {
		t.Run(tc.name, func(t *testing.T) {
			command := exec.Command(filepath.Join(projectDir, "scripts", "review.sh"), tc.stack, "-project", workdir, "-diagram", filepath.Join(t.TempDir(), "architecture.md"))
			output, err := command.CombinedOutput()
			exit := exitCode(t, err, output)
			assert.Equal(t, tc.exit, exit, "%s", output)
		})
	}
}

// TestReviewWritesNothingTracked runs the review as `make review` does, without -diagram: the diagram
// goes under the ignored build/ directory, and no tracked file (docs/, README) changes.
func TestReviewWritesNothingTracked(t *testing.T) {
	t.Parallel()
	workdir := t.TempDir()
	copyProject(t, workdir)
	var stdout, stderr bytes.Buffer
	require.Equal(t, review.ExitPassed, review.Main([]string{"-stack", "dev", "-project", workdir}, &stdout, &stderr), stderr.String())
	assert.FileExists(t, filepath.Join(workdir, "build", "review", "architecture-dev.md"))
	assert.NoDirExists(t, filepath.Join(workdir, "docs"), "nothing tracked is written")
	ignore, err := os.ReadFile(filepath.Join(projectDir, ".gitignore"))
	require.NoError(t, err)
	assert.Contains(t, strings.Split(string(ignore), "\n"), "/build/", "build/ is ignored")
}

// TestREADMEEmbedsTheGeneratedDiagram checks README's diagram is the one generated from the dev
// recording (run `make diagram` after changing the graph).
func TestREADMEEmbedsTheGeneratedDiagram(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	embedded := review.EmbeddedDiagram(string(readme))
	require.NotEmpty(t, embedded, "README has the generated diagram block")
	assert.Equal(t, review.Diagram(runStack(t, "dev")), embedded, "README's diagram is stale: run `make diagram`")
	generated, err := os.ReadFile(filepath.Join(projectDir, "docs", "architecture-dev.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(generated), embedded), "docs/architecture-dev.md holds the same diagram")
}

// TestDiagramFollowsTheGraph checks the diagram's edges come from dependencies: the gateway's
// component is drawn after API Management's (it waits for the gateway host's record), and no edge
// implied by others is drawn.
func TestDiagramFollowsTheGraph(t *testing.T) {
	t.Parallel()
	chart := review.Diagram(runStack(t, "dev"))
	ids := map[string]string{}
	for _, line := range strings.Split(chart, "\n") {
		if id, label, ok := strings.Cut(strings.TrimSpace(line), "[\""); ok {
			ids[strings.SplitN(label, "<br/>", 2)[0]] = id
		}
	}
	require.Contains(t, ids, "APIManagement")
	require.Contains(t, ids, "ApplicationGateway")
	assert.Contains(t, chart, ids["APIManagement"]+" --> "+ids["ApplicationGateway"]+"\n", "the gateway waits for API Management's DNS record")
	assert.NotContains(t, chart, ids["APIManagement"]+" --> "+ids["KeyVault"]+"\n", "API Management reads nothing from Key Vault")
	assert.Contains(t, chart, ids["Network"]+" --> "+ids["APIManagement"]+"\n")
	assert.NotContains(t, chart, ids["Network"]+" --> "+ids["ApplicationGateway"]+"\n", "implied through API Management: reduced away")
	assert.NotContains(t, chart, "RandomString", "plumbing is left out")
}

// copyProject copies Pulumi.yaml and the stack files to dir.
func copyProject(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"} {
		data, err := os.ReadFile(filepath.Join(projectDir, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
}

// TestReviewStatesTheBastionCost checks the standing cost of the tunnel make deploy uses: a Standard
// Bastion with its two included instances and a Standard public IP in both stacks, the monthly figure
// in the review's report and the same figure in README.
func TestReviewStatesTheBastionCost(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			report := reviewStack(t, stack)
			costs, err := review.AccessCosts(report.Recording)
			require.NoError(t, err)
			require.Len(t, costs, 1)
			assert.Equal(t, review.AccessCost{Name: costs[0].Name, SKU: "Standard", Instances: 2, Monthly: 215.35}, costs[0], "(0.29 + 0.005) USD/h x 730 h")
			var rendered strings.Builder
			report.Render(&rendered)
			assert.Contains(t, rendered.String(), "Standard, 2 instances, with its Standard public IP: about 215 USD a month (list price)")
			assert.Contains(t, string(readme), "**about 215 USD a month**")
		})
	}
	t.Run("without a Bastion there is nothing to pay", func(t *testing.T) {
		costs, err := review.AccessCosts(runStackIn(t, "dev", harness.AgentSurroundings(), harness.Set("perimeter.bastionEnabled", false)))
		require.NoError(t, err)
		assert.Empty(t, costs)
	})
}
