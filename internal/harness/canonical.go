// A canonical, deterministic rendering of a recording, for golden comparisons across refactors.

package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Canonical renders what the engine would receive from a run (every resource's URN, which carries its
// type, its parent, provider, options, dependencies and inputs, and the stack outputs) as indented
// JSON with sorted keys. Values that differ between runs by design are replaced by placeholders: PEM
// blocks, long base64 strings and SSH keys (the mocks generate real keys) become "<pem>", "<base64>"
// and "<ssh-key>", RFC 3339 times and Unix times of certificate validity "<time>", unknown values
// "<unknown>". Secret values keep their place, marked as secrets; secret strings read "<secret>".
func (r *Recording) Canonical() ([]byte, error) {
	type canonicalResource struct {
		URN                     string              `json:"urn"`
		Custom                  bool                `json:"custom"`
		Parent                  string              `json:"parent,omitempty"`
		Provider                string              `json:"provider,omitempty"`
		Providers               map[string]string   `json:"providers,omitempty"`
		Dependencies            []string            `json:"dependencies,omitempty"`
		PropertyDependencies    map[string][]string `json:"propertyDependencies,omitempty"`
		Protect                 bool                `json:"protect,omitempty"`
		RetainOnDelete          bool                `json:"retainOnDelete,omitempty"`
		IgnoreChanges           []string            `json:"ignoreChanges,omitempty"`
		CustomTimeouts          *Timeouts           `json:"customTimeouts,omitempty"`
		AdditionalSecretOutputs []string            `json:"additionalSecretOutputs,omitempty"`
		Inputs                  any                 `json:"inputs,omitempty"`
	}
	resources := make([]canonicalResource, 0, len(r.Resources))
	for _, res := range r.Resources {
		entry := canonicalResource{
			URN: res.URN, Custom: res.Custom, Parent: res.Parent, Provider: withoutProviderID(res.Provider),
			Providers: canonicalProviders(res.Providers), Dependencies: sortedUnique(res.Dependencies),
			Protect: res.Protect, RetainOnDelete: res.RetainOnDelete, IgnoreChanges: sortedUnique(res.IgnoreChanges),
			AdditionalSecretOutputs: sortedUnique(res.AdditionalSecretOutputs), Inputs: canonicalMap(res.Inputs),
		}
		if res.CustomTimeouts != (Timeouts{}) {
			timeouts := res.CustomTimeouts
			entry.CustomTimeouts = &timeouts
		}
		for property, urns := range res.PropertyDependencies {
			if len(urns) == 0 {
				continue
			}
			if entry.PropertyDependencies == nil {
				entry.PropertyDependencies = map[string][]string{}
			}
			entry.PropertyDependencies[property] = sortedUnique(urns)
		}
		resources = append(resources, entry)
	}
	// Registration order depends on when outputs resolve, so resources are listed by URN.
	slices.SortFunc(resources, func(a, b canonicalResource) int { return strings.Compare(a.URN, b.URN) })
	outputs := map[string]any{}
	for name, output := range r.Outputs {
		// Through JSON, so typed maps and slices (map[string]string) become the plain shapes.
		encoded, err := json.Marshal(output.Value)
		if err != nil {
			return nil, fmt.Errorf("encoding stack output %s: %w", name, err)
		}
		var plain any
		if err := json.Unmarshal(encoded, &plain); err != nil {
			return nil, fmt.Errorf("decoding stack output %s: %w", name, err)
		}
		value := canonicalPlain(plain)
		if output.Secret {
			value = map[string]any{"secret": hideSecret(value)}
		}
		outputs[name] = value
	}
	var rendered bytes.Buffer
	encoder := json.NewEncoder(&rendered)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", " ")
	document := map[string]any{"resources": resources, "outputs": outputs}
	if len(r.Warnings) > 0 {
		document["warnings"] = r.Warnings // what `pulumi up` would tell the user to act on, in order
	}
	if err := encoder.Encode(document); err != nil {
		return nil, fmt.Errorf("encoding recording: %w", err)
	}
	return rendered.Bytes(), nil
}

func canonicalProviders(providers map[string]string) map[string]string {
	if len(providers) == 0 {
		return nil
	}
	rendered := map[string]string{}
	for pkg, reference := range providers {
		rendered[pkg] = withoutProviderID(reference)
	}
	return rendered
}

// withoutProviderID drops the ID from a provider reference `<URN>::<ID>` (the mocks assign IDs; URNs
// contain "::" too, so the ID is what follows the last one).
func withoutProviderID(reference string) string {
	if index := strings.LastIndex(reference, "::"); index > 0 {
		return reference[:index]
	}
	return reference
}

func sortedUnique(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return slices.Compact(sorted)
}

func canonicalMap(properties resource.PropertyMap) any {
	if len(properties) == 0 {
		return nil
	}
	rendered := map[string]any{}
	for _, key := range slices.Sorted(maps.Keys(properties)) {
		value := properties[key]
		if timeKeys[string(key)] && value.IsNumber() {
			rendered[string(key)] = "<time>"
			continue
		}
		rendered[string(key)] = canonicalValue(value)
	}
	return rendered
}

func canonicalValue(value resource.PropertyValue) any {
	switch {
	case value.IsSecret():
		return map[string]any{"secret": hideSecret(canonicalValue(value.SecretValue().Element))}
	case value.IsComputed(), value.IsOutput() && !value.OutputValue().Known:
		return "<unknown>"
	case value.IsOutput():
		return canonicalValue(value.OutputValue().Element)
	case value.IsString():
		return canonicalString(value.StringValue())
	case value.IsArray():
		items := make([]any, 0, len(value.ArrayValue()))
		for _, item := range value.ArrayValue() {
			items = append(items, canonicalValue(item))
		}
		return items
	case value.IsObject():
		return canonicalMap(value.ObjectValue())
	default:
		return Plain(value)
	}
}

func canonicalPlain(value any) any {
	switch typed := value.(type) {
	case string:
		return canonicalString(typed)
	case []any:
		items := make([]any, 0, len(typed))
		for _, item := range typed {
			items = append(items, canonicalPlain(item))
		}
		return items
	case map[string]any:
		rendered := map[string]any{}
		for key, item := range typed {
			rendered[key] = canonicalPlain(item)
		}
		return rendered
	default:
		return value
	}
}

// hideSecret replaces a secret string (a generated key or password: the mocks' values are not real
// secrets, but a recording in the repository must not look like it holds any) by "<secret>"; the
// placeholders above stay, so a secret PEM still reads "<pem>".
func hideSecret(value any) any {
	if text, ok := value.(string); ok && !strings.HasPrefix(text, "<") {
		return "<secret>"
	}
	return value
}

// timeKeys are the properties that hold Unix times derived from certificate validity (Key Vault
// secret attributes), which follow the clock of the run.
var timeKeys = map[string]bool{"expires": true, "notBefore": true}

// canonicalString hides key material and certificate times, which the mocks generate anew on every run.
func canonicalString(text string) string {
	if strings.Contains(text, "-----BEGIN") {
		return "<pem>"
	}
	if strings.HasPrefix(text, "ssh-rsa ") || strings.HasPrefix(text, "ssh-ed25519 ") {
		return "<ssh-key>"
	}
	if _, err := time.Parse(time.RFC3339, text); err == nil {
		return "<time>"
	}
	if len(text) >= 64 && !strings.ContainsAny(text, " \n<>{}") {
		if _, err := base64.StdEncoding.DecodeString(text); err == nil {
			return "<base64>"
		}
	}
	return text
}
