// Stack files: both load, validate and run to completion; Pulumi.yaml and the typed config agree.

package tests

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/kubeconfig"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// TestStackFilesRunToCompletion runs the real program for each stack file and checks the recording
// is a complete, well-formed resource graph.
func TestStackFilesRunToCompletion(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			recording := runStack(t, stack)
			require.NotEmpty(t, recording.OfType("azure-native:resources:ResourceGroup"))
			require.Len(t, recording.OfType("azure-native:network:VirtualNetwork"), 1)
			for _, res := range recording.Resources {
				if res.Parent != "" && !strings.HasSuffix(res.Parent, "::apiplatform-"+stack) {
					assert.NotNil(t, recording.ByURN(res.Parent), "%s's parent %s is a recorded resource", res.Name, res.Parent)
				}
				for _, dependency := range res.Dependencies {
					assert.NotNil(t, recording.ByURN(dependency), "%s's dependency %s is a recorded resource", res.Name, dependency)
				}
			}
		})
	}
}

// TestStackFilesAreSecretFree checks that nothing in a stack file needs a passphrase to read.
func TestStackFilesAreSecretFree(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(projectDir, "Pulumi."+stack+".yaml"))
			require.NoError(t, err)
			for _, marker := range []string{"secure:", "encryptionsalt", "encryptedkey"} {
				assert.NotContains(t, string(text), marker)
			}
			project, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
			require.NoError(t, err)
			projectStack, err := workspace.LoadProjectStack(nil, project, filepath.Join(projectDir, "Pulumi."+stack+".yaml"))
			require.NoError(t, err)
			assert.False(t, projectStack.Config.HasSecureValue())
		})
	}
}

// TestStackFilesDisableDefaultProviders checks both stacks forbid implicit providers, so a resource
// that forgets its provider fails at preview rather than using ambient defaults.
func TestStackFilesDisableDefaultProviders(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			_, raw, err := harness.LoadStackConfig(projectDir, stack)
			require.NoError(t, err)
			var disabled []string
			require.NoError(t, json.Unmarshal([]byte(raw["pulumi:disable-default-providers"]), &disabled))
			assert.Equal(t, []string{"*"}, disabled)
		})
	}
}

// defaultTypeName is the Pulumi.yaml type a declared default has.
func defaultTypeName(value any) string {
	switch value.(type) {
	case string:
		return "string"
	case int, float64:
		return "integer"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	default:
		return fmt.Sprintf("%T", value)
	}
}

// TestPulumiYamlDocumentsEverySetting checks Pulumi.yaml against the typed config: every setting is
// either declared with its environment-independent default and matching type, or comes from the
// environment profile and is documented (with both defaults) in its object's description; nothing is
// declared that the program does not read.
func TestPulumiYamlDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	project, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
	require.NoError(t, err, "Pulumi.yaml must pass the CLI's own schema validation")
	assert.Equal(t, "go", project.Runtime.Name())

	profiles := config.ProfilePaths()
	development, production := profiles[config.Development], profiles[config.Production]
	require.Equal(t, slices.Sorted(maps.Keys(development)), slices.Sorted(maps.Keys(production)), "both profiles set the same settings")

	kindTypes := map[reflect.Kind]string{reflect.String: "string", reflect.Int: "integer", reflect.Bool: "boolean", reflect.Slice: "array", reflect.Map: "object"}
	for path, kind := range config.Paths() {
		declaration, declared := project.Config[path]
		_, fromProfile := development[path]
		switch {
		case declared && fromProfile:
			t.Errorf("%s is declared in Pulumi.yaml and set by the profile: the CLI would apply the declared default to every stack and override the profile", path)
		case declared:
			// Untyped, so the program, not the CLI, reports a wrong type, with every other problem.
			assert.False(t, declaration.IsExplicitlyTyped(), "%s declares no type: the CLI would refuse a wrong one alone, before the program runs", path)
			assert.Equal(t, kindTypes[kind], defaultTypeName(declaration.Default), "%s's default has the setting's type", path)
			assert.NotNil(t, declaration.Default, "%s needs a default in Pulumi.yaml", path)
			assert.NotEmpty(t, declaration.Description, "%s needs a description", path)
		case fromProfile:
			object, description := documentingObject(project, path)
			require.NotEmpty(t, object, "%s comes from the profile; an enclosing object must be declared to document it", path)
			leaf := path[strings.LastIndex(path, ".")+1:]
			want := fmt.Sprintf("%s (dev %s, prod %s", leaf, render(development[path]), render(production[path]))
			assert.Contains(t, description, want, "%s's description must document %s", object, path)
		default:
			t.Errorf("%s is neither declared in Pulumi.yaml nor set by the environment profile", path)
		}
	}
	paths := config.Paths()
	for name, declaration := range project.Config {
		if _, leaf := paths[name]; leaf {
			continue
		}
		assert.Equal(t, "object", declaration.TypeName(), "%s is not a setting, so it must be an object that documents profile settings", name)
		assert.Equal(t, map[string]any{}, declaration.Default, "%s must default to an empty object", name)
		documentsSomething := false
		for path := range development {
			if strings.HasPrefix(path, name+".") {
				documentsSomething = true
			}
		}
		assert.True(t, documentsSomething, "%s is declared but contains no profile setting", name)
	}
}

// documentingObject returns the nearest declared ancestor object of a path and its description.
func documentingObject(project *workspace.Project, path string) (string, string) {
	for parent := path; strings.Contains(parent, "."); {
		parent = parent[:strings.LastIndex(parent, ".")]
		if declaration, ok := project.Config[parent]; ok {
			return parent, declaration.Description
		}
	}
	return "", ""
}

// render writes a profile value the way Pulumi.yaml's descriptions do.
func render(value any) string {
	encoded, _ := json.Marshal(value)
	return string(encoded)
}

// TestEnvironmentPosture checks what each stack file resolves to: dev is the cheapest sensible
// deployment, prod the production posture the platform promises.
func TestEnvironmentPosture(t *testing.T) {
	t.Parallel()
	dev := mustLoadConfig(t, "dev")
	assert.Equal(t, config.Development, dev.Environment)
	assert.Equal(t, config.APIManagementDeveloper, dev.APIManagement.SKU)
	assert.Equal(t, 1, dev.APIManagement.Capacity)
	assert.Equal(t, 1, dev.Kubernetes.SystemPool.MaxCount, "one system node")
	for name, zones := range map[string][]string{"apiManagement": dev.APIManagement.Zones, "applicationGateway": dev.ApplicationGateway.Zones, "kubernetes": dev.Kubernetes.Zones} {
		assert.Empty(t, zones, "dev has no zones (%s)", name)
	}
	assert.False(t, dev.Perimeter.EgressRouted() || dev.Perimeter.JumpboxEnabled, "no firewall or jumpbox in dev")
	assert.True(t, dev.Perimeter.BastionEnabled, "dev has the Bastion make deploy tunnels through to the private API server")
	for name, c := range map[string]*config.Config{"dev": dev, "prod": mustLoadConfig(t, "prod")} {
		assert.True(t, c.Kubernetes.DeployInCluster, "%s deploys the in-cluster layer", name)
		assert.Equal(t, kubeconfig.AzureCLILogin, c.Kubernetes.LoginMethod, "%s signs kubelogin in with the Azure CLI by default", name)
	}
	assert.False(t, dev.SQL.Enabled, "SQL is opt-in")
	assert.False(t, dev.Protection.StatefulResourcesProtected)

	prod := mustLoadConfig(t, "prod")
	assert.Equal(t, config.Production, prod.Environment)
	assert.Equal(t, config.APIManagementPremium, prod.APIManagement.SKU)
	assert.GreaterOrEqual(t, prod.APIManagement.Capacity, 2)
	assert.GreaterOrEqual(t, len(prod.APIManagement.Zones), 2, "APIM units across zones")
	assert.Zero(t, prod.APIManagement.Capacity%len(prod.APIManagement.Zones))
	assert.Equal(t, []string{"1", "2", "3"}, prod.ApplicationGateway.Zones)
	assert.GreaterOrEqual(t, prod.ApplicationGateway.MinCapacity, 2, "autoscale with at least two instances")
	assert.Greater(t, prod.ApplicationGateway.MaxCapacity, prod.ApplicationGateway.MinCapacity)
	assert.Equal(t, []string{"1", "2", "3"}, prod.Kubernetes.Zones)
	assert.True(t, prod.Perimeter.FirewallEnabled() && prod.Perimeter.BastionEnabled && prod.Perimeter.JumpboxEnabled, "the whole perimeter in prod")
	assert.True(t, prod.SQL.ZoneRedundant, "a prod database, when enabled, survives a zone outage")
	assert.True(t, prod.Protection.StatefulResourcesProtected)
}

// TestExplicitKeysOverrideTheProfile checks that an explicit setting wins over the profile default,
// and that a new stack gets its defaults from `environment`, not from its name.
func TestExplicitKeysOverrideTheProfile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		stack string
		edit  harness.Edit
		check func(*testing.T, *config.Config)
	}{
		{"prod with four units", "prod", harness.Set("apiManagement.capacity", 4),
			func(t *testing.T, c *config.Config) { assert.Equal(t, 4, c.APIManagement.Capacity) }},
		{"dev with a jumpbox", "dev", harness.Set("perimeter.jumpboxEnabled", true),
			func(t *testing.T, c *config.Config) { assert.True(t, c.Perimeter.JumpboxEnabled) }},
		{"prod without zones for the gateway", "prod", harness.Set("applicationGateway.zones", []any{}),
			func(t *testing.T, c *config.Config) { assert.Empty(t, c.ApplicationGateway.Zones) }},
		{"dev pool bounds", "dev", harness.Set("kubernetes.userPool.maxCount", 6),
			func(t *testing.T, c *config.Config) {
				assert.Equal(t, 6, c.Kubernetes.UserPool.MaxCount)
				assert.Equal(t, 1, c.Kubernetes.UserPool.MinCount, "the sibling keeps its profile default")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustLoadConfig(t, tc.stack, tc.edit))
		})
	}

	t.Run("a staging stack with the prod profile", func(t *testing.T) {
		project, raw, err := harness.LoadStackConfig(projectDir, "prod")
		require.NoError(t, err)
		cfg, err := config.Load(project, "staging", raw)
		require.NoError(t, err)
		assert.Equal(t, config.APIManagementPremium, cfg.APIManagement.SKU)
		recording, err := harness.RunConfig(project, "staging", raw, harness.DeploySurroundings())
		require.NoError(t, err)
		assert.NotNil(t, recording.Find("azure-native:resources:ResourceGroup", "apiplat-staging-rg"),
			"names carry the stack name, so staging never collides with prod")
	})
}
