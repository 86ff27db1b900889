// The export for scanners: every recorded azure-native resource in the ARM template with its
// properties, every in-cluster object in the manifests, and no secret in either.

package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/apiplatform/azure-api-platform/internal/export"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// TestExportHoldsEveryRecordedResource checks, for every stack variant, that each recorded
// azure-native resource appears once in the template: its ARM type and name from its path, an API
// version, and every input that is not part of its address, where ARM puts it (top level or under
// properties), each secret replaced by a parameter that has no value.
func TestExportHoldsEveryRecordedResource(t *testing.T) {
	t.Parallel()
	for _, variant := range featureVariants {
		t.Run(variant.name, func(t *testing.T) {
			t.Parallel()
			recording := runVariant(t, variant)
			template, err := export.ARM(recording)
			require.NoError(t, err)
			byURN := map[string]export.TemplateResource{}
			for _, entry := range template.Resources {
				require.NotContains(t, byURN, entry.Comments, "one entry per resource")
				byURN[entry.Comments] = entry
			}
			for _, res := range recording.Resources {
				if !res.Custom || !strings.HasPrefix(res.Type, "azure-native:") {
					continue
				}
				entry, ok := byURN[res.URN]
				require.True(t, ok, "%s is in the template", res.URN)
				assertExported(t, res, entry, template.Parameters)
			}
			assert.Len(t, template.Resources, len(byURN))
			encoded, err := json.Marshal(template)
			require.NoError(t, err)
			for _, secret := range secretStrings(recording) {
				assert.NotContains(t, string(encoded), secret, "no secret value is written")
			}
		})
	}
}

// assertExported compares one resource's template entry with its recorded inputs.
func assertExported(t *testing.T, res *harness.Resource, entry export.TemplateResource, parameters map[string]export.Parameter) {
	t.Helper()
	address := harness.ARMAddressOf(res)
	assert.Equal(t, address.Type, entry.Type, res.Name)
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}(-preview)?$`, entry.APIVersion, res.Name)
	if harness.TypeMatches(res.Type, harness.GenericResourceType) {
		assert.Equal(t, res.InputString("apiVersion"), entry.APIVersion, "%s is exported with the API version it names", res.Name)
	}
	if entry.Type != "Microsoft.Authorization/roleAssignments" {
		assert.Equal(t, address.Name, entry.Name, res.Name)
	}
	providerNames(entry.Type, entry.Properties)
	topLevel := map[string]any{"location": entry.Location, "tags": entry.Tags, "sku": entry.SKU, "identity": entry.Identity, "zones": entry.Zones, "kind": entry.Kind}
	for key, value := range res.Inputs {
		name := string(key)
		if slices.Contains(address.PathInputs, name) || slices.Contains([]string{"resourceGroupName", "scope", "resourceUri"}, name) {
			continue
		}
		exported, atTop := topLevel[name]
		if !atTop {
			exported = entry.Properties[name]
		}
		if name == "properties" {
			for inner, innerValue := range value.ObjectValue() {
				assertSameValue(t, res.Name+"."+string(inner), innerValue, entry.Properties[string(inner)], parameters)
			}
			continue
		}
		assertSameValue(t, res.Name+"."+name, value, exported, parameters)
	}
}

// providerNames undoes export.WireNames, so the exported properties compare with the provider's inputs;
// it also checks each renamed property is there under ARM's name.
func providerNames(armType string, properties map[string]any) {
	for path, wire := range export.WireNames[armType] {
		segments := strings.Split(path, ".")
		node := properties
		for _, segment := range segments[:len(segments)-1] {
			node, _ = node[segment].(map[string]any)
		}
		if value, ok := node[wire]; ok {
			delete(node, wire)
			node[segments[len(segments)-1]] = value
		}
	}
}

// assertSameValue checks an exported value against the recorded one: equal as plain data, except that
// each secret is a reference to a declared securestring or secureObject parameter.
func assertSameValue(t *testing.T, path string, recorded resource.PropertyValue, exported any, parameters map[string]export.Parameter) {
	t.Helper()
	switch {
	case recorded.IsSecret():
		reference, ok := exported.(string)
		require.True(t, ok, "%s: a secret becomes a parameter reference, got %v", path, exported)
		name := regexp.MustCompile(`^\[parameters\('([A-Za-z0-9_]+)'\)\]$`).FindStringSubmatch(reference)
		require.NotNil(t, name, "%s: %q", path, reference)
		require.Contains(t, parameters, name[1])
		assert.Contains(t, []string{"securestring", "secureObject"}, parameters[name[1]].Type)
	case recorded.IsObject():
		object, ok := exported.(map[string]any)
		require.True(t, ok, "%s is an object", path)
		assert.Len(t, object, len(recorded.ObjectValue()), path)
		for key, inner := range recorded.ObjectValue() {
			assertSameValue(t, path+"."+string(key), inner, object[string(key)], parameters)
		}
	case recorded.IsArray():
		items, ok := exported.([]any)
		require.True(t, ok, "%s is a list", path)
		require.Len(t, items, len(recorded.ArrayValue()), path)
		for i, inner := range recorded.ArrayValue() {
			assertSameValue(t, path, inner, items[i], parameters)
		}
	case recorded.IsOutput() && recorded.OutputValue().Known:
		assertSameValue(t, path, recorded.OutputValue().Element, exported, parameters)
	case recorded.IsComputed(), recorded.IsOutput():
		assert.Equal(t, "(known after deployment)", exported, path)
	default:
		assert.Equal(t, harness.Plain(recorded), exported, path)
	}
}

// secretStrings are the string values of every secret input of the recording that are long enough to
// be key material rather than a word.
func secretStrings(recording *harness.Recording) []string {
	var found []string
	var walk func(value resource.PropertyValue, secret bool)
	walk = func(value resource.PropertyValue, secret bool) {
		switch {
		case value.IsSecret():
			walk(value.SecretValue().Element, true)
		case value.IsOutput():
			walk(value.OutputValue().Element, secret)
		case value.IsObject():
			for _, inner := range value.ObjectValue() {
				walk(inner, secret)
			}
		case value.IsArray():
			for _, inner := range value.ArrayValue() {
				walk(inner, secret)
			}
		case value.IsString() && secret && len(value.StringValue()) >= 16:
			found = append(found, value.StringValue())
		}
	}
	for _, res := range recording.Resources {
		walk(resource.NewObjectProperty(res.Inputs), false)
	}
	return found
}

// TestExportedManifests checks the manifests: every in-cluster object once, as Kubernetes YAML with
// the kind its type names, a Secret's entries kept by name with their values redacted, and no secret
// value anywhere.
func TestExportedManifests(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	manifests, err := export.Manifests(recording)
	require.NoError(t, err)
	decoder := yaml.NewDecoder(strings.NewReader(manifests))
	var kinds []string
	for {
		var object map[string]any
		err := decoder.Decode(&object)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		kinds = append(kinds, object["kind"].(string))
		require.NotEmpty(t, object["apiVersion"])
		if object["kind"] == "Secret" {
			data, _ := object["stringData"].(map[string]any)
			require.NotEmpty(t, data, "a Secret keeps its entries' names")
			for name, value := range data {
				assert.Equal(t, export.Redacted, value, name)
			}
		}
	}
	var want []string
	for _, res := range recording.Resources {
		if res.Custom && strings.HasPrefix(res.Type, "kubernetes:") {
			want = append(want, strings.TrimSuffix(pack.BaseType(res.Type)[strings.LastIndex(pack.BaseType(res.Type), ":")+1:], "Patch"))
		}
	}
	require.NotEmpty(t, want, "the recording has in-cluster objects")
	assert.Equal(t, want, kinds)
	assert.Contains(t, kinds, "Gateway")
	for _, secret := range secretStrings(recording) {
		assert.NotContains(t, manifests, secret)
	}
}

// TestDefaultAPIVersionsFollowTheModules reads, for every default-version type the program records,
// the REST API version its pinned SDK module says it uses, from the module cache: the table cannot
// drift from go.mod.
func TestDefaultAPIVersionsFollowTheModules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH; the test finds the SDK sources with go list")
	}
	version := regexp.MustCompile(`(?:Uses )?Azure REST API version:? (\d{4}-\d{2}-\d{2}(?:-preview)?)`)
	seen := map[string]bool{}
	for _, variant := range featureVariants {
		for _, res := range runVariant(t, variant).Resources {
			parts := strings.Split(res.Type, ":")
			if !res.Custom || parts[0] != "azure-native" || strings.Contains(parts[1], "/") || seen[parts[1]+":"+parts[2]] {
				continue
			}
			if harness.TypeMatches(res.Type, harness.GenericResourceType) {
				// A generic resource sends the API version it names (assertExported checks it).
				continue
			}
			seen[parts[1]+":"+parts[2]] = true
			var dir bytes.Buffer
			command := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-azure-native-sdk/"+parts[1]+"/v2")
			command.Dir, command.Stdout = projectDir, &dir
			require.NoError(t, command.Run(), parts[1])
			source, err := os.ReadFile(sdkSourceFile(t, strings.TrimSpace(dir.String()), parts[2]))
			require.NoError(t, err)
			match := version.FindSubmatch(source)
			require.NotNil(t, match, "%s states its API version", res.Type)
			assert.Equal(t, string(match[1]), export.DefaultAPIVersions[parts[1]+":"+parts[2]], "%s:%s", parts[1], parts[2])
		}
	}
	assert.Len(t, export.DefaultAPIVersions, len(seen), "every entry is used")
}

// sdkSourceFile is the file of an azure-native SDK module that defines a resource type: the type's name
// with a lower-case first letter (apiManagementService.go), or for acronym-led names the file whose
// name matches case-insensitively (AFDEndpoint is in afdendpoint.go).
func sdkSourceFile(t *testing.T, dir, typeName string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, entry := range entries {
		if strings.EqualFold(entry.Name(), typeName+".go") {
			return filepath.Join(dir, entry.Name())
		}
	}
	require.Failf(t, "no SDK source", "%s has no file for %s", dir, typeName)
	return ""
}

// TestExportCommand drives `make export`'s command: both files under the ignored build/export/<stack>
// by default, and bad input exits 2 writing nothing.
func TestExportCommand(t *testing.T) {
	t.Parallel()
	workdir := t.TempDir()
	copyProject(t, workdir)
	var stdout, stderr bytes.Buffer
	require.Equal(t, export.ExitWritten, export.Main([]string{"-stack", "dev", "-project", workdir}, &stdout, &stderr), stderr.String())
	for _, name := range []string{export.TemplateFile, export.ParametersFile, export.ManifestsFile} {
		assert.FileExists(t, filepath.Join(workdir, "build", "export", "dev", name))
	}
	var parameters export.ParameterFile
	data, err := os.ReadFile(filepath.Join(workdir, "build", "export", "dev", export.ParametersFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &parameters))
	assert.Equal(t, "./"+export.TemplateFile, parameters.Metadata["template"], "PSRule finds the template from the parameter file")
	var template export.Template
	data, err = os.ReadFile(filepath.Join(workdir, "build", "export", "dev", export.TemplateFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &template))
	assert.Equal(t, export.TemplateSchema, template.Schema)
	require.NotEmpty(t, template.Parameters)
	for name := range template.Parameters {
		assert.Equal(t, map[string]any{"value": export.Placeholder}, parameters.Parameters[name], "%s has a placeholder, not its value", name)
	}

	for _, args := range [][]string{{"-stack", "qa"}, {}} {
		stdout.Reset()
		stderr.Reset()
		out := filepath.Join(t.TempDir(), "out")
		assert.Equal(t, export.ExitBadInput, export.Main(append(args, "-project", workdir, "-out", out), &stdout, &stderr), "%v", args)
		assert.NoDirExists(t, out, "nothing is written on bad input")
	}
}

// TestExportUsesARMNames checks a property azure-native renames reaches the template under ARM's
// name: a Key Vault secret's expiry is attributes.exp, which scanners check (Trivy AZU-0017).
func TestExportUsesARMNames(t *testing.T) {
	t.Parallel()
	template, err := export.ARM(runStack(t, "prod"))
	require.NoError(t, err)
	secrets := 0
	for _, entry := range template.Resources {
		if entry.Type != "Microsoft.KeyVault/vaults/secrets" {
			continue
		}
		secrets++
		attributes, _ := entry.Properties["attributes"].(map[string]any)
		assert.NotNil(t, attributes["exp"], "%s expires, under ARM's name", entry.Name)
		assert.NotContains(t, attributes, "expires")
	}
	assert.Positive(t, secrets)
}
