// Queries over recorded resources: type-token matching and property paths into inputs and outputs.

package harness

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// TypeMatches reports whether a registered type token matches want. A want without an API version
// matches the token with or without one (azure-native:containerservice:ManagedCluster matches
// azure-native:containerservice/v20241001:ManagedCluster); a want with a version matches exactly. It
// is the policy pack's rule (pack.TypeIs), so tests, review and policies agree on what a type is.
func TypeMatches(token, want string) bool {
	return pack.TypeIs(token, want)
}

// pathSegment is one step of a property path: an object key or an array index.
type pathSegment struct {
	key   string
	index int
}

// parsePath splits "a.b[0].c" into segments. A backslash makes the next character literal, for keys
// that contain dots: metadata.labels.istio\\.io/rev.
func parsePath(path string) ([]pathSegment, error) {
	var parts []string
	var part strings.Builder
	for i := 0; i < len(path); i++ {
		switch {
		case path[i] == '\\' && i+1 < len(path):
			i++
			part.WriteByte(path[i])
		case path[i] == '.':
			parts = append(parts, part.String())
			part.Reset()
		default:
			part.WriteByte(path[i])
		}
	}
	parts = append(parts, part.String())

	var segments []pathSegment
	for _, part := range parts {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			segments = append(segments, pathSegment{key: key, index: -1})
		}
		for rest != "" {
			number, after, ok := strings.Cut(rest, "]")
			index, err := strconv.Atoi(number)
			if !ok || err != nil {
				return nil, fmt.Errorf("bad index in property path %q", path)
			}
			segments = append(segments, pathSegment{index: index})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return segments, nil
}

// Lookup follows a property path ("addressSpace.addressPrefixes[0]") through a property map, looking
// through secrets. It reports whether the path exists.
func Lookup(properties resource.PropertyMap, path string) (resource.PropertyValue, bool) {
	value, _, ok := follow(properties, path)
	return value, ok
}

// follow walks a property path and returns the value found (secrets unwrapped), whether any value on
// the way (or the value itself) was a secret, and whether the path exists.
func follow(properties resource.PropertyMap, path string) (resource.PropertyValue, bool, bool) {
	segments, err := parsePath(path)
	if err != nil {
		return resource.PropertyValue{}, false, false
	}
	value, secret := resource.NewObjectProperty(properties), false
	for _, segment := range segments {
		secret = secret || value.IsSecret()
		value = unwrapSecret(value)
		switch {
		case segment.index < 0 && value.IsObject():
			next, ok := value.ObjectValue()[resource.PropertyKey(segment.key)]
			if !ok {
				return resource.PropertyValue{}, secret, false
			}
			value = next
		case segment.index >= 0 && value.IsArray() && segment.index < len(value.ArrayValue()):
			value = value.ArrayValue()[segment.index]
		default:
			return resource.PropertyValue{}, secret, false
		}
	}
	return unwrapSecret(value), secret || value.IsSecret(), true
}

// unwrapSecret returns the value inside a secret, or the value itself.
func unwrapSecret(value resource.PropertyValue) resource.PropertyValue {
	for value.IsSecret() {
		value = value.SecretValue().Element
	}
	return value
}

// Plain converts a property value to plain Go values (string, float64, bool, []any, map[string]any,
// nil), looking through secrets.
func Plain(value resource.PropertyValue) any {
	value = unwrapSecret(value)
	switch {
	case value.IsString():
		return value.StringValue()
	case value.IsNumber():
		return value.NumberValue()
	case value.IsBool():
		return value.BoolValue()
	case value.IsArray():
		items := make([]any, 0, len(value.ArrayValue()))
		for _, item := range value.ArrayValue() {
			items = append(items, Plain(item))
		}
		return items
	case value.IsObject():
		object := map[string]any{}
		for key, item := range value.ObjectValue() {
			object[string(key)] = Plain(item)
		}
		return object
	case value.IsResourceReference():
		return string(value.ResourceReferenceValue().URN)
	default:
		return nil
	}
}

// Input returns the plain value of an input path, or nil when absent.
func (r *Resource) Input(path string) any {
	return plainAt(r.Inputs, path)
}

// InputString returns an input path as a string ("" when absent or not a string).
func (r *Resource) InputString(path string) string {
	text, _ := r.Input(path).(string)
	return text
}

// Output returns the plain value of an output path, or nil when absent.
func (r *Resource) Output(path string) any {
	return plainAt(r.Outputs, path)
}

// OutputString returns an output path as a string ("" when absent or not a string).
func (r *Resource) OutputString(path string) string {
	text, _ := r.Output(path).(string)
	return text
}

// plainAt returns the plain value at a property path, or nil when absent.
func plainAt(properties resource.PropertyMap, path string) any {
	value, ok := Lookup(properties, path)
	if !ok {
		return nil
	}
	return Plain(value)
}

// IsSecretInput reports whether the input at path is (inside) a secret.
func (r *Resource) IsSecretInput(path string) bool {
	return isSecretAt(r.Inputs, path)
}

// IsSecretOutput reports whether the output at path is (inside) a secret.
func (r *Resource) IsSecretOutput(path string) bool {
	return isSecretAt(r.Outputs, path)
}

// isSecretAt reports whether the value at path, or any value on the way to it, is a secret.
func isSecretAt(properties resource.PropertyMap, path string) bool {
	_, secret, ok := follow(properties, path)
	return ok && secret
}

// DependsOn reports whether r waits, directly, for other.
func (r *Resource) DependsOn(other *Resource) bool {
	for _, urn := range r.directDependencies() {
		if urn == other.URN {
			return true
		}
	}
	return false
}

// ProviderURN returns the URN part of the resource's provider reference (`<urn>::<id>`), or "".
func (r *Resource) ProviderURN() string {
	if index := strings.LastIndex(r.Provider, "::"); index > 0 {
		return r.Provider[:index]
	}
	return ""
}
