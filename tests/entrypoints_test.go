// Entry points: README's two set-up commands and the configuration error it quotes (the deploy
// script itself is tested in deploy_test.go).

package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks"
)

// TestReadmeSetUpCommandsExist checks README opens with exactly the two set-up commands and that make
// knows both (a dry run, so nothing is deployed).
func TestReadmeSetUpCommandsExist(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestProgramReadsTheLanguageHostConfig checks that main.go's program (stacks.Program, no options)
// takes the stack config from where the Go language host puts it, PULUMI_CONFIG: a bad prefix there
// is reported under its key, and without the variable the required keys are missing. The other tests
// hand the config over through stacks.Options and run side by side; this one sets the process
// environment, so it does not run in parallel.
func TestProgramReadsTheLanguageHostConfig(t *testing.T) {
	project, raw, err := harness.LoadStackConfig(projectDir, "dev", harness.Set("namePrefix", "Not_Valid"))
	require.NoError(t, err)
	encoded, err := json.Marshal(raw)
	require.NoError(t, err)

	t.Setenv(pulumi.EnvConfig, string(encoded))
	_, err = harness.Run(stacks.Program, project, "dev", raw)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `apiplatform:namePrefix = "Not_Valid"`)
	assert.ErrorIs(t, err, stacks.ErrReported, "Program logs its own failure, so main adds no second header")

	t.Setenv(pulumi.EnvConfig, "")
	_, err = harness.Run(stacks.Program, project, "dev", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "configuration problems (nothing was deployed)")
}
