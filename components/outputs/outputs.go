// Package outputs builds the outputs a component registers from the component's own struct, so every
// output is declared once: as an exported field with a `pulumi:"name"` tag. Before it, each component
// listed its outputs twice, as tagged fields and again in a hand-written map for
// ctx.RegisterResourceOutputs, and nothing kept the two in step.
//
// The package is pure: it imports only the Pulumi SDK and reads nothing but the struct it is given.
package outputs

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tag is the struct tag that names a component output, the tag the Pulumi SDK reads on resource structs.
const Tag = "pulumi"

// InlineOption is the tag option (`pulumi:",inline"`) of a map field whose entries are registered flat,
// each under its key (see Of).
const InlineOption = "inline"

// inputType is pulumi.Input: every Output type and every Input interface implements it.
var inputType = reflect.TypeFor[pulumi.Input]()

// Of returns the outputs of component, a component struct or a pointer to one, for
// ctx.RegisterResourceOutputs. It reads the struct's exported fields:
//
//   - A field tagged `pulumi:"name"` whose type implements pulumi.Input (every Output type, pulumi.Map,
//     and Input interfaces such as pulumi.StringInput) is registered under name.
//   - A field tagged `pulumi:"name"` that is a Go map with string keys and pulumi.Input values (for
//     example map[string]pulumi.StringOutput) is registered under name as a nested pulumi.Map, the
//     shape a pulumi.StringMapOutput field registers.
//   - A field tagged `pulumi:",inline"` that is a map with string keys and struct (or pointer to struct)
//     values registers each entry's own tagged fields, by the same rules, under the entry's key
//     followed by the field's name with its first letter upper-cased: an entry "apimClient" whose
//     struct has CertificatePEM `pulumi:"certificatePem"` gives apimClientCertificatePem. Nil entries
//     are left out.
//
// Fields without the tag, tagged `pulumi:"-"` or unexported are not outputs and are left out, and so
// is the embedded pulumi.ResourceState (untagged): Go-only fields such as a component's []pulumi.Resource
// dependencies stay on the struct. A tagged value that is unset (a nil Input interface, map or
// pointer, or an Output never assigned) is left out too: there is nothing to register.
//
// Of panics, naming the field, on a tagged field of any other type, on an inline tag of a field that is
// not such a map, and on two fields that give the same name. Each is a mistake in the component's
// declaration that no input can cause, and it shows on the first run of the program (every component
// calls Of), the way regexp.MustCompile reports a bad constant pattern.
func Of(component any) pulumi.Map {
	value := reflect.ValueOf(component)
	if value.Kind() == reflect.Pointer && !value.IsNil() {
		value = value.Elem()
	}
	if value.Kind() != reflect.Struct {
		panic(fmt.Sprintf("outputs: %T is not a component struct or a non-nil pointer to one", component))
	}
	registered := pulumi.Map{}
	addFields(registered, "", value)
	return registered
}

// addFields registers the tagged fields of the struct value, their names prefixed with prefix.
func addFields(registered pulumi.Map, prefix string, value reflect.Value) {
	structType := value.Type()
	owner := structType.Name()
	if owner == "" {
		owner = "struct" // an anonymous struct type
	}
	for i := range structType.NumField() {
		field := structType.Field(i)
		tag, tagged := field.Tag.Lookup(Tag)
		if !tagged || tag == "-" || !field.IsExported() {
			continue
		}
		name, option, _ := strings.Cut(tag, ",")
		fieldValue := value.Field(i)
		where := owner + "." + field.Name
		switch {
		case option == InlineOption && name == "" && isMapOf(field.Type, isStructOrPointerToStruct):
			addInline(registered, prefix, fieldValue)
		case option == "" && name != "" && field.Type.Implements(inputType):
			if !unset(fieldValue) {
				add(registered, outputName(prefix, name), fieldValue.Interface().(pulumi.Input), where)
			}
		case option == "" && name != "" && isMapOf(field.Type, implementsInput):
			if !unset(fieldValue) {
				add(registered, outputName(prefix, name), nestedMap(fieldValue), where)
			}
		default:
			panic(fmt.Sprintf("outputs: field %s (%s) has tag %s:%q, but only a named pulumi.Input, a named map of them "+
				"or an inline map of structs is an output; remove the tag of a field that is not one", where, field.Type, Tag, tag))
		}
	}
}

// addInline registers the tagged fields of every non-nil entry of an inline map, in key order, each
// prefixed with its entry's key.
func addInline(registered pulumi.Map, prefix string, entries reflect.Value) {
	keys := entries.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	for _, key := range keys {
		entry := entries.MapIndex(key)
		if entry.Kind() == reflect.Pointer {
			if entry.IsNil() {
				continue
			}
			entry = entry.Elem()
		}
		addFields(registered, outputName(prefix, key.String()), entry)
	}
}

// nestedMap converts a Go map of Inputs to a pulumi.Map, leaving out unset values.
func nestedMap(entries reflect.Value) pulumi.Map {
	nested := pulumi.Map{}
	iterator := entries.MapRange()
	for iterator.Next() {
		if !unset(iterator.Value()) {
			nested[iterator.Key().String()] = iterator.Value().Interface().(pulumi.Input)
		}
	}
	return nested
}

// add registers one output, refusing a name another field already gave.
func add(registered pulumi.Map, name string, value pulumi.Input, where string) {
	if _, taken := registered[name]; taken {
		panic(fmt.Sprintf("outputs: field %s registers %q, which another field already registers", where, name))
	}
	registered[name] = value
}

// outputName is name under prefix: prefix followed by name with its first letter upper-cased, or name
// alone without a prefix.
func outputName(prefix, name string) string {
	if prefix == "" {
		return name
	}
	first, size := utf8.DecodeRuneInString(name)
	return prefix + string(unicode.ToUpper(first)) + name[size:]
}

// unset reports whether value holds nothing to register: a nil interface, pointer, map or slice, or an
// Output never assigned (its zero value has no state). Scalar Inputs such as pulumi.String("") are set.
func unset(value reflect.Value) bool {
	switch value.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
		return value.IsNil()
	case reflect.Struct:
		return value.IsZero()
	default:
		return false
	}
}

// isMapOf reports whether t is a map with string keys whose values satisfy element.
func isMapOf(t reflect.Type, element func(reflect.Type) bool) bool {
	return t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && element(t.Elem())
}

// implementsInput reports whether t is a pulumi.Input.
func implementsInput(t reflect.Type) bool {
	return t.Implements(inputType)
}

// isStructOrPointerToStruct reports whether t is a struct or a pointer to one whose fields Of reads:
// not an Output, which is a struct too but one value.
func isStructOrPointerToStruct(t reflect.Type) bool {
	if t.Implements(inputType) {
		return false
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !t.Implements(inputType)
}
