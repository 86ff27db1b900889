// Package export writes what the program records as files that infrastructure scanners read: an ARM
// deployment template of every azure-native resource and the in-cluster objects as Kubernetes YAML.
// Secrets never reach the files: in the template they become securestring parameters without a
// value, in the manifests a Secret's data is redacted.
package export

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// TemplateSchema is the schema of resource-group deployment templates.
const TemplateSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

// Template is an ARM deployment template.
type Template struct {
	// Schema is TemplateSchema.
	Schema string `json:"$schema"`
	// ContentVersion is the template's version.
	ContentVersion string `json:"contentVersion"`
	// Parameters are the secrets, one securestring (or secureObject) each, never with a value.
	Parameters map[string]Parameter `json:"parameters"`
	// Resources are the azure-native resources, in recording order.
	Resources []TemplateResource `json:"resources"`
}

// Parameter is a template parameter.
type Parameter struct {
	// Type is securestring or secureObject.
	Type string `json:"type"`
	// Metadata says which resource property it stands for.
	Metadata map[string]string `json:"metadata"`
}

// TemplateResource is one resource of a template.
type TemplateResource struct {
	// Type is the ARM resource type, e.g. Microsoft.ApiManagement/service/apis.
	Type string `json:"type"`
	// APIVersion is the REST API version the provider sends the resource with.
	APIVersion string `json:"apiVersion"`
	// Name is the resource's name; a child's holds its parents' names, slash-separated.
	Name string `json:"name"`
	// Scope is the resource an extension resource (diagnostic setting, role assignment) applies to.
	Scope string `json:"scope,omitempty"`
	// Comments names the Pulumi resource it comes from.
	Comments string `json:"comments"`
	// Location, Tags, SKU, Identity, Zones and Kind are the top-level fields ARM keeps outside
	// properties.
	Location any `json:"location,omitempty"`
	// Tags are the resource's tags.
	Tags any `json:"tags,omitempty"`
	// SKU is the resource's SKU.
	SKU any `json:"sku,omitempty"`
	// Identity is the resource's managed identity.
	Identity any `json:"identity,omitempty"`
	// Zones are the availability zones.
	Zones any `json:"zones,omitempty"`
	// Kind is the resource's kind.
	Kind any `json:"kind,omitempty"`
	// Properties are the other inputs, as the provider nests them under properties.
	Properties map[string]any `json:"properties,omitempty"`
}

// WireNames are the properties azure-native names differently from ARM, by ARM type: property path
// (below properties) to ARM's name of its last segment. Key Vault's SecretAttributes are exp and nbf
// in the REST API (keyvault resource-manager spec), expires and notBefore in the provider; a scanner
// reading the template looks for ARM's names.
var WireNames = map[string]map[string]string{
	"Microsoft.KeyVault/vaults/secrets": {"attributes.expires": "exp", "attributes.notBefore": "nbf"},
}

// rename applies WireNames to a resource's properties.
func rename(armType string, properties map[string]any) {
	for path, wire := range WireNames[armType] {
		segments := strings.Split(path, ".")
		node := properties
		for _, segment := range segments[:len(segments)-1] {
			child, ok := node[segment].(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = child
		}
		last := segments[len(segments)-1]
		if value, ok := node[last]; ok && node != nil {
			delete(node, last)
			node[wire] = value
		}
	}
}

// roleAssignmentType is the one type whose name ARM requires to be a GUID.
const roleAssignmentType = "Microsoft.Authorization/roleAssignments"

// guid matches a GUID.
var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// topLevelInputs are the inputs ARM keeps beside properties.
var topLevelInputs = []string{"location", "tags", "sku", "identity", "zones", "kind"}

// addressInputs only say where a resource is, never what it is.
var addressInputs = []string{"resourceGroupName", "scope", "resourceUri"}

// ARM builds the template of every azure-native custom resource of the recording.
func ARM(recording *harness.Recording) (*Template, error) {
	template := &Template{Schema: TemplateSchema, ContentVersion: "1.0.0.0", Parameters: map[string]Parameter{}}
	for _, res := range recording.Resources {
		if !res.Custom || !strings.HasPrefix(res.Type, "azure-native:") {
			continue
		}
		entry, err := templateResource(res, template.Parameters)
		if err != nil {
			return nil, err
		}
		template.Resources = append(template.Resources, entry)
	}
	return template, nil
}

// templateResource is one resource's template entry; its secrets become parameters.
func templateResource(res *harness.Resource, parameters map[string]Parameter) (TemplateResource, error) {
	version, err := APIVersion(res.Type)
	if harness.TypeMatches(res.Type, harness.GenericResourceType) {
		// A generic resource names its own API version.
		version, err = res.InputString("apiVersion"), nil
	}
	if err != nil {
		return TemplateResource{}, fmt.Errorf("exporting %s: %w", res.Name, err)
	}
	address := harness.ARMAddressOf(res)
	entry := TemplateResource{Type: address.Type, APIVersion: version, Name: address.Name, Comments: res.URN, Properties: map[string]any{}}
	if address.Type == roleAssignmentType && !guid.MatchString(address.Name) {
		// The provider names a role assignment with a GUID of its own choosing; ARM requires one.
		entry.Name = fmt.Sprintf("[guid('%s')]", res.URN)
	}
	entry.Scope = address.Scope
	for _, name := range []string{"scope", "resourceUri"} {
		if value, ok := res.Inputs[resource.PropertyKey(name)]; ok && value.IsString() {
			entry.Scope = value.StringValue()
		}
	}
	for key, value := range res.Inputs {
		name := string(key)
		if slices.Contains(address.PathInputs, name) || slices.Contains(addressInputs, name) {
			continue
		}
		exported := exportValue(value, res.Name+"."+name, parameters)
		switch {
		case name == "properties":
			if nested, ok := exported.(map[string]any); ok {
				for inner, innerValue := range nested {
					entry.Properties[inner] = innerValue
				}
				continue
			}
			entry.Properties[name] = exported
		case slices.Contains(topLevelInputs, name):
			setTopLevel(&entry, name, exported)
		default:
			entry.Properties[name] = exported
		}
	}
	rename(entry.Type, entry.Properties)
	return entry, nil
}

// setTopLevel sets one of the fields ARM keeps beside properties.
func setTopLevel(entry *TemplateResource, name string, value any) {
	switch name {
	case "location":
		entry.Location = value
	case "tags":
		entry.Tags = value
	case "sku":
		entry.SKU = value
	case "identity":
		entry.Identity = value
	case "zones":
		entry.Zones = value
	case "kind":
		entry.Kind = value
	}
}

// parameterName turns a resource property path into a template parameter name: letters, digits and
// underscores.
var parameterName = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// exportValue is a recorded input as the template holds it: plain values as they are, each secret a
// reference to a parameter of its own (declared in parameters, never with its value).
func exportValue(value resource.PropertyValue, path string, parameters map[string]Parameter) any {
	return plainData(value, path, func(secret resource.PropertyValue, path string) any {
		name := parameterName.ReplaceAllString(path, "_")
		kind := "securestring"
		if secret.IsObject() || secret.IsArray() {
			kind = "secureObject"
		}
		parameters[name] = Parameter{Type: kind, Metadata: map[string]string{"description": "secret " + path + ": from the Pulumi state, never exported"}}
		return fmt.Sprintf("[parameters('%s')]", name)
	})
}

// plainData is a recorded value as plain data (maps, lists, strings, numbers, booleans) for a file,
// with every secret replaced by what hide makes of it (given the secret's value and its path) and
// unknown values marked; the files' one walk over recorded values.
func plainData(value resource.PropertyValue, path string, hide func(secret resource.PropertyValue, path string) any) any {
	switch {
	case value.IsSecret():
		return hide(value.SecretValue().Element, path)
	case value.IsComputed(), value.IsOutput() && !value.OutputValue().Known:
		return "(known after deployment)"
	case value.IsOutput():
		return plainData(value.OutputValue().Element, path, hide)
	case value.IsObject():
		object := map[string]any{}
		for key, inner := range value.ObjectValue() {
			object[string(key)] = plainData(inner, path+"."+string(key), hide)
		}
		return object
	case value.IsArray():
		items := make([]any, 0, len(value.ArrayValue()))
		for i, inner := range value.ArrayValue() {
			items = append(items, plainData(inner, fmt.Sprintf("%s.%d", path, i), hide))
		}
		return items
	default:
		return harness.Plain(value)
	}
}

// ParametersSchema is the schema of deployment parameter files.
const ParametersSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"

// ParameterFile is a deployment parameter file linked to its template (metadata.template), the form
// PSRule for Azure expands a template from.
type ParameterFile struct {
	// Schema is ParametersSchema.
	Schema string `json:"$schema"`
	// ContentVersion is the file's version.
	ContentVersion string `json:"contentVersion"`
	// Metadata links the template: {"template": "./azuredeploy.json"}.
	Metadata map[string]string `json:"metadata"`
	// Parameters give every secret parameter a placeholder, never its value.
	Parameters map[string]map[string]any `json:"parameters"`
}

// Placeholder is the value the parameter file gives every secret.
const Placeholder = "redacted-for-scanning"

// Parameters is the parameter file of a template: every parameter a placeholder.
func Parameters(template *Template, templateFile string) ParameterFile {
	file := ParameterFile{Schema: ParametersSchema, ContentVersion: "1.0.0.0", Metadata: map[string]string{"template": "./" + templateFile},
		Parameters: map[string]map[string]any{}}
	for name, parameter := range template.Parameters {
		var value any = Placeholder
		if parameter.Type == "secureObject" {
			value = map[string]any{}
		}
		file.Parameters[name] = map[string]any{"value": value}
	}
	return file
}

// versionedModule matches a type token's module with an explicit API version: apimanagement/v20240501.
var versionedModule = regexp.MustCompile(`^[a-z]+/v(\d{4})(\d{2})(\d{2})(preview)?$`)

// APIVersion is the REST API version the provider sends a resource type with: the one in its token
// (azure-native:apimanagement/v20240501:Api), or its module's default (DefaultAPIVersions).
func APIVersion(token string) (string, error) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return "", fmt.Errorf("type token %q is not package:module:Type", token)
	}
	if match := versionedModule.FindStringSubmatch(parts[1]); match != nil {
		version := match[1] + "-" + match[2] + "-" + match[3]
		if match[4] != "" {
			version += "-preview"
		}
		return version, nil
	}
	base := strings.TrimPrefix(pack.BaseType(token), "azure-native:")
	if version, ok := DefaultAPIVersions[base]; ok {
		return version, nil
	}
	return "", fmt.Errorf("no API version known for %s: add its module default to DefaultAPIVersions", token)
}
