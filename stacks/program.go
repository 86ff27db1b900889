// Package stacks is the platform program: the one function `pulumi up` runs (main.go), which the
// tests run under mocks through WithOptions. It reads the configuration once and composes the layers
// of the request path.
package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// Program deploys the whole platform for the current stack. It loads and validates the configuration,
// and checks what it can against Azure (the Istio add-on revisions of the region), before registering
// any resource, so bad input never leaves a half-deployed stack.
//
// Its own failures (a configuration refused, Azure's answer not accepted) it logs to the engine itself,
// as the one error the user sees, and returns marked with ErrReported: main then exits with the
// status that tells the engine the error is already logged, instead of pulumi.Run's second header
// ("an unhandled error occurred: program failed: 1 error occurred: ...") above the program's own.
func Program(ctx *pulumi.Context) error {
	if err := WithOptions(Options{Runner: config.RunnerFromEnvironment(os.LookupEnv)})(ctx); err != nil {
		_ = ctx.Log.Error(err.Error(), nil)
		return reportedError{err}
	}
	return nil
}

// ErrReported marks an error Program has already logged to the engine.
var ErrReported = errors.New("already reported to the engine")

// reportedError is an error Program logged: its text is the error's own, and it is ErrReported too.
type reportedError struct {
	// err is what failed.
	err error
}

// Error is the error's own text.
func (e reportedError) Error() string {
	return e.err.Error()
}

// Unwrap exposes the error and ErrReported to errors.Is and errors.As.
func (e reportedError) Unwrap() []error {
	return []error{e.err, ErrReported}
}

// Options are what the program takes from its surroundings, and optionally its raw configuration;
// offline tools (the tests, the review command) set them, `pulumi up` uses the defaults.
type Options struct {
	// Observe, when set, also receives every stack output, by name, as it is exported: offline tools
	// read the outputs the engine would get.
	Observe func(name string, value pulumi.Input)
	// MeshRevisions answers which Istio add-on revisions Azure supports in a region; nil asks the
	// Azure CLI.
	MeshRevisions MeshRevisionSource
	// Runner is where the program runs (Program reads it from the environment): how the Kubernetes
	// provider reaches the private API server.
	Runner config.Runner
	// Warn, when set, also receives every warning the program logs: what a user should act on (the
	// offline review shows them; Pulumi's mock engine drops log messages).
	Warn func(message string)
	// Config is the stack's raw configuration, every key as `<namespace>:<path>` with its value as the
	// CLI hands it over (objects and lists as JSON). Nil reads it from the environment, where the Go
	// language host puts it; offline tools pass it here so runs need no process-wide state and can
	// run side by side.
	Config map[string]string
}

// WithOptions returns Program with the given options.
func WithOptions(options Options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		raw := options.Config
		if raw == nil {
			var err error
			if raw, err = rawConfigFromEnvironment(); err != nil {
				return err
			}
		}
		cfg, err := config.LoadFor(ctx.Project(), ctx.Stack(), raw, options.Runner)
		if err != nil {
			return err
		}
		source := options.MeshRevisions
		if source == nil {
			source = AzureCLIMeshRevisions{}
		}
		warnings := warnings{ctx: ctx, observe: options.Warn}
		if err := checkMeshRevisions(ctx, cfg, source, warnings); err != nil {
			return err
		}
		outputs, err := deploy(ctx, cfg, warnings)
		if err != nil {
			return err
		}
		for _, name := range slices.Sorted(maps.Keys(outputs)) {
			ctx.Export(name, outputs[name])
			if options.Observe != nil {
				options.Observe(name, outputs[name])
			}
		}
		return nil
	}
}

// rawConfigFromEnvironment returns every config key of the stack. The Go SDK has no call that lists config keys, and
// unknown keys must be reported, so this reads the JSON map the Go language host hands the program in
// PULUMI_CONFIG (pulumi-language-go constructEnv; the SDK's own getEnvInfo reads the same variable).
func rawConfigFromEnvironment() (map[string]string, error) {
	raw := map[string]string{}
	if text := os.Getenv(pulumi.EnvConfig); text != "" {
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			return nil, fmt.Errorf("reading stack config from %s: %w", pulumi.EnvConfig, err)
		}
	}
	return raw, nil
}

// deploy composes the layers for a validated configuration, in the order of the request path where
// one builds on another, and returns the stack outputs every layer adds.
func deploy(ctx *pulumi.Context, cfg *config.Config, warnings warnings) (pulumi.Map, error) {
	p, err := newPlatform(ctx, cfg, warnings)
	if err != nil {
		return nil, err
	}
	layers, err := p.deployLayers()
	if err != nil {
		return nil, err
	}
	outputs := pulumi.Map{}
	for _, layer := range append([]stackLayer{p}, layers...) {
		layer.addOutputs(outputs)
	}
	return outputs, nil
}

// deployLayers creates every layer on the foundation. Each waits only for the layers it is given, so
// the slow services (API Management, the cluster) start as early as their inputs allow.
func (p *platform) deployLayers() ([]stackLayer, error) {
	trust, err := p.deployTrust()
	if err != nil {
		return nil, err
	}
	apim, err := p.deployAPIManagement(trust)
	if err != nil {
		return nil, err
	}
	vault, err := p.deployKeyVault(trust)
	if err != nil {
		return nil, err
	}
	perimeter, err := p.deployPerimeter()
	if err != nil {
		return nil, err
	}
	cluster, err := p.deployCluster(perimeter)
	if err != nil {
		return nil, err
	}
	data, err := p.deployData(cluster)
	if err != nil {
		return nil, err
	}
	endpoints, err := p.deployPrivateEndpoints(vault, cluster, data)
	if err != nil {
		return nil, err
	}
	api, err := p.deployBackendAPI(apim, trust)
	if err != nil {
		return nil, err
	}
	edge, err := p.deployEdge(trust, vault, endpoints, apim)
	if err != nil {
		return nil, err
	}
	alerts, err := p.deployAlerts(edge, apim, cluster)
	if err != nil {
		return nil, err
	}
	inCluster, err := p.deployInCluster(cluster, trust, data)
	if err != nil {
		return nil, err
	}
	siem, err := p.deploySentinel()
	if err != nil {
		return nil, err
	}
	return []stackLayer{trust, apim, vault, perimeter, cluster, data, endpoints, api, edge, alerts, inCluster, siem}, nil
}
