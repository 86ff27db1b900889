// Entry points: the deploy script's checks and the commands it runs, and README's two set-up commands.
package tests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/tests/harness"
)

// fakeTool writes an executable shell script into dir.
func fakeTool(t *testing.T, dir, name, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
}

// TestDeployScript runs scripts/deploy.sh against stand-ins for pulumi, go and az that record their
// arguments (the real Pulumi CLI and Azure are not available offline). It checks the prerequisites
// are verified before any state is touched and that the deployment uses a local file backend with
// passphrase secrets.
func TestDeployScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed; the deploy script needs it")
	}
	cases := []struct {
		name       string
		stack      string
		env        map[string]string
		tools      []string // stand-ins on PATH
		azLoggedIn bool
		wantExit   int
		wantStderr string
		wantCalls  []string // pulumi invocations; {state} is the expected backend URL
		state      string   // expected backend URL; {home} is the fake home
	}{
		{name: "deploys dev with a local backend", stack: "dev", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "x"},
			tools: []string{"pulumi", "go", "az"}, azLoggedIn: true, state: "file://{home}/.pulumi-local",
			wantCalls: []string{"{state} stack select --create dev --secrets-provider passphrase", "{state} up --stack dev --yes"}},
		{name: "keeps a backend the user chose", stack: "prod", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "", "PULUMI_BACKEND_URL": "file://{home}/team-state"},
			tools: []string{"pulumi", "go", "az"}, azLoggedIn: true, state: "file://{home}/team-state",
			wantCalls: []string{"{state} stack select --create prod --secrets-provider passphrase", "{state} up --stack prod --yes"}},
		{name: "service principal without az", stack: "dev", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE_FILE": "/dev/null", "ARM_SUBSCRIPTION_ID": "s"},
			tools: []string{"pulumi", "go"}, state: "file://{home}/.pulumi-local",
			wantCalls: []string{"{state} stack select --create dev --secrets-provider passphrase", "{state} up --stack dev --yes"}},
		{name: "unknown stack", stack: "qa", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "x"}, tools: []string{"pulumi", "go", "az"}, azLoggedIn: true,
			wantExit: 2, wantStderr: "no stack file Pulumi.qa.yaml; stacks here: dev prod"},
		{name: "no Pulumi CLI", stack: "dev", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "x"}, tools: []string{"go", "az"}, azLoggedIn: true,
			wantExit: 2, wantStderr: "the Pulumi CLI is not installed"},
		{name: "no passphrase", stack: "dev", tools: []string{"pulumi", "go", "az"}, azLoggedIn: true,
			wantExit: 2, wantStderr: "set PULUMI_CONFIG_PASSPHRASE"},
		{name: "not signed in to Azure", stack: "dev", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "x"}, tools: []string{"pulumi", "go", "az"},
			wantExit: 2, wantStderr: "sign in to Azure first"},
	}
	script, err := filepath.Abs(filepath.Join(projectDir, "scripts", "deploy.sh"))
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			bin := filepath.Join(home, "bin")
			require.NoError(t, os.Mkdir(bin, 0o755))
			calls := filepath.Join(home, "calls")
			for _, tool := range tc.tools {
				switch tool {
				case "pulumi":
					fakeTool(t, bin, tool, `echo "$PULUMI_BACKEND_URL $*" >> "`+calls+`"`)
				case "az":
					exit := "1"
					if tc.azLoggedIn {
						exit = "0"
					}
					fakeTool(t, bin, tool, "exit "+exit)
				default:
					fakeTool(t, bin, tool, "exit 0")
				}
			}
			command := exec.Command("bash", script, tc.stack, "--yes")
			command.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + home}
			for name, value := range tc.env {
				command.Env = append(command.Env, name+"="+strings.ReplaceAll(value, "{home}", home))
			}
			var stderr strings.Builder
			command.Stderr = &stderr
			err := command.Run()

			exit := 0
			var exitError *exec.ExitError
			if errors.As(err, &exitError) {
				exit = exitError.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantExit, exit, stderr.String())
			assert.Contains(t, stderr.String(), tc.wantStderr)

			recorded, _ := os.ReadFile(calls)
			var want []string
			state := strings.ReplaceAll(tc.state, "{home}", home)
			for _, call := range tc.wantCalls {
				want = append(want, strings.ReplaceAll(call, "{state}", state))
			}
			got := strings.Split(strings.TrimSpace(string(recorded)), "\n")
			if len(want) == 0 {
				assert.Empty(t, strings.TrimSpace(string(recorded)), "no pulumi command may run when a check fails")
				return
			}
			assert.Equal(t, want, got)
			assert.DirExists(t, strings.TrimPrefix(state, "file://"), "the local state directory is created")
		})
	}
}

// TestReadmeSetUpCommandsExist checks README opens with exactly the two set-up commands and that make
// knows both (a dry run, so nothing is deployed).
func TestReadmeSetUpCommandsExist(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed; README's commands use it")
	}
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, block, "README starts with a sh code block of set-up commands")
	var commands []string
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		command, _, _ := strings.Cut(line, "#")
		commands = append(commands, strings.TrimSpace(command))
	}
	assert.Equal(t, []string{"make deploy STACK=dev", "make test"}, commands)
	for _, command := range commands {
		arguments := append([]string{"-n", "-C", projectDir}, strings.Fields(command)[1:]...)
		output, err := exec.Command("make", arguments...).CombinedOutput()
		assert.NoError(t, err, "%s: %s", command, output)
	}
}

// TestReadmeErrorExampleIsReal checks the configuration error quoted in README is exactly what the
// program prints for that input.
func TestReadmeErrorExampleIsReal(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(projectDir, "README.md"))
	require.NoError(t, err)
	example := regexp.MustCompile("(?s)```\n(stack \"prod\": .*?)\n```").FindSubmatch(readme)
	require.NotNil(t, example, "README quotes a configuration error")
	_, err = loadConfig(t, "prod",
		harness.Set("namePrefix", "contosoplatform"),
		harness.Set("network.subnets.apiManagement", "10.43.1.0/29"))
	require.Error(t, err)
	assert.Equal(t, string(example[1]), err.Error())
}
