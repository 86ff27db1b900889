// The pull-request workflow: valid YAML, actions pinned by SHA, the offline job without credentials,
// the credentialed job skipped without them, and every command it runs present in the repository.

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
	"gopkg.in/yaml.v3"
)

// workflowPath is the pull-request workflow.
var workflowPath = filepath.Join(projectDir, ".github", "workflows", "pull-request.yml")

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		If          string            `yaml:"if"`
		Needs       any               `yaml:"needs"`
		Permissions map[string]string `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Steps       []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// loadWorkflow parses the workflow file.
func loadWorkflow(t *testing.T) (workflow, string) {
	t.Helper()
	text, err := os.ReadFile(workflowPath)
	require.NoError(t, err)
	var parsed workflow
	require.NoError(t, yaml.Unmarshal(text, &parsed), "the workflow is valid YAML")
	return parsed, string(text)
}

// TestWorkflowShape checks triggers, jobs, credentials and pinning.
func TestWorkflowShape(t *testing.T) {
	t.Parallel()
	parsed, text := loadWorkflow(t)
	assert.Contains(t, parsed.On, "pull_request")
	require.Contains(t, parsed.Jobs, "offline")
	require.Contains(t, parsed.Jobs, "preview")

	offline := parsed.Jobs["offline"]
	assert.Empty(t, offline.If, "the offline job always runs")
	for _, step := range offline.Steps {
		assert.NotContains(t, step.Run, "secrets.", "the offline job uses no credentials")
		for _, value := range step.With {
			assert.NotContains(t, value, "secrets.", "the offline job uses no credentials")
		}
	}
	preview := parsed.Jobs["preview"]
	assert.Contains(t, preview.If, "vars.AZURE_CLIENT_ID != ''", "skipped when no credentials are configured")
	assert.Equal(t, "write", preview.Permissions["id-token"], "OIDC to Azure, no stored client secret")
	assert.Equal(t, "true", preview.Env["ARM_USE_OIDC"])
	assert.NotContains(t, text, "ARM_CLIENT_SECRET")
	var policyPack string
	for _, step := range preview.Steps {
		if strings.HasPrefix(step.Uses, "pulumi/actions@") {
			policyPack = step.With["policyPacks"]
			assert.Equal(t, "preview", step.With["command"])
		}
	}
	assert.Equal(t, "policy", policyPack, "the preview runs this repository's policy pack")
	_, err := os.Stat(filepath.Join(projectDir, policyPack, "PulumiPolicy.yaml"))
	assert.NoError(t, err)

	pinned := regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}$`)
	for name, job := range parsed.Jobs {
		for _, step := range job.Steps {
			if step.Uses == "" {
				continue
			}
			assert.Regexp(t, pinned, step.Uses, "%s: actions are pinned by commit SHA", name)
			assert.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(step.Uses)+` # v\d+\.\d+\.\d+`), text, "%s: the pinned SHA names its version", step.Uses)
		}
	}
}

// shellWords are the shell keywords and standard commands a workflow script may use besides the
// repository's own entry points.
var shellWords = []string{"for", "in", "do", "done", "if", "then", "fi", "tee", "echo", "|", ">>", ">", "bash", "make"}

// TestWorkflowCommandsExist checks every `run:` line: make targets exist in the Makefile (dry run),
// scripts exist in the repository, and nothing else is called.
func TestWorkflowCommandsExist(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed; the workflow's commands use it")
	}
	parsed, _ := loadWorkflow(t)
	checked := 0
	for name, job := range parsed.Jobs {
		for _, step := range job.Steps {
			for _, line := range strings.Split(step.Run, "\n") {
				line = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), ";"))
				if line == "" {
					continue
				}
				for _, segment := range strings.Split(line, "|") {
					words := strings.Fields(segment)
					if len(words) == 0 {
						continue
					}
					checked++
					switch command := words[0]; command {
					case "make":
						var targets []string
						for _, word := range words[1:] {
							if !strings.Contains(word, "=") && !strings.HasPrefix(word, "-") {
								targets = append(targets, word)
							}
						}
						arguments := append([]string{"-n", "-C", projectDir, "STACK=dev"}, targets...)
						output, err := exec.Command("make", arguments...).CombinedOutput()
						assert.NoError(t, err, "%s: `%s` is not a Makefile target: %s", name, segment, output)
					case "bash":
						require.Greater(t, len(words), 1)
						assert.FileExists(t, filepath.Join(projectDir, words[1]), "%s: %s", name, segment)
					case "for", "do", "done", "tee":
					default:
						assert.True(t, slices.Contains(shellWords, command), "%s: unexpected command %q in %q", name, command, line)
					}
				}
			}
		}
	}
	assert.Greater(t, checked, 3, "the workflow's commands were checked")
}

// TestReviewSummaryScript runs the summary script the workflow publishes with, on saved reviews.
func TestReviewSummaryScript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "build", "review"), 0o755))
	review := "Offline review of stack \"dev\"\n  Critical path: 51m55s\n\nReview passed.\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "review-dev.txt"), []byte(review), 0o644))
	diagram, err := os.ReadFile(filepath.Join(projectDir, "docs", "architecture-dev.md"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "build", "review", "architecture-dev.md"), diagram, 0o644)) // where make review writes it

	script, err := filepath.Abs(filepath.Join(projectDir, "scripts", "review-summary.sh"))
	require.NoError(t, err)
	command := exec.Command("bash", script, "dev", "prod")
	command.Dir = dir
	output, err := command.CombinedOutput()
	require.NoError(t, err, string(output))
	summary := string(output)
	assert.Contains(t, summary, "## Offline review: dev")
	assert.Contains(t, summary, "**Review passed.** Critical path: 51m55s")
	assert.Contains(t, summary, "```mermaid\nflowchart LR")
	assert.Contains(t, summary, "## Offline review: prod\n\nNo review was produced for prod")

	usage := exec.Command("bash", script)
	usage.Dir = dir
	output, err = usage.CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(output), "usage:")
}
