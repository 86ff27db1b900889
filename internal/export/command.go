// The export command's logic (cmd/export): run the program for a stack and write what scanners read.

package export

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// Exit codes of the export command.
const (
	// ExitWritten means both files were written.
	ExitWritten = 0
	// ExitBadInput means bad flags, an unknown stack or an invalid configuration: nothing is written.
	ExitBadInput = 2
	// ExitFailed means the files could not be built or written.
	ExitFailed = 1
)

// The files the export writes.
const (
	// TemplateFile is the ARM template.
	TemplateFile = "azuredeploy.json"
	// ParametersFile links the template with a placeholder for every secret (PSRule reads it).
	ParametersFile = "azuredeploy.parameters.json"
	// ManifestsFile holds the in-cluster objects.
	ManifestsFile = "manifests.yaml"
)

// Main runs `make export STACK=<stack>` with args (without the program name) and returns its exit
// code. It writes TemplateFile, ParametersFile and ManifestsFile into out, by default the ignored
// build/export/<stack>.
func Main(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("export", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "", "stack to export (Pulumi.<stack>.yaml), e.g. dev")
	projectDir := flags.String("project", ".", "directory with Pulumi.yaml and the stack files")
	out := flags.String("out", "", "directory to write azuredeploy.json and manifests.yaml to; default <project>/build/export/<stack>")
	if err := flags.Parse(args); err != nil {
		return ExitBadInput
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "export: -stack is required, e.g. -stack dev\n(nothing was written)")
		return ExitBadInput
	}
	if *out == "" {
		*out = filepath.Join(*projectDir, "build", "export", *stack)
	}
	template, manifests, err := build(*projectDir, *stack)
	if err != nil {
		fmt.Fprintf(stderr, "export: %v\n(nothing was written)\n", err)
		var problems *config.Problems
		if errors.As(err, &problems) || errors.Is(err, harness.ErrUnknownStack) {
			return ExitBadInput
		}
		return ExitFailed
	}
	encoded, err := json.MarshalIndent(template, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "export: encoding the template: %v\n", err)
		return ExitFailed
	}
	parameters, err := json.MarshalIndent(Parameters(template, TemplateFile), "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "export: encoding the parameters: %v\n", err)
		return ExitFailed
	}
	files := map[string][]byte{TemplateFile: append(encoded, '\n'), ParametersFile: append(parameters, '\n'), ManifestsFile: []byte(manifests)}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "export: %v\n", err)
		return ExitFailed
	}
	for _, name := range []string{TemplateFile, ParametersFile, ManifestsFile} {
		path := filepath.Join(*out, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			fmt.Fprintf(stderr, "export: %v\n", err)
			return ExitFailed
		}
		fmt.Fprintf(stdout, "export: wrote %s\n", path)
	}
	fmt.Fprintf(stdout, "export: %d Azure resources (%d secrets as parameters without values)\n", len(template.Resources), len(template.Parameters))
	return ExitWritten
}

// build runs the program for the stack, as `make deploy`'s second run does (in-cluster layer
// included), and builds both files.
func build(projectDir, stack string) (*Template, string, error) {
	project, raw, err := harness.LoadStackConfig(projectDir, stack)
	if err != nil {
		return nil, "", fmt.Errorf("stack %s: %w", stack, err)
	}
	recording, err := harness.RunConfigOnce(project, stack, raw, harness.DeploySurroundings())
	var problems *config.Problems
	switch {
	case errors.As(err, &problems):
		return nil, "", err // the problems' own header names the stack
	case err != nil:
		return nil, "", fmt.Errorf("stack %s: %w", stack, err)
	}
	template, err := ARM(recording)
	if err != nil {
		return nil, "", err
	}
	manifests, err := Manifests(recording)
	if err != nil {
		return nil, "", err
	}
	return template, manifests, nil
}
