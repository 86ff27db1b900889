// The view of one resource that every policy reads: type, name, URN, properties and dependencies.

package pack

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Resource is one resource as a policy sees it: the engine's view during `pulumi preview`, or the
// mock harness's recording during the offline review.
type Resource struct {
	// Type is the type token, e.g. azure-native:network:ApplicationGateway (possibly with an API version).
	Type string
	// Name is the logical name.
	Name string
	// URN identifies the resource.
	URN string
	// ID is the physical ID when known ("" during a first preview).
	ID string
	// Properties are the resource's inputs (resource policies) or state (stack policies).
	Properties property.Map
	// PropertyDependencies maps each property to the URNs its value came from.
	PropertyDependencies map[string][]string
}

// apiVersion matches the API version segment azure-native adds to explicit-version type tokens.
var apiVersion = regexp.MustCompile(`/v\d{8}(preview)?$`)

// BaseType returns a type token without its azure-native API version segment
// (azure-native:apimanagement/v20240501:Backend becomes azure-native:apimanagement:Backend); other
// tokens come back unchanged.
func BaseType(token string) string {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return token
	}
	return parts[0] + ":" + apiVersion.ReplaceAllString(parts[1], "") + ":" + parts[2]
}

// TypeIs reports whether token is want, ignoring an azure-native API version segment, so
// azure-native:apimanagement/v20240501:Backend is an azure-native:apimanagement:Backend. A want with
// a version matches only that version.
func TypeIs(token, want string) bool {
	return token == want || BaseType(token) == want
}

// Is reports whether the resource has one of the types.
func (r Resource) Is(types ...string) bool {
	key := r.TypeKey()
	for _, want := range types {
		if TypeIs(r.Type, want) || key == want {
			return true
		}
	}
	return false
}

// At returns the value at a path of map keys (strings) and array indexes (ints); null when absent.
func (r Resource) At(segments ...any) property.Value {
	return at(property.New(r.Properties), segments...)
}

// Path returns the value at a dotted path such as "sslPolicy.policyName" or "listeners[0].protocol".
// Keys that contain dots need At.
func (r Resource) Path(path string) property.Value {
	return at(property.New(r.Properties), parsePath(path)...)
}

// String returns the string at a dotted path ("" when absent, unknown or not a string).
func (r Resource) String(path string) string {
	return stringOf(r.Path(path))
}

// Bool returns the boolean at a dotted path, and whether it is a known boolean.
func (r Resource) Bool(path string) (value, known bool) {
	v := r.Path(path)
	if !v.IsBool() {
		return false, false
	}
	return v.AsBool(), true
}

// Array returns the array at a dotted path (empty when absent or not an array).
func (r Resource) Array(path string) []property.Value {
	v := r.Path(path)
	if !v.IsArray() {
		return nil
	}
	return v.AsArray().AsSlice()
}

// Unknown reports whether the value at a dotted path is not known yet (computed during a preview),
// in which case a policy cannot judge it and stays silent.
func (r Resource) Unknown(path string) bool {
	return r.Path(path).IsComputed()
}

// DependsThrough reports whether the property's value came from the resource with the given URN.
func (r Resource) DependsThrough(propertyName, urn string) bool {
	for _, dependency := range r.PropertyDependencies[propertyName] {
		if dependency == urn {
			return true
		}
	}
	return false
}

// at walks a value along segments.
func at(value property.Value, segments ...any) property.Value {
	for _, segment := range segments {
		switch key := segment.(type) {
		case string:
			if !value.IsMap() {
				return property.Value{}
			}
			value = value.AsMap().Get(key)
		case int:
			if !value.IsArray() || key < 0 || key >= value.AsArray().Len() {
				return property.Value{}
			}
			value = value.AsArray().Get(key)
		default:
			return property.Value{}
		}
	}
	return value
}

// parsePath splits "a.b[0].c" into "a", "b", 0, "c".
func parsePath(path string) []any {
	var segments []any
	for _, part := range strings.Split(path, ".") {
		name, rest, indexed := strings.Cut(part, "[")
		if name != "" {
			segments = append(segments, name)
		}
		for indexed {
			number, after, _ := strings.Cut(rest, "]")
			index, err := strconv.Atoi(number)
			if err != nil {
				return append(segments, part) // never matches: a malformed path finds nothing
			}
			segments = append(segments, index)
			_, rest, indexed = strings.Cut(after, "[")
		}
	}
	return segments
}

// stringOf returns a value's string, or "".
func stringOf(v property.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return ""
}

// lastSegment returns what follows the last "/" of an ARM ID or token.
func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// propertyString makes a string property value.
func propertyString(text string) property.Value {
	return property.New(text)
}
