// Running the platform program for a stack file, and awaiting outputs inside mocked programs.

package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/stacks"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// RunStack runs the platform program (stacks.WithOptions: what stacks.Program runs under `pulumi up`,
// given the raw config through Options.Config instead of PULUMI_CONFIG, plus an observer of the stack
// outputs) for Pulumi.<stack>.yaml in projectDir, with optional config edits, and returns the
// recording with the resolved stack outputs. It runs in DeploySurroundings: where `make deploy` runs
// the program. Runs are shared (see RunConfig): treat the recording as read-only.
func RunStack(projectDir, stack string, edits ...Edit) (*Recording, error) {
	return RunStackIn(projectDir, stack, DeploySurroundings(), edits...)
}

// RunStackWith is RunStack with another answer from Azure about the region's Istio add-on revisions.
func RunStackWith(projectDir, stack string, meshRevisions MeshRevisions, edits ...Edit) (*Recording, error) {
	surroundings := DeploySurroundings()
	surroundings.MeshRevisions = meshRevisions
	return RunStackIn(projectDir, stack, surroundings, edits...)
}

// Surroundings are what the program learns from outside the stack configuration.
type Surroundings struct {
	// MeshRevisions is Azure's answer about the region's Istio add-on revisions.
	MeshRevisions MeshRevisions
	// Runner is the environment of `pulumi up`.
	Runner config.Runner
	// LandingZone is what exists in Azure before the stack (nil: nothing of the stack's).
	LandingZone *LandingZone
}

// DeployTunnelPort is the local port of the Bastion tunnel scripts/deploy.sh opens by default.
const DeployTunnelPort = "16443"

// DeploySurroundings are `make deploy`'s: a workstation with the Bastion tunnel to the API server open
// on DeployTunnelPort, on a day when Azure answers MeshRevisionsLateNovember2026.
func DeploySurroundings() Surroundings {
	return Surroundings{MeshRevisions: defaultMeshRevisions(), Runner: config.Runner{APIServerTunnelPort: DeployTunnelPort}}
}

// AgentSurroundings are a Pulumi Deployments agent's inside the virtual network: no tunnel.
func AgentSurroundings() Surroundings {
	return Surroundings{MeshRevisions: defaultMeshRevisions()}
}

// RunStackIn is RunStack in the given surroundings.
func RunStackIn(projectDir, stack string, surroundings Surroundings, edits ...Edit) (*Recording, error) {
	project, stackConfig, err := LoadStackConfig(projectDir, stack, edits...)
	if err != nil {
		return nil, err
	}
	return RunConfig(project, stack, stackConfig, surroundings)
}

// RunConfig runs the platform program with a raw config (as LoadStackConfig returns it) in the given
// surroundings, and returns the recording with the resolved stack outputs. The program registers the
// same resources for the same input (only key material and times differ), so a run with the same
// project, stack, config and surroundings as an earlier one returns that run's recording (and error)
// instead of running again: callers share it and must treat it as read-only. A nil config is an
// empty one (never the process environment's).
func RunConfig(project, stack string, raw map[string]string, surroundings Surroundings) (*Recording, error) {
	key, err := runKey(project, stack, raw, surroundings)
	if err != nil {
		return nil, err
	}
	entry, _ := runs.LoadOrStore(key, &sharedRun{})
	run := entry.(*sharedRun)
	run.once.Do(func() { run.recording, run.err = RunConfigOnce(project, stack, raw, surroundings) })
	return run.recording, run.err
}

// runs holds every run of the platform program in this process, by runKey.
var runs sync.Map

// sharedRun is one run of the platform program, done once for every caller with the same inputs.
type sharedRun struct {
	once      sync.Once
	recording *Recording
	err       error
}

// runKey identifies a run by everything the program receives.
func runKey(project, stack string, raw map[string]string, surroundings Surroundings) (string, error) {
	meshError := ""
	if surroundings.MeshRevisions.Err != nil {
		meshError = surroundings.MeshRevisions.Err.Error()
	}
	encoded, err := json.Marshal(struct {
		Project, Stack, MeshError string
		Config                    map[string]string
		MeshRevisions             config.MeshRevisionProfile
		Runner                    config.Runner
		LandingZone               *LandingZone
	}{project, stack, meshError, raw, surroundings.MeshRevisions.Profile, surroundings.Runner, surroundings.LandingZone})
	if err != nil {
		return "", fmt.Errorf("encoding the inputs of a run: %w", err)
	}
	return string(encoded), nil
}

// RunConfigOnce is RunConfig without sharing: it always runs the program (for timing it), observing
// the stack outputs the engine would get.
func RunConfigOnce(project, stack string, raw map[string]string, surroundings Surroundings) (*Recording, error) {
	if raw == nil {
		raw = map[string]string{}
	}
	// Observe is called from the program's export loop, one output after another: no lock needed.
	outputs := map[string]StackOutput{}
	var warnings []string // the program warns from its own goroutine, one warning after another
	var awaitErr error
	program := stacks.WithOptions(stacks.Options{
		Warn: func(message string) { warnings = append(warnings, message) },
		Observe: func(name string, value pulumi.Input) {
			output := pulumi.ToOutput(value)
			resolved, err := Await[any](output)
			if err != nil && awaitErr == nil {
				awaitErr = fmt.Errorf("stack output %s: %w", name, err)
			}
			outputs[name] = StackOutput{Value: resolved, Secret: pulumi.IsSecret(output)}
		},
		MeshRevisions: surroundings.MeshRevisions,
		Runner:        surroundings.Runner,
		Config:        raw,
	})
	recording, err := RunIn(program, project, stack, raw, surroundings.LandingZone)
	if recording != nil {
		recording.Outputs, recording.Warnings = outputs, warnings
	}
	// A refused configuration is returned as the program's own list, without the "1 error occurred"
	// the SDK wraps around a program's error: what a caller prints has one header.
	var problems *config.Problems
	if errors.As(err, &problems) {
		err = problems
	}
	if err == nil {
		err = awaitErr
	}
	return recording, err
}

// AwaitTimeout bounds how long Await waits for an output.
const AwaitTimeout = 30 * time.Second

// Await returns the resolved value of an output inside a program running under the harness. It fails
// on timeout rather than hanging, e.g. when an output never resolves because it is unknown.
func Await[T any](output pulumi.Output) (T, error) {
	var zero T
	resolved := make(chan any, 1)
	output.ApplyT(func(value any) any {
		resolved <- value
		return value
	})
	select {
	case value := <-resolved:
		typed, ok := value.(T)
		if !ok {
			return zero, fmt.Errorf("await: output holds %T, not %s", value, reflect.TypeFor[T]())
		}
		return typed, nil
	case <-time.After(AwaitTimeout):
		return zero, fmt.Errorf("await: output did not resolve within %s", AwaitTimeout)
	}
}
