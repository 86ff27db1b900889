// Stack config loading that matches the Pulumi CLI: Pulumi.yaml + Pulumi.<stack>.yaml, defaults, type checks.

package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// Edit changes a stack's config before project defaults are applied, the way `pulumi config set` would.
type Edit func(project string, stackConfig config.Map) error

// Set is `pulumi config set --path <path> <value>`: value may be a string, bool, int, a []any or a
// map[string]any (objects and lists are stored as JSON, like the CLI stores structured values).
func Set(path string, value any) Edit {
	return func(project string, stackConfig config.Map) error {
		configValue, err := toConfigValue(value)
		if err != nil {
			return err
		}
		return stackConfig.Set(config.MustMakeKey(project, path), configValue, true)
	}
}

// SetFlat is `pulumi config set <key> <value>` without --path: a dotted key stays one flat key.
func SetFlat(key, value string) Edit {
	return func(project string, stackConfig config.Map) error {
		return stackConfig.Set(config.MustMakeKey(project, key), config.NewValue(value), false)
	}
}

// SetRaw is `pulumi config set <namespace>:<key> <value>`: a key in any namespace, e.g. a provider's
// or a misspelled project's.
func SetRaw(fullKey, value string) Edit {
	return func(_ string, stackConfig config.Map) error {
		key, err := config.ParseKey(fullKey)
		if err != nil {
			return fmt.Errorf("config key %s: %w", fullKey, err)
		}
		return stackConfig.Set(key, config.NewValue(value), false)
	}
}

// Remove is `pulumi config rm --path <path>`.
func Remove(path string) Edit {
	return func(project string, stackConfig config.Map) error {
		return stackConfig.Remove(config.MustMakeKey(project, path), true)
	}
}

func toConfigValue(value any) (config.Value, error) {
	switch typed := value.(type) {
	case string:
		return config.NewValue(typed), nil
	case bool:
		return config.NewTypedValue(fmt.Sprint(typed), config.TypeBool), nil
	case int:
		return config.NewTypedValue(fmt.Sprint(typed), config.TypeInt), nil
	default:
		encoded, err := json.Marshal(typed)
		if err != nil {
			return config.Value{}, err
		}
		return config.NewObjectValue(string(encoded)), nil
	}
}

// LoadStackConfig reads the project and stack files in projectDir, applies edits, then merges the
// project's declared defaults and checks declared types exactly as the CLI does before `pulumi up`
// (pulumi/pkg workspace.ValidateStackConfigAndApplyProjectConfig: path-based defaults, missing
// required keys, type errors). It returns the project name and the raw config the program receives.
// Stack files must be secret-free: the harness has no passphrase.
func LoadStackConfig(projectDir, stack string, edits ...Edit) (string, map[string]string, error) {
	project, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		return "", nil, err
	}
	projectName := project.Name.String()
	stackPath := filepath.Join(projectDir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); err != nil {
		return "", nil, fmt.Errorf("%w %q: %s does not exist (stacks here: %s)", ErrUnknownStack, stack, stackPath, strings.Join(Stacks(projectDir), ", "))
	}
	projectStack, err := workspace.LoadProjectStack(nil, project, stackPath)
	if err != nil {
		return "", nil, fmt.Errorf("loading %s: %w", stackPath, err)
	}
	stackConfig := projectStack.Config
	if stackConfig.HasSecureValue() {
		return "", nil, fmt.Errorf("%s holds encrypted values (%v); stack files of this project must be secret-free", stackPath, stackConfig.SecureKeys())
	}
	for _, edit := range edits {
		if err := edit(projectName, stackConfig); err != nil {
			return "", nil, fmt.Errorf("editing config: %w", err)
		}
	}
	if err := applyProjectConfig(stack, project, stackConfig); err != nil {
		return "", nil, err
	}
	decrypted, err := stackConfig.Decrypt(config.NopDecrypter)
	if err != nil {
		return "", nil, err
	}
	raw := make(map[string]string, len(decrypted))
	for key, value := range decrypted {
		raw[key.String()] = value
	}
	return projectName, raw, nil
}

// applyProjectConfig merges declared defaults into the stack config and validates declared types.
func applyProjectConfig(stack string, project *workspace.Project, stackConfig config.Map) error {
	projectName := project.Name.String()
	keys := make([]string, 0, len(project.Config))
	for key := range project.Config {
		keys = append(keys, key)
	}
	sort.Strings(keys)

	var missing []string
	for _, name := range keys {
		declaration := project.Config[name]
		key, err := projectKey(projectName, name)
		if err != nil {
			return err
		}
		_, found, err := stackConfig.Get(key, true)
		if err != nil {
			return fmt.Errorf("reading stack config %s: %w", key, err)
		}
		if found {
			continue
		}
		value := declaration.Value
		if declaration.Default != nil {
			value = declaration.Default
		}
		if value == nil {
			if key.Namespace() == projectName {
				missing = append(missing, name)
			}
			continue
		}
		configValue, err := defaultValue(value)
		if err != nil {
			return err
		}
		if err := stackConfig.Set(key, configValue, true); err != nil {
			return fmt.Errorf("applying default of %s: %w", name, err)
		}
	}
	if len(missing) > 0 {
		//nolint:staticcheck // ST1005: the Pulumi CLI's own message, word for word, which tests compare
		return fmt.Errorf("Stack '%s' is missing configuration values %s", stack, strings.Join(missing, ", "))
	}

	for _, name := range keys {
		declaration := project.Config[name]
		if !declaration.IsExplicitlyTyped() {
			continue
		}
		key, _ := projectKey(projectName, name)
		value, _, err := stackConfig.Get(key, true)
		if err != nil {
			return err
		}
		text, err := value.Value(config.NopDecrypter)
		if err != nil {
			return err
		}
		var content any = text
		if value.Object() {
			if err := json.Unmarshal([]byte(text), &content); err != nil {
				return err
			}
		}
		if !workspace.ValidateConfigValue(*declaration.Type, declaration.Items, content) {
			//nolint:staticcheck // ST1005: the Pulumi CLI's own message, word for word
			return fmt.Errorf("Stack '%s' with configuration key '%s' must be of type '%s'",
				stack, name, workspace.InferFullTypeName(*declaration.Type, declaration.Items))
		}
	}
	return nil
}

// projectKey parses a Pulumi.yaml config key, which is in the project's namespace unless it says otherwise.
func projectKey(projectName, name string) (config.Key, error) {
	if strings.Contains(name, ":") {
		return config.ParseKey(name)
	}
	return config.MustMakeKey(projectName, name), nil
}

// defaultValue turns a declared default into a config value the way the CLI does: strings, ints and
// bools as plain values, everything else as JSON objects.
func defaultValue(value any) (config.Value, error) {
	switch value.(type) {
	case string, int, bool:
		return config.NewValue(fmt.Sprint(value)), nil
	}
	simplified, err := workspace.SimplifyMarshalledValue(value)
	if err != nil {
		return config.Value{}, err
	}
	encoded, err := json.Marshal(simplified)
	if err != nil {
		return config.Value{}, err
	}
	return config.NewObjectValue(string(encoded)), nil
}

// Stacks lists the stack names that have a Pulumi.<stack>.yaml in projectDir.
func Stacks(projectDir string) []string {
	matches, _ := filepath.Glob(filepath.Join(projectDir, "Pulumi.*.yaml"))
	var stacks []string
	for _, match := range matches {
		stacks = append(stacks, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(match), "Pulumi."), ".yaml"))
	}
	sort.Strings(stacks)
	return stacks
}

// ErrUnknownStack is wrapped by LoadStackConfig when no stack file exists.
var ErrUnknownStack = errors.New("unknown stack")
